"""The flowables of a PDF brief that know their place in the structure tree (a
paragraph, a heading, a figure), and the conditions a brief is laid out under: a quick
Flate, and the cyclic collector held off."""

from __future__ import annotations

import gc
import zlib
from contextlib import contextmanager

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import PDFArray, PDFName
from reportlab.platypus import Image, Paragraph

from .tagging import Element, spaced_breaks


class QuickFlate(pdfdoc.PDFStreamFilterZCompress):
    """Flate at zlib's fastest level: embedded font subsets are most of a brief's bytes,
    and compressing them at the default level costs a fifth of the render for 4% less."""

    def encode(self, text):
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)


@contextmanager
def quick_flate():
    """ReportLab's one Flate filter (looked up in ``pdfdoc`` as each stream is written)
    swapped for ours while a brief is built, then put back for other users of ReportLab."""
    previous, pdfdoc.PDFZCompress = pdfdoc.PDFZCompress, QUICK_FLATE
    try:
        yield
    finally:
        pdfdoc.PDFZCompress = previous


QUICK_FLATE = QuickFlate()


@contextmanager
def no_collection():
    """The cyclic garbage collector held off while a brief is laid out: the layout makes
    millions of short-lived objects freed by reference counting alone, and each full
    collection walks every live one, so a long table's cost per row grew with its length
    (0.38 ms a row at 500 rows, 0.46 at 5,000).  Put back as it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Para(Paragraph):
    """A Paragraph that lays its lines out once per width, and draws as its structure
    element (``tag``; its bullet, if any, as ``label``).

    Platypus asks a paragraph to wrap several times at the same width (keep-with-next
    groups, table row heights, then drawing); line breaking is the single largest cost
    of a brief, and its result depends on the width alone.
    """

    _wrapped_width: float | None = None
    tag: Element | None = None       # what its text is in the structure tree
    label: Element | None = None     # its bullet or number, drawn before its text
    spaced: list | None = None       # a part of a split paragraph: its line ends' spaces

    def __init__(self, text, style, *args, frags=None, **kwargs):
        super().__init__(text, style, *args, frags=frags, **kwargs)
        # its text as written, for the spaces at its line ends: ReportLab replaces the
        # fragments with its own word lists when it breaks the lines
        self.source = "".join("\n" if getattr(f, "lineBreak", False) else getattr(f, "text", "")
                              for f in frags) if frags else ""

    def wrap(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        if availWidth != self._wrapped_width or "blPara" not in self.__dict__:
            super().wrap(availWidth, availHeight)
            self._wrapped_width = availWidth
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        breaks = spaced_breaks(self)       # the whole paragraph's, laid out at this width
        parts = super().split(availWidth, availHeight)
        for index, part in enumerate(parts):
            part.tag, part.label = self.tag, self.label if index == 0 else None
        if len(parts) == 2:
            # each part's line ends as the whole paragraph's: the first part's last is
            # where it was split
            first = len(getattr(parts[0].blPara, "lines", ())) if "blPara" in \
                parts[0].__dict__ else len(parts[0].breakLines([availWidth]).lines)
            parts[0].spaced, parts[1].spaced = breaks[:first], breaks[first:]
        return parts

    def elements(self) -> list[Element]:
        return [element for element in (self.label, self.tag) if element is not None]

    def draw(self) -> None:
        with self.canv.tagger.drawing(self):
            super().draw()


class HeadingPara(Para):
    """A heading paragraph that the document template turns into a bookmark."""

    bookmark: tuple[int, str] | None = None   # (level, title); a split's later parts: None

    def split(self, availWidth, availHeight):  # noqa: N803 - ReportLab's signature
        parts = super().split(availWidth, availHeight)
        if parts:
            parts[0].bookmark = self.bookmark
        return parts


class Figure(Image):
    """An image drawn as a Figure element, with its place on the page as its BBox."""

    tag: Element

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 - ReportLab's signature
        x += self._hAlignAdjust(x, _sW)
        self.tag.attributes = {"O": PDFName("Layout"), "BBox": PDFArray(
            [round(v, 2) for v in (x, y, x + self.drawWidth, y + self.drawHeight)])}
        canvas.tagger.figure(canvas._code, self.tag,
                             lambda: Image.drawOn(self, canvas, x, y, 0))
