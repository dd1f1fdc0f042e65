"""A user's own Word document as the source of DOCX styles, page set-up and headers.

Like a reference document elsewhere, its named styles win: briefgen's content
maps onto them, and only the styles it lacks are added from the theme.  Its
body is discarded; its section (page size, margins, headers, footers) is kept.

A reference document is checked before it is opened: it must be a real DOCX,
not macro-enabled, with no external relationships and no zip bomb.
"""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from ..errors import DataError

MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 50_000_000
MAX_RATIO = 200
MAIN_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
LIST_FALLBACKS = ("List Paragraph", "Normal")


def problem(path: Path) -> str | None:
    """Why ``path`` cannot be a reference document, in one line; None if it can."""
    try:
        check(path)
    except ValueError as error:
        return str(error)
    return None


def check(path: Path) -> None:
    """Refuse anything but a plain, self-contained DOCX, with one line saying why."""
    def refuse(why: str) -> ValueError:
        return ValueError(f"the reference document {path} {why}")

    if not path.is_file():
        raise refuse("does not exist")
    if not zipfile.is_zipfile(path):
        raise refuse("is not a DOCX (not a zip archive)")
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        _check_sizes(entries, refuse)
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names:
            raise refuse("is not a DOCX (no [Content_Types].xml)")
        types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        if "macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
            raise refuse("is macro-enabled; save it as a plain .docx")
        if MAIN_DOCUMENT not in types:
            raise refuse("is not a Word document (no main document part)")
        for name in names:
            if name.endswith(".rels") and b'TargetMode="External"' in archive.read(name):
                raise refuse(f"has external relationships ({name}); remove linked images, "
                             "templates and hyperlinks from its styles and headers")


def _check_sizes(entries: list, refuse) -> None:
    if len(entries) > MAX_ENTRIES:
        raise refuse(f"has {len(entries)} parts, more than {MAX_ENTRIES}")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_BYTES:
        raise refuse(f"unpacks to {total} bytes, more than {MAX_TOTAL_BYTES} (a zip bomb?)")
    for entry in entries:
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO and \
                entry.file_size > 1_000_000:
            raise refuse(f"has a part ({entry.filename}) compressed {MAX_RATIO}:1 or more "
                         "(a zip bomb?)")


def merged_template(path: Path, ours: bytes, used: frozenset) -> tuple[bytes, dict[str, str]]:
    """The reference document emptied, with the styles it lacks copied from ``ours``."""
    try:
        reference = docx.Document(str(path))
    except Exception as error:  # noqa: BLE001 - any failure to open means "not a valid DOCX"
        raise DataError.at(str(path), f"the reference document cannot be opened as a DOCX: "
                                      f"{type(error).__name__}", field="reference_docx") from None
    _empty_body(reference)
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
    merged = docx.Document(io.BytesIO(buffer.getvalue()))
    return buffer.getvalue(), _ids_with_fallbacks(merged, used)


def _empty_body(document) -> None:
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


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


def has_own_furniture(document) -> bool:
    """Whether the reference's first section brings headers or footers with text."""
    section = document.sections[0]
    parts = (section.header, section.footer)
    return any(not part.is_linked_to_previous and
               any(p.text.strip() for p in part.paragraphs) for part in parts)
