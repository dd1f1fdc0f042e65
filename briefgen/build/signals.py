"""A build's signals: while workers run, SIGINT and SIGTERM only ask it to stop, and while
it stops, they wait."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from ..errors import Stopped


class StopRequests:
    """While workers run, SIGINT and SIGTERM only ask the build to stop: the build loop
    honours the request between waits, never in the middle of the pool's own work (a
    signal unwinding through the pool's internals could leave its locks held)."""

    def __init__(self):
        self.signum: int | None = None
        self.previous: dict = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._asked)
        return self

    def _asked(self, signum, frame) -> None:
        self.signum = self.signum or signum

    def __exit__(self, *exc) -> None:
        if self.signum is not None:      # stopping: a second signal waits for the unwinding
            return
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def honour(self) -> None:
        """Stop as the handler in place before would have (the command line's exits 130 or
        143); with no handler of Python's, as a stop: 128 + the signal."""
        if self.signum is None:
            return
        handler = self.previous.get(self.signum)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if callable(handler):
            handler(self.signum, None)
        raise Stopped(128 + self.signum)


@contextmanager
def signals_held():
    """Interrupts and stops wait (in the main thread) until the block is done."""
    held = {signal.SIGINT, signal.SIGTERM}
    main = threading.current_thread() is threading.main_thread()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held) if main else None
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
