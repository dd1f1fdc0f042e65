"""Runs of text in a DOCX brief, and what the inlines around them make of them.

An inline node (strong, emphasis, a link, a span in another language) does not draw
anything itself: it marks the text under it, and each run of that text gets the
character style and the language its marks add up to.  Text is element text, so lxml
escapes it: nothing is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from docx.oxml.ns import qn
from lxml.etree import SubElement

from ...project import fonts
from .language import set_run_language
from .styles import CJK_FAMILY

W_R, W_RPR, W_RSTYLE, W_RFONTS, W_T, W_TAB, W_VAL, W_EAST_ASIA, W_HINT = map(qn, (
    "w:r", "w:rPr", "w:rStyle", "w:rFonts", "w:t", "w:tab", "w:val", "w:eastAsia",
    "w:hint"))
XML_SPACE = qn("xml:space")
EMPHASIS_STYLES = {frozenset({"strong"}): "Strong", frozenset({"emph"}): "Emphasis",
                   frozenset({"strong", "emph"}): "Strong Emphasis"}


@dataclass(frozen=True)
class Marks:
    """What the inlines around a run make of it."""

    emphasis: frozenset = frozenset()   # "strong", "emph"
    link: bool = False
    language: str | None = None         # a span's language tag, if not the document's

    def emphasised(self, kind: str) -> "Marks":
        return replace(self, emphasis=self.emphasis | {kind})

    def linked(self) -> "Marks":
        return replace(self, link=True)

    def in_language(self, tag: str) -> "Marks":
        return replace(self, language=tag)

    def only_language(self) -> "Marks":
        """These marks without their emphasis or link: a status keeps its own style."""
        return Marks(language=self.language)

    def character_style(self) -> str | None:
        """The style name of a run so marked: a link's, or the emphasis'."""
        return "Hyperlink" if self.link else EMPHASIS_STYLES.get(self.emphasis)


UNMARKED = Marks()


def add_runs(parent, text: str, style_id: str | None, language: str | None) -> None:
    """``text`` as runs of ``parent`` in the character style ``style_id``; East Asian
    runs also name the CJK face, and a span's runs carry its language."""
    for east_asian, chunk in fonts.script_runs(text):
        r = SubElement(parent, W_R)
        if style_id or east_asian or language:
            properties = SubElement(r, W_RPR)   # w:rStyle, w:rFonts, then w:lang
            if style_id:
                SubElement(properties, W_RSTYLE, {W_VAL: style_id})
            if east_asian:
                SubElement(properties, W_RFONTS, {W_EAST_ASIA: CJK_FAMILY,
                                                  W_HINT: "eastAsia"})
            if language:
                set_run_language(properties, language)
        for index, piece in enumerate(chunk.split("\t")):
            if index:
                SubElement(r, W_TAB)
            if piece:
                add_t(r, piece)


def add_t(r, text: str) -> None:
    t = SubElement(r, W_T)
    t.text = text
    if text != text.strip():
        t.set(XML_SPACE, "preserve")
