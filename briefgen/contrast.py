"""Colour contrast as WCAG 2.1 defines it: relative luminance and the contrast ratio.

A theme's text colours and a brief's status colours are checked with these before
anything renders, so a brief is never printed in a colour its readers cannot read.
The formulas are the ones of WCAG 2.1 (success criterion 1.4.3 and its definitions of
"relative luminance" and "contrast ratio"), sRGB channels linearised with the 0.04045
threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NORMAL_TEXT_RATIO = 4.5    # WCAG 2.1 AA, 1.4.3: text
LARGE_TEXT_RATIO = 3.0     # WCAG 2.1 AA, 1.4.3: large text
LARGE_SIZE = 18.0          # points: text at least this size is large
LARGE_BOLD_SIZE = 14.0     # points: bold text at least this size is large
_HEX = re.compile(r"^#?([0-9A-Fa-f]{6})$")


def channels(hex_colour: str) -> tuple[int, int, int]:
    """``#RRGGBB`` (with or without the ``#``) as its red, green and blue, 0 to 255."""
    match = _HEX.fullmatch(hex_colour)
    if match is None:
        raise ValueError(f"found {hex_colour!r}, expected a colour written #RRGGBB")
    digits = match.group(1)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def linear(channel: int) -> float:
    """One sRGB channel (0 to 255) as linear light (0 to 1)."""
    value = channel / 255
    if value <= 0.04045:
        return value / 12.92
    return ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    """The relative luminance of a colour: 0 for black, 1 for white."""
    red, green, blue = (linear(c) for c in channels(hex_colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The contrast ratio of two colours, from 1 (the same) to 21 (black on white); the
    order does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def is_large_text(size: float, bold: bool) -> bool:
    """Whether text of ``size`` points is large text as WCAG 2.1 counts it."""
    return size >= LARGE_SIZE or (bold and size >= LARGE_BOLD_SIZE)


def required_ratio(size: float, bold: bool) -> float:
    """The least contrast (level AA) text of ``size`` points needs."""
    return LARGE_TEXT_RATIO if is_large_text(size, bold) else NORMAL_TEXT_RATIO


def shown(ratio: float, needed: float) -> str:
    """A ratio as a message prints it, to two decimals: rounded, except where rounding
    would reach the ``needed`` ratio it misses (4.497 shows as "4.49", not "4.50")."""
    text = f"{ratio:.2f}"
    if ratio < needed <= float(text):
        text = f"{int(ratio * 100) / 100:.2f}"
    return f"{text}:1"


@dataclass(frozen=True)
class Shortfall:
    """Text in one colour on one background that misses the contrast it needs."""

    text: str            # #RRGGBB
    background: str      # #RRGGBB
    ratio: float
    needed: float

    def describe(self, text: str, background: str, also: tuple = ()) -> str:
        """The shortfall in words, the text and its background named by the caller
        ("#6A8FBF", "the page #FFFFFF"); ``also``: (shortfall, background) pairs of the
        same text on other backgrounds, each named with its ratio."""
        kind = "large text" if self.needed == LARGE_TEXT_RATIO else "text"
        others = "; ".join(f"{shown(other.ratio, other.needed)} on {where}"
                           for other, where in also)
        return (f"{text} on {background} has a contrast of {shown(self.ratio, self.needed)}"
                + (f" (and {others})" if others else "")
                + f", expected at least {self.needed:g}:1 (WCAG 2.1 AA for {kind})")


def shortfall(text: str, background: str, needed: float) -> Shortfall | None:
    """The shortfall of ``text`` on ``background`` against the ``needed`` ratio, if any."""
    ratio = contrast_ratio(text, background)
    return Shortfall(text.upper(), background.upper(), ratio, needed) if ratio < needed else None
