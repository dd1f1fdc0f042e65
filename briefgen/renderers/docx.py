"""DOCX renderer: the block tree as a Word document with named styles.

Paragraphs, runs and tables only ever get a style name; appearance lives in
the styles ``docxstyle`` builds from the theme.  Text is added as run text,
so python-docx escapes it; nothing is parsed as markup here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from docx.enum.section import WD_ORIENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .. import blocks as b
from .. import fonts
from . import reference
from . import CHAR_WIDTH, Renderer, column_shares, furniture, register, title_details
from .docxstyle import CJK_FAMILY, new_document, status_style_name
from .page import PAGE_SIZES, frame_width

LIST_STYLES = {"bullet": ("List Bullet", "List Bullet 2", "List Bullet 3"),
               "number": ("List Number", "List Number 2", "List Number 3")}
CONTINUE_STYLES = ("List Continue", "List Continue 2", "List Continue 3")
EMPHASIS_STYLES = {frozenset({"strong"}): "Strong", frozenset({"emph"}): "Emphasis",
                   frozenset({"strong", "emph"}): "Strong Emphasis"}
ALIGNED = {"left": "", "center": " Centre", "right": " Right"}


@register
class DocxRenderer(Renderer):
    format = "docx"
    extension = ".docx"

    def render(self, document: b.Document) -> bytes:
        self.doc, self.style_ids = new_document(self.theme, document.status_colours)
        self.statuses = set(document.status_colours)
        self.body = self.doc._body
        self.sect_pr = self.doc.element.body.sectPr
        self.page_setup(document.meta)
        self.title_block(document.meta)
        for block in document.blocks:
            self.dispatch(block)
        self.properties(document.meta)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return fixed_zip(buffer.getvalue(), document.meta.edition)

    # ------------------------------------------------------ styles by id

    def paragraph(self, style: str):
        """A new body paragraph in ``style``, built directly: python-docx's helpers
        look styles up by name and scan for insertion points, which dominates."""
        p = OxmlElement("w:p")
        p.style = self.style_ids[style]
        self.sect_pr.addprevious(p)
        return Paragraph(p, self.body)

    def styled(self, paragraph, style: str):
        paragraph._p.style = self.style_ids[style]
        return paragraph

    # ------------------------------------------------------ page and title

    def page_setup(self, meta: b.DocumentMeta) -> None:
        """Page size, margins, header and footer, unless a reference document brings its own."""
        section = self.doc.sections[0]
        if self.theme.reference_docx is not None:
            if not reference.has_own_furniture(self.doc):
                self.furniture(section, meta)
            return
        width, height = PAGE_SIZES[self.theme.page_size]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Emu(int(width * 12700)), Emu(int(height * 12700))
        top, right, bottom, left = self.theme.margins_mm
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
        self.furniture(section, meta)

    def furniture(self, section, meta: b.DocumentMeta) -> None:
        texts = furniture(meta, self.theme)
        room = _furniture_room(texts, self.theme)
        texts["header_left"] = shortened(texts["header_left"], room)
        texts["footer_left"] = shortened(texts["footer_left"], room)
        section.different_first_page_header_footer = True   # the title block has no running title
        for header, left in ((section.first_page_header, ""), (section.header, "header_left")):
            line = self.styled(header.paragraphs[0], "Page Header")
            self.add_text(line, (texts[left] if left else "") + "\t")
            self.add_text(line, texts["header_centre"], char_style="Marking")
        for footer in (section.first_page_footer, section.footer):
            line = self.styled(footer.paragraphs[0], "Page Footer")
            self.add_text(line, texts["footer_left"] + "\t")
            self.add_text(line, texts["footer_centre"], char_style="Marking")
            self.add_text(line, "\t")
            self.page_number(line)

    def page_number(self, paragraph) -> None:
        """The theme's "Page {page} of {pages}" with Word fields for the numbers."""
        label = self.theme.labels["page"]
        for part in re.split(r"(\{page\}|\{pages\})", label):
            if part in ("{page}", "{pages}"):
                paragraph._p.append(_field("PAGE" if part == "{page}" else "NUMPAGES"))
            elif part:
                self.add_text(paragraph, part)

    def title_block(self, meta: b.DocumentMeta) -> None:
        if self.theme.logo is not None:
            logo = self.paragraph("Brief Meta").add_run()
            logo.add_picture(str(self.theme.logo), height=Mm(self.theme.logo_height_mm))
        self.add_text(self.paragraph("Organisation"), meta.organisation)   # capitals by style
        self.add_text(self.paragraph("Title"), meta.title)
        if meta.subtitle:
            self.add_text(self.paragraph("Subtitle"), meta.subtitle)
        self.add_text(self.paragraph("Brief Meta"), title_details(meta, self.theme))

    def properties(self, meta: b.DocumentMeta) -> None:
        core = self.doc.core_properties
        core.title, core.subject = meta.title, meta.subject
        core.author = "; ".join(meta.authors)
        core.keywords = ", ".join(meta.keywords)
        core.category = meta.audience_label
        core.language = meta.language
        core.comments = meta.marking
        core.last_modified_by = "briefgen"
        core.revision = 1
        stamp = dt.datetime.combine(meta.edition or dt.date(2000, 1, 1), dt.time())
        core.created = core.modified = stamp

    # -------------------------------------------------------------- blocks

    def render_heading(self, node: b.Heading) -> None:
        self.inlines(self.paragraph(f"Heading {node.level}"), node.children)

    def render_paragraph(self, node: b.Paragraph, style: str = "Normal"):
        paragraph = self.paragraph(style)
        self.inlines(paragraph, node.children)
        return paragraph

    def render_caption(self, node: b.Caption) -> None:
        self.inlines(self.paragraph("Caption"), node.children)

    def render_bullet_list(self, node: b.BulletList, depth: int = 0) -> None:
        for item in node.items:
            self.render_list_item(item, depth, "bullet")

    def render_ordered_list(self, node: b.OrderedList, depth: int = 0) -> None:
        num_id = self.restarted_numbering(node.start)
        for item in node.items:
            self.render_list_item(item, depth, "number", num_id)

    def render_list_item(self, node: b.ListItem, depth: int = 0, kind: str = "bullet",
                         num_id: int | None = None) -> None:
        level = min(depth, 2)
        first = True
        for child in node.children:
            if isinstance(child, (b.BulletList, b.OrderedList)):
                self.dispatch(child, depth + 1)
            elif isinstance(child, b.Paragraph):
                style = LIST_STYLES[kind][level] if first else CONTINUE_STYLES[level]
                paragraph = self.render_paragraph(child, style)
                if first and num_id is not None:
                    _set_numbering(paragraph, num_id, level)
                first = False
            else:
                self.dispatch(child)

    def render_table(self, node: b.Table) -> None:
        table = self.doc.add_table(rows=1 + len(node.rows), cols=node.columns)
        table._tbl.tblStyle_val = self.style_ids["Brief Table"]
        table.autofit = False
        look = table._tbl.tblPr.find(qn("w:tblLook"))
        if look is not None:
            look.set(qn("w:firstColumn"), "0")
        _mark_header_row(table.rows[0])
        aligns = node.aligns or ("left",) * node.columns
        widths = self.column_widths(node)
        for index, (tr, cells) in enumerate(zip(table._tbl.tr_lst, (node.header, *node.rows))):
            style = "Table Heading" if index == 0 else "Table Text"
            for tc, content, align, width in zip(tr.tc_lst, cells, aligns, widths):
                tc.width = width
                paragraph = self.styled(Paragraph(tc.p_lst[0], self.body), style + ALIGNED[align])
                self.inlines(paragraph, content.children)
        for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths):
            column.w = width
        self.paragraph("Table Spacer")   # keeps two tables from merging into one

    def column_widths(self, node: b.Table) -> list[Emu]:
        frame = frame_width(self.theme)
        shares = column_shares(node, frame, self.theme.table_size)
        return [Emu(int(share * frame * 12700)) for share in shares]

    def render_callout(self, node: b.Callout) -> None:
        for child in node.children:
            if isinstance(child, b.Paragraph):
                self.render_paragraph(child, "Callout")
            else:
                self.dispatch(child)

    def render_thematic_break(self, node: b.ThematicBreak) -> None:
        self.add_text(self.paragraph("Separator"), "\u2042")

    def restarted_numbering(self, start: int) -> int:
        """A numbering instance that starts again at ``start`` for one ordered list."""
        style = self.doc.styles.element.get_by_id(self.style_ids["List Number"])
        num_pr = style.pPr.find(qn("w:numPr")) if style.pPr is not None else None
        if num_pr is None:
            return None   # a reference document without numbered list styles
        numbering = self.doc.part.numbering_part.element
        base = numbering.num_having_numId(int(num_pr.find(qn("w:numId")).get(qn("w:val"))))
        abstract = base.find(qn("w:abstractNumId")).get(qn("w:val"))
        num = numbering.add_num(int(abstract))
        num.append(parse_xml(f'<w:lvlOverride {nsdecls("w")} w:ilvl="0">'
                             f'<w:startOverride w:val="{start}"/></w:lvlOverride>'))
        return num.numId

    # ------------------------------------------------------------- inlines

    def inlines(self, paragraph, nodes: tuple, styles: tuple = ()) -> None:
        for node in nodes:
            self.dispatch(node, paragraph, styles)

    def add_text(self, paragraph, text: str, styles: tuple = (), char_style: str | None = None):
        """Add ``text`` as runs; East Asian runs also name the CJK face."""
        for east_asian, chunk in _script_runs(text):
            r = paragraph._p.add_r()
            char_style = char_style or EMPHASIS_STYLES.get(frozenset(styles))
            if char_style:
                r.style = self.style_ids[char_style]
            if east_asian:
                _east_asian(r)
            if "\t" in chunk:
                Run(r, paragraph).text = chunk   # python-docx writes tabs as <w:tab/>
            else:
                r.add_t(chunk)   # validated text holds no tabs or line breaks
        return paragraph

    def render_text(self, node: b.Text, paragraph, styles: tuple = ()) -> None:
        self.add_text(paragraph, node.text, styles)

    def render_line_break(self, node: b.LineBreak, paragraph, styles: tuple = ()) -> None:
        Run(paragraph._p.add_r(), paragraph).add_break()

    def render_code(self, node: b.Code, paragraph, styles: tuple = ()) -> None:
        self.add_text(paragraph, node.text, styles)

    def render_strong(self, node: b.Strong, paragraph, styles: tuple = ()) -> None:
        self.inlines(paragraph, node.children, styles + ("strong",))

    def render_emph(self, node: b.Emph, paragraph, styles: tuple = ()) -> None:
        self.inlines(paragraph, node.children, styles + ("emph",))

    def render_status(self, node: b.Status, paragraph, styles: tuple = ()) -> None:
        style = status_style_name(node.value) if node.value in self.statuses else "Strong"
        self.add_text(paragraph, node.value, (), style)

    def render_link(self, node: b.Link, paragraph, styles: tuple = ()) -> None:
        rel = paragraph.part.relate_to(node.url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rel}"/>')
        paragraph._p.append(link)
        for child in node.children:
            start = len(paragraph.runs)
            self.dispatch(child, paragraph, styles)
            for run in paragraph.runs[start:]:
                run._r.style = self.style_ids["Hyperlink"]
                link.append(run._r)


def fixed_zip(data: bytes, edition: dt.date | None) -> bytes:
    """The same archive with every entry dated the edition date: same data, same bytes."""
    day = edition or dt.date(2000, 1, 1)
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(info, source.read(entry))
    return out.getvalue()


def _furniture_room(texts: dict, theme) -> int:
    """How many characters fit left of the centred marking (Word cannot be asked)."""
    frame = frame_width(theme)
    centre = max(len(texts["header_centre"]), len(texts["footer_centre"])) * 8 * CHAR_WIDTH
    return int((frame / 2 - centre / 2 - 12) / (7.5 * CHAR_WIDTH))


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def _script_runs(text: str) -> list[tuple[bool, str]]:
    """(is East Asian, text) runs; most text has none and stays one run."""
    if not fonts.EAST_ASIAN.search(text):
        return [(False, text)]
    out: list[tuple[bool, str]] = []
    for part in fonts.EAST_ASIAN_RUN.split(text):
        if part:
            out.append((bool(fonts.EAST_ASIAN.match(part)), part))
    return out


def _east_asian(r) -> None:
    rfonts = r.get_or_add_rPr().get_or_add_rFonts()   # placed after w:rStyle, as required
    rfonts.set(qn("w:eastAsia"), CJK_FAMILY)
    rfonts.set(qn("w:hint"), "eastAsia")


def _field(instruction: str):
    return parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} ">'
                     f'<w:r><w:t>1</w:t></w:r></w:fldSimple>')


def _mark_header_row(row) -> None:
    """Word repeats a row marked tblHeader at the top of every page the table spans."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))


def _set_numbering(paragraph, num_id: int, level: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                         f'<w:numId w:val="{num_id}"/></w:numPr>'))
