"""``briefgen init``: a new project that builds at once.

The starter files live in ``briefgen/starter``: a project file with two
audiences, a sample brief, a template extending a built-in one, and a theme.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import UsageError
from ..resources import STARTER


def create(directory: Path) -> list[Path]:
    """Copy the starter project into ``directory``, which must be new or empty."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory} already exists and is not empty; expected a new folder")
    created = []
    for source in sorted(STARTER.rglob("*")):
        if source.is_file():
            target = directory / source.relative_to(STARTER)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            created.append(target)
    return created
