"""What a build has to do: the planner turns the manifest and the input keys into jobs.

A brief whose outputs all have their current keys is skipped; any other becomes a
``Job`` naming the outputs it must render again, with the bytes of its data file and of
its previous edition's data, so whoever runs it (this process, a worker process, a
cluster) needs no access to the output folder.  Ids are checked unique here, before
anything is written.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..data.yamlsource import top_level_scalar
from ..errors import BriefgenError
from ..files import read_bounded
from ..project import Project
from . import editions
from .fingerprint import Fingerprints
from .manifest import BriefRecord, Manifest, sha256
from .reviews import stale_reviews


@dataclass(frozen=True)
class Snapshot:
    """The data file of an earlier edition, for the "what changed" section."""

    path: Path
    data: bytes | None      # None if it could not be read here: loading it says why


@dataclass(frozen=True, eq=False)     # a job is itself: compared and hashed by identity
class Job:
    """One brief file to build: the outputs it must render, with their input keys."""

    path: Path
    name: str | None                  # in the manifest; None for a file outside the project
    data: bytes = field(repr=False)
    data_hash: str
    brief_id: str                     # as planned: ids are checked unique before any write
    keys: dict                        # slot ("audience/format") -> input key, every slot
    slots: tuple                      # the slots to render: those not current
    previous: BriefRecord | None = None
    snapshot: Snapshot | None = None

    def absolute(self) -> "Job":
        """The job with its files named by absolute paths, for a worker in another folder."""
        snapshot = self.snapshot and Snapshot(Path(os.path.abspath(self.snapshot.path)),
                                              self.snapshot.data)
        return replace(self, path=Path(os.path.abspath(self.path)), snapshot=snapshot)

    def formats(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(slot.split("/")[1] for slot in self.slots))

    def audiences(self, fmts=None) -> tuple[str, ...]:
        return tuple(dict.fromkeys(slot.split("/")[0] for slot in self.slots
                                   if fmts is None or slot.split("/")[1] in fmts))


@dataclass
class Plan:
    """Every job of a build, and what planning found: briefs skipped as current, and the
    files that could not even be planned (unreadable, an id another file has)."""

    project: Project
    audiences: tuple
    formats: tuple
    strict: bool = False
    jobs: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    warnings: list = field(default_factory=list)    # stale reviews of skipped briefs


def plan(project: Project, manifest: Manifest, paths, names, fmts, *, force: bool = False,
         strict: bool = False) -> Plan:
    """The jobs of a build of ``paths`` for ``names`` x ``fmts``."""
    result = Plan(project, tuple(names), tuple(fmts), strict)
    prints = Fingerprints(project)
    for path in paths:
        try:
            job = _job(project, manifest, Path(path), prints, result, force)
        except BriefgenError as error:
            result.failures.append(error)
            continue
        if job is not None:
            result.jobs.append(job)
    result.jobs = _unique_ids(manifest, result.jobs, result)
    return result


def _job(project: Project, manifest: Manifest, path: Path, prints: Fingerprints,
         result: Plan, force: bool) -> Job | None:
    data = read_bounded(path, project.limits.max_input_bytes, root=project.confinement(path))
    name = manifest_name(project, path)
    if name is not None and not _utf8(name):
        raise BriefgenError.at(str(path).encode("utf-8", "replace").decode(), "has a file name "
                               "that is not UTF-8 text; expected a name of letters, digits, "
                               "'-' and '_' (rename it)")
    data_hash = sha256(data)
    keys = {f"{a}/{f}": prints.key(data_hash, a, f) for a in result.audiences
            for f in result.formats}
    previous = manifest.briefs.get(name)
    if not force and manifest.current(name, data_hash, keys, project.out):
        result.skipped.append(path)
        result.warnings.extend(stale_reviews(previous.reviews))
        return None
    slots = tuple(slot for slot in keys
                  if force or not _still_current(previous, data_hash, slot, keys[slot],
                                                 project.out))
    brief_id = planned_id(data, path)
    return Job(path, name, data, data_hash, brief_id, keys, slots, previous,
               _snapshot(project, brief_id, data, previous))


def planned_id(data: bytes, path: Path) -> str:
    """The id a brief file declares at its top level, else its file name, to check ids
    before anything is written.  Loading the brief confirms it."""
    return top_level_scalar(data, "id") or path.stem


def _still_current(record: BriefRecord | None, data_hash: str, slot: str, key: str,
                   out: Path) -> bool:
    """An output whose key and data are unchanged is not rendered again."""
    if record is None or record.data != data_hash or slot not in record.outputs:
        return False
    output = record.outputs[slot]
    path = out / output.path
    return output.key == key and path.is_file() and path.stat().st_size == output.size


def _snapshot(project: Project, brief_id: str, data: bytes,
              record: BriefRecord | None) -> Snapshot | None:
    """The data of the last edition: the copy in place if this build starts a new edition
    (its outputs are archived once the new ones are rendered), else the newest archive."""
    out = project.out
    try:
        edition = dt.date.fromisoformat(top_level_scalar(data, "edition") or "")
    except ValueError:
        return None                    # loading the brief will say what is wrong
    recorded = record.edition if record is not None and record.id == brief_id else None
    in_place, _ = editions.edition_in_place(out, brief_id, recorded)
    if in_place is not None and in_place != edition.isoformat():
        path = editions.snapshot_path(out, brief_id)
    else:
        path = editions.previous_snapshot(out, brief_id, edition)
    if path is None or not path.is_file():
        return None
    try:
        return Snapshot(path, read_bounded(path, project.limits.max_input_bytes, root=out))
    except BriefgenError:
        return Snapshot(path, None)


def _unique_ids(manifest: Manifest, jobs: list[Job], result: Plan) -> list[Job]:
    """Two files with one brief id would overwrite each other's outputs: before anything
    is written, every brief sharing an id with another file fails, naming them all."""
    planned = {job.name for job in jobs}
    owners: dict[str, list[str]] = {}
    for name, record in manifest.briefs.items():
        if name not in planned:
            owners.setdefault(record.id, []).append(name)
    for job in jobs:
        owners.setdefault(job.brief_id, []).append(job.name or str(job.path))
    kept = []
    for job in jobs:
        others = [n for n in owners[job.brief_id] if n != (job.name or str(job.path))]
        if not others:
            kept.append(job)
            continue
        result.failures.append(BriefgenError.at(
            str(job.path), f"found the brief id '{job.brief_id}', which "
                           f"{', '.join(others)} also has; expected every brief id once in the "
                           "project (give one of them another id:)", field="id"))
    return kept


def manifest_name(project: Project, path: Path) -> str | None:
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
