"""What a DOCX brief gives readers who do not see the page: an outline of headings
without gaps, a described logo, and boxes that stay whole on one page.

Word's Accessibility Checker and screen readers read these from the document alone:
a heading two levels under the one before reads as a missing section, a picture
without a description is announced by its file name, and a box split across a page
reads (and looks) like two.
"""

from __future__ import annotations

from docx.oxml.ns import qn

from .language import document_default
from .styles import insert_ordered

W_P, W_PPR, W_KEEPNEXT = map(qn, ("w:p", "w:pPr", "w:keepNext"))


def describe_picture(run, title: str, description: str) -> None:
    """Give the picture in ``run`` (a ``w:r``) its alternative text: Word's alt-text
    pane, and screen readers, read ``wp:docPr``'s description (and title)."""
    for properties in run.iter(qn("wp:docPr"), qn("pic:cNvPr")):
        properties.set("name", title)
        properties.set("descr", description)
        if properties.tag == qn("wp:docPr"):
            properties.set("title", title)


def logo_text(organisation: str) -> tuple[str, str]:
    """The title and description of a brief's logo."""
    description = f"{organisation} logo" if organisation.strip() else "Logo"
    return "Logo", description


def keep_together(paragraphs: list) -> None:
    """Keep a box's paragraphs on one page: each with the next (their style keeps each
    one's own lines together).  ``w:keepNext`` follows ``w:pStyle`` in ``w:pPr``."""
    for p in paragraphs[:-1]:
        keep_with_next(p)


def keep_with_next(p) -> None:
    """``p`` (a ``w:p`` with a style) kept on the page of the paragraph after it, by its
    own properties: a reference document's styles (Word's Caption has none) may not."""
    ppr = p.find(W_PPR)
    if ppr.find(W_KEEPNEXT) is None:
        ppr.find(qn("w:pStyle")).addnext(ppr.makeelement(W_KEEPNEXT, {}))


def widow_control(document) -> None:
    """No paragraph leaves one line alone at the foot or the head of a page: widow and
    orphan control in the document defaults (a property no style sets is off)."""
    ppr = document_default(document, "p")
    if ppr.find(qn("w:widowControl")) is None:
        insert_ordered(ppr, ppr.makeelement(qn("w:widowControl"), {}))
