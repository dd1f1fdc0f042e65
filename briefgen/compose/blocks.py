"""The closed, typed block tree every renderer walks.

Nodes are frozen dataclasses that check their children when built, so a
malformed tree fails at once instead of inside a renderer.  The set is
closed: ``BLOCK_TYPES``, ``INLINE_TYPES`` and ``FRAME_TYPES`` (the title block
and the page furniture) list every node, and the test suite proves each
renderer has a method for each of them.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field

from ..data.richtext import LANGUAGE_PATTERN


def _check_all(owner: object, name: str, values: tuple, allowed: tuple) -> None:
    if not isinstance(values, tuple):
        raise TypeError(f"{type(owner).__name__}.{name} must be a tuple")
    for value in values:
        if not isinstance(value, allowed):
            kinds = ", ".join(t.__name__ for t in allowed)
            raise TypeError(
                f"{type(owner).__name__}.{name} holds {type(value).__name__}, expected {kinds}")


# ---------------------------------------------------------------- inlines

@dataclass(frozen=True)
class Text:
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError("Text.text must be a str")


@dataclass(frozen=True)
class LineBreak:
    pass


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Emph:
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Link:
    url: str
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Status:
    """A status value (Confirmed, Underway...) drawn in its declared colour."""

    value: str


@dataclass(frozen=True)
class Language:
    """Text in another language than the document's (``lang``, a BCP 47 tag such as
    zh-CN), so that a format can tag it for spelling, hyphenation, fonts and readers."""

    lang: str
    children: tuple

    def __post_init__(self) -> None:
        if not isinstance(self.lang, str) or not LANGUAGE_PATTERN.fullmatch(self.lang):
            raise ValueError(f"Language.lang must be a tag such as zh-CN, got {self.lang!r}")
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Citation:
    """A reference to entries of the document's sources list by their numbers, read as
    ``[1, 3]``; a format that can link may take each number to its entry and back."""

    numbers: tuple

    def __post_init__(self) -> None:
        numbers = self.numbers
        if not isinstance(numbers, tuple) or not numbers or any(
                isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in numbers) or \
                list(numbers) != sorted(set(numbers)):
            raise ValueError("Citation.numbers must be source numbers from 1, ascending, "
                             f"each once; got {numbers!r}")

    @property
    def label(self) -> str:
        return "[" + ", ".join(map(str, self.numbers)) + "]"


INLINE_TYPES: tuple = (Text, LineBreak, Code, Strong, Emph, Link, Status, Language, Citation)


def plain_text(inlines: tuple) -> str:
    """The text a reader sees in a run of inlines."""
    out = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, Status):
            out.append(node.value)
        elif isinstance(node, Citation):
            out.append(node.label)
        elif isinstance(node, LineBreak):
            out.append("\n")
        else:
            out.append(plain_text(node.children))
    return "".join(out)


# ----------------------------------------------------------------- blocks

@dataclass(frozen=True)
class Heading:
    level: int
    children: tuple

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise ValueError(f"Heading level must be 1-3, got {self.level}")
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Paragraph:
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Caption:
    """A table caption; renderers keep it with the table that follows."""

    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class ListItem:
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, BLOCK_TYPES)


@dataclass(frozen=True)
class BulletList:
    items: tuple

    def __post_init__(self) -> None:
        _check_all(self, "items", self.items, (ListItem,))


@dataclass(frozen=True)
class OrderedList:
    """A numbered list; ``sources``: it is the document's list of sources, whose entries
    (numbered from ``start``) the citations name."""

    items: tuple
    start: int = 1
    sources: bool = False

    def __post_init__(self) -> None:
        _check_all(self, "items", self.items, (ListItem,))


@dataclass(frozen=True)
class TableCell:
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Table:
    """A table: its header row, its rows, and per column its alignment and its width
    (``widths``: a percentage of the table's width, or None where the format decides;
    given as ``()``, every column is None).  The widths set add up to at most 100.
    ``row_headers``: the columns (numbered from 0) whose cells name their rows."""

    header: tuple
    rows: tuple
    aligns: tuple = ()
    widths: tuple = ()
    row_headers: tuple = ()

    def __post_init__(self) -> None:
        _check_all(self, "header", self.header, (TableCell,))
        if self.aligns and len(self.aligns) != len(self.header):
            raise ValueError("a table needs one alignment per column")
        for row in self.rows:
            _check_all(self, "rows", row, (TableCell,))
            if len(row) != len(self.header):
                raise ValueError("every table row needs as many cells as the header")
        object.__setattr__(self, "widths", _widths(self.widths, len(self.header)))
        if not isinstance(self.row_headers, tuple) or any(
                isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < len(self.header)
                for c in self.row_headers) or len(set(self.row_headers)) < len(self.row_headers):
            raise ValueError("Table.row_headers must be distinct column numbers of the table")

    @property
    def columns(self) -> int:
        return len(self.header)


def _widths(widths: tuple, columns: int) -> tuple:
    """One width per column, each None or a float percentage; at most 100 in all."""
    if not isinstance(widths, tuple):
        raise TypeError("Table.widths must be a tuple")
    if not widths:
        return (None,) * columns
    if len(widths) != columns:
        raise ValueError("a table needs one width (or None) per column")
    for width in widths:
        if width is not None and (isinstance(width, bool) or not isinstance(width, (int, float))
                                  or not math.isfinite(width) or not 0 < width <= 100):
            raise ValueError(f"a column width is a percentage above 0 and at most 100, "
                             f"got {width!r}")
    if sum(w for w in widths if w is not None) > 100 + 1e-9:
        raise ValueError("the column widths of a table add up to more than 100")
    return tuple(None if w is None else float(w) for w in widths)


@dataclass(frozen=True)
class Callout:
    """A boxed aside (``::: note`` in the Markdown)."""

    kind: str
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, BLOCK_TYPES)


@dataclass(frozen=True)
class ThematicBreak:
    pass


BLOCK_TYPES: tuple = (Heading, Paragraph, Caption, BulletList, OrderedList, ListItem,
                      Table, Callout, ThematicBreak)
CALLOUT_KINDS = ("note", "summary", "warning")


# ------------------------------------------------- title block and furniture

@dataclass(frozen=True)
class PageNumber:
    """The number of the page the furniture is drawn on."""


@dataclass(frozen=True)
class PageCount:
    """How many pages the document has: known only once every page is laid out."""


# What a line of page furniture holds: text, and in the page label the page's numbers.
FURNITURE_INLINE_TYPES: tuple = (Text, PageNumber, PageCount)
# The slots of text around the page label, as themes name them.
FURNITURE_SLOTS = ("header_left", "header_centre", "footer_left", "footer_centre")


def _check_texts(owner: object, names: tuple) -> None:
    for name in names:
        if not isinstance(getattr(owner, name), str):
            raise TypeError(f"{type(owner).__name__}.{name} must be a str")


@dataclass(frozen=True)
class TitleBlock:
    """What opens the first page: the organisation, the title, the subtitle and the
    details line (audience, edition date, authors), each as written (a format may set
    the organisation in capitals)."""

    organisation: str
    title: str
    subtitle: str = ""
    details: str = ""

    def __post_init__(self) -> None:
        _check_texts(self, ("organisation", "title", "subtitle", "details"))


@dataclass(frozen=True)
class PageFurniture:
    """The header and footer of every page.  The centre slots hold the marking; the
    header's left slot shows from the second page on (the first has the title block);
    the page label, right of the footer, is the only slot with page numbers in it."""

    header_left: tuple = ()
    header_centre: tuple = ()
    footer_left: tuple = ()
    footer_centre: tuple = ()
    page_label: tuple = ()

    def __post_init__(self) -> None:
        for name in FURNITURE_SLOTS:
            _check_all(self, name, getattr(self, name), (Text,))
        _check_all(self, "page_label", self.page_label, FURNITURE_INLINE_TYPES)

    def texts(self) -> dict[str, str]:
        """Each slot's text, by its name: what a format fits around the marking."""
        return {slot: plain_text(getattr(self, slot)) for slot in FURNITURE_SLOTS}


FRAME_TYPES: tuple = (TitleBlock, PageFurniture, PageNumber, PageCount)


# --------------------------------------------------------------- document

@dataclass(frozen=True)
class DocumentMeta:
    """The document's own facts, for its properties (title, authors, subject, keywords,
    language, edition date) and for making its title block and furniture."""

    title: str
    subtitle: str = ""
    organisation: str = ""
    authors: tuple = ()
    edition: _dt.date | None = None
    marking: str = ""
    audience_label: str = ""
    subject: str = ""
    keywords: tuple = ()
    language: str = "en-GB"


@dataclass(frozen=True, eq=False)   # the colours dict is not hashable: identity will do
class Document:
    """A brief as every format draws it: its properties, its blocks, and the title block
    and page furniture around them (named, never left out: a format draws only what the
    tree holds)."""

    meta: DocumentMeta
    blocks: tuple
    status_colours: dict = field(default_factory=dict)
    title: TitleBlock = field(kw_only=True)
    furniture: PageFurniture = field(kw_only=True)

    def __post_init__(self) -> None:
        _check_all(self, "blocks", self.blocks, BLOCK_TYPES)
        for name, kind in (("meta", DocumentMeta), ("title", TitleBlock),
                           ("furniture", PageFurniture)):
            if not isinstance(getattr(self, name), kind):
                raise TypeError(f"Document.{name} must be a {kind.__name__}")
