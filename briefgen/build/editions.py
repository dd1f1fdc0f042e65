"""Editions, and putting a brief's new outputs in place as one unit.

The outputs a build writes for a brief sit in ``out/<id>/`` beside
``.edition.yaml``, a copy of the data they were built from.  When the edition
date changes, the previous outputs go, with that copy, to
``out/<id>/editions/<previous edition date>/``.  The newest archived copy older
than the current edition is what "what changed" compares against.

``publish`` replaces a brief's outputs as one transaction:

1. every new file is written in full and flushed, beside its place;
2. the files it replaces are kept: archived (hard links, or copies, in a staging
   folder renamed into ``editions/`` when complete) if the edition changes, else
   linked to backup names;
3. the new files are renamed into place and the previous edition's other outputs
   retired;
4. a failure at any step puts back what step 3 had changed, from what step 2 kept.

So after a failure the folder holds the old edition, and after success the new one;
a build killed outright leaves only marked temporary files, which the next build
removes before it completes the work.  Every path comes from ``files.child``: none
leaves the output folder, and none passes through a link.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..data.yamlsource import top_level_scalar
from ..errors import BriefgenError
from ..files import child, read_bounded, real_folder, stage, temporary_name

SNAPSHOT = ".edition.yaml"
FOLDER = "editions"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_SNAPSHOT = 64_000_000


def snapshot_path(out: Path, brief_id: str) -> Path:
    return brief_path(out, f"{brief_id}/{SNAPSHOT}")


def brief_path(out: Path, relative: str) -> Path:
    """``out/relative``, refused if it would leave ``out`` or pass through a link."""
    path = child(out, relative)
    if path is None:
        raise BriefgenError.at(str(out / relative), "is reached through a link or is not "
                               "a plain folder path; briefgen writes only into real folders "
                               "inside the output folder")
    return path


def edition_in_place(out: Path, brief_id: str, recorded: str | None) -> tuple[str | None, bool]:
    """(the edition of the outputs now in ``out/<id>/``, whether their data copy is there).

    The data copy beside them says which edition they are: what is on disk, not the
    manifest, decides what is archived, so a manifest lost or dropped never lets a new
    edition overwrite the old one.  Without a readable data copy, ``recorded`` (the
    manifest's edition) stands in."""
    snapshot = child(out, f"{brief_id}/{SNAPSHOT}")
    if snapshot is None or not snapshot.is_file():
        return recorded, False
    try:
        edition = top_level_scalar(read_bounded(snapshot, MAX_SNAPSHOT, root=out), "edition")
    except BriefgenError:
        return recorded, False
    return (edition if edition and DATE.fullmatch(edition) else recorded), True


def outputs_in_place(out: Path, brief_id: str, names) -> list[Path]:
    """The files in ``out/<id>/`` named ``names`` (the outputs briefgen writes for this
    brief): anything else a user keeps there is never touched."""
    folder = child(out, brief_id)
    if folder is None or not real_folder(folder):
        return []
    return sorted(p for p in folder.iterdir()
                  if p.name in names and p.is_file() and not p.is_symlink())


def previous_snapshot(out: Path, brief_id: str, edition: dt.date) -> Path | None:
    """The data of the newest archived edition older than ``edition``."""
    folder = child(out, f"{brief_id}/{FOLDER}")
    if folder is None or not real_folder(folder):
        return None
    older = sorted(p for p in folder.iterdir()
                   if DATE.fullmatch(p.name) and p.name < edition.isoformat() and
                   real_folder(p) and child(out, f"{brief_id}/{FOLDER}/{p.name}/{SNAPSHOT}"))
    for candidate in reversed(older):
        if (candidate / SNAPSHOT).is_file():
            return candidate / SNAPSHOT
    return None


# ---------------------------------------------------------------- publishing

@dataclass
class Publication:
    """A brief's new files (final path -> bytes) and what they replace."""

    out: Path
    brief_id: str
    files: dict                                   # final path -> bytes
    retire: list = field(default_factory=list)    # old outputs the new edition drops
    archive_as: str | None = None                 # the previous edition, if it changes
    _staged: dict = field(default_factory=dict)   # final -> temporary
    _kept: dict = field(default_factory=dict)     # final -> its previous bytes' new name
    _placed: list = field(default_factory=list)
    _archive: Path | None = None

    def commit(self) -> None:
        try:
            for final, data in self.files.items():
                self._staged[final] = stage(final, data)
            self._keep_previous()
            for final in self.files:
                os.replace(self._staged[final], final)
                del self._staged[final]
                self._placed.append(final)
            for old in self.retire:
                if old in self._kept:
                    os.unlink(old)
                    self._placed.append(old)
        except BaseException:
            self._roll_back()
            raise
        self._discard_backups()

    def _keep_previous(self) -> None:
        previous = [p for p in (*self.files, *self.retire) if _exists(p)]
        if self.archive_as is None:
            for final in previous:
                self._kept[final] = _linked(final, temporary_name(final))
            return
        target = brief_path(self.out, f"{self.brief_id}/{FOLDER}/{self.archive_as}")
        if (target / SNAPSHOT).is_file():      # archived by a build stopped later on
            for final in previous:
                self._kept[final] = _linked(final, temporary_name(final))
            return
        self._archive = _archived(target, previous, self._kept)

    def _roll_back(self) -> None:
        for final in reversed(self._placed):
            kept = self._kept.get(final)
            try:
                if kept is None:
                    os.unlink(final)
                elif self._archive is not None:
                    os.replace(_linked(kept, temporary_name(final)), final)
                else:
                    os.replace(kept, final)
                    self._kept.pop(final)
            except OSError:
                pass            # the next build completes what this one left
        for temporary in self._staged.values():
            temporary.unlink(missing_ok=True)
        self._discard_backups()

    def _discard_backups(self) -> None:
        if self._archive is None:
            for kept in self._kept.values():
                kept.unlink(missing_ok=True)


def _archived(target: Path, previous: list[Path], kept: dict) -> Path:
    """The previous files linked into ``target`` (staged, then renamed, so the archive
    appears complete or not at all); ``kept`` maps each to its archived copy."""
    staging = temporary_name(target)
    staging.mkdir(parents=True)
    try:
        snapshot = [p for p in previous if p.name == SNAPSHOT]
        for final in [p for p in previous if p.name != SNAPSHOT] + snapshot:
            _linked(final, staging / final.name)
        if target.exists():
            _merge(staging, target)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for final in previous:
        kept[final] = target / final.name
    return target


def _merge(staging: Path, target: Path) -> None:
    """Into an edition folder that exists without its data copy (an older briefgen's),
    the data copy last."""
    if not real_folder(target):
        raise BriefgenError.at(str(target), "is a link or not a folder; briefgen archives "
                               "editions only into real folders")
    names = sorted(p.name for p in staging.iterdir())
    for name in sorted(names, key=lambda n: n == SNAPSHOT):
        os.replace(staging / name, target / name)
    staging.rmdir()


def _linked(source: Path, name: Path) -> Path:
    """``name``, a second name for ``source``'s bytes: a hard link, else a flushed copy."""
    try:
        os.link(source, name)
    except OSError:
        temporary = stage(name, source.read_bytes())
        os.replace(temporary, name)
    return name


def _exists(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()
