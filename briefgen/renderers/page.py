"""Page geometry from the theme, in points, and where a table may break, shared by every
renderer that lays out pages."""

from __future__ import annotations

from ..project.theme import Theme

MM = 72 / 25.4
# Where a table may break across pages: never inside a row, never with fewer than
# AT_LEAST body rows on either side, and never at all in a table of KEEP_WHOLE rows or
# fewer (it moves to the next page whole).
KEEP_WHOLE = 4
AT_LEAST = 2
PAGE_SIZES = {"A4": (595.2755905511812, 841.8897637795277), "Letter": (612.0, 792.0)}


def page_size(theme: Theme) -> tuple[float, float]:
    return PAGE_SIZES[theme.page_size]


def margins(theme: Theme) -> tuple[float, float, float, float]:
    """Top, right, bottom and left margins in points."""
    return tuple(value * MM for value in theme.margins_mm)


def frame_width(theme: Theme) -> float:
    _, right, _, left = margins(theme)
    return page_size(theme)[0] - left - right
