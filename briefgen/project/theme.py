"""House styles: one theme drives the DOCX styles and the PDF stylesheet alike.

A theme is a YAML file (``themes/<name>.yaml`` in a project, or one of the
built-in ones) validated into the frozen ``Theme`` the renderers read.  Its colours
are checked there too: every colour a brief sets text in must be readable (WCAG 2.1
AA contrast) on each fill that text sits on, or the theme is refused at its line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..compose.labels import (DEFAULT_LABELS, Labels, one_line, placeholder_problem,
                              placeholders_in)
from ..errors import DataError, Location
from ..hashing import digest, file_hash
from ..resources import BUILTIN_THEMES, PROJECT_FILE
from . import fonts
from .legibility import contrast_needed, contrast_problems  # noqa: F401 - named here too
from .logo import Logo, LogoProblem

PLACEHOLDERS = frozenset({"title", "subtitle", "marking", "organisation", "audience", "edition"})


@dataclass(frozen=True, eq=False)  # compared and cached by identity
class Theme:
    name: str = "sober"
    source: str = "built-in"
    body_font: str = "DejaVu Serif"     # families of this theme's font book (``families``)
    heading_font: str = "DejaVu Sans"
    table_font: str = "DejaVu Sans"
    body_size: float = 10.0
    table_size: float = 8.5
    title_size: float = 22.0
    heading_sizes: tuple = (15.0, 12.5, 11.0)
    leading_ratio: float = 1.38
    heading_colour: str = "#1F3A5F"
    accent_colour: str = "#1F3A5F"
    text_colour: str = "#1A1A1A"
    muted_colour: str = "#5A5A5A"
    table_header_fill: str = "#1F3A5F"
    table_header_text: str = "#FFFFFF"
    table_stripe_fill: str = "#F2F5F9"
    rule_colour: str = "#B8C4D4"
    callout_fill: str = "#EEF2F7"
    marking_colour: str | None = None   # None: the heading colour
    link_colour: str | None = None      # None: the heading colour
    status_colours: dict = field(default_factory=dict)
    page_size: str = "A4"
    margins_mm: tuple = (22.0, 20.0, 22.0, 20.0)   # top, right, bottom, left
    logo: Path | None = None            # the logo file, as named: for fingerprints
    logo_png: bytes | None = field(default=None, repr=False)   # what renderers draw
    logo_height_mm: float = 12.0
    header_left: str = "{title}"
    header_centre: str = "{marking}"
    footer_left: str = "{organisation}"
    footer_centre: str = "{marking}"
    reference_docx: Path | None = None
    reference_at: Location | None = None   # where the theme file names it, for messages
    labels: dict = field(default_factory=lambda: dict(DEFAULT_LABELS))
    # The families the theme file declares: (family, ((style, resolved path), ...)).
    font_families: tuple = ()

    def __post_init__(self) -> None:
        """The marking and links take the heading colour unless the theme names theirs:
        the accent may then be a colour that only draws rules and the bars of boxes."""
        for name in ("marking_colour", "link_colour"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, self.heading_colour)

    @cached_property
    def families(self) -> fonts.FontBook:
        """This theme's own fonts: the built-in families and the ones it declares, with
        the body, heading and table families as its roles.  No other theme sees them."""
        return fonts.FontBook(self.font_families,
                              (self.body_font, self.heading_font, self.table_font))

    def __getstate__(self) -> dict:
        """A theme sent to another process leaves its font book behind (built again there,
        on first use, from ``font_families``)."""
        return {k: v for k, v in self.__dict__.items() if k != "families"}

    def with_labels(self, labels: dict) -> "Theme":
        return replace(self, labels={**self.labels, **labels}) if labels else self


DEFAULT_THEME = Theme()


# ------------------------------------------------------------------ theme files

PAGE_WIDTHS_MM = {"A4": 210.0, "Letter": 215.9}
Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Size = Annotated[float, Field(gt=3, le=72)]


def _placeholders_known(text: str) -> str:
    """Header and footer texts may name only the brief's own values."""
    why = placeholder_problem(text, PLACEHOLDERS)
    if why:
        raise ValueError(why)
    return text


FurnitureText = Annotated[str, Field(max_length=200), AfterValidator(one_line),
                          AfterValidator(_placeholders_known)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FontFiles(_Strict):
    regular: str
    bold: str | None = None
    italic: str | None = None
    bold_italic: str | None = None

    @field_validator("regular", "bold", "italic", "bold_italic")
    @classmethod
    def _stays_inside(cls, name: str | None, info: ValidationInfo) -> str | None:
        if name is not None:
            _confined(name, info)
        return name


class Fonts(_Strict):
    families: dict[str, FontFiles] = {}      # first: the roles below may name these
    body: str = DEFAULT_THEME.body_font
    heading: str = DEFAULT_THEME.heading_font
    table: str = DEFAULT_THEME.table_font

    @field_validator("body", "heading", "table")
    @classmethod
    def _known(cls, family: str, info: ValidationInfo) -> str:
        if "families" not in info.data:      # they were refused, and that error says it all
            return family
        known = set(fonts.BUILTIN_FAMILIES) | set(info.data["families"])
        if family not in known:
            raise ValueError(f"found the unknown font '{family}', expected one of "
                             f"{', '.join(sorted(known))}")
        return family


class Sizes(_Strict):
    body: Size = DEFAULT_THEME.body_size
    table: Size = DEFAULT_THEME.table_size
    title: Size = DEFAULT_THEME.title_size
    headings: tuple[Size, Size, Size] = DEFAULT_THEME.heading_sizes
    leading: Annotated[float, Field(ge=1.0, le=2.5)] = DEFAULT_THEME.leading_ratio


class Colours(_Strict):
    heading: Colour = DEFAULT_THEME.heading_colour
    accent: Colour = DEFAULT_THEME.accent_colour
    text: Colour = DEFAULT_THEME.text_colour
    muted: Colour = DEFAULT_THEME.muted_colour
    table_header_fill: Colour = DEFAULT_THEME.table_header_fill
    table_header_text: Colour = DEFAULT_THEME.table_header_text
    table_stripe_fill: Colour = DEFAULT_THEME.table_stripe_fill
    rule: Colour = DEFAULT_THEME.rule_colour
    callout_fill: Colour = DEFAULT_THEME.callout_fill
    marking: Colour | None = None       # default: the heading colour
    link: Colour | None = None          # default: the heading colour
    status: dict[str, Colour] = {}

    def written(self) -> set[tuple]:
        """The keys the theme file sets, as paths under ``colours``."""
        return {(key,) for key in self.model_fields_set - {"status"}} | \
            {("status", value) for value in self.status}


class Margins(_Strict):
    top: Annotated[float, Field(ge=5, le=60)] = 22.0
    right: Annotated[float, Field(ge=5, le=60)] = 20.0
    bottom: Annotated[float, Field(ge=5, le=60)] = 22.0
    left: Annotated[float, Field(ge=5, le=60)] = 20.0


class Page(_Strict):
    size: Literal["A4", "Letter"] = "A4"
    margins_mm: Margins = Margins()

    @property
    def text_width_mm(self) -> float:
        return PAGE_WIDTHS_MM[self.size] - self.margins_mm.left - self.margins_mm.right


def _logo_file(name: object, info: ValidationInfo) -> Logo:
    """A logo file, confined to the project and read once into a normalised PNG."""
    if not isinstance(name, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    from .logo import read_logo

    try:
        return read_logo(_confined(name, info))
    except LogoProblem as problem:
        raise ValueError(str(problem)) from None


LogoFile = Annotated[Logo, PlainValidator(_logo_file), WithJsonSchema({"type": "string"})]


MARKED_SLOTS = ("header_centre", "footer_centre")   # where every format draws the marking


class Furniture(_Strict):
    """The header and footer texts.  The centre slots are where every format draws the
    marking (the HTML's banner, the PDF's first text, the DOCX's header), so each must
    hold ``{marking}``: no theme can make a brief whose pages do not carry it."""

    header_left: FurnitureText = DEFAULT_THEME.header_left
    header_centre: FurnitureText = DEFAULT_THEME.header_centre
    footer_left: FurnitureText = DEFAULT_THEME.footer_left
    footer_centre: FurnitureText = DEFAULT_THEME.footer_centre

    @field_validator(*MARKED_SLOTS)
    @classmethod
    def _holds_the_marking(cls, text: str) -> str:
        if "{marking}" not in placeholders_in(text):
            raise ValueError(f"found {text!r} without {{marking}}, expected the marking "
                             "here: the centre of the header and of the footer carry it on "
                             "every page (other text may go beside it)")
        return text


class ThemeFile(_Strict):
    """A theme as written in YAML; every key optional, defaults are the sober theme."""

    name: str | None = None
    description: str | None = None
    fonts: Fonts = Fonts()
    sizes: Sizes = Sizes()
    colours: Colours = Colours()
    page: Page = Page()
    logo: LogoFile | None = None
    logo_height_mm: Annotated[float, Field(ge=4, le=40)] = 12.0
    furniture: Furniture = Furniture()
    reference_docx: str | None = None
    labels: Labels = {}

    @model_validator(mode="after")
    def _logo_fits_the_page(self) -> "ThemeFile":
        """The logo is drawn logo_height_mm tall: its width must fit the text width."""
        if self.logo is not None:
            width, room = self.logo.drawn_width_mm(self.logo_height_mm), self.page.text_width_mm
            if not 1 <= width <= room:
                raise PydanticCustomError("too_large", "{why}", {"at": ["logo"], "why": (
                    f"found the logo {self.logo.path.name}, which at logo_height_mm "
                    f"{self.logo_height_mm:g} is {width:.1f} mm wide; expected a logo between "
                    f"1 and {room:.0f} mm wide (the page's text width)")})
        return self

    @field_validator("reference_docx")
    @classmethod
    def _reference_usable(cls, name: str | None, info: ValidationInfo) -> str | None:
        if name is not None:
            from . import reference

            why = reference.problem(_confined(name, info))
            if why:
                raise ValueError(why)
        return name

    def to_theme(self, path: Path, reference_at: Location | None = None) -> Theme:
        folder = path.parent
        margins = self.page.margins_mm
        return Theme(
            name=self.name or path.stem, source=str(path),
            body_font=self.fonts.body, heading_font=self.fonts.heading,
            table_font=self.fonts.table, body_size=self.sizes.body,
            table_size=self.sizes.table, title_size=self.sizes.title,
            heading_sizes=tuple(self.sizes.headings), leading_ratio=self.sizes.leading,
            heading_colour=self.colours.heading, accent_colour=self.colours.accent,
            text_colour=self.colours.text, muted_colour=self.colours.muted,
            table_header_fill=self.colours.table_header_fill,
            table_header_text=self.colours.table_header_text,
            table_stripe_fill=self.colours.table_stripe_fill, rule_colour=self.colours.rule,
            callout_fill=self.colours.callout_fill, marking_colour=self.colours.marking,
            link_colour=self.colours.link, status_colours=dict(self.colours.status),
            page_size=self.page.size,
            margins_mm=(margins.top, margins.right, margins.bottom, margins.left),
            logo=self.logo.path if self.logo else None,
            logo_png=self.logo.png if self.logo else None, logo_height_mm=self.logo_height_mm,
            header_left=self.furniture.header_left, header_centre=self.furniture.header_centre,
            footer_left=self.furniture.footer_left, footer_centre=self.furniture.footer_centre,
            reference_docx=folder / self.reference_docx if self.reference_docx else None,
            reference_at=reference_at if self.reference_docx else None,
            labels={**DEFAULT_LABELS, **self.labels}, font_families=self._font_families(folder))

    def _font_families(self, folder: Path) -> tuple:
        """The theme's own families, each style by its file's resolved path."""
        return tuple((family, tuple((style, str((folder / name).resolve()))
                                    for style, name in files if name))
                     for family, files in self.fonts.families.items())


def _confined(name: str, info: ValidationInfo) -> Path:
    """A file a theme names, relative to the theme's folder, which must stay inside the
    theme's folder or its project: never an absolute path, nor out by '..' or a link."""
    context = info.context or {}
    folder = Path(context.get("folder", "."))
    roots = [root for root in (folder, context.get("root")) if root is not None]
    if "\0" in name:
        raise ValueError(f"found '{name}', a path with a NUL character, expected a file name")
    if Path(name).is_absolute():
        raise ValueError(f"found the absolute path '{name}', expected a path relative to "
                         "the theme's folder")
    path = folder / name
    if not _within(Path(os.path.abspath(path)), [Path(os.path.abspath(r)) for r in roots]):
        raise ValueError(f"found '{name}', which leaves the project folder; expected a file "
                         "inside the project or the theme's folder")
    if not _within(path.resolve(), [root.resolve() for root in roots]):
        raise ValueError(f"found '{name}', which a link leads outside the project folder; "
                         "expected a file inside the project or the theme's folder")
    return path


def _within(path: Path, folders: list[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def _project_root(folder: Path, project_themes: Path | None) -> Path | None:
    """The project a theme in ``folder`` belongs to, when the caller does not say: the
    nearest folder at or above it holding a project file, else the one holding the
    project's themes folder."""
    folder = Path(os.path.abspath(folder))
    for candidate in (folder, *folder.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    return project_themes.parent if project_themes is not None else None


def theme_paths(project_themes: Path | None) -> dict[str, Path]:
    """Every theme in effect by name: the project's override built-in ones."""
    found = {p.stem: p for p in sorted(BUILTIN_THEMES.glob("*.yaml"))}
    if project_themes and project_themes.is_dir():
        found.update({p.stem: p for p in sorted(project_themes.glob("*.yaml"))})
    return found


def load_theme(name: str, project_themes: Path | None = None, *, where=None,
               limits=None, root: Path | None = None) -> Theme:
    """A theme by name (project, then built-in) or by path; ``where`` names the reference."""
    from ..data.load import read_yaml, validate

    if name.endswith((".yaml", ".yml")):     # a path, relative to the project
        base = root if root is not None else (project_themes.parent if project_themes else None)
        path = (base / name) if base is not None else Path(name)
    else:
        path = theme_paths(project_themes).get(name)
    if path is None or not (path.exists() or path.is_symlink()):
        known = ", ".join(sorted(theme_paths(project_themes)))
        raise DataError.at(str(where or name), f"found the unknown theme '{name}', expected one "
                                               f"of {known} or a path to a .yaml file")
    from ..limits import DEFAULT_LIMITS

    root = root if root is not None else _project_root(path.parent, project_themes)
    context = {"folder": path.parent, "root": root}
    inside = root if root is not None and \
        Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root)) else None
    located = read_yaml(path, limits or DEFAULT_LIMITS, inside)
    written = validate(located, ThemeFile, context)
    theme = written.to_theme(path, located.locate(("reference_docx",)))
    problems = contrast_problems(theme, written.colours.written(), located)
    if problems:
        raise DataError(problems)
    return theme


def theme_fingerprint(theme: Theme) -> str:
    """The theme file, its logo and reference document, and the font files it sets text
    in, from its own font book (so a family the theme declares counts by its own file)."""
    files = [theme.source, theme.logo, theme.reference_docx]
    book = theme.families
    font_files = [fonts.font_path(book, family, style)
                  for family in (*book.roles, *fonts.FALLBACKS) for style in fonts.STYLES]
    return digest(*(file_hash(str(f)) if f else "-" for f in files),
                   *(fonts.font_file_hash(f) if f else "-" for f in font_files))
