"""The closed, typed block tree every renderer walks.

Nodes are frozen dataclasses that check their children when built, so a
malformed tree fails at once instead of inside a renderer.  The set is
closed: ``BLOCK_TYPES`` and ``INLINE_TYPES`` list every node, and the test
suite proves each renderer has a method for each of them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field


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


INLINE_TYPES: tuple = (Text, LineBreak, Code, Strong, Emph, Link, Status)


def plain_text(inlines: tuple) -> str:
    """The text a reader sees in a run of inlines."""
    out = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, Status):
            out.append(node.value)
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
    items: tuple
    start: int = 1

    def __post_init__(self) -> None:
        _check_all(self, "items", self.items, (ListItem,))


@dataclass(frozen=True)
class TableCell:
    children: tuple

    def __post_init__(self) -> None:
        _check_all(self, "children", self.children, INLINE_TYPES)


@dataclass(frozen=True)
class Table:
    header: tuple
    rows: tuple
    aligns: tuple = ()

    def __post_init__(self) -> None:
        _check_all(self, "header", self.header, (TableCell,))
        if self.aligns and len(self.aligns) != len(self.header):
            raise ValueError("a table needs one alignment per column")
        for row in self.rows:
            _check_all(self, "rows", row, (TableCell,))
            if len(row) != len(self.header):
                raise ValueError("every table row needs as many cells as the header")

    @property
    def columns(self) -> int:
        return len(self.header)


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


# --------------------------------------------------------------- document

@dataclass(frozen=True)
class DocumentMeta:
    """What renderers put in the title block, header, footer and properties."""

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
    meta: DocumentMeta
    blocks: tuple
    status_colours: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_all(self, "blocks", self.blocks, BLOCK_TYPES)
