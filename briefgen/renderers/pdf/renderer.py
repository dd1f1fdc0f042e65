"""PDF renderer: the block tree as ReportLab platypus flowables.

Paragraphs are built from ReportLab's fragments (text runs with a font,
size and colour), never from Paragraph markup: the text of a brief is
never parsed, so nothing in it can act as a tag, and the markup parser
(the largest cost of a paragraph) never runs.  Runs of text the body font
cannot draw (Chinese, Japanese, Korean) are set in the fallback face
(``text``).  Headings become PDF bookmarks, tables flow over pages with their
caption and header row (``longtable``), and the document's ``PageFurniture`` is
drawn on every page by the canvas ``page`` makes (the marking, "Page N of M").
Every flowable is given its element in the structure tree as it is made, in the
block tree's order (``tagging``): the PDF is tagged for PDF/UA as it is drawn.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import replace

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFName
from reportlab.platypus import (
    HRFlowable,
    LayoutError,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ...compose import blocks as b
from ...errors import RenderError
from ..base import Renderer
from ..columns import table_measure
from ..headings import HeadingOutline
from ..page import frame_width, margins, page_size
from .flowables import Figure, HeadingPara, Para, no_collection, quick_flate
from .longtable import BriefTable, RoomFor, TableLook
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
from .tagging import Element, Inline, Tagger
from .text import Ink, fragment, ink_of, template_of

BULLETS = ("\u2022", "\u2013", "\u25e6")
rl_config.useA85 = 0   # binary streams: smaller files, less work than ASCII85


def frame_height(theme) -> float:
    top, _, bottom, _ = margins(theme)
    return page_size(theme)[1] - top - bottom


PAGE_ONE_SLOTS = ("header_centre", "footer_centre", "footer_left")   # header_left: from page 2
SCOPES = {scope: {"O": PDFName("Table"), "Scope": PDFName(scope)} for scope in ("Column", "Row")}


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
        self.tagger = Tagger()
        self.width = frame_width(self.theme)   # what a table has across it
        self.outline = HeadingOutline()
        self.marking = document.meta.marking
        self.banner = self.banner_element(document.furniture)
        self.inlines: list[Element] = []    # the links and spans being rendered, outermost first
        self.keys = 0                       # their numbers (an underline's and a link's)
        self.container = self.tagger.root   # where the next block's element goes
        self.waiting: Element | None = None  # a caption's element, waiting for its table
        self.pending: Para | None = None  # a caption: drawn with its table
        story = self.dispatch(document.title)
        for block in document.blocks:
            story.extend(self.blocks(block))
        story.extend(self.unclaimed())
        for index, flowable in enumerate(story):
            if isinstance(flowable, RoomFor):
                flowable.follow(story[index + 2:])
        canvas = page_canvas(self.dispatch(document.furniture), document.meta, self.tagger)
        buffer = io.BytesIO()
        template = BriefTemplate(buffer, document.meta, self.theme)
        try:
            with quick_flate(), invariant_stamps(), no_collection():
                template.build(story, canvasmaker=canvas)
        except LayoutError as error:
            message = too_tall_cell(self.grids, template.height) or too_tall(error)
            raise RenderError(f"{self.audience}: {message}") from None
        self.pages = template.page
        return buffer.getvalue()

    # ------------------------------------------------- title and furniture

    def render_title_block(self, node: b.TitleBlock) -> list:
        """The logo, then each line the title block has, and a rule under them."""
        lines = [("Organisation", node.organisation.upper(), "P"), ("Title", node.title, "H1"),
                 ("Subtitle", node.subtitle, "P"), ("Meta", node.details, "P")]
        story = self.logo(node.organisation)
        for name, value, role in lines:
            if value:
                style = self.styles[name]
                frags = self.text(value, style, ink_of(style, self.book))
                story.append(self.tagged(Para("", style, frags=frags), role))
        story.append(HRFlowable(width="100%", thickness=1.2, color=colour(self.theme.accent_colour),
                                spaceBefore=6, spaceAfter=10))
        return story

    def logo(self, organisation: str) -> list:
        if self.theme.logo_png is None:
            return []
        height = self.theme.logo_height_mm * mm
        image = Figure(io.BytesIO(self.theme.logo_png))
        image.tag = self.container.add("Figure", alt=f"{organisation} logo".strip())
        image.drawWidth = image.imageWidth * height / image.imageHeight
        image.drawHeight = height
        image.hAlign = "LEFT"
        return [image, Spacer(1, 4 * mm)]

    def render_page_furniture(self, node: b.PageFurniture) -> FurniturePainter:
        """What draws the header and footer on each page (``pdfpage``)."""
        return FurniturePainter(node, self.theme, self.spelled, self.banner)

    def banner_element(self, furniture: b.PageFurniture) -> tuple[str, Element] | None:
        """The slot holding the banner (the marking) and its element, the document's
        first: drawn on page 1, it is read first, as it is seen first; on later pages it
        is furniture (an Artifact)."""
        texts, marking = furniture.texts(), self.marking
        drawn = [s for s in PAGE_ONE_SLOTS if texts[s].strip()]
        slot = next((s for s in drawn if marking and marking in texts[s]), None) or next(
            (s for s in drawn if s.endswith("centre")), None)
        return None if slot is None else (slot, self.tagger.root.add("P"))

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

    def blocks(self, block) -> list:
        """A block's flowables, after a caption no table claimed."""
        flowables = self.dispatch(block)
        if isinstance(block, (b.Caption, b.Table)):
            return flowables
        return [*self.unclaimed(), *flowables]

    def unclaimed(self) -> list:
        """A caption with no table after it, drawn where it stands as a paragraph."""
        caption, self.pending, self.waiting = self.pending, None, None
        if caption is None:
            return []
        caption.tag.role = "P"
        return [caption]

    def render_heading(self, node: b.Heading) -> list:
        """A heading at the level the outline gives it (never more than one under the
        heading before it), tagged one level down: H1 is the title's."""
        level = self.outline.place(node.level)
        style = self.styles[f"Heading{level}"]
        title = b.plain_text(node.children)
        heading = self.tagged(HeadingPara("", style, frags=self.frags(node.children, style)),
                              f"H{level + 1}")
        heading.bookmark = (level, title)
        return [RoomFor(heading), heading]

    def render_paragraph(self, node: b.Paragraph, style: str = "Body") -> list:
        return [self.tagged(self.paragraph(node.children, self.styles[style]), "P")]

    def render_caption(self, node: b.Caption) -> list:
        self.caption = b.plain_text(node.children)
        caption = self.tagged(self.paragraph(node.children, self.styles["Caption"]), "Caption")
        leftover = self.unclaimed()
        self.pending, self.waiting = caption, caption.tag
        return leftover

    def paragraph(self, nodes: tuple, style, bullet: str | None = None) -> Para:
        return Para("", style, bulletText=bullet, frags=self.frags(nodes, style))

    def tagged(self, paragraph: Para, role: str, under: Element | None = None):
        """``paragraph`` drawn as a new ``role`` element, the last of ``under`` (by
        default the container the renderer is filling)."""
        paragraph.tag = (under or self.container).add(role)
        return paragraph

    @contextmanager
    def inside(self, element: Element):
        """Blocks rendered meanwhile go into ``element``."""
        outer, self.container = self.container, element
        try:
            yield element
        finally:
            self.container = outer

    def render_bullet_list(self, node: b.BulletList, depth: int = 0) -> list:
        marker = BULLETS[depth % len(BULLETS)]
        with self.inside(self.container.add("L")):
            return [f for item in node.items for f in self.render_list_item(item, depth, marker)]

    def render_ordered_list(self, node: b.OrderedList, depth: int = 0) -> list:
        with self.inside(self.container.add("L")):
            return [f for number, item in enumerate(node.items, start=node.start)
                    for f in self.render_list_item(item, depth, f"{number}.")]

    def render_list_item(self, node: b.ListItem, depth: int = 0, marker: str = BULLETS[0]) -> list:
        """Paragraphs with a hanging bullet; lighter than ListFlowable, which copies styles.
        In the structure tree: LI, holding the bullet (Lbl) and the item's body (LBody)."""
        style = self.styles[f"List{min(depth, 2) + 1}"]
        item = self.container.add("LI")
        label, flowables = item.add("Lbl"), []
        with self.inside(item.add("LBody")):
            for child in node.children:
                if isinstance(child, (b.BulletList, b.OrderedList)):
                    flowables.extend(self.dispatch(child, depth + 1))
                elif isinstance(child, b.Paragraph):
                    bullet = None if flowables else marker
                    paragraph = self.tagged(self.paragraph(child.children, style, bullet), "P")
                    paragraph.label = label if bullet else None
                    flowables.append(paragraph)
                else:
                    flowables.extend(self.dispatch(child))
        return flowables

    def render_table(self, node: b.Table) -> list:
        name = self.table_name()
        fit = self.table_fit(node, name)
        aligns = node.aligns or ("left",) * node.columns
        table = self.container.add("Table")
        if self.waiting is not None:
            table.adopt(self.waiting)      # a table's caption is its first child
            self.waiting = None
        head = table.add("THead").add("TR")
        header = [self.cell(c, "TableHeader", a, fit, head, "TH")
                  for c, a in zip(node.header, aligns)]
        body = table.add("TBody")
        rows = []
        roles = ["TH" if i in node.row_headers else "TD" for i in range(node.columns)]
        for row in node.rows:
            line = body.add("TR")
            rows.append([self.cell(c, "TableCell", a, fit, line, role)
                         for c, a, role in zip(row, aligns, roles)])
        table = BriefTable(header, rows, list(fit.widths), self.table_look(len(rows), fit),
                           caption=self.claimed(),
                           padding=2 * fit.down, page_height=frame_height(self.theme))
        self.grids.append(self.table_grid([header, *rows], fit, name))
        return [table, Spacer(1, 8)]

    def render_callout(self, node: b.Callout) -> list:
        """A shaded box with an accent rule: one table row per paragraph, so it can
        break across pages between them."""
        if not node.children:
            return []           # an empty box draws nothing (a table needs a row)
        rows, outer = [], self.width
        self.width = outer - 20           # a table in the box fits inside its padding
        with self.inside(self.container.add("Div")):
            for child in node.children:
                if isinstance(child, b.Paragraph):
                    rows.append(self.render_paragraph(child, "Callout"))
                else:
                    rows.append(self.dispatch(child))
        self.width = outer
        box = Table([[row] for row in rows], colWidths=[outer],
                    style=TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.book.face(self.theme.body_font)),
            ("BACKGROUND", (0, 0), (-1, -1), colour(self.theme.callout_fill)),
            ("LINEBEFORE", (0, 0), (0, -1), 3, colour(self.theme.accent_colour)),
            ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]))
        last = len(rows) - 1      # as styled: 8 above the first row, 6 below the last, else 2
        self.grids.append(Grid([[row] for row in rows], [outer - 20],
                               [(8 if i == 0 else 2) + (6 if i == last else 2)
                                for i in range(len(rows))]))
        return [box, Spacer(1, 8)]

    def render_thematic_break(self, node: b.ThematicBreak) -> list:
        return [HRFlowable(width="100%", thickness=0.6, color=colour(self.theme.rule_colour),
                           spaceBefore=6, spaceAfter=6)]

    # ------------------------------------------------------------- tables

    def cell(self, node: b.TableCell, style: str, align: str, fit: TableFit, row: Element,
             role: str) -> Paragraph:
        """A cell's paragraph, drawn as a ``role`` (TH, TD) element of ``row``."""
        cell = self.paragraph(node.children, aligned(sized(self.styles[style], fit.size), align))
        scope = "Column" if style == "TableHeader" else "Row"
        cell.tag = row.add(role, attributes=SCOPES[scope] if role == "TH" else None)
        return cell

    def claimed(self) -> Para | None:
        """The caption just before a table, which goes with it."""
        caption, self.pending = self.pending, None
        return caption

    def table_name(self) -> str:
        """A table's name: its number in this document (boxes are grids without a name)
        and the caption just before it."""
        caption, self.caption = self.caption, None
        number = sum(1 for grid in self.grids if grid.table) + 1
        return f"table {number}" + (f" ({opening_words(caption)})" if caption else "")

    def table_fit(self, node: b.Table, name: str) -> TableFit:
        """How the table fits across the page, or the error saying how many columns do."""
        width = self.width
        fit = fit_table(node, width, self.theme.table_size, table_measure(self.theme))
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

    def table_look(self, body_rows: int, fit: TableFit) -> TableLook:
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
        stripe = colour(t.table_stripe_fill) if body_rows > 1 else None
        return TableLook(commands, stripe, across)

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

    def render_citation(self, node: b.Citation, style, ink: Ink) -> list:
        return self.text(node.label, style, ink)

    def render_code(self, node: b.Code, style, ink: Ink) -> list:
        return self.text(node.text, style, ink)   # as in the DOCX: the surrounding face

    def render_strong(self, node: b.Strong, style, ink: Ink) -> list:
        return self.inline(node.children, style, replace(ink, bold=True))

    def render_emph(self, node: b.Emph, style, ink: Ink) -> list:
        return self.inline(node.children, style, replace(ink, italic=True))

    def render_link(self, node: b.Link, style, ink: Ink) -> list:
        """The link's fragments, each carrying the link as an ``Inline`` target, which
        ties the marked content of its text and its annotations to its Link element;
        each link gets its own underline (one shared would be drawn for the last only)."""
        text = b.plain_text(node.children)
        described = text if text == node.url else f"{text} ({node.url})"
        linked = replace(ink, href=node.url, colour=self.theme.link_colour)
        element, inline = self.inline_element("Link", node.url, described)
        with self.inside_inline(element):
            frags = self.inline(node.children, style, linked)
        for frag in frags:
            if frag.link:
                frag.us_lines = [(inline.key, *line[1:]) for line in frag.us_lines]
        return self.carrying(frags, inline)

    def render_language(self, node: b.Language, style, ink: Ink) -> list:
        """A span in another language: a Span element with its /Lang, carried by its
        fragments as an empty target (no annotation is made for it)."""
        element, inline = self.inline_element("Span", "", lang=node.lang)
        with self.inside_inline(element):
            frags = self.inline(node.children, style, ink)
        return self.carrying(frags, inline)

    def inline_element(self, role: str, target: str, description: str = "", **options):
        outer = self.inlines[-1] if self.inlines else None
        element = Element(role, outer=outer, depth=len(self.inlines), **options)
        self.keys += 1
        return element, Inline(target, element, self.keys, description)

    @contextmanager
    def inside_inline(self, element: Element):
        self.inlines.append(element)
        try:
            yield
        finally:
            self.inlines.pop()

    @staticmethod
    def carrying(frags: list, inline: Inline) -> list:
        """``frags``, each with ``inline`` among its links (a link's own target, from its
        fragment template, replaced by it)."""
        for frag in frags:
            kept = [entry for entry in frag.link if isinstance(entry[1], Inline)]
            frag.link = [*kept, (inline.key, inline)]
        return frags

    def render_status(self, node: b.Status, style, ink: Ink) -> list:
        hex_colour = self.colours.get(node.value, self.theme.muted_colour)
        return self.text(node.value, style, replace(ink, bold=True, colour=hex_colour))
