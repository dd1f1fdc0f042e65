"""Heading levels as every format's outline gives them."""

from __future__ import annotations


class HeadingOutline:
    """The levels of a brief's headings, as its navigation pane and a screen reader's
    list of headings show them.  The title block is the document's title (the Title
    style, outside the outline), its sections start at level 1, and no heading is ever
    more than one level under the heading it belongs to: one written deeper is raised,
    and the headings written at one level under the same heading stay siblings."""

    def __init__(self) -> None:
        self.open: list[tuple[int, int]] = []   # (written, placed) of the headings above

    def place(self, written: int) -> int:
        """The level a heading written at ``written`` gets, after the ones placed so far."""
        while self.open and self.open[-1][0] >= written:
            self.open.pop()
        placed = self.open[-1][1] + 1 if self.open else 1
        self.open.append((written, placed))
        return placed
