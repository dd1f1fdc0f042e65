"""The text of a PDF brief as ReportLab fragments: runs of text, each with a face,
size, colour and link, built without ReportLab's Paragraph markup.

Brief text is never parsed: a fragment is cloned from a template fragment made
once per paragraph style and ink, by ReportLab's own parser run on fixed markup
(only a link target, escaped, ever goes into it).  Faces come from the theme's
own font book.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache

from reportlab.platypus.paraparser import ParaParser

from ...project.fonts import FontBook
from .styles import colour


@dataclass(frozen=True)
class Ink:
    """How a run of text is set: its family, weight, slant, colour and link."""

    family: str
    bold: bool = False
    italic: bool = False
    colour: str | None = None     # None: the paragraph style's colour
    href: str | None = None


def ink_of(style, book: FontBook) -> Ink:
    family, bold, italic = book.split(style.fontName)
    return Ink(family, bold, italic)


def fragment(style, ink: Ink, text: str, book: FontBook):
    template = template_of(style, ink, book)
    return template.clone(text=text, link=list(template.link), us_lines=list(template.us_lines))


@lru_cache(maxsize=4096)
def template_of(style, ink: Ink, book: FontBook):
    """An empty fragment in ``style`` set as ``ink`` in a face of ``book``; text is added
    by cloning it.

    The style's defaults come from ReportLab's own parser, run on fixed markup;
    only a link target (escaped) ever goes into that markup.
    """
    markup = "x"
    if ink.href is not None:
        markup = f'<a href="{html.escape(ink.href)}"><u>x</u></a>'   # not xml.sax: 16 ms of imports
    frag = ParaParser().parse(markup, style)[1][0]
    frag = frag.clone(fontName=book.face(ink.family, ink.bold, ink.italic),
                      bold=int(ink.bold), italic=int(ink.italic))
    if ink.colour is not None:
        frag.textColor = colour(ink.colour)
    return frag
