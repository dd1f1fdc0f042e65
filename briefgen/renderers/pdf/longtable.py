"""A table as it flows over pages: with its caption, split between rows only, its
header row repeated, and at linear cost however long it is.

ReportLab's own Table measures every remaining row again each time it is split, so
a table of n rows over p pages cost n x p.  Here every row is measured once (its
cells' paragraphs keep their line breaks per width), the height of any run of rows
is a difference of two running sums, and only the rows that go on a page are made
into a ReportLab Table, when they are placed.

Where a table may break: never inside a row; never before its header and two rows
fit (the caption goes with them); never leaving one row alone on the next page;
never, if it has no more than ``KEEP_WHOLE`` rows and fits on a page (it moves to
the next page whole).  A table that cannot start even on an empty page says which
cell is too tall (``table.Grid``).
"""

from __future__ import annotations

from itertools import accumulate

from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table, TableStyle

from ..page import AT_LEAST, KEEP_WHOLE


class TableLook:
    """How a table's rows are drawn: ``commands`` for every row, and stripes on every
    other body row counted from the table's first, whichever page a part is on."""

    def __init__(self, commands: list, stripe, across: float):
        self.base, self.stripe, self.across = commands, stripe, across

    def commands(self, first: int, rows: int) -> TableStyle:
        commands = list(self.base)
        if self.stripe is not None and rows > 0:
            colours = [None, self.stripe] if first % 2 == 0 else [self.stripe, None]
            commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), colours))
        return TableStyle(commands)


class RoomFor(CondPageBreak):
    """A page break unless the page has room for a heading and the start of what
    follows it (two lines of a paragraph, a table's caption, header and first rows):
    a heading never ends a page alone."""

    def __init__(self, heading: Flowable):
        super().__init__(0)
        self.headings, self.after = [heading], None

    def follow(self, story: list) -> None:
        """What comes after the heading: headings straight after it go with it, and the
        first other block's start must fit too."""
        index = 0
        while index + 1 < len(story) and isinstance(story[index], RoomFor):
            self.headings.append(story[index + 1])
            index += 2
        self.after = story[index] if index < len(story) else None

    def wrap(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        self.height = start_height(self.after, availWidth) + sum(
            heading.getSpaceBefore() + heading.wrap(availWidth, availHeight)[1]
            + heading.getSpaceAfter() for heading in self.headings)
        return super().wrap(availWidth, availHeight)


def start_height(flowable: Flowable | None, width: float) -> float:
    """The least of ``flowable`` a page must hold for it to start there."""
    if flowable is None:
        return 0.0
    if isinstance(flowable, BriefTable):
        return flowable.getSpaceBefore() + flowable.start_height(width)
    height = flowable.wrap(width, 1e9)[1]
    if isinstance(flowable, Paragraph):
        lines = len(getattr(flowable.blPara, "lines", ())) or 1
        height = min(lines, 2) * height / lines
    elif isinstance(flowable, Table) and getattr(flowable, "_rowHeights", None):
        height = flowable._rowHeights[0]     # a box splits between its rows
    return flowable.getSpaceBefore() + height


class BriefTable(Flowable):
    """``header`` (a row of cells) and ``rows`` from ``start`` on, with ``caption``
    (a paragraph, or None) above them; cells are lists of one paragraph."""

    def __init__(self, header: list, rows: list, widths: list, style, *, caption=None,
                 padding: float, page_height: float, start: int = 0, heights=None):
        super().__init__()
        self.header, self.rows, self.widths = header, rows, widths
        self.style, self.caption, self.padding = style, caption, padding
        self.page_height, self.start = page_height, start
        self.heights = heights        # (header height, running sums of row heights)
        self.hAlign = "LEFT"

    # ------------------------------------------------------------ measuring

    def measure(self) -> tuple[float, list[float]]:
        """The header's height and the running sums of the rows' heights, once."""
        if self.heights is None:
            header = self.row_height(self.header)
            self.heights = (header, [0.0, *accumulate(self.row_height(r) for r in self.rows)])
        return self.heights

    def row_height(self, row: list) -> float:
        return self.padding + max(cell.wrap(width, 1e9)[1]
                                  for cell, width in zip(row, self.text_widths()))

    def text_widths(self) -> list[float]:
        return [width - self.style.across * 2 for width in self.widths]

    def caption_height(self, width: float) -> float:
        if self.caption is None:
            return 0.0
        return self.caption.wrap(width, 1e9)[1] + self.caption.getSpaceAfter()

    def rows_height(self, first: int, end: int) -> float:
        sums = self.measure()[1]
        return sums[end] - sums[first]

    def wrap(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        header, _ = self.measure()
        self.width = sum(self.widths)
        self.height = (self.caption_height(availWidth) + header
                       + self.rows_height(self.start, len(self.rows)))
        return self.width, self.height

    def getSpaceBefore(self) -> float:  # noqa: N802 - ReportLab's name
        return self.caption.getSpaceBefore() if self.caption is not None else 0.0

    def start_height(self, width: float) -> float:
        """The least of this table that must go on a page with what comes before it (of
        a caption too tall to go with the rows, its first lines)."""
        if self.caption_alone(width):
            return start_height(self.caption, width)
        left = len(self.rows) - self.start
        rows = left if left <= KEEP_WHOLE else AT_LEAST
        return (self.caption_height(width) + self.measure()[0]
                + self.rows_height(self.start, self.start + rows))

    # ------------------------------------------------------------- breaking

    def split(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        count = self.rows_that_fit(availWidth, availHeight)
        fresh = availHeight >= self.page_height - 1.0
        if count == 0 and self.caption is not None and (fresh or self.caption_alone(availWidth)):
            return self.caption_first(availWidth, availHeight)
        if count == 0:
            return []
        end = self.start + count
        parts = [*self.opening(), self.part(self.start, end)]
        if end < len(self.rows):
            rest = self.without_caption()
            rest.start = end
            parts.append(rest)
        return parts

    def rows_that_fit(self, width: float, room: float) -> int:
        """How many rows go on this page: 0 (move on) unless the rules allow a break."""
        left = len(self.rows) - self.start
        fresh = room >= self.page_height - 1.0
        room -= self.caption_height(width) + self.measure()[0]
        sums, base = self.heights[1], self.heights[1][self.start]
        count = 0
        while count < left and sums[self.start + count + 1] - base <= room:
            count += 1
        if count >= left:
            return left
        if fresh:
            return min(count, max(left - AT_LEAST, 1))
        if left <= KEEP_WHOLE or count < AT_LEAST:
            return 0
        return min(count, left - AT_LEAST)

    def caption_alone(self, width: float) -> bool:
        """Whether the caption is too tall to share even an empty page with the header
        and the first row: it then flows on from wherever it starts."""
        if self.caption is None:
            return False
        return (self.caption_height(width) + self.measure()[0]
                + self.rows_height(self.start, self.start + 1) > self.page_height)

    def caption_first(self, width: float, height: float) -> list:
        """A caption too tall to share an empty page with the header and a row: what of
        it fits here, and the table with the rest of it on the next page."""
        parts = self.caption.split(width, height)
        if len(parts) < 2:
            return []
        rest = self.without_caption()
        rest.caption = parts[1]
        return [parts[0], rest]

    def without_caption(self) -> "BriefTable":
        return BriefTable(self.header, self.rows, self.widths, self.style,
                          padding=self.padding, page_height=self.page_height,
                          start=self.start, heights=self.heights)

    # -------------------------------------------------------------- drawing

    def opening(self) -> list:
        return [] if self.caption is None else [self.caption]

    def part(self, first: int, end: int) -> Table:
        """Rows ``first`` to ``end`` under the header, as a ReportLab Table."""
        header, sums = self.measure()
        heights = [header, *(sums[i + 1] - sums[i] for i in range(first, end))]
        return Table([self.header, *self.rows[first:end]], colWidths=self.widths,
                     rowHeights=heights, hAlign="LEFT",
                     style=self.style.commands(first, end - first))

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 - ReportLab's signature
        """The whole rest of the table fits: the caption, then the rows."""
        top = y + self.height
        if self.caption is not None:
            top -= self.caption.height
            self.caption.drawOn(canvas, x, top)
            top -= self.caption.getSpaceAfter()
        table = self.part(self.start, len(self.rows))
        _, height = table.wrap(self.width, 1e9)
        table.drawOn(canvas, x, top - height)
