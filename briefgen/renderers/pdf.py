"""PDF renderer: the block tree as ReportLab platypus flowables.

Paragraphs are built from ReportLab's fragments (text runs with a font,
size and colour), never from Paragraph markup: the text of a brief is
never parsed, so nothing in it can act as a tag, and the markup parser
(the largest cost of a paragraph) never runs.  Runs of text the body font
cannot draw (Chinese, Japanese, Korean) are set in the fallback face
(``pdftext``).  Headings become PDF bookmarks, tables repeat their header row
on every page, and the page template (``pdfpage``) draws the marking and
"Page N of M".
"""

from __future__ import annotations

import io
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.platypus import (CondPageBreak, HRFlowable, Image, LayoutError, Paragraph, Spacer,
                                Table, TableStyle)

from .. import blocks as b
from .. import fonts
from ..errors import RenderError
from . import Renderer, column_shares, register, title_details
from .page import frame_width
from .pdfpage import BriefTemplate, page_furniture
from .pdfstyle import aligned, colour, stylesheet
from .pdftext import Ink, fragment, ink_of, template_of


BULLETS = ("\u2022", "\u2013", "\u25e6")
TABLE_PADDING = (5, 4)   # points left and right, and above and below, of a table cell's text
rl_config.useA85 = 0   # binary streams: smaller files, less work than ASCII85


class _QuickFlate(pdfdoc.PDFStreamFilterZCompress):
    """Flate at zlib's fastest level: embedded font subsets are most of a brief's bytes,
    and compressing them at the default level costs a fifth of the render for 4% less."""

    def encode(self, text):
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)


@contextmanager
def _quick_flate():
    """ReportLab's one Flate filter (looked up in ``pdfdoc`` as each stream is written)
    swapped for ours while a brief is built, then put back for other users of ReportLab."""
    previous, pdfdoc.PDFZCompress = pdfdoc.PDFZCompress, _QUICK_FLATE
    try:
        yield
    finally:
        pdfdoc.PDFZCompress = previous


_QUICK_FLATE = _QuickFlate()


class _Paragraph(Paragraph):
    """A Paragraph that lays its lines out once per width.

    Platypus asks a paragraph to wrap several times at the same width (keep-with-next
    groups, table row heights, then drawing); line breaking is the single largest cost
    of a brief, and its result depends on the width alone.
    """

    _wrapped_width: float | None = None

    def wrap(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        if availWidth != self._wrapped_width or "blPara" not in self.__dict__:
            super().wrap(availWidth, availHeight)
            self._wrapped_width = availWidth
        return self.width, self.height


class _Heading(_Paragraph):
    """A heading paragraph that the document template turns into a bookmark."""

    bookmark: tuple[int, str] | None = None   # (level, title); a split's later parts: None

    def split(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        parts = super().split(availWidth, availHeight)
        if parts:
            parts[0].bookmark = self.bookmark
        return parts


@register
class PdfRenderer(Renderer):
    format = "pdf"
    extension = ".pdf"
    embeds_fonts = True

    @classmethod
    def prepare(cls, theme) -> None:
        stylesheet(theme)   # reads the faces the styles name

    def render(self, document: b.Document) -> bytes:
        self.styles = stylesheet(self.theme)
        self.colours = document.status_colours
        self.grids: list[_Grid] = []     # every table and box, to name a cell too tall
        self.caption: str | None = None  # the caption waiting for its table
        story = self.title_block(document.meta)
        for block in document.blocks:
            story.extend(self.dispatch(block))
        buffer = io.BytesIO()
        template = BriefTemplate(buffer, document.meta, self.theme)
        try:
            with _quick_flate():
                template.build(story, canvasmaker=page_furniture(document.meta, self.theme))
        except LayoutError as error:
            message = _too_tall_cell(self.grids, template.height) or _too_tall(error)
            raise RenderError(f"{document.meta.audience_label}: {message}") from None
        self.pages = template.page
        return buffer.getvalue()

    # ------------------------------------------------------------- blocks

    def title_block(self, meta: b.DocumentMeta) -> list:
        lines = [("Organisation", meta.organisation.upper()), ("Title", meta.title),
                 ("Subtitle", meta.subtitle), ("Meta", title_details(meta, self.theme))]
        story = self.logo()
        for name, value in lines:
            if value:
                style = self.styles[name]
                story.append(_Paragraph("", style, frags=self.text(value, style, ink_of(style))))
        story.append(HRFlowable(width="100%", thickness=1.2, color=colour(self.theme.accent_colour),
                                spaceBefore=6, spaceAfter=10))
        return story

    def logo(self) -> list:
        if self.theme.logo is None:
            return []
        height = self.theme.logo_height_mm * mm
        image = Image(str(self.theme.logo))
        image.drawWidth = image.imageWidth * height / image.imageHeight
        image.drawHeight = height
        image.hAlign = "LEFT"
        return [image, Spacer(1, 4 * mm)]

    def render_heading(self, node: b.Heading) -> list:
        style = self.styles[f"Heading{node.level}"]
        title = b.plain_text(node.children)
        # Keep-with-next alone can leave a heading at the foot of a page when the
        # flowable after it may split; ask for room for a few lines as well.
        heading = _Heading("", style, frags=self.frags(node.children, style))
        heading.bookmark = (node.level, title)
        return [CondPageBreak(self.theme.body_size * 6), heading]

    def render_paragraph(self, node: b.Paragraph, style: str = "Body") -> list:
        return [self.paragraph(node.children, self.styles[style])]

    def render_caption(self, node: b.Caption) -> list:
        self.caption = b.plain_text(node.children)
        return [self.paragraph(node.children, self.styles["Caption"])]

    def paragraph(self, nodes: tuple, style, bullet: str | None = None) -> _Paragraph:
        return _Paragraph("", style, bulletText=bullet, frags=self.frags(nodes, style))

    def render_bullet_list(self, node: b.BulletList, depth: int = 0) -> list:
        marker = BULLETS[depth % len(BULLETS)]
        return [f for item in node.items for f in self.render_list_item(item, depth, marker)]

    def render_ordered_list(self, node: b.OrderedList, depth: int = 0) -> list:
        return [f for number, item in enumerate(node.items, start=node.start)
                for f in self.render_list_item(item, depth, f"{number}.")]

    def render_list_item(self, node: b.ListItem, depth: int = 0, marker: str = BULLETS[0]) -> list:
        """Paragraphs with a hanging bullet; lighter than ListFlowable, which copies styles."""
        style = self.styles[f"List{min(depth, 2) + 1}"]
        flowables: list = []
        for child in node.children:
            if isinstance(child, (b.BulletList, b.OrderedList)):
                flowables.extend(self.dispatch(child, depth + 1))
            elif isinstance(child, b.Paragraph):
                bullet = None if flowables else marker
                flowables.append(self.paragraph(child.children, style, bullet))
            else:
                flowables.extend(self.dispatch(child))
        return flowables

    def render_table(self, node: b.Table) -> list:
        aligns = node.aligns or ("left",) * node.columns
        header = [self.cell(c, "TableHeader", a) for c, a in zip(node.header, aligns)]
        rows = [[self.cell(c, "TableCell", a) for c, a in zip(row, aligns)] for row in node.rows]
        widths = self.column_widths(node)
        table = Table([header, *rows], colWidths=widths, repeatRows=1,
                      hAlign="LEFT", style=self.table_style(len(rows)))
        self.grids.append(self.table_grid([header, *rows], widths))
        return [table, Spacer(1, 8)]

    def render_callout(self, node: b.Callout) -> list:
        """A shaded box with an accent rule: one table row per paragraph, so it can
        break across pages between them."""
        rows = []
        for child in node.children:
            if isinstance(child, b.Paragraph):
                rows.append(self.render_paragraph(child, "Callout"))
            else:
                rows.append(self.dispatch(child))
        box = Table([[row] for row in rows], colWidths=[frame_width(self.theme)],
                    style=TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), fonts.face_name(self.theme.body_font)),
            ("BACKGROUND", (0, 0), (-1, -1), colour(self.theme.callout_fill)),
            ("LINEBEFORE", (0, 0), (0, -1), 3, colour(self.theme.accent_colour)),
            ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]))
        last = len(rows) - 1      # as styled: 8 above the first row, 6 below the last, else 2
        self.grids.append(_Grid([[row] for row in rows], [frame_width(self.theme) - 20],
                                [(8 if i == 0 else 2) + (6 if i == last else 2)
                                 for i in range(len(rows))]))
        return [box, Spacer(1, 8)]

    def render_thematic_break(self, node: b.ThematicBreak) -> list:
        return [HRFlowable(width="100%", thickness=0.6, color=colour(self.theme.rule_colour),
                           spaceBefore=6, spaceAfter=6)]

    # ------------------------------------------------------------- tables

    def cell(self, node: b.TableCell, style: str, align: str) -> Paragraph:
        return self.paragraph(node.children, aligned(self.styles[style], align))

    def column_widths(self, node: b.Table) -> list[float]:
        width = frame_width(self.theme)
        return [share * width for share in column_shares(node, width, self.theme.table_size)]

    def table_grid(self, rows: list, widths: list[float]) -> "_Grid":
        """A table (header row first) and its name: its number in this document (boxes
        are grids without a name) and the caption just before it."""
        caption, self.caption = self.caption, None
        number = sum(1 for grid in self.grids if grid.table) + 1
        across, down = TABLE_PADDING
        return _Grid([[[cell] for cell in row] for row in rows],
                     [width - 2 * across for width in widths], [2 * down] * len(rows),
                     f"table {number}" + (f" ({_opening(caption)})" if caption else ""))

    def table_style(self, body_rows: int) -> TableStyle:
        t = self.theme
        across, down = TABLE_PADDING
        commands = [
            # Cells hold Paragraphs; naming the font keeps ReportLab from selecting
            # its default Helvetica, which would then be listed but not embedded.
            ("FONTNAME", (0, 0), (-1, -1), fonts.face_name(t.table_font)),
            ("BACKGROUND", (0, 0), (-1, 0), colour(t.table_header_fill)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colour(t.rule_colour)),
            ("TOPPADDING", (0, 0), (-1, -1), down), ("BOTTOMPADDING", (0, 0), (-1, -1), down),
            ("LEFTPADDING", (0, 0), (-1, -1), across), ("RIGHTPADDING", (0, 0), (-1, -1), across),
        ]
        if body_rows > 1:
            commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1),
                             [None, colour(t.table_stripe_fill)]))
        return TableStyle(commands)

    # ------------------------------------------------------------ inlines

    def frags(self, nodes: tuple, style) -> list:
        """The fragments of a paragraph in ``style`` holding ``nodes``."""
        return self.inline(nodes, style, ink_of(style))

    def inline(self, nodes: tuple, style, ink: Ink) -> list:
        return [frag for node in nodes for frag in self.dispatch(node, style, ink)]

    def text(self, value: str, style, ink: Ink) -> list:
        """``value`` as fragments, split into runs by the script each face can draw."""
        return [fragment(style, ink if face is None else replace(ink, family=face), run)
                for face, run in fonts.runs(value, ink.family, self.theme.families, ink.bold,
                                            ink.italic)]

    def render_text(self, node: b.Text, style, ink: Ink) -> list:
        return self.text(node.text, style, ink)

    def render_line_break(self, node: b.LineBreak, style, ink: Ink) -> list:
        return [template_of(style, ink).clone(text="", lineBreak=True)]

    def render_code(self, node: b.Code, style, ink: Ink) -> list:
        return self.text(node.text, style, ink)   # as in the DOCX: the surrounding face

    def render_strong(self, node: b.Strong, style, ink: Ink) -> list:
        return self.inline(node.children, style, replace(ink, bold=True))

    def render_emph(self, node: b.Emph, style, ink: Ink) -> list:
        return self.inline(node.children, style, replace(ink, italic=True))

    def render_link(self, node: b.Link, style, ink: Ink) -> list:
        linked = replace(ink, href=node.url, colour=self.theme.accent_colour)
        return self.inline(node.children, style, linked)

    def render_status(self, node: b.Status, style, ink: Ink) -> list:
        hex_colour = self.colours.get(node.value, self.theme.muted_colour)
        return self.text(node.value, style, replace(ink, bold=True, colour=hex_colour))


@dataclass(frozen=True)
class _Grid:
    """A table or a box, as a message about a cell taller than a page needs it.

    A row cannot break across pages, and a table repeats its header row on every page,
    so its other rows have that much less room.  Names are made only for a message.
    """

    rows: list          # rows of cells; a cell is a list of flowables
    widths: list        # the width each column's text wraps in, in points
    paddings: list      # the padding above and below each row's text together, in points
    table: str = ""     # "table 2" with its caption; "" for a box, which has no header row

    def height(self, row: int, column: int) -> float:
        cell = self.rows[row][column]
        return self.paddings[row] + sum(f.wrap(self.widths[column], 1e9)[1] for f in cell)

    def tallest(self, row: int) -> tuple[float, int]:
        """The height and column of the tallest cell of ``row``."""
        return max((self.height(row, column), column) for column in range(len(self.widths)))

    def too_tall(self, page: float) -> tuple[int, int] | None:
        """Row and column of the cell that keeps the first row too tall for a page from
        fitting: the row's tallest, or the header's if the header takes more room."""
        header, header_column = self.tallest(0) if self.table else (0.0, 0)
        for row in range(len(self.rows)):
            height, column = self.tallest(row)
            repeated = header if row else 0.0
            if height + repeated > page:
                return (row, column) if height >= repeated else (0, header_column)
        return None

    def message(self, row: int, column: int) -> str:
        opening = _opening(_plain_text(self.rows[row][column]))
        if not self.table:
            return (f"a paragraph is taller than a page and cannot be split: {opening}; "
                    "shorten it or split it into several paragraphs")
        return (f"a table cell is taller than a page and cannot be split: {self.table}, "
                f"{_row_name(row)}, column {column + 1} ({opening}); shorten it or split it "
                "into several rows or paragraphs")


def _too_tall_cell(grids: list[_Grid], page: float) -> str | None:
    """The message for the first cell no page can hold (where ReportLab stopped), if any."""
    for grid in grids:
        cell = grid.too_tall(page)
        if cell is not None:
            return grid.message(*cell)
    return None


def _row_name(index: int) -> str:
    return "header" if index == 0 else f"row {index}"


def _plain_text(flowables) -> str:
    return " ".join(f.getPlainText() for f in flowables if isinstance(f, Paragraph))


def _opening(text: str, length: int = 40) -> str:
    """The first ``length`` characters of ``text`` in quotes, with an ellipsis if cut."""
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= length else f'"{text[:length].rstrip()}…"'


def _too_tall(error: LayoutError) -> str:
    """ReportLab's LayoutError, as one line a reader can act on, when no cell is found."""
    text = str(error)
    what = "a table cell" if "Table" in text else "a paragraph or box"
    return (f"{what} is taller than a page and cannot be split; shorten it or split it into "
            "several rows or paragraphs")
