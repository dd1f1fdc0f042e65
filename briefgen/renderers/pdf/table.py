"""Tables in a PDF brief: how a table fits across the page, and what names a cell or a
box too tall for one.

A table is set at the theme's text size and padding when its columns have room for
that; a wider one is set in smaller text with less padding, step by step, and one
too wide even for the last step is refused with a message saying how many columns
fit.  ReportLab is never given a column narrower than its padding (it fails on a
negative width).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.platypus import LayoutError, Paragraph

from ...compose import blocks as b
from ..columns import (
    CELL_PADDING,
    CHAR_WIDTH,
    SLACK,
    EstimatedMeasure,
    column_needs,
    shares_of,
)

# (share of the theme's table text size, padding left and right, padding above and below)
STEPS = ((1.0, 5.0, 4.0), (0.85, 3.0, 2.0), (0.7, 2.0, 1.5), (0.6, 1.5, 1.0))
SMALLEST_TEXT = 4.0     # points: no step sets a table smaller (unless the theme's is)


@dataclass(frozen=True)
class TableFit:
    """How one table is set: its text size, the padding of its cells, its column widths."""

    size: float
    across: float       # points left and right of a cell's text
    down: float         # points above and below it
    widths: tuple       # of each column, in points, padding included


def fit_table(table: b.Table, width: float, size: float, measure=None) -> TableFit | None:
    """The first step at which every column of ``table`` holds its longest word, within
    ``width`` points; failing that, the first at which each has room for one character
    besides its padding; None if even the last has not.  Columns share the width by
    their text as ``measure`` measures it (``columns``), measured once a step."""
    fits = []
    for scale, across, down in STEPS:
        text = max(size * scale, min(size, SMALLEST_TEXT))
        needs = column_needs(table, text, measure or EstimatedMeasure(), width)
        widths = _at_least([share * width for share in shares_of(needs, table, width)],
                           _narrowest(text, across), width)
        if widths is None:
            continue
        fit = TableFit(text, across, down, tuple(widths))
        if _words_fit(fit, needs):
            return fit
        fits.append(fit)
    return fits[0] if fits else None


def _words_fit(fit: TableFit, needs: list) -> bool:
    """Whether every column set as ``fit`` holds its longest word whole: a table whose
    words would break is set smaller, step by step, while a step lets them fit (a word
    longer than the cap on one word's share may still break)."""
    return all(room - 2 * fit.across + 0.01 >= need.minimum - CELL_PADDING - SLACK
               for room, need in zip(fit.widths, needs))


def columns_that_fit(width: float, size: float) -> int:
    """How many columns fit across ``width`` points at the last step."""
    scale, across, _ = STEPS[-1]
    return int(width // _narrowest(max(size * scale, min(size, SMALLEST_TEXT)), across))


def _narrowest(size: float, across: float) -> float:
    return CHAR_WIDTH * size + 2 * across


def _at_least(widths: list[float], floor: float, total: float) -> list[float] | None:
    """``widths`` unchanged if none is under ``floor``; else those under it raised to it
    and the others scaled down to keep ``total``; None if ``floor`` each is too much."""
    if floor * len(widths) > total:
        return None
    raised: set[int] = set()
    while any(w < floor for i, w in enumerate(widths) if i not in raised):
        raised |= {i for i, w in enumerate(widths) if w < floor}
        rest = [i for i in range(len(widths)) if i not in raised]
        room, held = total - floor * len(raised), sum(widths[i] for i in rest)
        if not rest or held <= 0:
            return [total / len(widths)] * len(widths)
        widths = [floor if i in raised else widths[i] * room / held for i in range(len(widths))]
    return widths


# ---------------------------------------------------------- too tall to fit

@dataclass(frozen=True)
class Grid:
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
        opening = opening_words(_plain_text(self.rows[row][column]))
        if not self.table:
            return (f"a paragraph is taller than a page and cannot be split: {opening}; "
                    "shorten it or split it into several paragraphs")
        return (f"a table cell is taller than a page and cannot be split: {self.table}, "
                f"{_row_name(row)}, column {column + 1} ({opening}); shorten it or split it "
                "into several rows or paragraphs")


def too_tall_cell(grids: list[Grid], page: float) -> str | None:
    """The message for the first cell no page can hold (where ReportLab stopped), if any."""
    for grid in grids:
        cell = grid.too_tall(page)
        if cell is not None:
            return grid.message(*cell)
    return None


def too_tall(error: LayoutError) -> str:
    """ReportLab's LayoutError, as one line a reader can act on, when no cell is found."""
    text = str(error)
    what = "a table cell" if "Table" in text else "a paragraph or box"
    return (f"{what} is taller than a page and cannot be split; shorten it or split it into "
            "several rows or paragraphs")


def opening_words(text: str, length: int = 40) -> str:
    """The first ``length`` characters of ``text`` in quotes, with an ellipsis if cut."""
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= length else f'"{text[:length].rstrip()}…"'


def _row_name(index: int) -> str:
    return "header" if index == 0 else f"row {index}"


def _plain_text(flowables) -> str:
    return " ".join(f.getPlainText() for f in flowables if isinstance(f, Paragraph))
