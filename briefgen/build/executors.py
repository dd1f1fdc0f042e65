"""Where a build's work runs: any ``concurrent.futures.Executor``.

An executor is a plug-in: a function registered under the entry-point group
``briefgen.executors``, named by the scheme of the ``--executor`` URL it serves, that
takes that URL and the number of jobs and returns the executor.  briefgen registers
``process`` (its own pool of worker processes, the default with ``--jobs`` above 1) and
``dask`` (``dask://HOST:PORT``, an existing Dask distributed cluster; the ``dask``
extra).  Without ``--jobs`` or ``--executor`` the work runs in this process.
"""

from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import Executor, Future
from importlib import metadata

from ..errors import INTERRUPTS, UsageError

GROUP = "briefgen.executors"


class InProcess(Executor):
    """Runs each call at once, in this process (a build with one job)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except INTERRUPTS:
            raise
        except BaseException as error:  # noqa: BLE001 - the caller's future holds it
            future.set_exception(error)
        return future


class Deferred(Executor):
    """An executor made when the first work is sent to it: a build with nothing to do
    pays nothing for the pool it would have used."""

    def __init__(self, make):
        self.make, self.made = make, None

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self.made is None:
            self.made = self.make()
        return self.made.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self.made is not None:
            self.made.shutdown(wait=wait, cancel_futures=cancel_futures)


def executor_for(url: str | None, jobs: int) -> Executor:
    """The executor an ``--executor`` URL names, else this process's own pool (with
    ``jobs`` above 1) or this process."""
    if url is None:
        return process_pool("process://", jobs) if jobs > 1 else InProcess()
    scheme = url.partition("://")[0] if "://" in url else ""
    entries = list(metadata.entry_points(group=GROUP))
    found = {entry.value for entry in entries if entry.name == scheme}
    if not found:
        raise UsageError(f"found the executor '{url[:200]}', expected a URL whose scheme is "
                         f"one of {', '.join(sorted({e.name for e in entries}))} (such as "
                         "dask://HOST:PORT)")
    if len(found) > 1:
        raise UsageError(f"the executor scheme '{scheme}' is registered by more than one "
                         f"package ({'; '.join(sorted(found))}); expected one")
    return _made(next(e for e in entries if e.name == scheme), url, jobs)


def _made(entry, url: str, jobs: int) -> Executor:
    """The executor a plug-in makes; any failure of the plug-in (not a refusal it words
    itself) is one message naming it."""
    try:
        made = entry.load()(url, jobs)
    except UsageError:
        raise
    except INTERRUPTS:
        raise
    except BaseException as error:  # noqa: BLE001 - a third party's failures are many
        raise UsageError(f"the executor '{entry.name}' ({entry.value}) failed to start: "
                         f"{type(error).__name__}: {str(error)[:200]}") from None
    if not isinstance(made, Executor):
        raise UsageError(f"the executor '{entry.name}' ({entry.value}) gave "
                         f"{type(made).__name__}, expected a concurrent.futures.Executor")
    return made


def executors() -> dict[str, str]:
    """Every executor scheme in effect, with the distribution that registers it."""
    return {entry.name: _origin(entry) for entry in metadata.entry_points(group=GROUP)}


def _origin(entry) -> str:
    dist = entry.dist
    return f"{dist.name} {dist.version}" if dist is not None else entry.value


def process_pool(url: str, jobs: int) -> Executor:
    """Worker processes on this machine; on Linux they are forked (inheriting this
    process's imports and fonts) and die with the build that forked them."""
    import multiprocessing  # 25 ms together: only when used
    from concurrent.futures import ProcessPoolExecutor

    forked = sys.platform == "linux"
    context = multiprocessing.get_context("fork") if forked else None
    return ProcessPoolExecutor(max_workers=max(jobs, 1), mp_context=context,
                               initializer=start_worker,
                               initargs=(os.getpid() if forked else None,))


PR_SET_PDEATHSIG = 1


def start_worker(parent: int | None) -> None:
    """A worker process's start: the command line's signal handlers are not its own (an
    interrupt is the build's to handle, and the pool's SIGTERM ends the worker at once),
    and on Linux, death with the build that forked it (``parent``: its process id, when
    the worker was forked from it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):     # not Linux: workers end with their queue
        pass
    if parent is not None and os.getppid() != parent:   # it died before the line above
        os._exit(1)


# ----------------------------------------- this machine's pool, where CPython falls short

def dead_worker(pool: Executor) -> bool:
    """Whether a worker of this machine's pool has ended (killed, out of memory).

    The pool notices a worker's death by itself, except when the worker died in the
    middle of writing its result: the pool's reader then waits for the rest for ever.
    ``_processes`` and ``_result_queue`` are the only private members of the pool used in
    briefgen, here, in ``end_workers`` and in ``unblock``."""
    pool = getattr(pool, "made", pool)
    processes = getattr(pool, "_processes", None) or {}
    return any(process.exitcode is not None for process in list(processes.values()))


def end_workers(pool: Executor) -> None:
    """End this machine's pool's workers now (helpers readying formats for work that never
    came); the pool then breaks, and shuts down without waiting for them."""
    pool = getattr(pool, "made", pool)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def unblock(pool: Executor) -> None:
    """End the wait of a pool whose reader is stuck on a dead worker's half-written
    result: filler completes the message, which then fails to unpickle, and the pool
    breaks as it would have on that death (every unfinished part gets BrokenExecutor)."""
    import threading

    pool = getattr(pool, "made", pool)
    queue = getattr(pool, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    if writer is None:
        return

    def fill() -> None:
        try:
            while not getattr(pool, "_broken", False):
                writer.send_bytes(b"\0" * 65536)
        except (OSError, ValueError):     # the pool closed its queue: done
            pass

    threading.Thread(target=fill, daemon=True, name="briefgen-unblock").start()
