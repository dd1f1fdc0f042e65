"""A checked reference document merged with briefgen's styles into the DOCX template.

Its styles win and ours fill the gaps (list styles bring their numbering along, in a
numbering part made if it has none).  Its body goes; its last section stays, as the
template's one section; and of its parts only what a template needs is kept: styles,
numbering, settings, theme, fonts, headers and footers.
"""

from __future__ import annotations

import copy
import io

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

LIST_FALLBACKS = ("List Paragraph", "Normal")
# Parts a reference document may hold that no template needs: nothing of them is kept.
DROPPED_PARTS = ("/customXml", "/webSettings", "/thumbnail", "/custom-properties",
                 "/glossaryDocument", "/comments", "/commentsExtended", "/commentsIds",
                 "/people")


def merged(data: bytes, ours: bytes, used: frozenset) -> tuple[bytes, dict[str, str]]:
    """The reference document ``data`` (already checked) emptied, with the styles it lacks
    copied from ``ours``; and its style ids by name."""
    reference = docx.Document(io.BytesIO(data))
    _empty_body(reference)
    _page_readable(reference)
    _drop_unneeded_parts(reference)
    theirs = {style.name for style in reference.styles}
    taken = {style.style_id for style in reference.styles}
    source = docx.Document(io.BytesIO(ours))
    numbering = _Numbering(source, reference)
    for style in source.styles:
        if style.name in used and style.name not in theirs:
            element = copy.deepcopy(style.element)
            if style.style_id in taken:
                element.set(qn("w:styleId"), "Brief" + style.style_id)
            if _is_list(style):
                numbering.carry(element)
            reference.styles.element.append(element)
    buffer = io.BytesIO()
    reference.save(buffer)
    merged_document = docx.Document(io.BytesIO(buffer.getvalue()))
    return buffer.getvalue(), _ids_with_fallbacks(merged_document, used)


def _empty_body(document) -> None:
    """Only the last section remains: the body's own, or the last paragraph's."""
    body = document.element.body
    if body.find(qn("w:sectPr")) is None:
        last = body.xpath("./w:p/w:pPr/w:sectPr")[-1]
        body.append(last)
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _page_readable(document) -> None:
    """Its page size and margins, which briefgen keeps, must be numbers Word can read."""
    from ...project.reference import Refused

    section = document.sections[-1]
    for name in ("page_width", "page_height", "top_margin", "right_margin", "bottom_margin",
                 "left_margin"):
        try:
            getattr(section, name)
        except ValueError:
            raise Refused(f"has a page size or margin that is not a number ({name} of its "
                          "section); open it in Word and save it again") from None


def _drop_unneeded_parts(document) -> None:
    for owner in (document.part, document.part.package):
        for rel in list(owner.rels.values()):
            if rel.reltype.endswith(DROPPED_PARTS):
                owner.rels.pop(rel.rId)


def _is_list(style) -> bool:
    """List styles point at numbering definitions, which must come along with them."""
    ppr = style.element.pPr
    return ppr is not None and ppr.find(qn("w:numPr")) is not None


class _Numbering:
    """Copies the numbering definitions of our list styles into a reference document
    (creating its numbering part if it has none), under numbers it does not use."""

    def __init__(self, source, reference):
        self.source = source.part.numbering_part.element
        self.reference = reference
        self.carried: dict[str, int] = {}      # our numId -> theirs

    def carry(self, style_element) -> None:
        """Point a copied list style at a copy of its numbering, in the reference."""
        num_id = style_element.pPr.find(qn("w:numPr")).find(qn("w:numId"))
        ours = num_id.get(qn("w:val"))
        if ours not in self.carried:
            self.carried[ours] = self._copy(int(ours))
        num_id.set(qn("w:val"), str(self.carried[ours]))

    def _copy(self, num_id: int) -> int:
        theirs = _numbering(self.reference)
        abstract_id = self.source.num_having_numId(num_id).find(
            qn("w:abstractNumId")).get(qn("w:val"))
        abstract = copy.deepcopy(next(a for a in self.source.findall(qn("w:abstractNum"))
                                      if a.get(qn("w:abstractNumId")) == abstract_id))
        used = [int(a.get(qn("w:abstractNumId"))) for a in theirs.findall(qn("w:abstractNum"))]
        new_id = max(used, default=-1) + 1
        abstract.set(qn("w:abstractNumId"), str(new_id))
        for nsid in abstract.findall(qn("w:nsid")):      # Word would take it for another list's
            abstract.remove(nsid)
        nums = theirs.findall(qn("w:num"))
        if nums:
            nums[0].addprevious(abstract)    # every w:abstractNum comes before the w:num
        else:
            theirs.append(abstract)
        return theirs.add_num(new_id).numId


def _numbering(document):
    """The document's numbering definitions, in a numbering part made if it has none."""
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.parts.numbering import NumberingPart

    part = document.part
    try:
        return part.part_related_by(RELATIONSHIP_TYPE.NUMBERING).element
    except KeyError:
        element = parse_xml(f'<w:numbering {nsdecls("w")}/>')
        name = part.package.next_partname("/word/numbering%d.xml")
        part.relate_to(NumberingPart(name, CONTENT_TYPE.WML_NUMBERING, element, part.package),
                       RELATIONSHIP_TYPE.NUMBERING)
        return element


def _ids_with_fallbacks(document, used: frozenset) -> dict[str, str]:
    ids = {style.name: style.style_id for style in document.styles}
    fallback = next(ids[name] for name in LIST_FALLBACKS if name in ids)
    for name in used:
        if name not in ids and name.startswith("List"):
            ids[name] = ids.get(name.rstrip(" 23"), fallback)
    return ids
