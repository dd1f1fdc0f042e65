"""Tables in a DOCX brief, as WordprocessingML elements built in schema order.

A table is laid out at fixed column widths shared out by the content of each column
(``renderers.columns``), in the Brief Table style.  Its header row is marked as one
(it repeats on every page, and screen readers announce each cell under its heading),
no row may break across a page (a row split under a repeated header left a band of
stripe with nothing in it), and its caption is its summary: the title and description
Word shows as the table's alternative text.
"""

from __future__ import annotations

from docx.oxml.ns import qn
from lxml.etree import SubElement

from ...compose import blocks as b
from ...errors import RenderError
from ..columns import CHAR_WIDTH, column_shares
from ..page import AT_LEAST, KEEP_WHOLE, frame_width
from .accessibility import keep_together

(W_TBL, W_TBLPR, W_TBLSTYLE, W_TBLW, W_TBLLAYOUT, W_TBLCELLMAR, W_TBLLOOK, W_TBLCAPTION,
 W_TBLDESCRIPTION, W_TBLGRID, W_GRIDCOL, W_TR, W_TRPR, W_CANTSPLIT, W_TBLHEADER, W_TC,
 W_TCPR, W_TCW, W_W, W_TYPE, W_VAL) = map(qn, (
    "w:tbl", "w:tblPr", "w:tblStyle", "w:tblW", "w:tblLayout", "w:tblCellMar", "w:tblLook",
    "w:tblCaption", "w:tblDescription", "w:tblGrid", "w:gridCol", "w:tr", "w:trPr",
    "w:cantSplit", "w:tblHeader", "w:tc", "w:tcPr", "w:tcW", "w:w", "w:type", "w:val"))
CELL_MARGIN = 108    # twips: the left and right cell margins of Word's table styles
TABLE_LOOK = {qn(f"w:{k}"): v for k, v in (("val", "04A0"), ("firstRow", "1"),
              ("lastRow", "0"), ("firstColumn", "0"), ("lastColumn", "0"), ("noHBand", "0"),
              ("noVBand", "1"))}
SUMMARY_CHARS = 255  # of a table's title or description: what Word's alt-text pane keeps


class TableElement:
    """One table of a brief as a ``w:tbl``: its properties, grid and rows, each cell's
    paragraph made and styled, ready for the renderer to fill with the cell's inlines."""

    def __init__(self, node: b.Table, theme, measure, style_ids: dict[str, str]):
        self.node, self.theme, self.measure, self.style_ids = node, theme, measure, style_ids
        self.widths = [str(width) for width in self.column_widths()]

    def build(self, parent, caption: str | None):
        """The ``w:tbl`` (made by ``parent``, not yet placed) and (paragraph, cell) of
        every cell, header row first."""
        tbl = parent.makeelement(W_TBL, {})
        self.properties(SubElement(tbl, W_TBLPR), caption)
        grid = SubElement(tbl, W_TBLGRID)
        for width in self.widths:
            SubElement(grid, W_GRIDCOL, {W_W: width})
        rows = [self.row(SubElement(tbl, W_TR), row, header=index == 0)
                for index, row in enumerate((self.node.header, *self.node.rows))]
        for index in kept_with_next(len(self.node.rows)):
            keep_together([p for p, _ in rows[index]] + [rows[index + 1][0][0]])
        return tbl, [cell for row in rows for cell in row]

    def properties(self, tbl_pr, caption: str | None) -> None:
        """The children of ``w:tblPr`` in the order the schema (CT_TblPrBase) requires:
        style, width, layout, cell margins, look, caption, description."""
        SubElement(tbl_pr, W_TBLSTYLE, {W_VAL: self.style_ids["Brief Table"]})
        SubElement(tbl_pr, W_TBLW, {W_W: "0", W_TYPE: "auto"})
        SubElement(tbl_pr, W_TBLLAYOUT, {W_TYPE: "fixed"})
        self.narrow_margins(tbl_pr)
        SubElement(tbl_pr, W_TBLLOOK, TABLE_LOOK)
        title, description = summary(self.node, caption)
        if title:
            SubElement(tbl_pr, W_TBLCAPTION, {W_VAL: title})
        SubElement(tbl_pr, W_TBLDESCRIPTION, {W_VAL: description})

    def row(self, tr, cells: tuple, header: bool) -> list:
        """A row that never breaks across a page; the header row repeats on each."""
        tr_pr = SubElement(tr, W_TRPR)
        SubElement(tr_pr, W_CANTSPLIT)
        if header:
            SubElement(tr_pr, W_TBLHEADER)
        style = "Table Heading" if header else "Table Text"
        aligns = self.node.aligns or ("left",) * self.node.columns
        made = []
        for content, align, width in zip(cells, aligns, self.widths):
            tc = SubElement(tr, W_TC)
            SubElement(SubElement(tc, W_TCPR), W_TCW, {W_W: width, W_TYPE: "dxa"})
            made.append((_styled_p(SubElement(tc, qn("w:p")),
                                   self.style_ids[style + ALIGNED[align]]), content))
        return made

    def column_widths(self) -> list[int]:
        """Column widths in twentieths of a point, as Word stores them."""
        frame = frame_width(self.theme)
        shares = column_shares(self.node, frame, self.theme.table_size, self.measure)
        return [round(int(share * frame * 12700) / 635) for share in shares]   # via EMU

    def narrow_margins(self, tbl_pr) -> None:
        """A table so wide that its narrowest column cannot hold the style's cell margins
        and one character gets margins that leave that room: a column narrower than its
        margins is drawn empty by some word processors, and its text is lost to the reader."""
        narrowest = min(map(int, self.widths))
        room = round(self.theme.table_size * CHAR_WIDTH * 20) + 20      # twips
        if narrowest >= 2 * CELL_MARGIN + room:
            return
        if narrowest < room:
            fit = int(frame_width(self.theme) * 20 // room)
            first = b.plain_text(self.node.header[0].children)[:40]
            raise RenderError(f"the table whose first column is '{first}' has "
                              f"{self.node.columns} columns, more than fit across the page "
                              f"even without cell margins: at most {fit} do; split it into "
                              "narrower tables")
        side = str(max(0, (narrowest - room) // 2))
        margins = SubElement(tbl_pr, W_TBLCELLMAR)
        for edge in ("left", "right"):
            SubElement(margins, qn(f"w:{edge}"), {W_W: side, W_TYPE: "dxa"})


ALIGNED = {"left": "", "center": " Centre", "right": " Right"}


def kept_with_next(body_rows: int) -> list[int]:
    """The rows (0 the header) whose paragraphs keep with the next row, so that a word
    processor breaks a table where the PDF may (``page.KEEP_WHOLE``, ``AT_LEAST``):
    a short table all together, a long one with its header and first rows, and its
    last rows together."""
    if body_rows <= KEEP_WHOLE:
        return list(range(body_rows))
    return sorted({*range(AT_LEAST), *range(body_rows - AT_LEAST + 1, body_rows)})


def summary(node: b.Table, caption: str | None) -> tuple[str, str]:
    """A table's title (its caption) and description (the caption and the headings of
    its columns), as a reader of its alternative text gets them; without a caption, no
    title and the headings alone."""
    headings = ", ".join(b.plain_text(cell.children) for cell in node.header)
    title = " ".join((caption or "").split())
    description = f"{title}: {headings}" if title else headings
    return _cut(title), _cut(description)


def table_captions(blocks: tuple) -> dict[int, str]:
    """The caption of every table right after one, by the table's identity, wherever
    the pair sits (in the body, a list item or a box)."""
    found: dict[int, str] = {}
    previous = None
    for block in blocks:
        if isinstance(block, b.Table) and isinstance(previous, b.Caption):
            found[id(block)] = b.plain_text(previous.children)
        for children in _nested(block):
            found.update(table_captions(children))
        previous = block
    return found


def _nested(block) -> list[tuple]:
    if isinstance(block, (b.BulletList, b.OrderedList)):
        return [item.children for item in block.items]
    if isinstance(block, (b.ListItem, b.Callout)):
        return [block.children]
    return []


def _cut(text: str) -> str:
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1].rstrip() + "…"


def _styled_p(p, style_id: str):
    SubElement(SubElement(p, qn("w:pPr")), qn("w:pStyle"), {W_VAL: style_id})
    return p
