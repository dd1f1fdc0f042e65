"""DOCX renderer: the block tree as a Word document with named styles.

Paragraphs, runs and tables only ever get a style name; appearance lives in
the styles ``styles`` builds from the theme.  Text is added as run text,
so python-docx escapes it; nothing is parsed as markup here.  The title block
and the page furniture are drawn from their nodes; the properties and the
archive are ``package``'s, tables ``tables``', runs ``runs``', and python-docx's
private members are reached only through ``oxml``.  What readers who do not see the
page rely on (languages, the heading outline, alternative text, tables' summaries)
is set here too: see ``accessibility`` and ``language``.
"""

from __future__ import annotations

import io

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import SubElement

from ...compose import blocks as b
from ...compose.frame import DETAILS_SEPARATOR
from ..base import Renderer
from ..columns import CHAR_WIDTH, table_measure
from ..page import PAGE_SIZES, frame_width
from . import oxml, reference
from ..headings import HeadingOutline
from .accessibility import (
    describe_picture,
    keep_together,
    keep_with_next,
    logo_text,
    widow_control,
)
from .language import set_document_language
from .package import package_bytes, set_properties
from .runs import UNMARKED, Marks, add_runs
from .styles import new_document, status_style_name
from .tables import TableElement, table_captions

LIST_STYLES = {"bullet": ("List Bullet", "List Bullet 2", "List Bullet 3"),
               "number": ("List Number", "List Number 2", "List Number 3")}
CONTINUE_STYLES = ("List Continue", "List Continue 2", "List Continue 3")

# WordprocessingML names, resolved once: body elements are built with lxml directly,
# in schema order, because python-docx's helpers search for each insertion point.
(W_P, W_PPR, W_PSTYLE, W_R, W_BR, W_VAL, W_HYPERLINK, W_NUMPR, W_ILVL, W_NUMID) = map(qn, (
    "w:p", "w:pPr", "w:pStyle", "w:r", "w:br", "w:val", "w:hyperlink", "w:numPr", "w:ilvl",
    "w:numId"))
R_ID = qn("r:id")
EN_SPACE = "\u2002"    # as wide as two spaces, and one character


class DocxRenderer(Renderer):
    format = "docx"

    @classmethod
    def prepare(cls, theme) -> None:
        new_document(theme, {})   # the styled template, once per theme

    @classmethod
    def check_theme(cls, theme) -> None:
        """A reference document must hold a brief of every kind of block."""
        if theme.reference_docx is not None:
            reference.check_usable(cls, theme)

    def render(self, document: b.Document) -> bytes:
        self.doc, self.style_ids = new_document(self.theme, document.status_colours)
        self.statuses = set(document.status_colours)
        self.sect_pr = self.doc.element.body.sectPr
        self.outline, self.measure = HeadingOutline(), table_measure(self.theme)
        self.captions = table_captions(document.blocks)
        set_document_language(self.doc, document.meta.language)
        widow_control(self.doc)
        self.page_setup()
        if self.draws_furniture():
            self.dispatch(document.furniture)
        else:
            self.mark_house_furniture(document.meta.marking)
        self.dispatch(document.title)
        for block in document.blocks:
            self.dispatch(block)
        set_properties(self.doc, document.meta)
        return package_bytes(self.doc, document.meta.edition)

    # ------------------------------------------------------ styles by id

    def paragraph(self, style: str):
        """A new body paragraph (a ``w:p`` element) in ``style``, before the section."""
        p = _styled_p(self.sect_pr.makeelement(W_P, {}), self.style_ids[style])
        self.sect_pr.addprevious(p)
        return p

    def styled(self, paragraph: Paragraph, style: str):
        """An existing paragraph (a header's or footer's) given ``style``; its element."""
        p = oxml.paragraph_element(paragraph)
        p.style = self.style_ids[style]
        return p

    # ------------------------------------------------- page, title, furniture

    def page_setup(self) -> None:
        """Page size and margins from the theme, unless a reference document brings its own."""
        if self.theme.reference_docx is not None:
            return
        section = self.doc.sections[0]
        width, height = PAGE_SIZES[self.theme.page_size]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Emu(int(width * 12700)), Emu(int(height * 12700))
        top, right, bottom, left = self.theme.margins_mm
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)

    def draws_furniture(self) -> bool:
        """Ours, unless a reference document brings headers or footers of its own."""
        return (self.theme.reference_docx is None
                or not reference.has_own_furniture(self.doc))

    def render_page_furniture(self, node: b.PageFurniture) -> None:
        """Header and footer lines of a left part, the marking at the centre and, in the
        footer, the page label at the right (the styles' tab stops).  The first page's
        header has no running title: the title block is under it."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True
        texts = node.texts()
        room = _furniture_room(texts, self.theme)
        running = shortened(texts["header_left"], room)
        for header, left in ((section.first_page_header, ""), (section.header, running)):
            self.furniture_line(header, "Page Header", left, texts["header_centre"])
        for footer in (section.first_page_footer, section.footer):
            line = self.furniture_line(footer, "Page Footer",
                                       shortened(texts["footer_left"], room),
                                       texts["footer_centre"])
            self.add_text(line, "\t")
            self.inlines(line, node.page_label)

    def mark_house_furniture(self, marking: str) -> None:
        """A reference document's own headers and footers are kept, and the marking is
        added to each on a line of its own: no brief goes out without its marking."""
        if not marking.strip():
            return
        for section in self.doc.sections:
            parts = [section.header, section.footer]
            if section.different_first_page_header_footer:
                parts += [section.first_page_header, section.first_page_footer]
            for part in parts:
                if not part.is_linked_to_previous:
                    line = part.add_paragraph(style=self.doc.styles["Page Header"])
                    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    line.add_run(marking, style=self.doc.styles["Marking"])

    def furniture_line(self, part, style: str, left: str, centre: str):
        """A header's or footer's line in ``style``: its left part, then the marking at
        the centre tab stop; its element."""
        line = self.styled(_first_paragraph(part), style)
        self.add_text(line, left + "\t")
        return self.add_text(line, centre, char_style="Marking")

    def render_page_number(self, node: b.PageNumber, parent, marks: Marks = UNMARKED) -> None:
        parent.append(_field("PAGE"))

    def render_page_count(self, node: b.PageCount, parent, marks: Marks = UNMARKED) -> None:
        parent.append(_field("NUMPAGES"))

    def render_title_block(self, node: b.TitleBlock) -> None:
        """The logo, the organisation (in capitals, by its style), title, subtitle and the
        details line."""
        if self.theme.logo_png is not None:
            self.logo(node.organisation)
        self.add_text(self.paragraph("Organisation"), node.organisation)
        self.add_text(self.paragraph("Title"), node.title)
        if node.subtitle:
            self.add_text(self.paragraph("Subtitle"), node.subtitle)
        self.add_text(self.paragraph("Brief Meta"), single_spaced(node.details))

    def logo(self, organisation: str) -> None:
        """The theme's logo, described as the organisation's for readers who cannot see it."""
        parent = Paragraph(None, oxml.body_container(self.doc))   # a run's way to the part
        r = SubElement(self.paragraph("Brief Meta"), W_R)
        Run(r, parent).add_picture(io.BytesIO(self.theme.logo_png),
                                   height=Mm(self.theme.logo_height_mm))
        describe_picture(r, *logo_text(organisation))

    # -------------------------------------------------------------- blocks

    def render_heading(self, node: b.Heading) -> None:
        """A heading at its level in the outline, which never skips one."""
        self.inlines(self.paragraph(f"Heading {self.outline.place(node.level)}"),
                     node.children)

    def render_paragraph(self, node: b.Paragraph, style: str = "Normal"):
        paragraph = self.paragraph(style)
        self.inlines(paragraph, node.children)
        return paragraph

    def render_caption(self, node: b.Caption) -> None:
        caption = self.paragraph("Caption")
        keep_with_next(caption)          # with its table, whatever the styles say
        self.inlines(caption, node.children)

    def render_bullet_list(self, node: b.BulletList, depth: int = 0) -> None:
        for item in node.items:
            self.render_list_item(item, depth, "bullet")

    def render_ordered_list(self, node: b.OrderedList, depth: int = 0) -> None:
        numbering = self.restarted_numbering(node.start, LIST_STYLES["number"][min(depth, 2)])
        for item in node.items:
            self.render_list_item(item, depth, "number", numbering)

    def render_list_item(self, node: b.ListItem, depth: int = 0, kind: str = "bullet",
                         numbering: tuple[int, int] | None = None) -> None:
        level = min(depth, 2)
        first = True
        for child in node.children:
            if isinstance(child, (b.BulletList, b.OrderedList)):
                self.dispatch(child, depth + 1)
            elif isinstance(child, b.Paragraph):
                style = LIST_STYLES[kind][level] if first else CONTINUE_STYLES[level]
                paragraph = self.render_paragraph(child, style)
                if first and numbering is not None:
                    _set_numbering(paragraph, *numbering)
                first = False
            else:
                self.dispatch(child)

    def render_table(self, node: b.Table) -> None:
        """A fixed-layout table in the Brief Table style, summarised by its caption."""
        table = TableElement(node, self.theme, self.measure, self.style_ids)
        tbl, cells = table.build(self.sect_pr, self.captions.get(id(node)))
        for p, cell in cells:
            self.inlines(p, cell.children)
        self.sect_pr.addprevious(tbl)
        self.paragraph("Table Spacer")   # keeps two tables from merging into one

    def render_callout(self, node: b.Callout) -> None:
        """A box: its paragraphs in the Callout style, kept together on one page."""
        paragraphs = []
        for child in node.children:
            if isinstance(child, b.Paragraph):
                paragraphs.append(self.render_paragraph(child, "Callout"))
            else:
                self.dispatch(child)
        keep_together(paragraphs)

    def render_thematic_break(self, node: b.ThematicBreak) -> None:
        self.add_text(self.paragraph("Separator"), "\u2042")

    def restarted_numbering(self, start: int, style_name: str) -> tuple[int, int] | None:
        """A numbering instance of ``style_name``'s list that starts again at ``start`` for
        one ordered list, and the level its items are at: a nested list's own (its style's
        list may define no level but the first)."""
        style = self.doc.styles.element.get_by_id(self.style_ids[style_name])
        num_pr = style.pPr.find(qn("w:numPr")) if style.pPr is not None else None
        if num_pr is None:
            return None   # a reference document without numbered list styles
        numbering = self.doc.part.numbering_part.element
        base = numbering.num_having_numId(int(num_pr.find(qn("w:numId")).get(qn("w:val"))))
        abstract = base.find(qn("w:abstractNumId")).get(qn("w:val"))
        level = num_pr.find(qn("w:ilvl"))
        ilvl = 0 if level is None else int(level.get(qn("w:val")))
        num = numbering.add_num(int(abstract))
        num.append(parse_xml(f'<w:lvlOverride {nsdecls("w")} w:ilvl="{ilvl}">'
                             f'<w:startOverride w:val="{start}"/></w:lvlOverride>'))
        return num.numId, ilvl

    # ------------------------------------------------------------- inlines

    def inlines(self, paragraph, nodes: tuple, marks: Marks = UNMARKED) -> None:
        for node in nodes:
            self.dispatch(node, paragraph, marks)

    def add_text(self, parent, text: str, marks: Marks = UNMARKED,
                 char_style: str | None = None):
        """Add ``text`` to a paragraph (or link) as runs in the style its marks make (or
        ``char_style``); returns ``parent``."""
        style = char_style or marks.character_style()
        add_runs(parent, text, self.style_ids[style] if style else None, marks.language)
        return parent

    def render_text(self, node: b.Text, parent, marks: Marks = UNMARKED) -> None:
        self.add_text(parent, node.text, marks)

    def render_line_break(self, node: b.LineBreak, parent, marks: Marks = UNMARKED) -> None:
        SubElement(SubElement(parent, W_R), W_BR)

    def render_citation(self, node: b.Citation, parent, marks: Marks = UNMARKED) -> None:
        self.add_text(parent, node.label, marks)

    def render_code(self, node: b.Code, parent, marks: Marks = UNMARKED) -> None:
        self.add_text(parent, node.text, marks)

    def render_strong(self, node: b.Strong, parent, marks: Marks = UNMARKED) -> None:
        self.inlines(parent, node.children, marks.emphasised("strong"))

    def render_emph(self, node: b.Emph, parent, marks: Marks = UNMARKED) -> None:
        self.inlines(parent, node.children, marks.emphasised("emph"))

    def render_status(self, node: b.Status, parent, marks: Marks = UNMARKED) -> None:
        style = status_style_name(node.value) if node.value in self.statuses else "Strong"
        self.add_text(parent, node.value, marks.only_language(), style)

    def render_link(self, node: b.Link, parent, marks: Marks = UNMARKED) -> None:
        rel = self.doc.part.relate_to(node.url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = SubElement(parent, W_HYPERLINK, {R_ID: rel})
        self.inlines(link, node.children, marks.linked())

    def render_language(self, node: b.Language, parent, marks: Marks = UNMARKED) -> None:
        """A span in another language: its runs are read, and proofed, in it."""
        self.inlines(parent, node.children, marks.in_language(node.lang))


def _first_paragraph(part) -> Paragraph:
    """A header's or footer's first paragraph (a reference document's may have none)."""
    return part.paragraphs[0] if part.paragraphs else part.add_paragraph()


def _styled_p(p, style_id: str):
    SubElement(SubElement(p, W_PPR), W_PSTYLE, {W_VAL: style_id})
    return p


def _furniture_room(texts: dict, theme) -> int:
    """How many characters fit left of the centred marking (Word cannot be asked)."""
    frame = frame_width(theme)
    centre = max(len(texts["header_centre"]), len(texts["footer_centre"])) * 8 * CHAR_WIDTH
    return int((frame / 2 - centre / 2 - 12) / (7.5 * CHAR_WIDTH))


def single_spaced(details: str) -> str:
    """The details line with each gap around its separators one wide space: Word's
    Accessibility Checker reads two spaces in a row as blank characters laid out by hand."""
    return details.replace(DETAILS_SEPARATOR, f"{EN_SPACE}{DETAILS_SEPARATOR.strip()}{EN_SPACE}")


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def _field(instruction: str):
    return parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} ">'
                     f'<w:r><w:t>1</w:t></w:r></w:fldSimple>')


def _set_numbering(p, num_id: int, level: int) -> None:
    """Number a list paragraph; w:numPr follows w:pStyle, the only other child."""
    numbering = SubElement(p.find(W_PPR), W_NUMPR)
    SubElement(numbering, W_ILVL, {W_VAL: str(level)})
    SubElement(numbering, W_NUMID, {W_VAL: str(num_id)})
