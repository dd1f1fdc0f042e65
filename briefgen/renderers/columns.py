"""Column widths shared by the formats that lay tables out on a page.

Each column has a minimum width (its longest unbreakable word) and a preferred width
(its longest line of text), both measured with the table's face and its padding
added; the width of the table is shared out as browsers share it in their automatic
table layout:

- when every column's preferred width fits, each gets it, all scaled up alike to
  fill the table;
- else each column gets its minimum, and what is left is shared in proportion to
  how much more than its minimum each one would like;
- a column whose width the analyst set (``Table.widths``, a percentage of the
  table) gets that, or its minimum if that is more, and the automatic columns share
  the rest, unless that leaves another column less than its word: then every column
  gets its minimum first.

The header row, and a cell with bold text in it, is measured in bold; a word longer
than half the table (a web address) asks for half at most.  Text is measured with the real glyph widths of the theme's table face
(``GlyphMeasure``); where that face cannot be read, by a generous per-character
estimate (``EstimatedMeasure``), which is also what a caller that names no measure
gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..compose.blocks import Status, Strong, Table, plain_text
from ..errors import BriefgenError
from ..project import fonts
from ..project.theme import Theme

CELL_PADDING = 10.0      # points of padding left and right in a cell, together
SLACK = 1.0              # points more than the text measures: no rounding wraps a word
CHAR_WIDTH = 0.62        # a generous average glyph width, in ems
CAPITAL_WIDTH = 0.78     # ... of a capital letter
WIDE_CHAR_WIDTH = 1.0    # an East Asian glyph is a full em wide
BOLD_WIDTH = 1.15        # how much wider a bold face sets the same text
LONGEST_WORD_SHARE = 0.5  # no word claims more of a table's width than this


class TextMeasure(Protocol):
    def width(self, text: str, size: float, bold: bool = False) -> float:
        """The width of ``text`` on one line, in points, set at ``size``."""


class EstimatedMeasure:
    """Widths from average glyph widths (a capital's, a small letter's, an East Asian
    one's): no font needed, and for the words of briefs set in the built-in faces no
    narrower than they are, bar runs of the widest capitals (M, W)."""

    def width(self, text: str, size: float, bold: bool = False) -> float:
        ems = sum(map(_ems, text))
        return ems * size * (BOLD_WIDTH if bold else 1.0)


def _ems(char: str) -> float:
    if fonts.is_east_asian(char):
        return WIDE_CHAR_WIDTH
    return CAPITAL_WIDTH if char.isupper() else CHAR_WIDTH


class GlyphMeasure:
    """Widths from the glyphs of one family of a theme's font book, as ReportLab sets
    them: text the family lacks is measured in the face that draws it (the CJK face for
    Chinese), as the PDF sets it.  A family whose font file cannot be read is measured by
    the estimate instead, so a table is laid out whatever the machine has."""

    def __init__(self, book: fonts.FontBook, family: str):
        self.book, self.family = book, family
        self.fallback = EstimatedMeasure()
        self.usable = True
        self.known: dict[tuple[str, bool], float] = {}   # widths at 1 point: words repeat

    def width(self, text: str, size: float, bold: bool = False) -> float:
        if (text, bold) in self.known:
            return self.known[text, bold] * size
        if self.usable:
            try:
                self.known[text, bold] = self._measured(text, 1.0, bold)
                return self.known[text, bold] * size
            except BriefgenError:   # a character no face has, or no face at all
                self.usable = self._readable()
        return self.fallback.width(text, size, bold)

    def _readable(self) -> bool:
        try:
            self.book.face(self.family)
            self.book.face(self.family, bold=True)
        except BriefgenError:
            return False
        return True

    def _measured(self, text: str, size: float, bold: bool) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        total = 0.0
        for family, run in self.book.runs(text, self.family, bold=bold):
            face = self.book.face(family or self.family, bold=bold)
            total += stringWidth(run, face, size)
        return total


def table_measure(theme: Theme) -> GlyphMeasure:
    """The measure of a theme's table text: its table family, glyph by glyph."""
    return GlyphMeasure(theme.families, theme.table_font)


@dataclass(frozen=True)
class ColumnNeeds:
    """What one column asks for, in points, padding included."""

    minimum: float     # its longest unbreakable word
    preferred: float   # its longest line of text


def column_shares(table: Table, width: float, size: float,
                  measure: TextMeasure | None = None) -> list[float]:
    """Each column's share of ``width`` points (the shares sum to 1), its text set at
    ``size`` and measured by ``measure`` (by default, an estimate)."""
    return shares_of(column_needs(table, size, measure or EstimatedMeasure(), width),
                     table, width)


def shares_of(needs: list[ColumnNeeds], table: Table, width: float) -> list[float]:
    """The shares of ``width`` that columns needing ``needs`` get (the shares sum to 1)."""
    widths = shared_widths(needs, width, set_widths(table))
    total = sum(widths) or 1.0
    return [w / total for w in widths]


def set_widths(table: Table) -> tuple:
    """The analyst's width of each column, a percentage or None (automatic)."""
    widths = tuple(getattr(table, "widths", ()) or ())
    return widths if len(widths) == table.columns else (None,) * table.columns


def column_needs(table: Table, size: float, measure: TextMeasure,
                 width: float) -> list[ColumnNeeds]:
    """The minimum and preferred width of every column.  The header row is bold, and so
    is a cell with bold text in it (a status, a strong word), measured so throughout."""
    cap = width * LONGEST_WORD_SHARE
    needs = []
    for index in range(table.columns):
        cells = [(plain_text(table.header[index].children), True)]
        cells += [(plain_text(row[index].children), _bold(row[index].children))
                  for row in table.rows]
        longest_word = max(measure.width(word, size, bold)
                           for text, bold in cells for word in unbreakable(text))
        longest_line = max(measure.width(line, size, bold)
                           for text, bold in cells for line in text.split("\n"))
        minimum = min(longest_word, cap) + CELL_PADDING + SLACK
        needs.append(ColumnNeeds(minimum, max(longest_line + CELL_PADDING + SLACK, minimum)))
    return needs


def _bold(inlines: tuple) -> bool:
    return any(isinstance(node, (Strong, Status)) or _bold(getattr(node, "children", ()))
               for node in inlines)


def unbreakable(text: str) -> list[str]:
    """The pieces of ``text`` no line may break inside: its words, and each East Asian
    character on its own (a line may break between any two of them)."""
    pieces, word = [], ""
    for char in text:
        if char.isspace() or fonts.is_east_asian(char):
            pieces += [word] if word else []
            pieces += [] if char.isspace() else [char]
            word = ""
        else:
            word += char
    return pieces + [word] if word or not pieces else pieces


def shared_widths(needs: list[ColumnNeeds], width: float, percentages: tuple) -> list[float]:
    """The width of every column: the set ones first, the automatic ones in what is left.
    Set widths that leave another column less than its minimum give way: every column
    gets its minimum, and what is left goes to the set columns."""
    fixed = {i: max(p / 100 * width, needs[i].minimum)
             for i, p in enumerate(percentages) if p is not None}
    automatic = [i for i in range(len(needs)) if i not in fixed]
    if not fixed:
        return automatic_layout(needs, width)
    if not automatic:
        return [fixed[i] for i in range(len(needs))]
    room = width - sum(fixed.values())
    if room < sum(needs[i].minimum for i in automatic):
        return automatic_layout([ColumnNeeds(n.minimum, fixed.get(i, n.minimum))
                                 for i, n in enumerate(needs)], width)
    shared = dict(zip(automatic, automatic_layout([needs[i] for i in automatic], room)))
    return [fixed[i] if i in fixed else shared[i] for i in range(len(needs))]


def automatic_layout(needs: list[ColumnNeeds], width: float) -> list[float]:
    """Columns across ``width`` points, as browsers' automatic table layout shares them,
    but for one thing a typesetter does: a narrow column (one whose longest line takes
    no more than an even share of the width) is given that line whole before the wide
    columns share the rest, so "Region 10" is not broken to give a long description a
    few points more."""
    preferred = sum(n.preferred for n in needs)
    if preferred <= width:
        return [n.preferred * width / preferred for n in needs]
    minimum = sum(n.minimum for n in needs)
    if minimum >= width:       # even the words do not fit: each in proportion to its own
        return [n.minimum * width / minimum for n in needs]
    narrow = [n.preferred <= width / len(needs) for n in needs]
    settled = [n.preferred if short else n.minimum for n, short in zip(needs, narrow)]
    if sum(settled) >= width:  # the narrow columns' lines do not leave the others theirs
        settled, narrow = [n.minimum for n in needs], [False] * len(needs)
    spare = width - sum(settled)
    wanted = sum(n.preferred - n.minimum for n, short in zip(needs, narrow) if not short)
    return [base if short or wanted <= 0 else base + spare * (n.preferred - n.minimum) / wanted
            for n, base, short in zip(needs, settled, narrow)]