"""One brief: load it, render its outdated outputs in memory, then write them.

A brief's formats may be rendered in helper processes (``build --jobs`` with fewer
briefs than workers); everything is written here, in the process that holds the
output folder's lock: each file atomically, the previous edition archived first,
and the brief's manifest record returned to the build, which writes the manifest
last.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import editions, pipeline
from .errors import BriefgenError, Location, Problem, RenderError
from .files import os_problem, read_bounded
from .limits import bounded
from .load import LoadedBrief
from .manifest import BriefRecord, OutputRecord, sha256
from .renderers import embeds_fonts, extension_for, formats, renderer_for


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
    brief_id: str = ""               # as planned: ids are checked unique before any write


@dataclass
class BriefResult:
    task: Task
    record: BriefRecord | None = None
    written: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    problems: list = field(default_factory=list)


# ------------------------------------------------------------- one brief

def build_task(project, task: Task, names, fmts, strict: bool, helpers=None) -> BriefResult:
    """Load, render and write one brief's outdated outputs; problems are returned, not raised,
    so that one brief's failure, of whatever kind, never stops the others.

    ``helpers``: a process pool that renders the formats after the first meanwhile."""
    result = BriefResult(task)
    try:
        _build(project, task, names, fmts, strict, helpers, result)
    except BriefgenError as error:
        result.problems = error.relocated(str(task.path)).problems
    except OSError as error:
        result.problems = os_problem(error, "writing its outputs", str(task.path)).problems
    except MemoryError:
        result.problems = [Problem(Location(str(task.path)), "", "ran out of memory while "
                                   "building it (limits: max_render_memory)")]
    except Exception as error:  # noqa: BLE001 - a bug must not stop the other briefs
        result.problems = [internal_error(task.path, error)]
    return result


def _build(project, task: Task, names, fmts, strict: bool, helpers, result) -> None:
    loaded = project.load(task.path)
    if task.brief_id and loaded.brief.id != task.brief_id:
        raise BriefgenError.at(str(task.path), "changed while the build was running; "
                                               "build again", field="id")
    result.warnings.extend(stale_reviews(review_items(loaded)))
    rendered = _render_shared(loaded, project, task, names, fmts, result.warnings, helpers)
    if strict and result.warnings:
        raise BriefgenError(result.warnings)
    data = read_bounded(task.path, project.settings.limits.max_input_bytes,
                        root=project.confinement(task.path))
    if sha256(data) != task.data_hash:
        raise BriefgenError.at(str(task.path), "changed while the build was running; "
                                               "build again")
    publication = _publication(project.out, task, loaded, rendered, data, result.warnings)
    publication.commit()
    result.written.extend(Output(path, seconds) for path, _, seconds in rendered.values())
    result.record = _record(project.out, task, loaded, rendered,
                            publication.archive_as is not None)


def internal_error(path: Path, error: BaseException) -> Problem:
    """A failure briefgen did not foresee, as one line (the traceback with BRIEFGEN_DEBUG=1)."""
    if os.environ.get("BRIEFGEN_DEBUG"):
        import traceback

        traceback.print_exception(error)
    return Problem(Location(str(path)), "", f"briefgen failed on it unexpectedly "
                   f"({type(error).__name__}: {str(error)[:200]}); this is a bug in briefgen: "
                   "please report it (BRIEFGEN_DEBUG=1 shows the details)")


def build_elsewhere(task: Task, names, fmts, strict: bool) -> BriefResult:
    """``build_task`` in a worker process, for the project the build gave it."""
    return build_task(_WORKER["project"], task, names, fmts, strict)


def render_elsewhere(work: "_Documents", fmt: str) -> tuple[dict, list, list]:
    """One format of a brief's documents in a helper process: (rendered, warnings,
    problems)."""
    warnings: list = []
    try:
        return _bytes(_WORKER["project"], work, fmt, warnings), warnings, []
    except BriefgenError as error:
        return {}, [], error.relocated(str(work.path)).problems


def prepare_elsewhere(names, fmts) -> None:
    """Ready a worker for ``fmts``: import their renderers, read the fonts and build the
    styles of each audience's theme (errors wait for the render that meets them)."""
    settings = _WORKER["project"].settings
    for fmt in fmts:
        for name in names:
            try:
                renderer_for(fmt).prepare(settings.theme_for(settings.audience(name)))
            except BriefgenError:
                return


def worker_died(path: Path) -> Problem:
    return Problem(Location(str(path)), "", "the worker process building it stopped "
                   "unexpectedly (killed, or out of memory); build again, or with --jobs 1 "
                   "to see any error")


_WORKER: dict = {}   # in a worker process: the project of the build that started it


def start_worker(project, parent: int | None) -> None:
    """A worker process's start: the build's own project (its settings as the caller made
    them, not re-read from disk), and on Linux, death with the build that forked it
    (``parent``: its process id, when the worker was forked from it)."""
    _WORKER["project"] = project
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):     # not Linux: workers end with their queue
        pass
    if parent is not None and os.getppid() != parent:   # it died before the line above
        os._exit(1)


PR_SET_PDEATHSIG = 1


@dataclass
class _Documents:
    """A brief's block trees for the audiences with outdated outputs, ready for bytes."""

    path: Path                       # the data file, for messages
    brief_id: str
    documents: dict                  # audience -> (Document, seconds its template stage took)
    slots: dict                      # audience -> formats to render


def _render_shared(loaded: LoadedBrief, project, task: Task, names, fmts, warnings: list,
                   helpers) -> dict:
    """Every outdated output of one brief, rendered in memory: slot -> (path, bytes, seconds).

    The documents are made here; with ``helpers``, each format after the first is turned
    into bytes in a helper process meanwhile."""
    work = _documents(loaded, project, task, names, fmts, warnings)
    away = _send(helpers, work, fmts[1:])
    _check_glyphs(loaded, project.settings, work)   # meanwhile; a failure discards them
    rendered = {}
    for fmt in fmts[:1] if away else fmts:
        rendered.update(_bytes(project, work, fmt, warnings))
    for future in away:
        try:
            more, more_warnings, problems = future.result()
        except _broken():
            raise BriefgenError(worker_died(work.path)) from None
        if problems:
            raise BriefgenError(problems)
        rendered.update(more)
        warnings.extend(more_warnings)
    order = [f"{name}/{fmt}" for name in names for fmt in fmts]
    return {slot: rendered[slot] for slot in order if slot in rendered}


def _send(helpers, work: _Documents, fmts) -> list:
    """Futures of the formats sent to helper processes: none if there are no helpers, or
    they are gone (the formats are then rendered here)."""
    if helpers is None:
        return []
    try:
        return [helpers.submit(render_elsewhere, work, fmt) for fmt in fmts]
    except _broken():
        return []


def _broken() -> type:
    from concurrent.futures import BrokenExecutor   # imported already by any pool

    return BrokenExecutor


def _documents(loaded: LoadedBrief, project, task: Task, names, fmts,
               warnings: list) -> _Documents:
    """The template stage of every audience with an outdated output."""
    settings, out = project.settings, project.out
    previous = _previous_edition(project, loaded, task.previous, warnings)
    work = _Documents(task.path, loaded.brief.id, {}, {})
    for name in names:
        slots = [f for f in fmts if not _still_current(task, f"{name}/{f}", out)]
        if not slots:
            continue
        started = time.perf_counter()
        warnings.extend(_nothing_but_summary(loaded, settings, name))
        with bounded(settings.limits, str(task.path), f"the {name} brief"):
            document = pipeline.document_for(loaded, name, settings, previous)
        work.documents[name] = (document, time.perf_counter() - started)
        work.slots[name] = slots
    return work


def _nothing_but_summary(loaded: LoadedBrief, settings, name: str) -> list[Problem]:
    """A warning when no section is visible to an audience: its brief would be a summary
    and nothing else, which is almost always a mistake in audiences, levels or kinds."""
    from .audiences import select

    audience = settings.audience(name)
    if select(loaded.brief, audience, settings.levels).sections:
        return []
    return [Problem(Location(str(loaded.path)), f"audience {name}",
                    f"no section is visible to the {name} audience (it shows the kinds "
                    f"{', '.join(audience.sections)} up to level {audience.level}), so its "
                    "brief holds only the summary")]


def _check_glyphs(loaded: LoadedBrief, settings, work: _Documents) -> None:
    """Every character of the brief must have a glyph in the fonts of each audience whose
    outputs embed fonts; the error names the field and its line."""
    for name, slots in work.slots.items():
        if any(embeds_fonts(fmt) for fmt in slots):
            pipeline.check_glyphs(loaded, settings.theme_for(settings.audience(name)))


def _bytes(project, work: _Documents, fmt: str, warnings: list) -> dict:
    """One format of every document that needs it: slot -> (path, bytes, seconds).

    Each document, template to bytes, gets ``max_render_seconds`` in all: its render has
    what the template stage left of it."""
    settings = project.settings
    limit = settings.limits.max_render_seconds
    rendered = {}
    for name, (document, shared) in work.documents.items():
        if fmt not in work.slots[name]:
            continue
        audience = settings.audience(name)
        started = time.perf_counter()
        renderer = renderer_for(fmt)(settings.theme_for(audience))
        left = max(limit - shared, 0.001) if limit > 0 else 0   # 0: no limit
        with bounded(settings.limits, str(work.path), f"the {name} {fmt.upper()}", left):
            data = renderer.render(document)
        _check_size(data, name, fmt, settings.limits.max_output_bytes)
        warnings.extend(_over_budget(work.path, audience, renderer.pages))
        path = output_path(project.out, work.brief_id, name, fmt)
        rendered[f"{name}/{fmt}"] = (path, data, shared + time.perf_counter() - started)
    return rendered


def _check_size(data: bytes, name: str, fmt: str, limit: int) -> None:
    if len(data) > limit:
        raise RenderError(f"the {name} {fmt} is {len(data)} bytes, more than the limit "
                          f"of {limit} (limits: max_output_bytes)")


def output_path(out: Path, brief_id: str, audience: str, fmt: str) -> Path:
    return editions.brief_path(out, output_name(brief_id, f"{audience}/{fmt}"))


def output_name(brief_id: str, slot: str) -> str:
    """Where an output is written, relative to the output folder."""
    audience, fmt = slot.split("/")
    return f"{brief_id}/{brief_id}-{audience}{extension_for(fmt)}"


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


def _previous_edition(project, loaded: LoadedBrief, record: BriefRecord | None,
                      warnings: list) -> LoadedBrief | None:
    """The data of the last edition: the outputs in place if this build starts a new
    edition (they are archived once the new ones are rendered), else the newest archive.
    One that no longer loads is a warning: the "what changed" section is then left out."""
    out, brief_id = project.out, loaded.brief.id
    in_place, _ = editions.edition_in_place(out, brief_id, _recorded_edition(record, brief_id))
    if in_place is not None and in_place != loaded.brief.edition.isoformat():
        snapshot = editions.snapshot_path(out, brief_id)
    else:
        snapshot = editions.previous_snapshot(out, brief_id, loaded.brief.edition)
    if snapshot is None or not snapshot.is_file():
        return None
    try:
        return project.load(snapshot, default_id=brief_id)
    except BriefgenError as error:
        warnings.append(Problem(Location(str(snapshot)), "", "the previous edition's data no "
                                "longer loads, so the \"what changed\" section is left out "
                                f"({error.problems[0]})"))
        return None


def _recorded_edition(record: BriefRecord | None, brief_id: str) -> str | None:
    return record.edition if record is not None and record.id == brief_id else None


def _publication(out: Path, task: Task, loaded: LoadedBrief, rendered: dict, data: bytes,
                 warnings: list) -> editions.Publication:
    """The brief's new files, the previous edition's outputs they retire, and whether
    that edition is archived: decided by what is in the brief's folder, whatever the
    manifest says."""
    brief_id, edition = loaded.brief.id, loaded.brief.edition.isoformat()
    files = {path: output for path, output, _ in rendered.values()}
    files[editions.snapshot_path(out, brief_id)] = data
    in_place, has_copy = editions.edition_in_place(
        out, brief_id, _recorded_edition(task.previous, brief_id))
    if in_place is None or in_place == edition:
        return editions.Publication(out, brief_id, files)
    extensions = {extension_for(fmt) for fmt in formats()}
    previous = editions.outputs_in_place(out, brief_id, extensions)
    retire = [p for p in previous if p not in files]
    if not has_copy and previous:
        warnings.append(Problem(Location(str(editions.snapshot_path(out, brief_id))), "",
                                f"the edition {in_place} is archived without its data copy, "
                                "which is missing, so later \"what changed\" sections cannot "
                                "compare with it"))
    return editions.Publication(out, brief_id, files, retire, in_place)


def _record(out: Path, task: Task, loaded: LoadedBrief, rendered: dict,
            archived: bool) -> BriefRecord:
    """What the manifest keeps of the brief: every output still in place, those this
    build did not touch included (a build of one audience or format forgets no other);
    after an edition change, only the new ones."""
    brief_id, edition = loaded.brief.id, loaded.brief.edition.isoformat()
    previous = task.previous
    kept = dict(previous.outputs) if previous is not None and previous.id == brief_id and \
        not archived else {}
    for slot, (path, data, _) in rendered.items():
        kept[slot] = OutputRecord(path.relative_to(out).as_posix(), task.keys[slot], len(data))
    return BriefRecord(brief_id, task.data_hash, edition, dict(sorted(kept.items())),
                       review_items(loaded))


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


def stale_reviews(reviews: list, today: dt.date | None = None) -> list[Problem]:
    today = today or dt.date.today()
    return [Problem(Location(file, line, column), field,
                    f"the {label} was due for review by {when} and is stale")
            for when, file, line, column, field, label in reviews
            if dt.date.fromisoformat(when) < today]


def _over_budget(path: Path, audience, pages: int | None) -> list[Problem]:
    """A warning when a PDF runs past its audience's length budget."""
    if pages is None or audience.pages is None or pages <= audience.pages:
        return []
    over = pages - audience.pages
    return [Problem(Location(str(path)), f"audience {audience.name}",
                    f"the PDF has {pages} pages, {over} over its budget of {audience.pages} "
                    f"(pages: in {audience.origins.get('pages', 'the audience defaults')})")]
