"""Orchestration: what to build, what is outdated, and writing it safely.

Renderers only turn blocks into bytes.  This module plans a build from the
manifest and the input keys (``fingerprint``), renders each outdated brief
in memory (in worker processes with ``jobs`` > 1), writes each file
atomically, archives the previous edition when a brief's edition changes,
and writes the manifest last, all under a lock on the output folder.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import editions, pipeline
from .config import Config, load_config
from .errors import BriefgenError, BusyError, Location, Problem, RenderError, UsageError
from .fingerprint import Fingerprints
from .limits import time_limit
from .load import LoadedBrief, load_brief
from .manifest import BriefRecord, Manifest, OutputRecord, sha256
from .renderers import formats as known_formats
from .renderers import renderer_for

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
        return cls(config.root, config.data, Path(out) if out else config.out,
                   pipeline.Settings.from_config(config), config)

    def brief_files(self) -> list[Path]:
        if not self.data.is_dir():
            raise UsageError(f"no data folder at {self.data}: run briefgen in a project root "
                             "or name brief files")
        return sorted(p for p in self.data.iterdir() if p.suffix in (".yaml", ".yml"))


@dataclass
class Output:
    path: Path
    seconds: float


@dataclass(frozen=True)
class Task:
    """One brief file and the outputs it should have, with their input keys."""

    path: Path
    name: str
    data_hash: str
    keys: dict                       # "audience/format" -> key
    previous: BriefRecord | None
    force: bool = False


@dataclass
class BriefResult:
    task: Task
    record: BriefRecord | None = None
    written: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    problems: list = field(default_factory=list)


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


def output_path(out: Path, brief_id: str, audience: str, fmt: str) -> Path:
    return out / brief_id / f"{brief_id}-{audience}{renderer_for(fmt).extension}"


# ------------------------------------------------------------------- a build

def build(project: Project, files: list[Path] | None = None, audiences: list[str] | None = None,
          fmts: list[str] | None = None, *, strict: bool = False, force: bool = False,
          jobs: int = 1, wait: float = 0, progress=None) -> BuildReport:
    """Build what is outdated; one brief's failure stops no other."""
    started = time.perf_counter()
    forget_inputs()
    names, fmts = _requested(project, audiences, fmts)
    for name in names:   # a broken theme or template fails the run before anything renders
        pipeline.check_templates(project.settings, project.settings.audience(name))
    paths = list(dict.fromkeys(files or project.brief_files()))
    report = BuildReport()
    project.out.mkdir(parents=True, exist_ok=True)
    with _locked(project.out, wait):
        _remove_leftovers(project.out)
        manifest = Manifest.load(project.out)
        _forget_removed(project, manifest)
        tasks = _plan(project, manifest, paths, names, fmts, force, report)
        for result in _execute(project, tasks, names, fmts, strict, jobs, progress):
            _collect(result, manifest, report)
        _check_ids(manifest, report)
        write_atomic(project.out / ".briefgen-manifest.json", manifest.dumps())
    report.seconds = time.perf_counter() - started
    return report


def forget_inputs() -> None:
    """Drop what earlier builds in this process read: templates, themes and hashes may
    have changed since (``watch`` and ``schedule`` build again and again)."""
    from . import fingerprint, templating

    for cached in (fingerprint.file_hash, fingerprint.templates_fingerprint,
                   fingerprint.theme_fingerprint, templating.environment, pipeline._theme,
                   pipeline._checked):
        cached.cache_clear()


def _requested(project: Project, audiences, fmts) -> tuple[list[str], list[str]]:
    fmts = list(dict.fromkeys(fmts or known_formats()))
    for fmt in fmts:
        renderer_for(fmt)
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
        except Timeout:
            raise BusyError(f"another briefgen build is writing to {self.out}; try again "
                            "later or pass --wait SECONDS") from None
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()


def _remove_leftovers(out: Path) -> None:
    """Temporary files of a build that was killed: never read, safe to delete under the lock."""
    for leftover in out.rglob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def _plan(project, manifest: Manifest, paths, names, fmts, force, report) -> list[Task]:
    prints = Fingerprints(project.settings)
    tasks = []
    for path in paths:
        try:
            data_hash = sha256(Path(path).read_bytes())
        except OSError as error:
            report.failures.append(BriefgenError.at(str(path), f"cannot read: {error.strerror}"))
            continue
        name = _manifest_name(project, Path(path))
        keys = {f"{a}/{f}": prints.key(data_hash, a, f) for a in names for f in fmts}
        previous = manifest.briefs.get(name)
        if not force and manifest.current(name, data_hash, keys, project.out):
            report.skipped.append(Path(path))
            report.warnings.extend(_stale_reviews(previous.reviews))
        else:
            tasks.append(Task(Path(path), name, data_hash, keys, previous, force))
    return tasks


def _manifest_name(project: Project, path: Path) -> str:
    """A data file's name in the manifest: relative to the project, however it was given."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _forget_removed(project: Project, manifest: Manifest) -> None:
    """Entries of data files that no longer exist would claim their brief ids forever."""
    for name in list(manifest.briefs):
        path = Path(name) if Path(name).is_absolute() else project.root / name
        if not path.is_file():
            del manifest.briefs[name]


def _execute(project, tasks, names, fmts, strict, jobs, progress):
    """Results as each brief finishes, in worker processes when that pays."""
    if progress:
        progress("start", len(tasks))
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            result = build_task(project, task, names, fmts, strict)
            _tell(progress, result)
            yield result
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed   # 15 ms: only when used

    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        futures = [pool.submit(_work, str(project.root), str(project.out), task, names, fmts,
                               strict) for task in tasks]
        for future in as_completed(futures):
            result = future.result()
            _tell(progress, result)
            yield result


def _tell(progress, result: BriefResult) -> None:
    if progress:
        progress("done", result)


def _work(root: str, out: str, task: Task, names, fmts, strict) -> BriefResult:
    return build_task(_project(root, out), task, names, fmts, strict)


@lru_cache(maxsize=4)
def _project(root: str, out: str) -> Project:
    return Project.at(root, out)


def _collect(result: BriefResult, manifest: Manifest, report: BuildReport) -> None:
    report.written.extend(result.written)
    report.warnings.extend(result.warnings)
    if result.problems:
        report.failures.append(BriefgenError(result.problems))
    elif result.record is not None:
        manifest.briefs[result.task.name] = result.record


def _check_ids(manifest: Manifest, report: BuildReport) -> None:
    """Two files with one brief id would overwrite each other's outputs."""
    owners: dict[str, str] = {}
    for name, record in sorted(manifest.briefs.items()):
        first = owners.setdefault(record.id, name)
        if first != name:
            report.failures.append(BriefgenError.at(
                name, f"found the brief id '{record.id}', which {first} already has; expected "
                      "ids unique across the project", field="id"))


# ------------------------------------------------------------- one brief

def build_task(project: Project, task: Task, names, fmts, strict: bool) -> BriefResult:
    """Load, render and write one brief's outdated outputs; problems are returned, not raised."""
    result = BriefResult(task)
    try:
        settings = project.settings
        loaded = load_brief(task.path, audiences=[a.name for a in settings.audiences],
                            levels=settings.levels, limits=settings.limits)
        result.warnings.extend(_stale_reviews(review_items(loaded)))
        rendered = _render(loaded, project, task, names, fmts, result.warnings)
        if strict and result.warnings:
            raise BriefgenError(result.warnings)
        _archive_previous(project.out, task.previous, loaded)
        for slot, (path, data, seconds) in rendered.items():
            write_atomic(path, data)
            result.written.append(Output(path, seconds))
        write_atomic(editions.snapshot_path(project.out, loaded.brief.id),
                     task.path.read_bytes())
        result.record = _record(project.out, task, loaded, rendered)
    except BriefgenError as error:
        result.problems = error.relocated(str(task.path)).problems
    return result


def _render(loaded: LoadedBrief, project: Project, task: Task, names, fmts,
            warnings: list) -> dict:
    """Every outdated output of one brief, rendered in memory: slot -> (path, bytes, seconds)."""
    settings, out = project.settings, project.out
    previous = _previous_edition(out, loaded, settings, task.previous)
    rendered = {}
    for name in names:
        slots = [f for f in fmts if not _still_current(task, f"{name}/{f}", out)]
        if not slots:
            continue
        audience = settings.audience(name)
        theme = settings.theme_for(audience)
        if any(renderer_for(fmt).embeds_fonts for fmt in slots):
            pipeline.check_glyphs(loaded, theme)
        limits = settings.limits
        with time_limit(limits.max_render_seconds, f"{task.path} ({name})"):
            document = pipeline.document_for(loaded, name, settings, previous)
        for fmt in slots:
            started = time.perf_counter()
            renderer = renderer_for(fmt)(theme)
            with time_limit(limits.max_render_seconds, f"{task.path} ({name}, {fmt})"):
                data = renderer.render(document)
            if len(data) > limits.max_output_bytes:
                raise RenderError(f"the {name} {fmt} is {len(data)} bytes, more than the limit "
                                  f"of {limits.max_output_bytes} (limits: max_output_bytes)")
            warnings.extend(_over_budget(loaded, audience, renderer.pages))
            path = output_path(out, loaded.brief.id, name, fmt)
            rendered[f"{name}/{fmt}"] = (path, data, time.perf_counter() - started)
    return rendered


def _still_current(task: Task, slot: str, out: Path) -> bool:
    """An output whose key and data are unchanged is not rendered again."""
    record = task.previous
    if task.force or record is None or record.data != task.data_hash or \
            slot not in record.outputs:
        return False
    output = record.outputs[slot]
    path = out / output.path
    return output.key == task.keys[slot] and path.is_file() and \
        path.stat().st_size == output.size


def _previous_edition(out: Path, loaded: LoadedBrief, settings,
                      record: BriefRecord | None) -> LoadedBrief | None:
    """The data of the last edition: the outputs in place if this build starts a new
    edition (they are archived once the new ones are rendered), else the newest archive."""
    if record is not None and record.edition != loaded.brief.edition.isoformat():
        snapshot = editions.snapshot_path(out, loaded.brief.id)
    else:
        snapshot = editions.previous_snapshot(out, loaded.brief.id, loaded.brief.edition)
    if snapshot is None or not snapshot.is_file():
        return None
    try:
        return load_brief(snapshot, audiences=[a.name for a in settings.audiences],
                          levels=settings.levels, default_id=loaded.brief.id,
                          limits=settings.limits)
    except BriefgenError:
        return None      # an old edition the current format no longer reads: no comparison


def _archive_previous(out: Path, previous: BriefRecord | None, loaded: LoadedBrief) -> None:
    if previous is not None and previous.edition != loaded.brief.edition.isoformat():
        editions.archive(out, previous)


def _record(out: Path, task: Task, loaded: LoadedBrief, rendered: dict) -> BriefRecord:
    outputs = dict(task.previous.outputs) if task.previous and \
        task.previous.data == task.data_hash else {}
    outputs = {slot: record for slot, record in outputs.items() if slot in task.keys}
    for slot, (path, data, _) in rendered.items():
        outputs[slot] = OutputRecord(path.relative_to(out).as_posix(), task.keys[slot], len(data))
    return BriefRecord(loaded.brief.id, task.data_hash, loaded.brief.edition.isoformat(),
                       outputs, review_items(loaded))


# --------------------------------------------------------------- warnings

def review_items(loaded: LoadedBrief) -> list[list]:
    """[review_by, file, line, column, field, label] of every point and table with a review
    date."""
    items = []
    for s_index, section in enumerate(loaded.brief.sections):
        base = ("sections", s_index)
        for path, point in _point_paths(section.points, base + ("points",)):
            if point.review_by:
                items.append(_review(loaded, path, point.review_by, f"point '{_short(point)}'"))
        for t_index, table in enumerate(section.tables):
            if table.review_by:
                items.append(_review(loaded, base + ("tables", t_index), table.review_by,
                                     f"table '{table.caption}'"))
    return items


def _review(loaded: LoadedBrief, path: tuple, when: dt.date, label: str) -> list:
    from .yamlsource import dotted

    place = loaded.locate(path + ("review_by",))
    return [when.isoformat(), place.file, place.line, place.column, dotted(path), label]


def _point_paths(points, path: tuple):
    for index, point in enumerate(points):
        yield path + (index,), point
        yield from _point_paths(point.points, path + (index, "points"))


def _short(point) -> str:
    text = point.text.plain()
    return text if len(text) <= 60 else text[:57] + "..."


def _stale_reviews(reviews: list, today: dt.date | None = None) -> list[Problem]:
    today = today or dt.date.today()
    return [Problem(Location(file, line, column), field,
                    f"the {label} was due for review by {when} and is stale")
            for when, file, line, column, field, label in reviews
            if dt.date.fromisoformat(when) < today]


def _over_budget(loaded: LoadedBrief, audience, pages: int | None) -> list[Problem]:
    """A warning when a PDF runs past its audience's length budget."""
    if pages is None or audience.pages is None or pages <= audience.pages:
        return []
    over = pages - audience.pages
    return [Problem(Location(str(loaded.path)), f"audience {audience.name}",
                    f"the PDF has {pages} pages, {over} over its budget of {audience.pages} "
                    f"(pages: in {audience.origins.get('pages', 'the audience defaults')})")]


# ------------------------------------------------------------------ files

def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_umask())   # mkstemp makes 0600; outputs are for sharing
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
