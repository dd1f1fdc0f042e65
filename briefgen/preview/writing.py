"""``preview --write``: after each change, the normal incremental build into the output
folder, as ``briefgen build`` runs it.

The build runs in a process of its own, one at a time (a change during a build asks
for one more after it): its PDF and DOCX renders take seconds that would otherwise hold
up the preview's pages, it keeps its own limits, lock and signal handling, and its
summary lines are printed as ``briefgen build`` prints them.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

STOP_WAIT = 30.0      # seconds a stopped build has to finish unwinding


class Builds:
    """The builds of one preview, run in turn."""

    def __init__(self, root: Path):
        self.command = [sys.executable, "-m", "briefgen", "build", "--project", str(root)]
        self.task: asyncio.Task | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.again = False
        self.stopping = False
        self.runs = 0

    def request(self) -> None:
        """A build now, or one more once the running one is done."""
        if self.stopping:
            return
        if self.task is not None and not self.task.done():
            self.again = True
            return
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while not self.stopping:
            self.again = False
            self.process = await asyncio.create_subprocess_exec(
                *self.command, stdin=subprocess.DEVNULL)
            await self.process.wait()
            self.runs += 1
            if not self.again:
                return

    async def stop(self) -> None:
        """End the running build, if any (it unwinds as on Ctrl-C: outputs stay whole)."""
        self.stopping = True
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, STOP_WAIT)
            except TimeoutError:
                self.process.kill()
