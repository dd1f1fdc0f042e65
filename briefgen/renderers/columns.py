"""Column widths shared by the formats that lay tables out on a page."""

from __future__ import annotations

from ..compose.blocks import Table, plain_text

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
