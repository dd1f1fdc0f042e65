"""PDF renderer: the block tree as ReportLab platypus flowables.

Paragraphs are built from ReportLab's fragments (text runs with a font,
size and colour), never from Paragraph markup: the text of a brief is
never parsed, so nothing in it can act as a tag, and the markup parser
(the largest cost of a paragraph) never runs.  Runs of text the body font
cannot draw (Chinese, Japanese, Korean) are set in the fallback face
(``text``).  Headings become PDF bookmarks, tables repeat their header row
on every page, and the document's ``PageFurniture`` is drawn on every page
by the canvas ``page`` makes (the marking, "Page N of M").
"""

from __future__ import annotations

import io
import zlib
from contextlib import contextmanager
from dataclasses import replace

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.platypus import (
    CondPageBreak,
    HRFlowable,
    Image,
    LayoutError,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ...compose import blocks as b
from ...errors import RenderError
from ..base import Renderer
from ..page import frame_width
from .page import BriefTemplate, FurniturePainter, invariant_stamps, page_canvas
from .styles import aligned, colour, sized, stylesheet
from .table import (
    Grid,
    TableFit,
    columns_that_fit,
    fit_table,
    opening_words,
    too_tall,
    too_tall_cell,
)
from .text import Ink, fragment, ink_of, template_of

BULLETS = ("\u2022", "\u2013", "\u25e6")
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


class PdfRenderer(Renderer):
    format = "pdf"
    embeds_fonts = True

    @classmethod
    def prepare(cls, theme) -> None:
        stylesheet(theme)   # reads the faces the styles name

    def render(self, document: b.Document) -> bytes:
        self.styles = stylesheet(self.theme)
        self.book = self.theme.families
        self.audience = document.meta.audience_label
        self.colours = document.status_colours
        self.grids: list[Grid] = []      # every table and box, to name a cell too tall
        self.caption: str | None = None  # the caption waiting for its table
        story = self.dispatch(document.title)
        for block in document.blocks:
            story.extend(self.dispatch(block))
        canvas = page_canvas(self.dispatch(document.furniture), document.meta.edition)
        buffer = io.BytesIO()
        template = BriefTemplate(buffer, document.meta, self.theme)
        try:
            with _quick_flate(), invariant_stamps():
                template.build(story, canvasmaker=canvas)
        except LayoutError as error:
            message = too_tall_cell(self.grids, template.height) or too_tall(error)
            raise RenderError(f"{self.audience}: {message}") from None
        self.pages = template.page
        return buffer.getvalue()

    # ------------------------------------------------- title and furniture

    def render_title_block(self, node: b.TitleBlock) -> list:
        """The logo, then each line the title block has, and a rule under them."""
        lines = [("Organisation", node.organisation.upper()), ("Title", node.title),
                 ("Subtitle", node.subtitle), ("Meta", node.details)]
        story = self.logo()
        for name, value in lines:
            if value:
                style = self.styles[name]
                frags = self.text(value, style, ink_of(style, self.book))
                story.append(_Paragraph("", style, frags=frags))
        story.append(HRFlowable(width="100%", thickness=1.2, color=colour(self.theme.accent_colour),
                                spaceBefore=6, spaceAfter=10))
        return story

    def logo(self) -> list:
        if self.theme.logo_png is None:
            return []
        height = self.theme.logo_height_mm * mm
        image = Image(io.BytesIO(self.theme.logo_png))
        image.drawWidth = image.imageWidth * height / image.imageHeight
        image.drawHeight = height
        image.hAlign = "LEFT"
        return [image, Spacer(1, 4 * mm)]

    def render_page_furniture(self, node: b.PageFurniture) -> FurniturePainter:
        """What draws the header and footer on each page (``pdfpage``)."""
        return FurniturePainter(node, self.theme, self.spelled)

    def spelled(self, nodes: tuple, page: int, total: str) -> str:
        """A line of furniture as text, with ``page`` for its page number and ``total``
        for its page count: the footer is drawn as strings, not paragraphs."""
        return "".join(node.text if isinstance(node, b.Text) else self.dispatch(node, page, total)
                       for node in nodes)

    def render_page_number(self, node: b.PageNumber, page: int, total: str) -> str:
        return str(page)

    def render_page_count(self, node: b.PageCount, page: int, total: str) -> str:
        return total

    # ------------------------------------------------------------- blocks

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
        name = self.table_name()
        fit = self.table_fit(node, name)
        aligns = node.aligns or ("left",) * node.columns
        header = [self.cell(c, "TableHeader", a, fit) for c, a in zip(node.header, aligns)]
        rows = [[self.cell(c, "TableCell", a, fit) for c, a in zip(row, aligns)]
                for row in node.rows]
        table = Table([header, *rows], colWidths=list(fit.widths), repeatRows=1,
                      hAlign="LEFT", style=self.table_style(len(rows), fit))
        self.grids.append(self.table_grid([header, *rows], fit, name))
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
            ("FONTNAME", (0, 0), (-1, -1), self.book.face(self.theme.body_font)),
            ("BACKGROUND", (0, 0), (-1, -1), colour(self.theme.callout_fill)),
            ("LINEBEFORE", (0, 0), (0, -1), 3, colour(self.theme.accent_colour)),
            ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]))
        last = len(rows) - 1      # as styled: 8 above the first row, 6 below the last, else 2
        self.grids.append(Grid([[row] for row in rows], [frame_width(self.theme) - 20],
                               [(8 if i == 0 else 2) + (6 if i == last else 2)
                                for i in range(len(rows))]))
        return [box, Spacer(1, 8)]

    def render_thematic_break(self, node: b.ThematicBreak) -> list:
        return [HRFlowable(width="100%", thickness=0.6, color=colour(self.theme.rule_colour),
                           spaceBefore=6, spaceAfter=6)]

    # ------------------------------------------------------------- tables

    def cell(self, node: b.TableCell, style: str, align: str, fit: TableFit) -> Paragraph:
        return self.paragraph(node.children, aligned(sized(self.styles[style], fit.size), align))

    def table_name(self) -> str:
        """A table's name: its number in this document (boxes are grids without a name)
        and the caption just before it."""
        caption, self.caption = self.caption, None
        number = sum(1 for grid in self.grids if grid.table) + 1
        return f"table {number}" + (f" ({opening_words(caption)})" if caption else "")

    def table_fit(self, node: b.Table, name: str) -> TableFit:
        """How the table fits across the page, or the error saying how many columns do."""
        width = frame_width(self.theme)
        fit = fit_table(node, width, self.theme.table_size)
        if fit is None:
            raise RenderError(f"{self.audience}: {name} has {node.columns} columns, more than "
                              f"fit across the page even in smaller text: at most "
                              f"{columns_that_fit(width, self.theme.table_size)} do; split "
                              "it into several tables, or make its columns rows")
        return fit

    def table_grid(self, rows: list, fit: TableFit, name: str) -> Grid:
        return Grid([[[cell] for cell in row] for row in rows],
                    [width - 2 * fit.across for width in fit.widths],
                    [2 * fit.down] * len(rows), name)

    def table_style(self, body_rows: int, fit: TableFit) -> TableStyle:
        t = self.theme
        across, down = fit.across, fit.down
        commands = [
            # Cells hold Paragraphs; naming the font keeps ReportLab from selecting
            # its default Helvetica, which would then be listed but not embedded.
            ("FONTNAME", (0, 0), (-1, -1), self.book.face(t.table_font)),
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
        return self.inline(nodes, style, ink_of(style, self.book))

    def inline(self, nodes: tuple, style, ink: Ink) -> list:
        return [frag for node in nodes for frag in self.dispatch(node, style, ink)]

    def text(self, value: str, style, ink: Ink) -> list:
        """``value`` as fragments, split into runs by the script each face can draw."""
        return [fragment(style, ink if face is None else replace(ink, family=face), run,
                         self.book)
                for face, run in self.book.runs(value, ink.family, ink.bold, ink.italic)]

    def render_text(self, node: b.Text, style, ink: Ink) -> list:
        return self.text(node.text, style, ink)

    def render_line_break(self, node: b.LineBreak, style, ink: Ink) -> list:
        return [template_of(style, ink, self.book).clone(text="", lineBreak=True)]

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
