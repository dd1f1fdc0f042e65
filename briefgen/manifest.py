"""The build manifest: what every output in out/ was built from.

``out/.briefgen-manifest.json`` maps each brief file to the content hash of its
data, its id and edition, the items due for review, and for each output its
path, input key and size.  It is written last, atomically, so a build that
dies half-way leaves the previous manifest, and the outputs it wrote get
rebuilt next time because their keys do not match it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

NAME = ".briefgen-manifest.json"
FORMAT = 1


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
    reviews: list = field(default_factory=list)     # [review_by, place, label]


@dataclass
class Manifest:
    briefs: dict = field(default_factory=dict)      # data file (as given) -> BriefRecord

    @classmethod
    def load(cls, out: Path) -> "Manifest":
        try:
            raw = json.loads((out / NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()      # none yet, or unreadable: everything is out of date
        if raw.get("format") != FORMAT:
            return cls()
        briefs = {}
        for name, entry in raw.get("briefs", {}).items():
            outputs = {k: OutputRecord(**v) for k, v in entry.pop("outputs", {}).items()}
            briefs[name] = BriefRecord(**entry, outputs=outputs)
        return cls(briefs)

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


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False
