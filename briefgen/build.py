"""Orchestration: which outputs a project build makes, and writing them safely.

Renderers only turn blocks into bytes; this module decides what to build,
renders every requested document in memory first, and writes each file
atomically (a temporary file in the same folder, flushed, then renamed), so
a failed build never damages the previous good output.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import pipeline
from .errors import BriefgenError, UsageError
from .load import LoadedBrief, load_brief
from .renderers import formats as known_formats
from .renderers import renderer_for


@dataclass(frozen=True)
class Project:
    """A folder holding data/, optionally templates/, and receiving out/."""

    root: Path
    data: Path
    out: Path
    settings: pipeline.Settings

    @classmethod
    def at(cls, root: str | Path = ".", out: str | Path | None = None) -> "Project":
        root = Path(root)
        templates = root / "templates"
        return cls(root, root / "data", Path(out) if out else root / "out",
                   pipeline.Settings(templates=templates if templates.is_dir() else None))

    def brief_files(self) -> list[Path]:
        if not self.data.is_dir():
            raise UsageError(f"no data folder at {self.data}: run briefgen in a project root "
                             "or name brief files")
        return sorted(p for p in self.data.iterdir() if p.suffix in (".yaml", ".yml"))


@dataclass
class Output:
    path: Path
    seconds: float


@dataclass
class BuildReport:
    written: list[Output] = field(default_factory=list)
    failures: list[BriefgenError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def output_path(out: Path, brief_id: str, audience: str, fmt: str) -> Path:
    return out / brief_id / f"{brief_id}-{audience}{renderer_for(fmt).extension}"


def build(project: Project, files: list[Path] | None = None, audiences: list[str] | None = None,
          fmts: list[str] | None = None) -> BuildReport:
    """Render every brief for every audience and format asked for; one failure stops no other."""
    fmts = list(fmts or known_formats())
    for fmt in fmts:
        renderer_for(fmt)
    names = list(audiences or [a.name for a in project.settings.audiences])
    for name in names:
        project.settings.audience(name)
    report = BuildReport()
    for path in files or project.brief_files():
        try:
            loaded = load_brief(path, audiences=[a.name for a in project.settings.audiences])
            report.written.extend(build_brief(loaded, project, names, fmts))
        except BriefgenError as error:
            report.failures.append(error)
    return report


def build_brief(loaded: LoadedBrief, project: Project, audiences: list[str],
                fmts: list[str]) -> list[Output]:
    """Render all of one brief's documents in memory, then write them."""
    if any(renderer_for(fmt).embeds_fonts for fmt in fmts):
        pipeline.check_glyphs(loaded)
    rendered = []
    for audience in audiences:
        document = pipeline.document_for(loaded, audience, project.settings)
        for fmt in fmts:
            started = time.perf_counter()
            data = pipeline.render_document(document, fmt, project.settings)
            path = output_path(project.out, loaded.brief.id, audience, fmt)
            rendered.append((path, data, time.perf_counter() - started))
    for path, data, _ in rendered:
        write_atomic(path, data)
    return [Output(path, seconds) for path, _, seconds in rendered]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
