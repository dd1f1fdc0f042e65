"""Resource limits, with safe defaults, set in the project file's ``limits:`` section.

Data that many people edit and templates that non-programmers write run
unattended: every input is bounded before it is validated, and every render
is bounded in time and in size, so a mistake or a hostile file becomes one
clear error instead of a hang, a crash or a full disk.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import RenderError


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
