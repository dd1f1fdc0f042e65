"""Watching the project's inputs for the preview: every save calls ``changed`` at once.

Two watchers run side by side: one on the input folders (data, templates, themes:
``schedule.watched_paths``), recursively, and one on the project folder alone, not
recursively, for the project file (an editor that saves by replacing the file is seen
there too) and for an input folder that appears or goes.  When the folders to watch
change (the project file names others), the folder watcher starts again on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from pathlib import Path

from watchfiles import DefaultFilter, awatch

from ..build.schedule import watched_paths
from ..resources import PROJECT_FILE
from .table import Table

STEP_MS = 20          # a burst of changes ends after this long without another
DEBOUNCE_MS = 250     # and is never gathered for longer than this
DEFAULT_FOLDERS = ("data", "templates", "themes")    # while the project file is broken


class Watcher:
    """Call ``changed`` after each burst of changes to the inputs of ``table``'s project."""

    def __init__(self, table: Table, changed: Callable[[], None],
                 failed: Callable[[str], None] = print):
        self.table, self.changed, self.failed = table, changed, failed
        self.stopping = False
        self.restart = asyncio.Event()       # set: watch the folders afresh
        self.halt = asyncio.Event()          # set: stop watching the project folder
        self.watching: tuple = ()
        self.filter = DefaultFilter()

    def folders(self) -> tuple[Path, ...]:
        """The input folders of the project as last read, and while it cannot be read,
        the default ones too."""
        project = self.table.project
        paths = watched_paths(project) if project is not None else []
        if project is None or self.table.problems:
            paths += [self.table.root / name for name in DEFAULT_FOLDERS]
        return tuple(dict.fromkeys(path for path in paths if path.is_dir()))

    def top_names(self) -> set[str]:
        """The names in the project folder whose change matters: the project file, and
        the first part of each input folder's path."""
        root = self.table.root.resolve()
        names = {PROJECT_FILE}
        for folder in self.folders() + tuple(self.table.root / n for n in DEFAULT_FOLDERS):
            try:
                names.add(folder.resolve().relative_to(root).parts[0])
            except (ValueError, IndexError):
                continue
        return names

    async def run(self, ready: Callable[[], None] = lambda: None) -> None:
        """Watch until stopped; ``ready`` is called once both watches are set up (a
        watch is set up by the time it first waits), so that a change made before then
        is caught by a rebuild there."""
        watches = [asyncio.create_task(self._kept(self._watch_folders(), "the input folders")),
                   asyncio.create_task(self._kept(self._watch_project(), "the project folder"))]
        for _ in watches:
            await asyncio.sleep(0)
        ready()
        await asyncio.gather(*watches)

    async def _kept(self, watch, what: str) -> None:
        """A watch that the system refuses (no more watches to be had, a folder gone)
        is one message; the preview goes on serving."""
        try:
            await watch
        except (OSError, RuntimeError) as error:
            self.failed(f"{what} can no longer be watched ({error}); saves there are not "
                        "seen until the preview is started again")

    def stop(self) -> None:
        self.stopping = True
        self.restart.set()
        self.halt.set()

    def _changed(self) -> None:
        self.changed()
        if self.folders() != self.watching:
            self.restart.set()

    async def _watch_folders(self) -> None:
        while not self.stopping:
            self.restart = asyncio.Event()
            self.watching = self.folders()
            if not self.watching:
                await self.restart.wait()
                continue
            async with aclosing(awatch(*self.watching, stop_event=self.restart,
                                       step=STEP_MS, debounce=DEBOUNCE_MS,
                                       watch_filter=self.filter)) as changes:
                async for _ in changes:
                    self._changed()

    async def _watch_project(self) -> None:
        names = self.top_names()

        def at_top(change, path: str) -> bool:
            return Path(path).name in names and self.filter(change, path)

        async with aclosing(awatch(self.table.root, stop_event=self.halt, step=STEP_MS,
                                   debounce=DEBOUNCE_MS, recursive=False,
                                   watch_filter=at_top)) as changes:
            async for _ in changes:
                self._changed()
                names |= self.top_names()
