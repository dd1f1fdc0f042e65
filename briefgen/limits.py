"""Resource limits, with safe defaults, set in the project file's ``limits:`` section.

Data that many people edit and templates that non-programmers write run
unattended: every input is bounded before it is validated, and every render
is bounded in time, in memory and in size, so a mistake or a hostile file
becomes one clear error instead of a hang, a crash, a machine out of memory or
a full disk.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import Location, Problem, RenderError

try:
    import resource
except ImportError:      # not a Unix: renders are bounded in time and output size only
    resource = None


@dataclass(frozen=True)
class Limits:
    max_input_bytes: int = 2_000_000          # one data, theme or project file
    max_yaml_values: int = 200_000            # values after aliases are expanded
    max_depth: int = 40                       # nesting of mappings and lists
    max_text_chars: int = 100_000             # one text field
    max_table_rows: int = 5_000               # one table
    max_render_seconds: float = 120.0         # one document, template to bytes
    max_output_bytes: int = 100_000_000       # one document
    max_markdown_chars: int = 20_000_000      # what one template may produce
    max_render_memory: int = 1 << 30          # bytes one document's render may take


DEFAULT_LIMITS = Limits()


@contextmanager
def time_limit(seconds: float, file: str, what: str, limit: float | None = None):
    """Stop the work inside after ``seconds`` with a ``RenderError`` at ``file`` saying
    that rendering ``what`` ("the public PDF") took longer than ``limit`` (the configured
    limit, when ``seconds`` is what an earlier stage left of it).

    Uses SIGALRM, so it applies in a process's main thread (the command line and
    build workers); elsewhere the work runs unbounded in time.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise RenderError.at(file, f"rendering {what} took longer than "
                                   f"{limit or seconds:g} s (limits: max_render_seconds); a "
                                   "template may loop without end, or the data is too large")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def memory_limit(max_bytes: int, file: str, what: str):
    """Let the work inside take at most ``max_bytes`` more memory than the process holds
    now; past that, a ``RenderError`` at ``file`` saying that rendering ``what`` needed
    more (limits: max_render_memory), and the memory it took is given back.

    On Linux, in a process's main thread, it lowers the soft RLIMIT_DATA for the
    duration, so an allocation past the bound fails at once (a MemoryError) instead of
    taking the machine's memory; elsewhere the work runs unbounded in memory.
    RLIMIT_DATA rather than RLIMIT_AS: it counts the heap and anonymous mappings but not
    the stack, so a process at its bound can still grow its stack to raise and report
    the error (at an RLIMIT_AS bound it dies of SIGSEGV instead).  Nested bounds only
    tighten: the inner one never lifts the outer one.  No process or thread should be
    started inside: it would keep the lowered bound.
    """
    with _signals_held():
        previous = _lower_data_limit(max_bytes)
    exhausted, where = False, None
    try:
        yield
    except MemoryError as error:
        where = getattr(error, "where", None)
        release(error)
        exhausted = True
    finally:
        if previous is not None:
            with _signals_held():
                resource.setrlimit(resource.RLIMIT_DATA, previous)
    if exhausted:
        problems = [Problem(Location(file), "", f"rendering {what} needed more than "
                            f"{_size(max_bytes)} of memory (limits: max_render_memory); a "
                            "template may build ever larger text or lists, or the data is "
                            "too large")]
        if where is not None:
            problems.append(Problem(where, "", "memory ran out while this template line ran"))
        raise RenderError(problems)


class OutOfMemory(MemoryError):
    """A MemoryError that knows where the work was when memory ran out (a template's
    line), raised afresh in place of the original so that it holds nothing of the
    failed work; ``memory_limit`` reports the place."""

    def __init__(self, where: Location):
        super().__init__(f"memory ran out at {where}")
        self.where = where


@contextmanager
def bounded(limits: Limits, file: str, what: str, seconds: float | None = None):
    """One document's render bounded in memory (``max_render_memory``) and in time:
    ``seconds`` if given (what an earlier stage left of it), else
    ``max_render_seconds``; errors name ``file`` and ``what`` ("the public PDF").  The
    clock runs inside the memory bound so that it is stopped before the bound is lifted."""
    with memory_limit(limits.max_render_memory, file, what), \
            time_limit(limits.max_render_seconds if seconds is None else seconds, file, what,
                       limits.max_render_seconds):
        yield


def release(error: BaseException) -> None:
    """Give back what a failed render held: an error's traceback keeps every frame it
    passed through, with their locals (the huge string or list), for as long as the
    error, or an error raised while handling it, is kept."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__context__ or error.__cause__
    gc.collect()


@contextmanager
def _signals_held():
    """Signals wait while the bound is set or lifted: a time limit (SIGALRM) or a stop
    raising in between would leave the process bounded after the work."""
    if resource is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGALRM, signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _lower_data_limit(max_bytes: int) -> tuple[int, int] | None:
    """The soft RLIMIT_DATA lowered to what the process uses now plus ``max_bytes`` (never
    raised); the limits it replaced, or None where there is no such bound (or
    ``max_bytes`` is 0: no limit)."""
    if resource is None or max_bytes <= 0 or not sys.platform.startswith("linux") or \
            threading.current_thread() is not threading.main_thread():
        return None
    used = _data_in_use()
    if used is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    target = used + max_bytes
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            target = min(target, bound)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (target, hard))
    except (OSError, ValueError):
        return None
    return soft, hard


def _data_in_use() -> int | None:
    """The process's data segment (heap and private writable mappings), from /proc."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _size(count: int) -> str:
    return f"{count / (1 << 20):g} MiB" if count >= 1 << 20 else f"{count} bytes"
