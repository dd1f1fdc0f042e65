"""Renderers: one class per output format, one method per block-tree node.

A format is a class registered with ``@register``; nothing else in briefgen
branches on the format's name.  ``Renderer.dispatch`` calls
``render_<node type>`` and refuses a node type the class has no method for,
so content can never silently disappear from one format.
"""

from __future__ import annotations

import importlib
import re

from ..compose.blocks import Document, Table, plain_text
from ..errors import RenderError, UsageError
from ..project.theme import Theme

RENDERERS: dict[str, type["Renderer"]] = {}
# The built-in formats, imported on first use: a DOCX build never loads ReportLab.
BUILTIN = {"docx": "briefgen.renderers.docx.renderer", "pdf": "briefgen.renderers.pdf.renderer"}
EMBEDS_FONTS = frozenset({"pdf"})    # of the built-in formats (a test checks their classes)


def register(cls: type["Renderer"]) -> type["Renderer"]:
    RENDERERS[cls.format] = cls
    return cls


def renderer_for(fmt: str) -> type["Renderer"]:
    if fmt not in RENDERERS and fmt in BUILTIN:
        importlib.import_module(BUILTIN[fmt])        # importing registers it
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise UsageError(f"unknown format '{fmt}', expected one of "
                         f"{', '.join(formats())}") from None


def embeds_fonts(fmt: str) -> bool:
    """Whether a format embeds fonts (its text then needs the glyph check), without
    importing a built-in renderer."""
    if fmt in RENDERERS or fmt not in BUILTIN:
        return renderer_for(fmt).embeds_fonts
    return fmt in EMBEDS_FONTS


def extension_for(fmt: str) -> str:
    """The file extension of a format, without importing a built-in renderer (a built-in
    format's extension is its name)."""
    if fmt in RENDERERS:
        return RENDERERS[fmt].extension
    if fmt in BUILTIN:
        return f".{fmt}"
    return renderer_for(fmt).extension   # the error naming the formats


def formats() -> tuple[str, ...]:
    return tuple(sorted({*BUILTIN, *RENDERERS}))


def method_name(node_type: type) -> str:
    return "render_" + re.sub(r"(?<!^)(?=[A-Z])", "_", node_type.__name__).lower()


class Renderer:
    """Turns a ``Document`` into the bytes of one file format."""

    format = ""
    extension = ""
    embeds_fonts = False

    def __init__(self, theme: Theme):
        self.theme = theme
        self.pages: int | None = None   # set by renderers that paginate

    def render(self, document: Document) -> bytes:
        raise NotImplementedError

    @classmethod
    def prepare(cls, theme: Theme) -> None:
        """Do ahead what every document in ``theme`` needs (fonts, styles); optional."""

    @classmethod
    def check_theme(cls, theme: Theme) -> None:
        """Refuse, as a located ``BriefgenError``, a theme this format cannot draw with
        (a reference document it cannot use, say); called once per build and theme,
        before anything renders, and by ``validate``.  Optional."""

    def dispatch(self, node, *args):
        method = getattr(self, method_name(type(node)), None)
        if method is None:
            raise RenderError(f"the {self.format} renderer cannot draw a {type(node).__name__}")
        return method(node, *args)


CELL_PADDING = 10.0      # points of padding left and right in a cell
CHAR_WIDTH = 0.62        # a generous average glyph width, in ems


def column_shares(table: Table, width: float, size: float) -> list[float]:
    """Each column's share of ``width`` points, from its typical and longest text.

    A column never gets less room than its longest word needs (up to 30
    characters), so "Confirmed" is not broken as "Confirme/d"; the rest of
    the width is shared by how much text each column holds.
    """
    texts = [[plain_text(row[i].children) for row in (table.header, *table.rows)]
             for i in range(table.columns)]
    floors = [min(_longest_word(column), 30) * size * CHAR_WIDTH + CELL_PADDING
              for column in texts]
    if sum(floors) >= width:
        return [floor / sum(floors) for floor in floors]
    weights = [0.6 * sum(map(len, column)) / len(column) + 0.4 * min(max(map(len, column)), 80)
               for column in texts]
    spare = width - sum(floors)
    total = sum(weights) or 1.0
    return [(floor + spare * weight / total) / width for floor, weight in zip(floors, weights)]


def _longest_word(texts: list[str]) -> int:
    return max((len(word) for text in texts for word in text.split()), default=1)
