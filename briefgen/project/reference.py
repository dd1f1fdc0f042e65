"""A user's own Word document as the source of DOCX styles, page set-up and headers.

Like a reference document elsewhere, its named styles win: briefgen's content
maps onto them, and only the styles it lacks are added from the theme.  Its
body is discarded; its section (page size, margins, headers, footers) is kept.

A reference document is untrusted input.  Before anything opens it, every part is
checked by what it is, whatever its name (``referenceparts``: each XML part parsed with
no DTD, no entities and no network) and it must be a plain, self-contained DOCX: not
macro-enabled, no zip bomb, no relationship leading out of the package and nothing
Word would fetch when opening it.  Then, where the theme is validated, a
small brief holding every kind of block is written into it once (``problem``), so
that whatever else in it breaks the merge is one line at the theme's
``reference_docx`` and never a failure while a brief renders.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from ..errors import BriefgenError, DataError
from ..files import read_bounded
from .referenceparts import (
    SAFE_XML,
    ContentTypes,
    Refused,
    check_parts,
    content_types,
    is_relationships_name,
)
from .referenceparts import attribute as _attribute
from .referenceparts import local as _local

MAX_FILE_BYTES = 50_000_000
MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 50_000_000
MAX_RATIO = 200
MAIN_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,8})$")     # as python-docx looks ids up: verbatim


class UnusableReference(DataError):
    """A reference document that failed while briefgen merged it with its styles."""

    def __init__(self, path: Path, why: str):
        self.why = why
        super().__init__(DataError.at(str(path), f"the reference document {path} {why}",
                                      field="reference_docx").problems)


def problem(path: Path) -> str | None:
    """Why ``path`` cannot be a reference document, in one line; None if it can."""
    try:
        check(path)
    except Refused as why:
        return f"the reference document {path} {why}"
    return None


def check(path: Path) -> bytes:
    """The document's bytes, once they proved a plain, self-contained DOCX."""
    try:
        data = read_bounded(path, MAX_FILE_BYTES, limit_name="the size of a reference document")
    except BriefgenError as error:
        why = error.problems[0].message
        raise Refused("does not exist" if why == "no such file" else f"cannot be read: {why}") \
            from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused("is not a DOCX (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive)
    except (Refused, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - zipfile and lxml fail in many ways
        raise Refused(f"cannot be read as a DOCX ({_reason(error)})") from None
    return data


def _check_archive(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    _check_sizes(entries)
    names = [entry.filename for entry in entries]
    if len(set(names)) != len(names):
        raise Refused("has two parts of the same name")
    if "[Content_Types].xml" not in names:
        raise Refused("is not a DOCX (no [Content_Types].xml)")
    types = content_types(archive)
    _refuse_macros(types, names)
    check_parts(archive, types)
    _Structure(archive, types).check()


def _refuse_macros(types: ContentTypes, names: list[str]) -> None:
    if any("macroenabled" in t.lower() or "vba" in t.lower() for t in types.all()) or \
            any(n.lower().endswith(("vbaproject.bin", "vbadata.xml")) for n in names):
        raise Refused("is macro-enabled; save it as a plain .docx")


def _check_sizes(entries: list) -> None:
    if len(entries) > MAX_ENTRIES:
        raise Refused(f"has {len(entries)} parts, more than {MAX_ENTRIES}")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_BYTES:
        raise Refused(f"unpacks to {total} bytes, more than {MAX_TOTAL_BYTES} (a zip bomb?)")
    for entry in entries:
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO and \
                entry.file_size > 1_000_000:
            raise Refused(f"has a part ({entry.filename}) compressed {MAX_RATIO}:1 or more "
                          "(a zip bomb?)")


class _Structure:
    """What briefgen relies on in a Word document: a main document part with a body and a
    section, style ids, and list numbering whose ids are numbers that exist."""

    def __init__(self, archive: zipfile.ZipFile, types: ContentTypes):
        self.archive = archive
        self.types = types
        self.names = set(archive.namelist())

    def check(self) -> None:
        main = self.target("_rels/.rels", "/officeDocument")
        kind = self.types.of(main) if main in self.names else ""
        if "wordprocessingml.template" in kind:
            raise Refused("is a Word template (.dotx); save it as a plain .docx")
        if kind != MAIN_DOCUMENT:
            raise Refused("is not a Word document (no main document part)")
        self.targets_exist()
        self.body(main)
        numbers = self.numbering(self.target(_rels_of(main), "/numbering", main))
        self.styles(self.target(_rels_of(main), "/styles", main), numbers)

    def part(self, name: str, root: str | None = None):
        """A part, parsed; with ``root``, refused unless its root element is ``w:<root>``."""
        element = etree.fromstring(self.archive.read(name), SAFE_XML)
        if root is not None and element.tag != f"{{{W}}}{root}":
            raise Refused(f"has a part {name} that is not what its relationship says (its "
                          f"root is not w:{root})")
        return element

    def targets_exist(self) -> None:
        """Every part a relationship names is in the package (all of them are internal)."""
        for rels in (n for n in self.names if is_relationships_name(n)):
            source = _source_of(rels)
            for element in self.part(rels).iter(etree.Element):
                target = _attribute(element, "Target")
                if _local(element.tag) == "Relationship" and \
                        _resolved(source, target) not in self.names:
                    raise Refused(f"has a relationship to a part it does not hold ({rels}: "
                                  f"'{target[:80]}')")

    def target(self, rels: str, kind: str, source: str = "") -> str | None:
        """The part a relationship of ``kind`` in ``rels`` leads to, by its zip name."""
        if rels not in self.names:
            return None
        for element in self.part(rels).iter(etree.Element):
            if _attribute(element, "Type").endswith(kind):
                return _resolved(source, _attribute(element, "Target"))
        return None

    def body(self, main: str) -> None:
        document = self.part(main, "document")
        body = document.find(f"{{{W}}}body")
        if body is None:
            raise Refused(f"has no body ({main} has no w:body)")
        if body.find(f"{{{W}}}sectPr") is None and \
                body.find(f"{{{W}}}p/{{{W}}}pPr/{{{W}}}sectPr") is None:
            raise Refused("has no section properties (page size and margins); open it in "
                          "Word and save it again")

    def numbering(self, name: str | None) -> set[str]:
        """The ids of its list numberings, each checked to be a number that leads to a
        list definition."""
        if name is None or name not in self.names:
            return set()
        root = self.part(name, "numbering")
        abstract = {_number(a, "abstractNumId", name) for a in root.iter(f"{{{W}}}abstractNum")}
        numbers = set()
        for num in root.iter(f"{{{W}}}num"):
            numbers.add(_number(num, "numId", name))
            link = num.find(f"{{{W}}}abstractNumId")
            if link is None or _number(link, "val", name) not in abstract:
                raise Refused(f"has a list numbering ({name}) that leads to no list "
                              "definition")
        return numbers

    def styles(self, name: str | None, numbers: set[str]) -> None:
        if name is None or name not in self.names:
            return
        for style in self.part(name, "styles").iter(f"{{{W}}}style"):
            if not _attribute(style, "styleId").strip():
                raise Refused(f"has a style without an id ({name})")
            num_id = style.find(f"{{{W}}}pPr/{{{W}}}numPr/{{{W}}}numId")
            if num_id is not None and _number(num_id, "val", name) not in numbers | {"0"}:
                raise Refused(f"has the style {_attribute(style, 'styleId')!r} whose list "
                              f"numbering {_attribute(num_id, 'val')!r} does not exist "
                              f"({name})")


def _number(element, attribute: str, part: str) -> str:
    value = _attribute(element, attribute)
    if not _NUMBER.fullmatch(value):
        raise Refused(f"has the list numbering id {value[:20]!r} in {part}, expected a "
                      "number")
    return value


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _source_of(rels: str) -> str:
    """The part whose relationships ``rels`` holds ('' for the package's own)."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels"))


def _resolved(source: str, target: str) -> str:
    """A relationship's target by its zip name: relative to its source's folder."""
    base = "" if target.startswith("/") else posixpath.dirname(source)
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


def _reason(error: BaseException) -> str:
    text = str(error).splitlines()[0][:160] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__






# ------------------------------------------------------------------ the merge



