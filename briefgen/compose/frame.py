"""The frame of a brief: its title block and page furniture, made once as nodes.

Every format draws the frame from these nodes alone, so none of them fills a theme's
text or parses a label's placeholders: ``{page}`` and ``{pages}`` become
``PageNumber`` and ``PageCount`` here, and the text around them stays whole in every
format.  The values come in plain (the document's meta, the theme's texts and labels
as strings), so this layer knows nothing of themes or renderers.
"""

from __future__ import annotations

import re

from . import blocks as b
from .blocks import FURNITURE_SLOTS
from .labels import fill
from .templating import long_date

DETAILS_SEPARATOR = "  ·  "
_PAGE_FIELD = re.compile(r"\{\{|\}\}|\{(page|pages)\}")
_PAGE_NODES = {"page": b.PageNumber, "pages": b.PageCount}


def title_block(meta: b.DocumentMeta, labels: dict[str, str]) -> b.TitleBlock:
    """The block that opens the first page, with the details line in ``labels``' words."""
    return b.TitleBlock(organisation=meta.organisation, title=meta.title,
                        subtitle=meta.subtitle, details=title_details(meta, labels))


def title_details(meta: b.DocumentMeta, labels: dict[str, str]) -> str:
    """The line under a brief's title: audience, edition date and authors."""
    details = [meta.audience_label]
    if meta.edition:
        details.append(fill(labels["edition"], date=long_date(meta.edition)))
    details.append(", ".join(meta.authors))
    return DETAILS_SEPARATOR.join(detail for detail in details if detail)


def page_furniture(meta: b.DocumentMeta, texts: dict[str, str],
                   labels: dict[str, str]) -> b.PageFurniture:
    """The header and footer: each of ``texts`` (a theme's, by ``FURNITURE_SLOTS``) with
    the brief's values put in, and ``labels``' page label with its page numbers as nodes."""
    values = furniture_values(meta)
    slots = {slot: _text_line(fill(texts[slot], **values)) for slot in FURNITURE_SLOTS}
    return b.PageFurniture(**slots, page_label=page_label(labels["page"]))


def furniture_values(meta: b.DocumentMeta) -> dict[str, str]:
    """What a furniture text's placeholders stand for (a theme's text is never a format
    string: ``fill`` puts these in and evaluates nothing)."""
    return {"title": meta.title, "subtitle": meta.subtitle, "marking": meta.marking,
            "organisation": meta.organisation, "audience": meta.audience_label,
            "edition": meta.edition.isoformat() if meta.edition else ""}


def page_label(label: str) -> tuple:
    """A page label ("Page {page} of {pages}") as inlines: the text between its
    placeholders, with ``{{``/``}}`` as braces, and a node for each placeholder."""
    nodes: list = []
    start = 0
    for match in _PAGE_FIELD.finditer(label):
        text = label[start:match.start()]
        start = match.end()
        if match.group(1) is None:
            _append_text(nodes, text + match.group(0)[0])
            continue
        _append_text(nodes, text)
        nodes.append(_PAGE_NODES[match.group(1)]())
    _append_text(nodes, label[start:])
    return tuple(nodes)


def _append_text(nodes: list, text: str) -> None:
    """Add ``text`` to the run of inlines, joined to the text before it: a label's text
    between two page numbers is one node, however many braces it holds."""
    if not text:
        return
    if nodes and isinstance(nodes[-1], b.Text):
        nodes[-1] = b.Text(nodes[-1].text + text)
    else:
        nodes.append(b.Text(text))


def _text_line(text: str) -> tuple:
    return (b.Text(text),) if text else ()
