"""A build: what is outdated, rendered by an executor, written here.

Under a lock on the output folder, the manifest is read back (as untrusted input), the
planner (``plan``) turns it and the input keys into jobs, an executor (``executors``)
runs them (``work.run``: bytes, nothing written), and each brief's outputs are written
as one publication as soon as all its parts are back (``publish``); the manifest is
written last.
"""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor
from concurrent.futures import wait as waiting
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BriefgenError, BusyError, Location, Problem, UsageError
from ..files import os_problem, remove_leftovers, write_atomic
from ..project import Project
from ..renderers import formats as known_formats
from . import stages
from .executors import InProcess, executor_for
from .manifest import NAME as MANIFEST
from .manifest import Manifest
from .plan import Plan, plan
from .publish import BriefResult, Output, output_name, publish
from .work import Done, Work, run, run_elsewhere

LOCK = ".briefgen.lock"


@dataclass
class BuildReport:
    written: list[Output] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failures: list[BriefgenError] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def build(project: Project, files: list[Path] | None = None, audiences: list[str] | None = None,
          fmts: list[str] | None = None, *, strict: bool = False, force: bool = False,
          jobs: int = 1, wait: float = 0, progress=None,
          executor: str | None = None) -> BuildReport:
    """Build what is outdated; one brief's failure stops no other.  ``executor``: an
    ``--executor`` URL (``dask://HOST:PORT``); else ``jobs`` worker processes."""
    started = time.perf_counter()
    project = project.fresh()      # nothing an earlier build read is taken for current
    names, fmts = _requested(project, audiences, fmts)
    for name in names:   # a broken theme or template fails the run before anything renders
        stages.check_templates(project, project.audience(name))
        stages.check_formats(project, project.audience(name), fmts)
    paths = list(dict.fromkeys(files or project.brief_files()))
    report = BuildReport()
    _output_folder(project.out)
    with _locked(project.out, wait):
        remove_leftovers(project.out)
        manifest = _manifest(project, report)
        planned = plan(project, manifest, paths, names, fmts, force=force, strict=strict)
        report.skipped, report.failures = planned.skipped, planned.failures
        report.warnings.extend(planned.warnings)
        with _running(planned, executor, jobs) as pool:
            for result in execute(planned, pool, _workers(executor, jobs), progress):
                _collect(result, manifest, report)
        with _os_errors("writing the build manifest"):
            write_atomic(project.out / MANIFEST, manifest.dumps())
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _running(planned: Plan, url: str | None, jobs: int):
    """The executor for the plan's work (this process for one piece of work), shut down
    when done; on a failure or a stop, nothing more is started and the workers end before
    the lock is released."""
    if url is None and (len(planned.jobs) <= 1 and len(planned.formats) <= 1 or jobs <= 1
                        or not planned.jobs):
        yield InProcess()
        return
    pool = executor_for(url, jobs)
    try:
        yield pool
    except BaseException:
        with _signals_held():
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _workers(url: str | None, jobs: int) -> int:
    return max(jobs, 1) if url is None else 8 * max(jobs, 1)


def execute(planned: Plan, pool: Executor, workers: int, progress=None):
    """Each brief's result as soon as all its parts are back from ``pool``, with at most
    twice ``workers`` parts in flight (so that finished bytes are written, not hoarded)."""
    parts = split(planned, 1 if isinstance(pool, InProcess) else workers)
    if progress:
        progress("start", len(planned.jobs))
    remote = not isinstance(pool, InProcess)
    queue, pending, done = iter(parts), {}, {}
    window = 1 if not remote else 2 * workers
    while True:
        while len(pending) < window and (work := next(queue, None)) is not None:
            pending[_submit(pool, planned.project, work, remote)] = work
        if not pending:
            return
        finished, _ = waiting(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            work = pending.pop(future)
            done.setdefault(work.job, []).append(_outcome(future, work))
            if len(done[work.job]) == _count(parts, work.job):
                result = publish(planned.project, work.job, done.pop(work.job))
                if progress:
                    progress("done", result)
                yield result


def split(planned: Plan, workers: int) -> list[Work]:
    """The plan as pieces of work: a job each, or with fewer jobs than workers, a job's
    formats each (its documents are then composed in each, a small cost beside the
    renders that run at once)."""
    strict = planned.strict
    if len(planned.jobs) >= workers:
        return [Work(job, job.formats(), strict) for job in planned.jobs]
    return [Work(job, (fmt,), strict) for job in planned.jobs for fmt in job.formats()]


def _count(parts: list[Work], job) -> int:
    return sum(1 for work in parts if work.job is job)


def _submit(pool: Executor, project: Project, work: Work, remote: bool):
    try:
        return pool.submit(run_elsewhere if remote else run, project, work)
    except BrokenExecutor:
        from concurrent.futures import Future

        future: Future = Future()
        future.set_exception(BrokenExecutor())
        return future


def _outcome(future, work: Work) -> Done:
    try:
        return future.result()
    except BrokenExecutor:
        return Done(work, problems=[worker_died(work.job.path)])
    except Exception as error:  # noqa: BLE001 - a cluster's failures are many
        from .work import internal_error

        return Done(work, problems=[internal_error(work.job.path, error)])


def worker_died(path: Path) -> Problem:
    return Problem(Location(str(path)), "", "the worker process building it stopped "
                   "unexpectedly (killed, or out of memory); build again, or with --jobs 1 "
                   "to see any error")


def _collect(result: BriefResult, manifest: Manifest, report: BuildReport) -> None:
    report.written.extend(result.written)
    report.warnings.extend(result.warnings)
    if result.problems:
        report.failures.append(BriefgenError(result.problems))
    elif result.record is not None and result.job.name is not None:
        manifest.briefs[result.job.name] = result.record


@contextmanager
def _os_errors(doing: str):
    """A failure of the file system around the whole build (the output folder, its lock,
    the manifest) as one message naming the file, not a traceback."""
    try:
        yield
    except OSError as error:
        raise os_problem(error, doing) from None


def _output_folder(out: Path) -> None:
    """The output folder, made if missing; a file in its place, or a path under a file,
    is one message."""
    with _os_errors(f"making the output folder {out}"):
        out.mkdir(parents=True, exist_ok=True)
    for name in (LOCK, MANIFEST):
        path = out / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise BriefgenError.at(str(path), "is a link or not a regular file; briefgen "
                                              "keeps its own file here: remove it")


def _manifest(project: Project, report: BuildReport) -> Manifest:
    """The manifest read back as untrusted input: a damaged one is a warning and a full
    rebuild; entries of data files that no longer exist are dropped."""
    manifest = Manifest.load(project.out, _expected_path)
    if manifest.warning:
        report.warnings.append(Problem(Location(str(project.out / MANIFEST)), "",
                                       manifest.warning.partition(": ")[2]))
    _forget_removed(project, manifest)
    return manifest


def _expected_path(brief_id: str, slot: str) -> str | None:
    try:
        return output_name(brief_id, slot)
    except UsageError:              # a format no longer installed
        return None


@contextmanager
def _signals_held():
    """Interrupts and stops wait (in the main thread) until the block is done."""
    held = {signal.SIGINT, signal.SIGTERM}
    main = threading.current_thread() is threading.main_thread()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held) if main else None
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _requested(project: Project, audiences, fmts) -> tuple[list[str], list[str]]:
    fmts = list(dict.fromkeys(fmts or known_formats()))
    for fmt in fmts:   # by name: a renderer is imported by the process that uses it
        if fmt not in known_formats():
            raise UsageError(f"unknown format '{fmt}', expected one of "
                             f"{', '.join(known_formats())}")
    names = list(dict.fromkeys(audiences or [a.name for a in project.audiences]))
    for name in names:
        project.audience(name)
    return names, fmts


class _locked:
    """One build at a time per output folder: wait up to ``wait`` seconds, then give up."""

    def __init__(self, out: Path, wait: float):
        from filelock import FileLock

        self.lock = FileLock(str(out / LOCK), timeout=wait)
        self.out = out

    def __enter__(self):
        from filelock import Timeout

        try:
            self.lock.acquire()
        except Timeout:            # an OSError too: first
            raise BusyError(f"another briefgen build is writing to {self.out}; try again "
                            "later or pass --wait SECONDS") from None
        except OSError as error:
            raise os_problem(error, "locking the output folder", str(self.lock.lock_file)) \
                from None
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()


def _forget_removed(project: Project, manifest: Manifest) -> None:
    """Entries of data files that no longer exist would claim their brief ids forever."""
    for name in list(manifest.briefs):
        path = Path(name) if Path(name).is_absolute() else project.root / name
        if not path.is_file():
            del manifest.briefs[name]
