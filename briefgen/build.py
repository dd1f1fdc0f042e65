"""Orchestration: what to build, what is outdated, and in which processes.

Renderers only turn blocks into bytes, and ``task`` builds one brief.  This
module plans a build from the manifest and the input keys (``fingerprint``),
runs the outdated briefs (in worker processes with ``jobs`` > 1: a brief each
when there are enough briefs, else a format each), and writes the manifest
last, all under a lock on the output folder.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import pipeline
from .config import Config, load_config
from .errors import BriefgenError, BusyError, Location, Problem, UsageError
from .files import os_problem, read_bounded, remove_leftovers, write_atomic
from .fingerprint import Fingerprints
from .load import LoadedBrief, load_brief
from .manifest import NAME as MANIFEST, Manifest, sha256
from .renderers import formats as known_formats
from .yamlsource import top_level_scalar
from .task import BriefResult, Output, Task, build_elsewhere, build_task, output_name, \
    prepare_elsewhere, stale_reviews, start_worker, worker_died

LOCK = ".briefgen.lock"


@dataclass(frozen=True)
class Project:
    """A folder holding data/ (and optionally briefgen.yaml, templates/, themes/)."""

    root: Path
    data: Path
    out: Path
    settings: pipeline.Settings
    config: Config

    @classmethod
    def at(cls, root: str | Path = ".", out: str | Path | None = None) -> "Project":
        config = load_config(Path(root))
        folder = Path(out) if out else config.out
        _own_folder(config, folder, UsageError if out else BriefgenError)
        return cls(config.root, config.data, folder, pipeline.Settings.from_config(config),
                   config)

    def brief_files(self) -> list[Path]:
        if not self.data.is_dir():
            raise UsageError(f"no data folder at {self.data}: run briefgen in a project root "
                             "or name brief files")
        return sorted(p for p in self.data.iterdir()
                      if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))

    def fresh(self) -> "Project":
        """The project with nothing read yet (its themes, templates and checks)."""
        return replace(self, settings=self.settings.fresh())

    def load(self, path: Path, default_id: str | None = None) -> LoadedBrief:
        """A brief file validated against this project's audiences, levels and limits: the
        one way every command (build, validate, diff, watch, schedule) reads a brief."""
        settings = self.settings
        return load_brief(path, audiences=[a.name for a in settings.audiences],
                          levels=settings.levels, limits=settings.limits,
                          default_id=default_id, root=self.confinement(path))

    def checked_audiences(self) -> tuple[list[str], list[Problem]]:
        """The audiences whose templates pass the template check, and the problems of
        the others (for ``validate``: a template's problems once, not once per brief)."""
        passed, problems = [], []
        for audience in self.settings.audiences:
            try:
                pipeline.check_templates(self.settings, audience)
                pipeline.check_formats(self.settings, audience, known_formats())
                passed.append(audience.name)
            except BriefgenError as error:
                problems.extend(p for p in error.problems if p not in problems)
        return passed, problems

    def check(self, path: Path, audiences: list[str]) -> LoadedBrief:
        """A brief loaded, then taken through every stage a build takes it through short of
        the renderers' bytes (templates, Markdown, blocks, glyphs) for ``audiences``: what
        ``validate`` accepts, ``build`` accepts."""
        from .limits import bounded
        from .renderers import embeds_fonts

        loaded = self.load(path)
        glyphs = any(embeds_fonts(fmt) for fmt in known_formats())
        problems: list[Problem] = []
        for name in audiences:
            try:
                with bounded(self.settings.limits, str(path), f"the {name} brief"):
                    pipeline.document_for(loaded, name, self.settings)
                if glyphs:
                    audience = self.settings.audience(name)
                    pipeline.check_glyphs(loaded, self.settings.theme_for(audience))
            except BriefgenError as error:
                problems.extend(p for p in error.relocated(str(path)).problems
                                if p not in problems)
        if problems:
            raise BriefgenError(problems)
        return loaded

    def confinement(self, path: Path) -> Path | None:
        """The folder a file must stay inside once links are resolved: the output folder
        or the project, whichever holds it by name (a file named from elsewhere on the
        command line is the caller's to choose)."""
        named = Path(os.path.abspath(path))
        for folder in (self.out, self.root):
            if named.is_relative_to(os.path.abspath(folder)):
                return folder
        return None


def _own_folder(config: Config, out: Path, error: type[BriefgenError]) -> None:
    """The output folder must be a folder of its own: not the project folder, and neither
    inside nor around the data, templates or themes (briefs would be written among the
    inputs, and read back as inputs)."""
    named = Path(os.path.abspath(out))
    root = Path(os.path.abspath(config.root))
    if named == root or root.is_relative_to(named):
        raise error.at(str(out), "is the project folder or contains it; expected a folder of "
                                 "its own for the outputs, such as out", field="out")
    for what in ("data", "templates", "themes"):
        folder = Path(os.path.abspath(getattr(config, what)))
        if named.is_relative_to(folder) or folder.is_relative_to(named):
            raise error.at(str(out), f"overlaps the project's {what} folder {folder}; "
                                     "expected a folder of its own for the outputs",
                           field="out")


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


# ------------------------------------------------------------------- a build

def build(project: Project, files: list[Path] | None = None, audiences: list[str] | None = None,
          fmts: list[str] | None = None, *, strict: bool = False, force: bool = False,
          jobs: int = 1, wait: float = 0, progress=None) -> BuildReport:
    """Build what is outdated; one brief's failure stops no other."""
    started = time.perf_counter()
    project = project.fresh()      # nothing an earlier build read is taken for current
    names, fmts = _requested(project, audiences, fmts)
    for name in names:   # a broken theme or template fails the run before anything renders
        pipeline.check_templates(project.settings, project.settings.audience(name))
        pipeline.check_formats(project.settings, project.settings.audience(name), fmts)
    paths = list(dict.fromkeys(files or project.brief_files()))
    report = BuildReport()
    _output_folder(project.out)
    with _locked(project.out, wait):
        remove_leftovers(project.out)
        manifest = _manifest(project, report)
        tasks = _unique_ids(manifest, _plan(project, manifest, paths, names, fmts, force,
                                            report), report)
        with _workers(project, jobs, tasks, names, fmts) as (pool, helping):
            for result in _execute(project, tasks, names, fmts, strict, pool, helping,
                                   progress):
                _collect(result, manifest, report)
        with _os_errors("writing the build manifest"):
            write_atomic(project.out / MANIFEST, manifest.dumps())
    report.seconds = time.perf_counter() - started
    return report


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
def _workers(project: Project, jobs: int, tasks: list, names: list, fmts: list):
    """(worker processes or None, whether they help with one brief's formats).

    With several briefs, each worker builds whole briefs.  With one, they are helpers
    that take its formats after the first; they ready those formats (imports, fonts,
    styles) as soon as they start, while this process loads and renders its own."""
    if jobs <= 1 or not tasks or (len(tasks) == 1 and len(fmts) == 1):
        yield None, False
        return
    import multiprocessing                               # 25 ms together: only when used
    from concurrent.futures import ProcessPoolExecutor

    helping = len(tasks) == 1
    size = min(jobs - 1, len(fmts) - 1) if helping else min(jobs, len(tasks))
    forked = sys.platform == "linux"      # workers inherit this process's imports and fonts
    context = multiprocessing.get_context("fork") if forked else None
    pool = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=start_worker,
                               initargs=(project, os.getpid() if forked else None))
    try:
        if helping:
            for fmt in fmts[1:]:
                pool.submit(prepare_elsewhere, names, [fmt])
        yield pool, helping
    except BaseException:          # a failure or a stop (SIGTERM): start nothing more
        with _signals_held():      # the workers end before the lock is released
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
    names = list(dict.fromkeys(audiences or [a.name for a in project.settings.audiences]))
    for name in names:
        project.settings.audience(name)
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


def _plan(project, manifest: Manifest, paths, names, fmts, force, report) -> list[Task]:
    prints = Fingerprints(project.settings)
    tasks = []
    for path in paths:
        try:
            data = read_bounded(path, project.settings.limits.max_input_bytes,
                                root=project.confinement(path))
        except BriefgenError as error:
            report.failures.append(error)
            continue
        name = _manifest_name(project, Path(path))
        if name is not None and not _utf8(name):
            report.failures.append(BriefgenError.at(
                str(path).encode("utf-8", "replace").decode(), "has a file name that is not "
                "UTF-8 text; expected a name of letters, digits, '-' and '_' (rename it)"))
            continue
        data_hash = sha256(data)
        keys = {f"{a}/{f}": prints.key(data_hash, a, f) for a in names for f in fmts}
        previous = manifest.briefs.get(name)
        if not force and manifest.current(name, data_hash, keys, project.out):
            report.skipped.append(Path(path))
            report.warnings.extend(stale_reviews(previous.reviews))
        else:
            tasks.append(Task(Path(path), name, data_hash, keys, previous, force,
                              planned_id(data, Path(path))))
    return tasks


def planned_id(data: bytes, path: Path) -> str:
    """The id a brief file declares at its top level, else its file name, to check ids
    before anything is written.  Loading the brief confirms it."""
    return top_level_scalar(data, "id") or path.stem


def _unique_ids(manifest: Manifest, tasks: list[Task], report: BuildReport) -> list[Task]:
    """Two files with one brief id would overwrite each other's outputs: before anything
    is written, every brief sharing an id with another file fails, naming them all."""
    planned = {task.name for task in tasks}
    owners: dict[str, list[str]] = {}
    for name, record in manifest.briefs.items():
        if name not in planned:
            owners.setdefault(record.id, []).append(name)
    for task in tasks:
        owners.setdefault(task.brief_id, []).append(task.name or str(task.path))
    kept = []
    for task in tasks:
        others = [n for n in owners[task.brief_id] if n != (task.name or str(task.path))]
        if not others:
            kept.append(task)
            continue
        report.failures.append(BriefgenError.at(
            str(task.path), f"found the brief id '{task.brief_id}', which "
                            f"{', '.join(others)} also has; expected every brief id once in the "
                            "project (give one of them another id:)", field="id"))
    return kept


def _manifest_name(project: Project, path: Path) -> str | None:
    """A data file's name in the manifest: relative to the project, however it was given;
    None for a file outside the project, which is built but never recorded (so it claims
    no id and is rebuilt each time it is named)."""
    named = Path(os.path.abspath(path))
    try:
        return named.relative_to(os.path.abspath(project.root)).as_posix()
    except ValueError:
        return None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:       # bytes the file system gave that are no UTF-8
        return False
    return True


def _forget_removed(project: Project, manifest: Manifest) -> None:
    """Entries of data files that no longer exist would claim their brief ids forever."""
    for name in list(manifest.briefs):
        path = Path(name) if Path(name).is_absolute() else project.root / name
        if not path.is_file():
            del manifest.briefs[name]


def _execute(project, tasks, names, fmts, strict, pool, helping: bool, progress):
    """Results as each brief finishes, in this process (its formats shared with ``pool``
    when ``helping``) or a brief per worker of ``pool``."""
    if progress:
        progress("start", len(tasks))
    if pool is None or helping:
        yield from _in_turn(project, tasks, names, fmts, strict, progress, pool)
        return
    from concurrent.futures import BrokenExecutor, as_completed

    futures = {pool.submit(build_elsewhere, task, names, fmts, strict): task for task in tasks}
    for future in as_completed(futures):
        try:
            result = future.result()
        except BrokenExecutor:
            result = BriefResult(futures[future], problems=[worker_died(futures[future].path)])
        _tell(progress, result)
        yield result


def _in_turn(project, tasks, names, fmts, strict, progress, helpers=None):
    for task in tasks:
        result = build_task(project, task, names, fmts, strict, helpers)
        _tell(progress, result)
        yield result


def _tell(progress, result: BriefResult) -> None:
    if progress:
        progress("done", result)


def _collect(result: BriefResult, manifest: Manifest, report: BuildReport) -> None:
    report.written.extend(result.written)
    report.warnings.extend(result.warnings)
    if result.problems:
        report.failures.append(BriefgenError(result.problems))
    elif result.record is not None:
        if result.task.name is not None:
            manifest.briefs[result.task.name] = result.record
