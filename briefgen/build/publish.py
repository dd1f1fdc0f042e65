"""The build's own side of a job: what the workers rendered, written into the output
folder and recorded.

Everything is written here, in the process that holds the output folder's lock: the
brief's new files and its data copy as one ``editions.Publication`` (the previous
edition archived first), and the brief's manifest record returned to the build, which
writes the manifest last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BriefgenError, Location, Problem, UsageError
from ..files import os_problem
from ..project import Project
from ..renderers import formats
from ..renderers.registry import NAME
from . import editions
from .manifest import BriefRecord, OutputRecord
from .plan import Job
from .work import Done, internal_error


@dataclass
class Output:
    path: Path
    seconds: float


@dataclass
class BriefResult:
    """One brief's end in a build: its record for the manifest, or its problems."""

    job: Job
    record: BriefRecord | None = None
    written: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def publish(project: Project, job: Job, parts: list[Done]) -> BriefResult:
    """The brief's outputs, rendered in ``parts``, written as one publication; nothing is
    written if any part failed.  A failure to write is the brief's problem, returned."""
    result = BriefResult(job, warnings=_once(w for part in parts for w in part.warnings))
    result.problems = _once(p for part in parts for p in part.problems)
    if result.problems:
        return result
    try:
        _write(project, job, parts, result)
    except BriefgenError as error:
        result.problems = error.relocated(str(job.path)).problems
    except OSError as error:
        result.problems = os_problem(error, "writing its outputs", str(job.path)).problems
    except Exception as error:  # noqa: BLE001 - a bug must not stop the other briefs
        result.problems = [internal_error(job.path, error)]
    return result


def _write(project: Project, job: Job, parts: list[Done], result: BriefResult) -> None:
    first = parts[0]
    rendered = {slot: made for slot in job.slots for part in parts
                for name, made in part.rendered.items() if name == slot}
    paths = {slot: output_path(project.out, first.brief_id, slot) for slot in rendered}
    publication = _publication(project, job, first, rendered, paths, result.warnings)
    publication.commit()
    result.written = [Output(paths[slot], made.seconds) for slot, made in rendered.items()]
    result.record = _record(project.out, job, first, rendered, paths,
                            publication.archive_as is not None)


def _once(problems) -> list:
    """Each problem once: every part of a brief loads it, and warns of its stale reviews
    (and with --strict, fails on them)."""
    seen: list = []
    seen.extend(p for p in problems if p not in seen)
    return seen


def output_path(out: Path, brief_id: str, slot: str) -> Path:
    return editions.brief_path(out, output_name(brief_id, slot))


def output_name(brief_id: str, slot: str) -> str:
    """Where an output is written, relative to the output folder: a format's extension
    is its name, whether or not the format is installed now."""
    audience, fmt = slot.split("/")
    if not NAME.fullmatch(fmt):
        raise UsageError(f"found the format name '{fmt[:40]}', expected a file extension")
    return f"{brief_id}/{brief_id}-{audience}.{fmt}"


def _recorded_edition(record: BriefRecord | None, brief_id: str) -> str | None:
    return record.edition if record is not None and record.id == brief_id else None


def _publication(project: Project, job: Job, done: Done, rendered: dict, paths: dict,
                 warnings: list) -> editions.Publication:
    """The brief's new files, the previous edition's outputs they retire, and whether
    that edition is archived: decided by what is in the brief's folder, whatever the
    manifest says.  Outputs whose edition nothing tells are never replaced."""
    out, brief_id, edition = project.out, done.brief_id, done.edition
    files = {paths[slot]: made.data for slot, made in rendered.items()}
    files[editions.snapshot_path(out, brief_id)] = job.data
    in_place, has_copy = editions.edition_in_place(
        out, brief_id, _recorded_edition(job.previous, brief_id))
    previous = editions.outputs_in_place(out, brief_id, _output_names(project, job, brief_id))
    if in_place is None and any(path in files for path in previous):
        raise BriefgenError.at(str(editions.snapshot_path(out, brief_id)), (
            f"is missing or unreadable, and the manifest does not say which edition the "
            f"outputs in {out / brief_id} are; expected to know it before replacing them "
            "(put the data copy back, or move those outputs away)"))
    if in_place is None or in_place == edition:
        return editions.Publication(out, brief_id, files)
    retire = [p for p in previous if p not in files]
    if not has_copy and previous:
        warnings.append(Problem(Location(str(editions.snapshot_path(out, brief_id))), "",
                                f"the edition {in_place} is archived without its data copy, "
                                "which is missing, so later \"what changed\" sections cannot "
                                "compare with it"))
    return editions.Publication(out, brief_id, files, retire, in_place)


def _output_names(project: Project, job: Job, brief_id: str) -> set[str]:
    """The names of every output briefgen may have written for this brief: each audience
    in every format in effect, and each slot the manifest records (a format since
    uninstalled, an audience since removed)."""
    slots = {f"{a.name}/{fmt}" for a in project.audiences for fmt in formats()}
    slots |= set(job.previous.outputs) if job.previous is not None else set()
    return {Path(output_name(brief_id, slot)).name for slot in slots}


def _record(out: Path, job: Job, done: Done, rendered: dict, paths: dict,
            archived: bool) -> BriefRecord:
    """What the manifest keeps of the brief: every output still in place, those this
    build did not touch included (a build of one audience or format forgets no other);
    after an edition change, only the new ones."""
    previous = job.previous
    kept = dict(previous.outputs) if previous is not None and previous.id == done.brief_id \
        and not archived else {}
    for slot, made in rendered.items():
        kept[slot] = OutputRecord(paths[slot].relative_to(out).as_posix(), job.keys[slot],
                                  len(made.data))
    return BriefRecord(done.brief_id, job.data_hash, done.edition, dict(sorted(kept.items())),
                       done.reviews)
