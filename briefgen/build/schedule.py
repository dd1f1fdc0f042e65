"""Running builds over and over: on every save (``watch``) or on a cron expression
(``schedule``).  Both keep going after a failed build and show what failed."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError


def watched_paths(project) -> list[Path]:
    candidates = [project.data, project.templates, project.themes]
    if project.file is not None:
        candidates.append(project.file)
    return [p for p in candidates if p.exists()]


def watch(project, run: Callable[[], None], debounce_ms: int = 400, stop=None) -> None:
    """Run once, then again after each burst of changes to the project's inputs."""
    from watchfiles import watch as changes

    run()
    for _ in changes(*watched_paths(project), debounce=debounce_ms, stop_event=stop,
                     watch_filter=lambda change, path: not path.endswith("~")):
        run()


def next_run(expression: str, after: dt.datetime) -> dt.datetime:
    """The first time after ``after`` that the cron expression names."""
    from croniter import CroniterBadCronError, croniter

    if len(expression.split()) not in (5, 6):
        raise UsageError(f"found the cron expression '{expression[:80]}', which is not "
                         "valid; expected five fields (minute hour day month weekday, and "
                         "optionally seconds last) such as '0 6 * * 1-5'")
    try:
        return croniter(expression, after).get_next(dt.datetime)
    except (CroniterBadCronError, ValueError, KeyError) as error:
        raise UsageError(f"found the cron expression '{expression}', which is not valid "
                         f"({error}); expected five fields (and optionally seconds last) such as "
                         "'0 6 * * 1-5'") from None


def schedule(expression: str, run: Callable[[], int], runs: int | None = None,
             announce: Callable[[dt.datetime], None] = lambda when: None) -> int:
    """Sleep until each time the expression names and run; ``runs`` stops after that many
    and returns the last run's exit code."""
    done, code = 0, 0
    while runs is None or done < runs:
        when = next_run(expression, dt.datetime.now())
        announce(when)
        time.sleep(max(0.0, (when - dt.datetime.now()).total_seconds()))
        code = run()
        done += 1
    return code
