"""The project file (``briefgen.yaml``): folders, theme, visibility levels and audiences.

Every resolved value remembers where it came from: briefgen's defaults, the
project file, or an audience's own entry in it.  ``briefgen config`` prints
them.  With no project file the defaults apply: data/, templates/, themes/,
out/, the sober theme and the three built-in audiences.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..compose.labels import Labels
from ..data.audiences import BUILTIN_AUDIENCES, DEFAULT_LEVELS, FIELDS, Audience
from ..data.forms import EitherForm
from ..data.levels import Level
from ..data.model import ID_PATTERN, SECTION_KINDS, PlainText
from ..data.yamlsource import dotted, excerpt
from ..errors import DataError, Problem
from ..limits import DEFAULT_LIMITS, Limits
from ..resources import PROJECT_FILE

TEMPLATE_PART = re.compile(r"^[A-Za-z0-9_][\w.-]*$")


def _inside(value: str) -> str:
    """A folder, file or theme the project names must stay inside the project."""
    parts = value.split("/")
    if value.startswith("/") or "\x00" in value or "\\" in value or ".." in parts:
        raise ValueError(f"found '{excerpt(value)}', which leaves the project folder; "
                         "expected a relative path without '..'")
    return value


def _template_name(value: str) -> str:
    """A template is a file ending .j2 inside the templates folder."""
    parts = _inside(value).split("/")
    if not value.endswith(".j2") or not all(TEMPLATE_PART.fullmatch(p) for p in parts):
        raise ValueError(f"found the template name '{excerpt(value)}', expected a file name "
                         "ending .j2 of letters, digits, '.', '_' and '-'")
    return value


Name = Annotated[str, Field(pattern=ID_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelEntry(_Strict):
    """A level written as a mapping: its name, the banner marking of a document whose
    highest level it is, and the mark shown before each portion at this level."""

    name: Name
    marking: PlainText | None = None
    portion: PlainText | None = None


def _level(value: object) -> Level:
    if isinstance(value, LevelEntry):
        return Level(value.name, value.marking, value.portion)
    return Level(value)


# A level is written as its name, or as a mapping with its marking and portion mark.
LevelDeclaration = Annotated[Level, EitherForm(Name, LevelEntry, _level)]


Inside = Annotated[str, AfterValidator(_inside)]


class AudienceEntry(_Strict):
    label: str | None = None
    template: Annotated[str, AfterValidator(_template_name)] | None = None
    theme: Inside | None = None
    level: Name | None = None
    sections: tuple[Literal[SECTION_KINDS], ...] | None = None  # type: ignore[valid-type]
    fields: tuple[Literal[FIELDS], ...] | None = None  # type: ignore[valid-type]
    labels: Labels = {}
    pages: Annotated[int, Field(ge=1, le=500)] | None = None
    description: str | None = None


HUGE = 1 << 50        # no limit needs more; beyond it numbers overflow the system's
WEEK = 7 * 24 * 3600.0


class LimitsEntry(_Strict):
    max_input_bytes: Annotated[int, Field(ge=1_000, le=HUGE)] = DEFAULT_LIMITS.max_input_bytes
    max_yaml_values: Annotated[int, Field(ge=100, le=HUGE)] = DEFAULT_LIMITS.max_yaml_values
    # at most 100: composing, converting and rendering recurse per level (see yamlsyntax)
    max_depth: Annotated[int, Field(ge=5, le=100)] = DEFAULT_LIMITS.max_depth
    max_text_chars: Annotated[int, Field(ge=100, le=HUGE)] = DEFAULT_LIMITS.max_text_chars
    max_table_rows: Annotated[int, Field(ge=1, le=HUGE)] = DEFAULT_LIMITS.max_table_rows
    max_render_seconds: Annotated[float, Field(ge=0, le=WEEK, allow_inf_nan=False)] = \
        DEFAULT_LIMITS.max_render_seconds
    max_output_bytes: Annotated[int, Field(ge=10_000, le=HUGE)] = DEFAULT_LIMITS.max_output_bytes
    max_markdown_chars: Annotated[int, Field(ge=1_000, le=HUGE)] = DEFAULT_LIMITS.max_markdown_chars
    # at least 64 MiB: a fresh process needs about that to load the fonts of one PDF
    max_render_memory: Annotated[int, Field(ge=1 << 26, le=HUGE)] = \
        DEFAULT_LIMITS.max_render_memory


class ProjectFile(_Strict):
    data: Inside = "data"
    templates: Inside = "templates"
    themes: Inside = "themes"
    out: Inside = "out"
    theme: Inside = "sober"
    levels: tuple[LevelDeclaration, ...] = Field(DEFAULT_LEVELS, min_length=1)
    audiences: dict[Name, AudienceEntry] | None = None
    limits: LimitsEntry = LimitsEntry()


def read_config(root: Path) -> dict:
    """The resolved settings of the project at ``root`` (from its project file, if any),
    as ``Project``'s fields."""
    from ..data.load import read_yaml, validate

    path = root / PROJECT_FILE
    if not path.exists() and not path.is_symlink():
        return _resolve(root, None, ProjectFile(), {})
    # Anything by that name is the project file: a folder, a FIFO or a link leading out
    # is an error, never a silent fall back to the defaults.  It sets the limits, so it
    # is read within the default ones.
    located = read_yaml(path, root=root)
    settings = validate(located, ProjectFile)
    problems = _check_levels(settings, located) + _check_names(root, settings, located)
    if problems:
        raise DataError(problems)
    return _resolve(root, path, settings, located.keys)


def _resolve(root: Path, path: Path | None, project: ProjectFile, keys: dict) -> dict:
    def origin(*key_path) -> str:
        return f"project file {path}:{keys[key_path][0]}" if key_path in keys else "default"

    origins = {name: origin(name) for name in ("data", "templates", "themes", "out", "theme",
                                               "levels", "audiences", "limits")}
    entries = project.audiences
    if entries is None:
        audiences = tuple(_with_theme(a, project.theme, origins["theme"])
                          for a in BUILTIN_AUDIENCES.values())
    else:
        audiences = tuple(_audience(name, entry, project.theme, origins["theme"],
                                    lambda *k, n=name: origin("audiences", n, *k))
                          for name, entry in entries.items())
    return dict(root=root, file=path, data=root / project.data,
                templates=root / project.templates, themes=root / project.themes,
                out=root / project.out, theme=project.theme, levels=tuple(project.levels),
                audiences=audiences, origins=origins, limits=Limits(**dict(project.limits)))


def _with_theme(audience: Audience, theme: str, theme_origin: str) -> Audience:
    origins = {name: "default: built-in audience" for name in _audience_keys()}
    origins["theme"] = theme_origin
    return replace(audience, theme=theme, origins=origins)


def _audience(name: str, entry: AudienceEntry, theme: str, theme_origin: str,
              origin) -> Audience:
    base = BUILTIN_AUDIENCES.get(name) or Audience(name, name.replace("-", " ").title(),
                                                  "analytical.md.j2")
    values, origins = {"theme": theme}, {"theme": theme_origin}
    for key in _audience_keys():
        given = getattr(entry, key)
        if given not in (None, {}):
            values[key], origins[key] = given, f"audience {name}: {origin(key)}"
        elif key != "theme":
            values[key] = getattr(base, key)
            origins[key] = "default: built-in audience" if name in BUILTIN_AUDIENCES \
                else "default"
    return replace(base, **values, origins=origins)


def _audience_keys() -> tuple[str, ...]:
    return tuple(AudienceEntry.model_fields)


def _check_levels(project: ProjectFile, located) -> list[Problem]:
    problems = _duplicate_levels(project.levels, located)
    for name, entry in (project.audiences or {}).items():
        if entry.level is not None and entry.level not in project.levels:
            path = ("audiences", name, "level")
            problems.append(Problem(located.locate(path), dotted(path),
                                    f"found the unknown level '{entry.level}', expected one of "
                                    f"the levels declared: {', '.join(project.levels)}"))
    for audience in BUILTIN_AUDIENCES.values():
        if project.audiences is None and audience.level not in project.levels:
            problems.append(Problem(located.locate(("levels",)), "levels",
                                    f"found no level '{audience.level}', which the built-in "
                                    f"audience {audience.name} needs"))
    return problems


def _duplicate_levels(levels: tuple, located) -> list[Problem]:
    """Each level once: its rank is its place in the list."""
    problems, first = [], {}
    for index, name in enumerate(levels):
        if name in first:
            path = ("levels", index)
            problems.append(Problem(located.locate(path), dotted(path),
                                    f"found the level '{name}' a second time (first at line "
                                    f"{located.locate(('levels', first[name])).line}), "
                                    "expected each level once"))
        first.setdefault(name, index)
    return problems


def _check_names(root: Path, project: ProjectFile, located) -> list[Problem]:
    """Themes and templates the project file names must exist."""
    from ..compose.templating import BUILTIN_TEMPLATES
    from .theme import theme_paths

    themes = theme_paths(root / project.themes)
    problems = []

    def report(path: tuple, message: str) -> None:
        problems.append(Problem(located.locate(path), dotted(path), message))

    def theme_known(name: str) -> bool:
        return name in themes or (name.endswith((".yaml", ".yml")) and (root / name).is_file())

    named = [(("theme",), project.theme)] + [
        (("audiences", a, "theme"), e.theme) for a, e in (project.audiences or {}).items()
        if e.theme]
    for path, name in named:
        if not theme_known(name):
            report(path, f"found the unknown theme '{name}', expected one of "
                         f"{', '.join(sorted(themes))} or a path to a .yaml file")
    for name, entry in (project.audiences or {}).items():
        template = entry.template
        if template and not ((root / project.templates / template).is_file() or
                             (BUILTIN_TEMPLATES / template.removeprefix("builtin/")).is_file()):
            report(("audiences", name, "template"),
                   f"found the unknown template '{template}', expected a file in "
                   f"{project.templates}/ or a built-in template")
    return problems
