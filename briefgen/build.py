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
from .config import Config, load_config
from .errors import BriefgenError, Location, Problem, UsageError
from .load import LoadedBrief, load_brief
from .renderers import formats as known_formats
from .renderers import renderer_for


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


@dataclass
class BuildReport:
    written: list[Output] = field(default_factory=list)
    failures: list[BriefgenError] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def output_path(out: Path, brief_id: str, audience: str, fmt: str) -> Path:
    return out / brief_id / f"{brief_id}-{audience}{renderer_for(fmt).extension}"


def build(project: Project, files: list[Path] | None = None, audiences: list[str] | None = None,
          fmts: list[str] | None = None, strict: bool = False) -> BuildReport:
    """Render every brief for every audience and format asked for; one failure stops no other."""
    fmts = list(dict.fromkeys(fmts or known_formats()))
    for fmt in fmts:
        renderer_for(fmt)
    names = list(dict.fromkeys(audiences or [a.name for a in project.settings.audiences]))
    for name in names:
        project.settings.audience(name)
    report = BuildReport()
    for name in names:   # a broken theme or template fails the run before anything renders
        pipeline.check_templates(project.settings, project.settings.audience(name))
    claimed: dict[str, Path] = {}
    for path in dict.fromkeys(files or project.brief_files()):
        try:
            loaded = load_brief(path, audiences=[a.name for a in project.settings.audiences],
                                levels=project.settings.levels)
            _claim(claimed, loaded)
            written, warnings = build_brief(loaded, project, names, fmts, strict)
            report.written.extend(written)
            report.warnings.extend(warnings)
        except BriefgenError as error:
            report.failures.append(error)
    return report


def _claim(claimed: dict[str, Path], loaded: LoadedBrief) -> None:
    """Two files with one brief id would overwrite each other's outputs."""
    first = claimed.setdefault(loaded.brief.id, loaded.path)
    if first != loaded.path:
        raise BriefgenError.at(str(loaded.path), f"found the brief id '{loaded.brief.id}', which "
                                                 f"{first} already has; expected ids unique "
                                                 "across the project", field="id")


def build_brief(loaded: LoadedBrief, project: Project, audiences: list[str], fmts: list[str],
                strict: bool = False) -> tuple[list[Output], list[Problem]]:
    """Render all of one brief's documents in memory, then write them."""
    settings = project.settings
    rendered, warnings = [], []
    for name in audiences:
        audience = settings.audience(name)
        theme = settings.theme_for(audience)
        if any(renderer_for(fmt).embeds_fonts for fmt in fmts):
            pipeline.check_glyphs(loaded, theme)
        document = pipeline.document_for(loaded, name, settings)
        for fmt in fmts:
            started = time.perf_counter()
            renderer = renderer_for(fmt)(theme)
            try:
                data = renderer.render(document)
            except BriefgenError as error:
                raise error.relocated(str(loaded.path)) from None
            warnings.extend(_over_budget(loaded, audience, renderer.pages))
            path = output_path(project.out, loaded.brief.id, name, fmt)
            rendered.append((path, data, time.perf_counter() - started))
    if strict and warnings:
        raise BriefgenError(warnings)
    for path, data, _ in rendered:
        write_atomic(path, data)
    return [Output(path, seconds) for path, _, seconds in rendered], warnings


def _over_budget(loaded: LoadedBrief, audience, pages: int | None) -> list[Problem]:
    """A warning when a PDF runs past its audience's length budget."""
    if pages is None or audience.pages is None or pages <= audience.pages:
        return []
    over = pages - audience.pages
    return [Problem(Location(str(loaded.path)), f"audience {audience.name}",
                    f"the PDF has {pages} pages, {over} over its budget of {audience.pages} "
                    f"(pages: in {audience.origins.get('pages', 'the audience defaults')})")]


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
