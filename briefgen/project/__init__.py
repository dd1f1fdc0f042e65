"""The project: one object for everything a build of one folder needs to know.

A project is read from its folder (``briefgen.yaml``, if any, and the defaults): where
its data, templates, themes and outputs are, its visibility levels, audiences and
limits.  It also owns what a build reads and makes from them (its themes, its one Jinja
environment, the templates already checked), so two projects, or two builds of one
project, never share state, and nothing is kept in a module.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..compose import templating
from ..data.audiences import BUILTIN_AUDIENCES, DEFAULT_LEVELS, Audience
from ..data.load import LoadedBrief, load_brief
from ..errors import BriefgenError, UsageError
from ..limits import DEFAULT_LIMITS, Limits
from .config import read_config
from .theme import Theme, load_theme


class ProjectState:
    """What one build of a project has read and made: its themes, its template
    environment (with the compiled templates), the checks already passed.  A copy sent
    to another process starts empty."""

    def __init__(self, token: str | None = None):
        self.token = token or uuid.uuid4().hex     # which build this state belongs to
        self.themes: dict = {}
        self.environment = None
        self.checked: set = set()

    def __reduce__(self):
        return ProjectState, (self.token,)


@dataclass(frozen=True)
class Project:
    """A folder holding data/ (and optionally briefgen.yaml, templates/, themes/), with
    every setting resolved and the origin of each (``origins``, for ``briefgen config``)."""

    root: Path
    data: Path
    out: Path
    templates: Path | None = None
    themes: Path | None = None
    audiences: tuple = tuple(BUILTIN_AUDIENCES.values())
    levels: tuple = DEFAULT_LEVELS
    limits: Limits = DEFAULT_LIMITS
    file: Path | None = None            # the project file, if there is one
    theme: str = "sober"                # the project's default theme, by name
    origins: dict = field(default_factory=dict, compare=False)
    only_theme: Theme | None = None     # one theme for every audience, overriding theirs
    state: ProjectState = field(default_factory=ProjectState, compare=False, repr=False)

    @classmethod
    def at(cls, root: str | Path = ".", out: str | Path | None = None) -> "Project":
        """The project in ``root``; ``out`` (from the command line) overrides its
        output folder."""
        values = read_config(Path(root))
        folder = Path(out) if out else values["out"]
        project = cls(**{**values, "out": folder})
        _own_folder(project, folder, UsageError if out else BriefgenError)
        return project

    @classmethod
    def builtin(cls, root: str | Path = ".") -> "Project":
        """Built-in audiences, templates and themes only, whatever ``root`` holds: what
        the Python API renders with when no project is given."""
        root = Path(root)
        return cls(root=root, data=root / "data", out=root / "out")

    def absolute(self) -> "Project":
        """The project with every folder absolute, its state kept: what a worker that
        runs in another folder (a cluster's) must be given."""
        def whole(path):
            return Path(os.path.abspath(path)) if path is not None else None

        return replace(self, root=whole(self.root), data=whole(self.data),
                       out=whole(self.out), templates=whole(self.templates),
                       themes=whole(self.themes), file=whole(self.file))

    def with_theme(self, theme: Theme) -> "Project":
        """The project with one theme for every audience."""
        return replace(self, only_theme=theme, state=ProjectState())

    def fresh(self) -> "Project":
        """The project with nothing read yet: what each build starts from, so that a file
        changed since the last build (``watch``, ``schedule``) is read again."""
        return replace(self, state=ProjectState())

    def audience(self, name: str) -> Audience:
        for audience in self.audiences:
            if audience.name == name:
                return audience
        known = ", ".join(a.name for a in self.audiences)
        raise UsageError(f"unknown audience '{name}', expected one of {known}")

    def theme_for(self, audience: Audience) -> Theme:
        """The audience's theme with its labels, read once per build (renderers cache
        their styles per theme object)."""
        if self.only_theme is not None:
            return self.only_theme.with_labels(audience.labels)
        key = (audience.theme, tuple(sorted(audience.labels.items())))
        if key not in self.state.themes:
            theme = load_theme(audience.theme, self.themes, limits=self.limits, root=self.root)
            self.state.themes[key] = theme.with_labels(audience.labels)
        return self.state.themes[key]

    def environment(self):
        """The project's one Jinja environment (its templates, then the built-in ones)."""
        if self.state.environment is None:
            self.state.environment = templating.environment(
                templating.search_path(self.templates))
        return self.state.environment

    def brief_files(self) -> list[Path]:
        if not self.data.is_dir():
            raise UsageError(f"no data folder at {self.data}: run briefgen in a project root "
                             "or name brief files")
        return sorted(p for p in self.data.iterdir()
                      if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))

    def load(self, path: Path, default_id: str | None = None,
             data: bytes | None = None) -> LoadedBrief:
        """A brief file validated against this project's audiences, levels and limits, with
        each audience's banner marking resolved from its levels' markings: the one way
        every command (build, validate, diff, watch, schedule) reads a brief.
        ``data``: the file's bytes, when the caller read them already."""
        return load_brief(path, audiences=self.audiences, levels=self.levels,
                          limits=self.limits, default_id=default_id,
                          root=self.confinement(path), data=data)

    def confinement(self, path: Path) -> Path | None:
        """The folder a file must stay inside once links are resolved: the output folder
        or the project, whichever holds it by name (a file named from elsewhere on the
        command line is the caller's to choose)."""
        named = Path(os.path.abspath(path))
        for folder in (self.out, self.root):
            if named.is_relative_to(os.path.abspath(folder)):
                return folder
        return None


def _own_folder(project: Project, out: Path, error: type[BriefgenError]) -> None:
    """The output folder must be a folder of its own: not the project folder, and neither
    inside nor around the data, templates or themes (briefs would be written among the
    inputs, and read back as inputs)."""
    named = Path(os.path.abspath(out))
    root = Path(os.path.abspath(project.root))
    if named == root or root.is_relative_to(named):
        raise error.at(str(out), "is the project folder or contains it; expected a folder of "
                                 "its own for the outputs, such as out", field="out")
    for what in ("data", "templates", "themes"):
        folder = Path(os.path.abspath(getattr(project, what)))
        if named.is_relative_to(folder) or folder.is_relative_to(named):
            raise error.at(str(out), f"overlaps the project's {what} folder {folder}; "
                                     "expected a folder of its own for the outputs",
                           field="out")
