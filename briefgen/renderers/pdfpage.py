"""The page of a PDF brief: its template, header and footer, and "Page N of M".

The page total is not known while pages are drawn, so each footer refers to a
form XObject filled in when the document is saved: one pass, and bookmarks keep
pointing at their own pages.  Headings carry ``bookmark`` (level, title), which
the template turns into the PDF's outline.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import time
from functools import lru_cache

from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from .. import blocks as b
from .. import fonts
from . import furniture
from .page import margins, page_size
from .pdfstyle import colour

class BriefTemplate(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, meta: b.DocumentMeta, theme):
        top, right, bottom, left = margins(theme)
        super().__init__(buffer, pagesize=page_size(theme), topMargin=top, rightMargin=right,
                         bottomMargin=bottom, leftMargin=left, title=meta.title,
                         author="; ".join(meta.authors), subject=meta.subject,
                         keywords=list(meta.keywords), creator="briefgen", producer="briefgen",
                         lang=meta.language, invariant=1,
                         initialFontName=fonts.face_name(theme.heading_font))
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


def page_furniture(meta: b.DocumentMeta, theme):
    """A canvas class that draws header and footer on every page.

    The page total is not known while pages are drawn, so each footer refers
    to a form XObject that ``save`` fills in at the end: one pass, and
    bookmarks keep pointing at their own pages.
    """
    texts = furniture(meta, theme)

    class BriefCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = _edition_stamp(meta)   # dates from the data, not the clock

        def showPage(self) -> None:
            _draw_furniture(self, texts, theme, self.getPageNumber())
            super().showPage()

        def save(self) -> None:
            self.beginForm("pagetotal")
            self.setFillColor(colour(theme.muted_colour))
            _draw_runs(self, str(self.getPageNumber() - 1), 0, 0, theme, FOOTER_SIZE)
            self.endForm()
            super().save()

    return BriefCanvas


FOOTER_SIZE = 7.5


def _edition_stamp(meta: b.DocumentMeta) -> TimeStamp:
    """A ReportLab time stamp at midnight UTC of the edition date: same data, same bytes."""
    day = meta.edition or dt.date(2000, 1, 1)
    seconds = calendar.timegm(day.timetuple())
    stamp = TimeStamp(invariant=1)
    stamp.t, stamp.lt = seconds, time.gmtime(seconds)
    stamp.YMDhms = tuple(stamp.lt)[:6]
    return stamp


def _draw_furniture(canvas: Canvas, texts: dict, theme, page: int) -> None:
    width, height = page_size(theme)
    top, right, bottom, left = margins(theme)
    header_y, footer_y = height - top / 2, bottom / 2 - 3
    canvas.saveState()
    canvas.setFillColor(colour(theme.accent_colour))
    third = (width - left - right) / 3 - 8          # the marking keeps to the middle third
    centre = max(_draw_runs(canvas, _fits(texts["header_centre"], third, theme.heading_font, 8),
                            width / 2, header_y, theme, 8, "centre", bold=True),
                 _draw_runs(canvas, _fits(texts["footer_centre"], third, theme.heading_font, 8),
                            width / 2, footer_y, theme, 8, "centre", bold=True))
    room = width / 2 - centre / 2 - left - 12
    canvas.setFillColor(colour(theme.muted_colour))
    if page > 1:
        _draw_runs(canvas, _fits(texts["header_left"], room, theme.heading_font), left,
                   header_y, theme, FOOTER_SIZE)
    _draw_runs(canvas, _fits(texts["footer_left"], room, theme.heading_font), left, footer_y,
               theme, FOOTER_SIZE)
    _draw_page_number(canvas, theme, page, width - right, footer_y)
    canvas.setStrokeColor(colour(theme.rule_colour))
    canvas.setLineWidth(0.5)
    canvas.line(left, height - top + 3 * mm, width - right, height - top + 3 * mm)
    canvas.restoreState()


def _draw_page_number(canvas: Canvas, theme, page: int, right: float, y: float) -> None:
    """"Page N of M": M is the form filled in when the document is saved."""
    before, has_total, _ = theme.labels["page"].partition("{pages}")
    label = before.format(page=page)
    regular = fonts.face_name(theme.heading_font)
    x = right - stringWidth(before.format(page=999) + "999", regular, FOOTER_SIZE)
    x += _draw_runs(canvas, label, x, y, theme, FOOTER_SIZE)
    if has_total:
        canvas.saveState()
        canvas.translate(x, y)
        canvas.doForm("pagetotal")
        canvas.restoreState()


def _draw_runs(canvas: Canvas, text: str, x: float, y: float, theme, size: float,
               align: str = "left", bold: bool = False) -> float:
    """Draw ``text`` in the heading family, falling back by script; return its width."""
    family = theme.heading_font
    runs = [(fonts.face_name(other or family, bold=bold), run)
            for other, run in fonts.runs(text, family, theme.families, bold)]
    total = sum(stringWidth(run, name, size) for name, run in runs)
    x -= total / 2 if align == "centre" else 0
    for name, run in runs:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += stringWidth(run, name, size)
    return total


@lru_cache(maxsize=256)
def _fits(text: str, width: float, family: str, size: float = FOOTER_SIZE) -> str:
    """``text``, shortened with an ellipsis to fit ``width`` points (CJK counted wide)."""
    font = fonts.face_name(family)
    widths = [size if fonts.is_east_asian(c) else stringWidth(c, font, size) for c in text]
    if sum(widths) <= width:
        return text
    room, used = width - stringWidth("…", font, size), 0.0
    for index, char_width in enumerate(widths):
        used += char_width
        if used > room:
            return text[:index].rstrip() + "…"
    return text
