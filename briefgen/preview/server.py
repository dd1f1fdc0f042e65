"""Running the preview: the socket, the server, the watcher and the builds, until a
signal stops them.

The socket is bound here, before the server starts, so that a port in use or an address
that cannot be had is one message; ``--port 0`` takes any free port, and the URL says
which.  Renders run in the server's own thread, the process's main one, where the
project's limits bound them in time and memory; the renders of a change are done
before the change is announced to the pages.  SIGINT or SIGTERM stop the server
gracefully: the event streams end, the watcher and any build stop, and ``serve``
returns the signal's number for the command line to exit with.  A signal that comes
while a render holds the loop ends the render at once (``Stopped``, raised into it and
caught where the render was asked for), and the server then stops as from idle, rather
than after the render's time bound.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from ..errors import BriefgenError, Stopped, UsageError
from ..project import Project
from .app import create_app
from .events import Hub
from .guard import Served
from .table import Rebuilt, Table
from .watching import Watcher
from .writing import Builds

SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE = 2             # seconds open connections have to close once stopped


class Preview:
    """A running preview: what each change does (rebuild, tell the pages, print what
    happened, build into the output folder with --write)."""

    def __init__(self, table: Table, hub: Hub, say: Callable[[str], None],
                 builds: Builds | None = None):
        self.table, self.hub, self.say, self.builds = table, hub, say, builds

    def changed(self) -> Rebuilt | None:
        try:
            rebuilt = self.table.rebuild()
        except Stopped:          # a signal ended the render: the server is stopping
            return None
        self.hub.publish(self.table.version, rebuilt)
        self.report(rebuilt)
        if self.builds is not None and (rebuilt.rendered or rebuilt.pages):
            self.builds.request()
        return rebuilt

    def report(self, rebuilt: Rebuilt) -> None:
        """One line for the renders of a change, then each problem now shown, once."""
        if rebuilt.rendered:
            self.say(f"rendered {len(rebuilt.rendered)} page(s) in "
                     f"{rebuilt.seconds * 1000:.0f} ms")
        shown: list = []
        for name, audience in rebuilt.pages:
            page = self.table.page(name, audience)
            if page is not None:
                shown.extend(p for p in self.table.problems_of(page) if p not in shown)
        for problem in shown:
            self.say(str(problem))


class _Server(uvicorn.Server):
    """uvicorn's server, stopped by SIGINT and SIGTERM as briefgen's commands are: the
    signal is kept for the exit code, not raised again once the server has stopped."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None],
                 busy: Callable[[], bool] = lambda: False):
        super().__init__(config)
        self.on_stop, self.busy, self.signum = on_stop, busy, 0
        self.loop: asyncio.AbstractEventLoop | None = None     # set once it runs

    @contextmanager
    def capture_signals(self):
        previous = {number: signal.signal(number, self.handle_exit) for number in SIGNALS}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def handle_exit(self, sig: int, frame) -> None:
        super().handle_exit(sig, frame)
        self.signum = self.signum or sig
        if self.loop is not None:         # a signal handler may not touch the loop itself
            self.loop.call_soon_threadsafe(self.on_stop)
        if self.busy():        # a render holds the loop: end it now; the loop then stops
            raise Stopped(128 + sig)


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000, write: bool = False,
          say: Callable[[str], None] = print) -> int:
    """Serve the preview of the project at ``root`` until a signal stops it; returns the
    signal's number (0 if the server stopped otherwise)."""
    check_root(root)
    with listen(host, port) as listening:
        served = Served.at(host, *listening.getsockname()[:2])
        table, hub = Table(root), Hub()
        preview = Preview(table, hub, say, Builds(root) if write else None)
        preview.report(table.rebuild())
        watcher = Watcher(table, preview.changed, say)
        server = _Server(configured(create_app(table, served, hub)),
                         lambda: (hub.close(), watcher.stop()), lambda: table.busy)
        asyncio.run(_running(server, listening, watcher,
                             lambda: (preview.changed(), announce(served, say)),
                             preview.builds))
    return server.signum


def configured(app) -> uvicorn.Config:
    """uvicorn for one local user: no access log, no logging set up of its own."""
    return uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                          lifespan="off", http="h11", ws="none", loop="asyncio",
                          timeout_graceful_shutdown=GRACE)


def announce(served: Served, say: Callable[[str], None]) -> None:
    say(f"preview at {served.url} (Ctrl-C stops)")
    if not served.loopback:
        say(f"warning: listening on {served.host}, not a loopback address: anyone who can "
            f"reach this machine on port {served.port} can read the briefs")


async def _running(server: _Server, listening: socket.socket, watcher: Watcher,
                   ready: Callable[[], None], builds: Builds | None) -> None:
    """The server and the watcher together; once the watcher is set up, a rebuild for
    what changed meanwhile, then ``ready``; with --write, a first build at once."""
    server.loop = asyncio.get_running_loop()
    watching = asyncio.create_task(watcher.run(ready))
    if builds is not None:
        builds.request()
    try:
        await server.serve(sockets=[listening])
    finally:
        watcher.stop()
        if builds is not None:
            await builds.stop()
        await watching


def check_root(root: Path) -> None:
    """A project to preview: its folder and its data folder must be there (a project
    file with problems is shown in the preview, and fixed while it runs)."""
    if not root.is_dir():
        raise UsageError(f"no project folder at {root}: pass --project FOLDER")
    try:
        project = Project.at(root)
    except UsageError:
        raise
    except BriefgenError:
        return
    project.brief_files()          # a UsageError if there is no data folder


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host`` and ``port``, or one message saying why not."""
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise UsageError(f"cannot listen on '{host[:80]}': no such address ({error}); "
                         "expected an address of this machine such as 127.0.0.1") from None
    try:
        return socket.create_server(address, family=family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is in use; pass another with --port, "
                             "or --port 0 for any free port") from None
        raise UsageError(f"cannot listen on {host} port {port}: "
                         f"{error.strerror or error}") from None
