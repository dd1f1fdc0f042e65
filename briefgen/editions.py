"""Editions: when a brief's edition date changes, the previous outputs are kept.

The outputs a build writes for a brief sit in ``out/<id>/`` beside
``.edition.yaml``, a copy of the data they were built from.  Before a new
edition replaces them, they move, with that copy, to
``out/<id>/editions/<previous edition date>/``.  The newest archived copy
older than the current edition is what "what changed" compares against.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .manifest import BriefRecord

SNAPSHOT = ".edition.yaml"
FOLDER = "editions"


def snapshot_path(out: Path, brief_id: str) -> Path:
    return out / brief_id / SNAPSHOT


def archive(out: Path, record: BriefRecord) -> Path | None:
    """Move a brief's current outputs and data copy under editions/<their edition date>/.

    An edition is archived once: if its folder already holds its data copy, a build
    stopped after archiving and before writing the manifest, and the outputs in place
    are already the new edition's, to be replaced, not archived over the old ones."""
    target = out / record.id / FOLDER / record.edition
    if (target / SNAPSHOT).is_file():
        return None
    moved = False
    for path in [out / o.path for o in record.outputs.values()] + \
            [snapshot_path(out, record.id)]:
        if path.is_file():
            target.mkdir(parents=True, exist_ok=True)
            os.replace(path, target / path.name)
            moved = True
    return target if moved else None


def previous_snapshot(out: Path, brief_id: str, edition: dt.date) -> Path | None:
    """The data of the newest archived edition older than ``edition``."""
    folder = out / brief_id / FOLDER
    if not folder.is_dir():
        return None
    older = sorted(p for p in folder.iterdir()
                   if p.name < edition.isoformat() and (p / SNAPSHOT).is_file())
    return older[-1] / SNAPSHOT if older else None
