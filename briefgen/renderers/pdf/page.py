"""The page of a PDF brief: its template, and its furniture (header, footer, "Page N of M")
drawn from the document's ``PageFurniture``.

The page total is not known while pages are drawn, so each footer refers to a
form XObject filled in when the document is saved: one pass, and bookmarks keep
pointing at their own pages.  Headings carry ``bookmark`` (level, title), which
the template turns into the PDF's outline.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from contextlib import contextmanager
from functools import lru_cache

from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from ...compose import blocks as b
from ...project import fonts
from ..page import margins, page_size
from .styles import colour
from .tagging import ARTIFACT, END, PAGINATION, Inline, SpokenText, Tagger


class BriefTemplate(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, meta: b.DocumentMeta, theme):
        top, right, bottom, left = margins(theme)
        super().__init__(buffer, pagesize=page_size(theme), topMargin=top, rightMargin=right,
                         bottomMargin=bottom, leftMargin=left, title=meta.title,
                         author="; ".join(meta.authors), subject=meta.subject,
                         keywords=list(meta.keywords), creator="briefgen", producer="briefgen",
                         lang=meta.language, invariant=1, displayDocTitle=1,
                         initialFontName=theme.families.face(theme.heading_font))
        frame = Frame(left, bottom, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self._outline_level = -1

    def afterFlowable(self, flowable) -> None:
        mark = getattr(flowable, "bookmark", None)
        if mark is not None:
            heading_level, title = mark
            level = min(heading_level - 1, self._outline_level + 1)
            key = f"h{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(title, key, level=level, closed=False)
            self._outline_level = level


def page_canvas(painter: "FurniturePainter", meta: b.DocumentMeta,
                tagger: Tagger) -> type[Canvas]:
    """A canvas class that has ``painter`` draw the furniture on every page, and the page
    count once it is known, dates the document by its edition, and marks its content
    for ``tagger`` (``tagging``): each page an Artifact but for its tagged text and
    figures, the furniture a pagination Artifact."""

    class BriefCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = EditionStamp(meta.edition)  # dates from the data
            self.total_forms: dict[str, str] = {}   # text after the total: its form
            self.tagger, self.page_objects = tagger, []
            self._code.append(ARTIFACT)

        def showPage(self) -> None:
            self._code.extend((END, PAGINATION))
            painter.draw(self, self.getPageNumber())
            self._code.append(END)
            super().showPage()

        def _startPage(self) -> None:
            super()._startPage()
            self.tagger.new_page()
            self._code.append(ARTIFACT)

        def _setAnnotations(self, page) -> None:
            super()._setAnnotations(page)
            self.page_objects.append(page)

        def beginText(self, x=0, y=0, direction=None):
            text = SpokenText(self, x, y, direction)
            self.tagger.text_begun(text)
            return text

        def drawText(self, text) -> None:
            if not self.tagger.text_ended(text._code):
                super().drawText(text)
                return
            self._code.append(END)
            super().drawText(text)
            self._code.append(ARTIFACT)

        def linkURL(self, url, rect, relative=0, thickness=0, color=None, dashArray=None,
                    kind="URI", **kw) -> None:
            super().linkURL(url, rect, relative, thickness, color, dashArray, kind, **kw)
            if isinstance(url, Inline):
                self.tagger.annotated(url.element, self._annotationrefs[-1].name,
                                      url.description)

        def total_form(self, after: str) -> str:
            """The form holding the page total and the label text after it."""
            if after not in self.total_forms:
                self.total_forms[after] = f"pagetotal{len(self.total_forms) or ''}"
            return self.total_forms[after]

        def save(self) -> None:
            if self._code == [ARTIFACT]:
                self._code = []     # the page begun after the last: nothing on it
            painter.fill_totals(self, str(self.getPageNumber() - 1))
            self.tagger.write(self._doc, self.page_objects, meta)
            super().save()

    return BriefCanvas


FOOTER_SIZE = 7.5
INVARIANT_DAY = dt.date(2000, 1, 1)   # ReportLab's: its document id is seeded with it


class EditionStamp(TimeStamp):
    """ReportLab's time stamp at midnight UTC of a date (the edition's; without one,
    ReportLab's own invariant date), made from the date alone: same data, same bytes.
    No clock, no ``SOURCE_DATE_EPOCH`` and no platform time function is asked, so any
    year a date can hold (1 to 9999) works alike everywhere."""

    def __init__(self, day: dt.date | None = None):
        # TimeStamp.__init__ is not called: it reads the clock or SOURCE_DATE_EPOCH.
        day = day or INVARIANT_DAY
        self.t = (day - dt.date(1970, 1, 1)).days * 86400
        self.YMDhms = (day.year, day.month, day.day, 0, 0, 0)
        self.lt = time.struct_time((*self.YMDhms, day.weekday(), day.timetuple().tm_yday, 0))
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


@contextmanager
def invariant_stamps():
    """ReportLab's documents stamped with the invariant day while a brief is built: its
    own stamp would read ``SOURCE_DATE_EPOCH`` (and fail on one that is not a number),
    and seed the document id with it.  Put back after for other users of ReportLab."""
    previous, pdfdoc.TimeStamp = pdfdoc.TimeStamp, _invariant_stamp
    try:
        yield
    finally:
        pdfdoc.TimeStamp = previous


def _invariant_stamp(invariant=None) -> EditionStamp:
    stamp = EditionStamp()
    stamp.t = 946684800.0       # as ReportLab's, a float: the id is seeded with its text
    return stamp


TOTAL = "\0pages\0"   # where the page total goes in a spelled label; no label holds a NUL


class FurniturePainter:
    """Draws a ``PageFurniture`` on the pages of a PDF.  The page total is not known while
    pages are drawn: the label up to its first ``PageCount`` is drawn on the page, and
    the count with all that follows it is a form filled in when the document is saved.

    ``spell(nodes, page, total)`` is the renderer's text of a line of furniture, with
    ``page`` for each page number and ``total`` for each page count."""

    def __init__(self, node: b.PageFurniture, theme, spell, banner=None):
        self.theme, self.spell, self.banner = theme, spell, banner   # (slot, element)
        self.texts = node.texts()
        label = node.page_label
        counts = [i for i, part in enumerate(label) if isinstance(part, b.PageCount)]
        cut = counts[0] if counts else len(label)
        self.before, self.after, self.has_total = label[:cut], label[cut + 1:], bool(counts)
        self.widest = spell(label, 999, "999")   # where the label starts, on every page

    def draw(self, canvas: Canvas, page: int) -> None:
        _draw_furniture(canvas, self, page)

    def draw_page_number(self, canvas: Canvas, page: int, right: float, y: float) -> None:
        """The label up to the page count; the count, and what follows it, as a form."""
        theme = self.theme
        regular = theme.families.face(theme.heading_font)
        x = right - stringWidth(self.widest, regular, FOOTER_SIZE)
        x += _draw_runs(canvas, self.spell(self.before, page, TOTAL), x, y, theme, FOOTER_SIZE)
        if self.has_total:
            canvas.saveState()
            canvas.translate(x, y)
            canvas.doForm(canvas.total_form(self.spell(self.after, page, TOTAL)))
            canvas.restoreState()

    def fill_totals(self, canvas: Canvas, total: str) -> None:
        """Each form: the page total and the label text after it, the total put in."""
        for after, name in canvas.total_forms.items():
            canvas.beginForm(name)
            canvas.setFillColor(colour(self.theme.muted_colour))
            _draw_runs(canvas, total + after.replace(TOTAL, total), 0, 0, self.theme,
                       FOOTER_SIZE)
            canvas.endForm()


def _draw_furniture(canvas: Canvas, painter: FurniturePainter, page: int) -> None:
    theme, texts = painter.theme, painter.texts
    width, height = page_size(theme)
    top, right, bottom, left = margins(theme)
    header_y, footer_y = height - top / 2, bottom / 2 - 3
    canvas.saveState()
    canvas.setFillColor(colour(theme.marking_colour))
    third = (width - left - right) / 3 - 8          # the marking keeps to the middle third
    widths = {}
    for slot, y in (("header_centre", header_y), ("footer_centre", footer_y)):
        def draw(slot=slot, y=y):
            widths[slot] = _draw_runs(canvas, _fits(texts[slot], third, theme, 8),
                                      width / 2, y, theme, 8, "centre", bold=True)
        if page == 1 and painter.banner is not None and painter.banner[0] == slot:
            canvas.tagger.figure(canvas._code, painter.banner[1], draw, PAGINATION)
        else:
            draw()
    centre = max(widths.values())
    room = width / 2 - centre / 2 - left - 12
    canvas.setFillColor(colour(theme.muted_colour))
    if page > 1:
        _draw_runs(canvas, _fits(texts["header_left"], room, theme), left,
                   header_y, theme, FOOTER_SIZE)
    footer = lambda: _draw_runs(canvas, _fits(texts["footer_left"], room, theme),  # noqa: E731
                                left, footer_y, theme, FOOTER_SIZE)
    if page == 1 and painter.banner is not None and painter.banner[0] == "footer_left":
        canvas.tagger.figure(canvas._code, painter.banner[1], footer, PAGINATION)
    else:
        footer()
    painter.draw_page_number(canvas, page, width - right, footer_y)
    canvas.setStrokeColor(colour(theme.rule_colour))
    canvas.setLineWidth(0.5)
    canvas.line(left, height - top + 3 * mm, width - right, height - top + 3 * mm)
    canvas.restoreState()


def _draw_runs(canvas: Canvas, text: str, x: float, y: float, theme, size: float,
               align: str = "left", bold: bool = False) -> float:
    """Draw ``text`` in the heading family, falling back by script; return its width."""
    family, book = theme.heading_font, theme.families
    runs = [(book.face(other or family, bold=bold), run)
            for other, run in book.runs(text, family, bold)]
    total = sum(stringWidth(run, name, size) for name, run in runs)
    x -= total / 2 if align == "centre" else 0
    for name, run in runs:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += stringWidth(run, name, size)
    return total


def _fits(text: str, width: float, theme, size: float = FOOTER_SIZE) -> str:
    """``text``, shortened with an ellipsis to fit ``width`` points (CJK counted wide)."""
    return _fitted(text, width, theme.families, theme.heading_font, size)


@lru_cache(maxsize=256)
def _fitted(text: str, width: float, book, family: str, size: float) -> str:
    font = book.face(family)
    widths = [size if fonts.is_east_asian(c) else stringWidth(c, font, size) for c in text]
    if sum(widths) <= width:
        return text
    room, used = width - stringWidth("…", font, size), 0.0
    for index, char_width in enumerate(widths):
        used += char_width
        if used > room:
            return text[:index].rstrip() + "…"
    return text
