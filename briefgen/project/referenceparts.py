"""Every part of a reference document, checked by what it is, never by its name.

A part's name says nothing: a header can be stored as ``word/header1.bin`` and still be
read as XML by python-docx and by Word, which go by its content type.  So every part is
classified from ``[Content_Types].xml`` (its Override by part name and the Default for
its extension, both counted) and from its content:

* a part typed as XML (an ``...xml`` content type, or one python-docx parses as XML) must
  be well-formed XML;
* any other part that parses as XML is XML all the same, and is checked as such;
* a part with no content type at all is refused: no reader knows what it is.

Every XML part is refused if it declares a DTD or entities, or holds anything Word would
fetch; every relationship part (by its ``_rels/*.rels`` name, by its content type or by
its root element) must keep its targets inside the package.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lxml import etree

MAX_XML_BYTES = 10_000_000        # one XML part: more is no house style
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)
CONTENT_TYPES = "[Content_Types].xml"
RELATIONSHIPS = "application/vnd.openxmlformats-package.relationships+xml"
# Elements through which Word fetches or runs something outside the document.
FETCHING = {"attachedTemplate": "an attached template", "subDoc": "a subdocument",
            "altChunk": "an imported file (altChunk)", "mailMerge": "a mail-merge data source",
            "saveThroughXslt": "a transform to save through", "frameset": "frames"}
# Field codes that fetch (or run) something when Word updates them.
FETCHING_FIELDS = frozenset({"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "DDE",
                             "DDEAUTO", "IMPORT", "DATABASE", "RD"})
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*:|//|\\\\)")


class Refused(ValueError):
    """Why a file cannot be a reference document: the end of a sentence naming it."""


# ------------------------------------------------------------ content types

class ContentTypes:
    """``[Content_Types].xml``: the content types that may apply to a part."""

    def __init__(self, root):
        self.root = root
        self.overrides = {attribute(e, "PartName").lower(): attribute(e, "ContentType")
                          for e in root.iter(etree.Element) if local(e.tag) == "Override"}
        self.defaults = {attribute(e, "Extension").lower(): attribute(e, "ContentType")
                         for e in root.iter(etree.Element) if local(e.tag) == "Default"}

    def of(self, name: str) -> str:
        """A part's content type as python-docx finds it: its override, else the default
        for its extension ('' if none)."""
        return next(iter(self.candidates(name)), "")

    def candidates(self, name: str) -> list[str]:
        """Every content type that names the part: its override and its default."""
        file = posixpath.basename(name).lower()
        extension = file.rpartition(".")[2] if "." in file else ""    # ".rels" is "rels"
        found = [self.overrides.get("/" + name.lower()), self.defaults.get(extension)]
        return [kind for kind in found if kind]

    def all(self) -> list[str]:
        return [attribute(e, "ContentType") for e in self.root.iter(etree.Element)]


def _is_xml_type(kind: str) -> bool:
    """Whether a content type is XML: ``...xml``, or one python-docx parses as XML."""
    from docx.opc.part import PartFactory, XmlPart

    bare = kind.split(";")[0].strip().lower()
    part_class = PartFactory.part_type_for.get(kind)
    return bare.endswith("xml") or (part_class is not None and issubclass(part_class, XmlPart))


# ------------------------------------------------------------------- parts

def check_parts(archive: zipfile.ZipFile, types: ContentTypes) -> None:
    """Check every part of the package by its content type and its content."""
    for entry in archive.infolist():
        if entry.is_dir() or entry.filename == CONTENT_TYPES:
            continue
        kinds = types.candidates(entry.filename)
        if not kinds:
            raise Refused(f"has a part ({entry.filename}) that {CONTENT_TYPES} gives no "
                          "content type; open it in Word and save it again")
        typed = is_relationships_name(entry.filename) or any(map(_is_xml_type, kinds))
        root = xml_of(entry.filename, archive.read(entry), typed)
        if root is not None:
            check_part(entry.filename, root, RELATIONSHIPS in kinds)


def content_types(archive: zipfile.ZipFile) -> ContentTypes:
    """The package's ``[Content_Types].xml``, checked as every XML part is."""
    root = xml_of(CONTENT_TYPES, archive.read(CONTENT_TYPES), True)
    check_part(CONTENT_TYPES, root, False)
    return ContentTypes(root)


def xml_of(name: str, data: bytes, typed: bool):
    """A part parsed as XML without DTD, entities or network, refused if it declares
    any; None for a part that is neither typed as XML nor XML at all."""
    if len(data) > MAX_XML_BYTES:
        if typed or _is_xml(data):
            raise Refused(f"has an XML part ({name}) of {len(data)} bytes, more than "
                          f"{MAX_XML_BYTES}")
        return None
    try:
        root = etree.fromstring(data, SAFE_XML)
    except (etree.XMLSyntaxError, ValueError) as error:
        if not typed:
            return None
        raise Refused(f"has a part that is not well-formed XML ({name}: "
                      f"{str(error)[:120]})") from None
    if root.getroottree().docinfo.doctype:
        raise Refused(f"has a document type declaration in {name} (DTDs and entities are "
                      "refused)")
    return root


def _is_xml(data: bytes) -> bool:
    """Whether a part too large to hold in a tree is XML: read as a stream, each element
    dropped once read."""
    try:
        for _, element in etree.iterparse(io.BytesIO(data), resolve_entities=False,
                                          no_network=True, load_dtd=False, huge_tree=False):
            element.clear()
    except (etree.XMLSyntaxError, ValueError):
        return False
    return True


def is_relationships_name(name: str) -> bool:
    """A part named as a package's or a part's relationships: ``[folder/]_rels/x.rels``."""
    folder, file = posixpath.split(name.lower())
    return file.endswith(".rels") and posixpath.basename(folder) == "_rels"


def check_part(name: str, root, relationships_typed: bool) -> None:
    if relationships_typed or is_relationships_name(name) or \
            local(root.tag) == "Relationships":
        check_relationships(name, root)
    for element in root.iter(etree.Element):
        found = local(element.tag)
        if found in FETCHING:
            raise Refused(f"names {FETCHING[found]} in {name}, which Word would fetch when "
                          "opening it; remove it and save the document again")
        if found == "OLEObject" and attribute(element, "Type").lower() == "link":
            raise Refused(f"has a linked object in {name}, which Word would fetch; embed it "
                          "or remove it")
    for instruction in field_instructions(root):
        words = instruction.split()
        if words and words[0].upper() in FETCHING_FIELDS:
            raise Refused(f"has the field {words[0].upper()} in {name}, which fetches or runs "
                          "something outside the document; remove the field")


def check_relationships(name: str, root) -> None:
    """Every relationship stays inside the package, however its attributes are spelt."""
    for element in root.iter(etree.Element):
        if local(element.tag) != "Relationship":
            continue
        mode = attribute(element, "TargetMode").strip().lower()
        target = attribute(element, "Target")
        kind = attribute(element, "Type").rstrip("/").rsplit("/", 1)[-1] or "relationship"
        if mode not in ("", "internal") or _SCHEME.match(target):
            raise Refused(f"has external relationships ({name}): {kind} to '{target[:80]}'; "
                          "remove linked images, templates and hyperlinks from its styles, "
                          "headers and body")


def local(name: str) -> str:
    """An element's or attribute's name without its namespace."""
    return name.rpartition("}")[2]


def attribute(element, name: str) -> str:
    """An attribute by its local name, in any namespace or none."""
    return next((value for key, value in element.attrib.items() if local(key) == name), "")


def field_instructions(root) -> list[str]:
    """The instruction of every field in a part: simple fields, and complex ones whose
    instruction runs from their begin mark to their separate mark across any runs."""
    found, open_fields = [], []       # per open field: its instruction so far, or None
    for element in root.iter(etree.Element):
        kind = local(element.tag)
        if kind == "fldSimple":
            found.append(attribute(element, "instr"))
        elif kind == "fldChar":
            mark = attribute(element, "fldCharType")
            if mark == "begin":
                open_fields.append([])
            elif open_fields and mark in ("separate", "end"):
                pieces = open_fields.pop() if mark == "end" else open_fields[-1]
                if pieces is not None:
                    found.append("".join(pieces))
                if mark == "separate":
                    open_fields[-1] = None       # what follows is the field's result
        elif kind == "instrText":
            pieces = open_fields[-1] if open_fields and open_fields[-1] is not None else found
            pieces.append(element.text or "")
    return found + ["".join(pieces) for pieces in open_fields if pieces is not None]
