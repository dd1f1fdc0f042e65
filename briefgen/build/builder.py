"""A build: what is outdated, rendered by an executor, written here.

Under a lock on the output folder, the manifest is read back (as untrusted input), the
planner (``plan``) turns it and the input keys into jobs, an executor (``executors``)
runs them (``work.run``: bytes, nothing written), and each brief's outputs are written
as one publication as soon as all its parts are back (``publish``); the manifest is
written last.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor
from concurrent.futures import wait as waiting
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import (
    INTERRUPTS,
    BriefgenError,
    BusyError,
    Location,
    Problem,
    UsageError,
)
from ..files import os_problem, remove_leftovers, write_atomic
from ..project import Project
from ..renderers import formats as known_formats
from . import stages
from .executors import (
    Deferred,
    InProcess,
    dead_worker,
    end_workers,
    executor_for,
    process_pool,
    unblock,
)
from .manifest import NAME as MANIFEST
from .manifest import Manifest
from .plan import Plan, plan
from .publish import BriefResult, Output, output_name, publish
from .signals import StopRequests, signals_held
from .work import Done, Work, prepare_elsewhere, run, run_elsewhere, serving

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
    paths = list(dict.fromkeys(files or project.brief_files()))
    report = BuildReport()
    with _running(project, executor, jobs, len(paths), names, fmts) as running:
        for name in names:   # a broken template fails the run before anything renders
            stages.check_templates(project, project.audience(name))
        _output_folder(project.out)
        with _locked(project.out, wait):
            remove_leftovers(project.out)
            manifest = _manifest(project, report)
            planned = plan(project, manifest, paths, names, fmts, force=force, strict=strict)
            report.skipped, report.failures = planned.skipped, planned.failures
            if strict and planned.warnings:   # a skipped brief's stale review fails too
                report.failures.append(BriefgenError(planned.warnings))
            else:
                report.warnings.extend(planned.warnings)
            _check_formats(planned, running)
            for result in execute(planned, running, progress):
                _collect(result, manifest, report)
            with _os_errors("writing the build manifest"):
                write_atomic(project.out / MANIFEST, manifest.dumps())
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class Running:
    """Where a build's work runs: the executor, how many parts it takes at once, and
    whether this process takes a part of each brief itself meanwhile (``here``)."""

    pool: Executor
    workers: int
    here: bool = False
    local: bool = False            # this machine's pool: a single part runs here instead
    elsewhere: str | None = None   # the --executor URL of another machine's workers
    stops: "StopRequests" = field(default_factory=lambda: StopRequests())
    sent: int = 0                  # parts sent to the pool


@contextmanager
def _running(project: Project, url: str | None, jobs: int, briefs: int, names, fmts):
    """The executor for the build: this process alone with one job; with fewer briefs
    than ``jobs``, a pool of one fewer workers beside this process, started at once to
    ready the formats it will take (imports, fonts, styles) while this process plans;
    else a pool of ``jobs`` workers, started by the first work sent.  Shut down when
    done (helpers that got no work are ended at once); on a failure or a stop, nothing
    more is started and the workers end before the lock is released."""
    if url is None and jobs <= 1:
        yield Running(InProcess(), 1)
        return
    here = url is None and briefs < jobs and len(fmts) > 1
    with serving(project), StopRequests() as stops:   # forked workers start with what
        pool = executor_for(url, jobs) if url else \
            Deferred(lambda: process_pool("process://", jobs - here))
        running = Running(pool, jobs if url is None else 8 * jobs, here, url is None,
                          url, stops)                  # this process has read
        try:
            if here:
                pool.submit(prepare_elsewhere, project, names, fmts[1:])
            yield running
        except BaseException:
            with signals_held():
                _shut(running, cancel=True)
            raise
        _shut(running)


def _shut(running: Running, cancel: bool = False) -> None:
    """Shut the pool down, its running parts finished; helpers that got no work end at
    once, and a pool stuck on a dead worker is broken first, so the wait ends."""
    pool = running.pool
    if running.local and not running.sent:
        end_workers(pool)
    elif running.local and dead_worker(pool):
        unblock(pool)
    try:
        pool.shutdown(wait=True, cancel_futures=cancel)
    except INTERRUPTS:
        raise
    except BaseException as error:  # noqa: BLE001 - a plug-in's failure, named
        if not running.elsewhere:
            raise
        raise BriefgenError(_executor_failed(running, "shutting down", error)) from None


def _executor_failed(running: Running, doing: str, error: BaseException,
                     path: Path | None = None) -> Problem:
    """A failure of the executor the build was given, named as the executor's."""
    name = (running.elsewhere or "of this machine")[:200]
    return Problem(Location(str(path or name)), "", f"the executor {name} failed {doing} "
                   f"({type(error).__name__}: {str(error)[:200]})")


def _check_formats(planned: Plan, running: Running) -> None:
    """Each format's check of each theme, before anything renders, for the formats this
    process renders, or for every format when workers are forked from it (they inherit
    the renderers it imports).  A worker checks what it renders itself (``stages.make``),
    so a format this process only hands on is not imported here for nothing."""
    project = planned.project
    fmts = planned.formats if planned.jobs else ()    # nothing to render: nothing to import
    if running.here:
        fmts = tuple(dict.fromkeys(job.formats()[0] for job in planned.jobs))
    for name in planned.audiences:
        stages.check_formats(project, project.audience(name), fmts)


def execute(planned: Plan, running: Running, progress=None):
    """Each brief's result as soon as all its parts are back, with at most twice the
    workers' parts in flight (so that finished bytes are written, not hoarded); with
    ``running.here``, this process renders the first part of each brief meanwhile."""
    parts = split(planned, running.workers)
    if running.local and len(parts) == 1:       # no worker is worth starting for one part
        running = Running(InProcess(), 1)
    here = [w for i, w in enumerate(parts) if running.here and
            (i == 0 or parts[i - 1].job is not w.job)]
    queue, pending = iter([w for w in parts if w not in here]), {}
    remote = not isinstance(running.pool, InProcess)
    window = 2 * running.workers if remote else 1
    results = _Results(planned, parts, progress)
    while True:
        while len(pending) < window and (work := next(queue, None)) is not None:
            pending[_submit(running, planned.project, work)] = work
        if here:
            work = here.pop(0)
            yield from results.add(work, run(planned.project, work))
            running.stops.honour()
            finished = [future for future in pending if future.done()]
        elif pending:
            finished = _finished(running, pending)
        else:
            return
        for future in finished:
            work = pending.pop(future)
            yield from results.add(work, _outcome(running, future, work))


def _finished(running: Running, pending: dict) -> set:
    """The parts done, waited for in short slices: between them a stop asked for by a
    signal is honoured, and a pool stuck on a dead worker is broken, so no wait is for
    ever."""
    dead_since = None
    while True:
        finished, _ = waiting(pending, timeout=WAIT_SLICE, return_when=FIRST_COMPLETED)
        running.stops.honour()
        if finished:
            return finished
        if running.local and dead_worker(running.pool):
            dead_since = dead_since or time.monotonic()
            if time.monotonic() - dead_since > DEATH_GRACE:
                unblock(running.pool)


WAIT_SLICE = 0.2      # seconds between checks for a stop or a dead worker
DEATH_GRACE = 2.0     # seconds a pool has to notice a dead worker by itself


class _Results:
    """The parts back so far, each brief published once all of its parts are."""

    def __init__(self, planned: Plan, parts: list[Work], progress):
        self.planned, self.progress = planned, progress
        self.expected = {}
        for work in parts:
            self.expected[work.job] = self.expected.get(work.job, 0) + 1
        self.back: dict = {}
        if progress:
            progress("start", len(planned.jobs))

    def add(self, work: Work, done: Done):
        self.back.setdefault(work.job, []).append(done)
        if len(self.back[work.job]) == self.expected[work.job]:
            result = publish(self.planned.project, work.job, self.back.pop(work.job))
            if self.progress:
                self.progress("done", result)
            yield result


def split(planned: Plan, workers: int) -> list[Work]:
    """The plan as pieces of work: a job each, or with fewer jobs than workers, a job's
    formats each (its documents are then composed in each, a small cost beside the
    renders that run at once)."""
    strict = planned.strict
    if len(planned.jobs) >= workers:
        return [Work(job, job.formats(), strict) for job in planned.jobs]
    return [Work(job, (fmt,), strict) for job in planned.jobs for fmt in job.formats()]


def _submit(running: Running, project: Project, work: Work):
    """``work`` sent to the executor: as it is to this process, with absolute paths to
    another machine's workers (whose working folder is their own)."""
    pool = running.pool
    running.sent += 1
    if running.elsewhere:
        project, work = project.absolute(), replace(work, job=work.job.absolute())
    try:
        if isinstance(pool, InProcess):
            return pool.submit(run, project, work)
        return pool.submit(run_elsewhere, project, work)
    except INTERRUPTS:
        raise
    except BaseException as error:  # noqa: BLE001 - the part fails, by its outcome
        from concurrent.futures import Future

        future: Future = Future()
        future.set_exception(error)
        return future


def _outcome(running: Running, future, work: Work) -> Done:
    """What came back for ``work``; anything but a ``Done`` is the part's failure, the
    executor's when it is another machine's (briefgen's own pool's is briefgen's)."""
    path = work.job.path
    try:
        done = future.result()
    except BrokenExecutor:
        return Done(work, problems=[worker_died(path)])
    except INTERRUPTS:
        raise
    except BaseException as error:  # noqa: BLE001 - a cluster's failures are many
        if running.elsewhere:
            return Done(work, problems=[_executor_failed(running, "on it", error, path)])
        from .work import internal_error

        return Done(work, problems=[internal_error(path, error)])
    if not isinstance(done, Done):
        wrong = TypeError(f"gave {type(done).__name__}, expected briefgen's result")
        return Done(work, problems=[_executor_failed(running, "on it", wrong, path)])
    return done


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
    """Where briefgen writes an output: known from the format's name alone, so a record
    of a format no longer installed is still understood (and its files archived)."""
    try:
        return output_name(brief_id, slot)
    except (UsageError, ValueError):   # no slot of briefgen's
        return None


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
