"""The build manifest: what every output in out/ was built from.

``out/.briefgen-manifest.json`` maps each brief file to the content hash of its
data, its id and edition, the items due for review, and for each output its
path, input key and size.  It is written last, atomically, so a build that
dies half-way leaves the previous manifest, and the outputs it wrote get
rebuilt next time because their keys do not match it.

The manifest is read back from a folder others can write to, so it is untrusted
input: its shape is validated in full, and every output path in it must be the
very path briefgen would write for that brief, audience and format.  A manifest
that fails any of this is dropped with a warning, and everything is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..data.model import ID_PATTERN
from ..errors import BriefgenError
from ..files import read_bounded

NAME = ".briefgen-manifest.json"
FORMAT = 1
MAX_BYTES = 64_000_000      # about 40,000 briefs; a larger one is taken as damaged


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class OutputRecord:
    path: str          # relative to out/
    key: str
    size: int


@dataclass
class BriefRecord:
    id: str
    data: str                       # sha256 of the data file
    edition: str
    outputs: dict = field(default_factory=dict)     # "audience/format" -> OutputRecord
    reviews: list = field(default_factory=list)     # [review_by, file, line, column, field, label]


# ------------------------------------------------------- the shape on disk

Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Slot = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}/[a-z0-9][a-z0-9_-]{0,30}$")]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Output(_Shape):
    path: Annotated[str, Field(max_length=300)]
    key: Hex
    size: Annotated[int, Field(ge=0)]


class _Brief(_Shape):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    data: Hex
    edition: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    outputs: dict[Slot, _Output]
    reviews: list[Annotated[tuple[Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")], str,
                                  int | None, int | None, str, str],
                            Field(strict=False)]]      # JSON has lists, not tuples


def _project_relative(name: str) -> str:
    """A data file's name relative to the project: no absolute path, no '..', no empty
    part (a file from outside the project is never recorded)."""
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or "\0" in name or \
            any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"'{name[:80]}' is not a data file's name inside the project")
    return name


DataName = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_project_relative)]


class _File(_Shape):
    format: int
    briefs: dict[DataName, _Brief]


# ---------------------------------------------------------------- the manifest

@dataclass
class Manifest:
    briefs: dict = field(default_factory=dict)      # data file (as given) -> BriefRecord
    warning: str | None = None                      # why a manifest on disk was dropped

    @classmethod
    def load(cls, out: Path, expected_path: Callable[[str, str], str]) -> "Manifest":
        """The manifest in ``out``; an empty one (everything out of date) if there is none,
        and also, with a warning, if it is damaged in any way.  ``expected_path(id, slot)``
        is the path briefgen writes an output to, relative to ``out``."""
        path = out / NAME
        if not path.exists() and not path.is_symlink():
            return cls()
        try:
            raw = json.loads(read_bounded(path, MAX_BYTES, root=out))
            shape = _File.model_validate(raw)
            if shape.format != FORMAT:
                return cls(warning=f"{path}: written by another version of briefgen "
                                   f"(format {shape.format}); every output is rebuilt")
            return cls({name: _record(name, entry, expected_path)
                        for name, entry in shape.briefs.items()})
        except (BriefgenError, ValueError, ValidationError, RecursionError) as error:
            return cls(warning=f"{path}: damaged, so it was ignored and every output is "
                               f"rebuilt ({_why(error)})")

    def dumps(self) -> bytes:
        briefs = {name: asdict(record) for name, record in sorted(self.briefs.items())}
        return json.dumps({"format": FORMAT, "briefs": briefs}, indent=1,
                          sort_keys=True).encode("utf-8")

    def current(self, name: str, data_hash: str, wanted: dict, out: Path) -> bool:
        """Whether every wanted output (slot -> key) of a brief is built and unchanged."""
        record = self.briefs.get(name)
        if record is None or record.data != data_hash:
            return False
        for slot, key in wanted.items():
            output = record.outputs.get(slot)
            if output is None or output.key != key or not _has_size(out / output.path,
                                                                    output.size):
                return False
        return True


def _record(name: str, entry: _Brief, expected_path) -> BriefRecord:
    dt.date.fromisoformat(entry.edition)          # a ValueError if it is no date
    outputs = {}
    for slot, output in entry.outputs.items():
        if output.path != expected_path(entry.id, slot):
            raise ValueError(f"the output {slot} of {name} names the path "
                             f"'{output.path[:80]}', which is not where briefgen writes it")
        outputs[slot] = OutputRecord(output.path, output.key, output.size)
    return BriefRecord(entry.id, entry.data, entry.edition, outputs,
                       [list(review) for review in entry.reviews])


def _why(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        place = ".".join(map(str, first["loc"])) or "the top"
        return f"{place}: {first['msg']}"[:200]
    if isinstance(error, BriefgenError):
        return error.problems[0].message
    return str(error)[:200]


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False
