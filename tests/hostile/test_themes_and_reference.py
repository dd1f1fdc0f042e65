"""Themes at the trust boundary: reference documents, logos, labels, and the DOCX
properties and dates a brief can hold.

Every case is a project (``themes/house.yaml``, ``briefgen.yaml`` with ``theme: house``)
built once with a good theme, then built with the hostile one: the exit code, one
message at the theme's line, and the previous outputs and the sibling folder unchanged.
DOCX outputs are read back as a zip of XML parts.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
import zlib

import docx
import pypdf
import pytest
from docx.oxml.ns import qn
from lxml import etree
from PIL import Image, ImageCms

from briefgen.compose.labels import DEFAULT_LABELS, LABELS
from tests.hostile.conftest import copy_into

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
HOUSE = "themes/house.yaml"


# ------------------------------------------------------------------ helpers

def a_house_project_built(project) -> None:
    project.write("briefgen.yaml", "theme: house\n")
    project.write(HOUSE, "name: house\n")
    project.brief()
    project.build("--format", "docx").assert_clean(0)


@pytest.fixture
def house(project, built_once):
    """A project with one brief and a plain house theme, built (DOCX): its outputs are the
    previous good ones every case must keep."""
    copy_into(project, built_once(a_house_project_built))
    project.previous = documents(project)
    return project


def documents(project) -> dict:
    """The documents under out/ (not the build's hidden bookkeeping)."""
    return {name: entry for name, entry in project.outputs().items()
            if not any(part.startswith(".") for part in name.split("/"))}


def theme_fails(project, theme: str, line: int, pattern: str, **files) -> None:
    """The house theme becomes ``theme`` (with ``files`` beside it): the build exits 1
    with the message at ``themes/house.yaml:line`` and the previous outputs are kept."""
    for name, content in files.items():
        project.write(f"themes/{name}", content)
    project.write(HOUSE, theme)
    result = project.build("--format", "docx")
    result.assert_clean(1, rf"^themes/house\.yaml:{line}:\d+: {pattern}")
    assert documents(project) == project.previous


def built_docx(project, audience: str = "public") -> zipfile.ZipFile:
    return zipfile.ZipFile(project.out / "brief" / f"brief-{audience}.docx")


def xml(archive: zipfile.ZipFile, name: str):
    return etree.fromstring(archive.read(name))


def plain_reference(header: str = "HOUSE HEADER") -> bytes:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = header
    document.add_paragraph("Reference body text that must go.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rezipped(data: bytes, change=lambda name, part: part, extra: dict | None = None,
             drop: tuple = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in drop:
                target.writestr(name, change(name, source.read(name)))
        for name, part in (extra or {}).items():
            target.writestr(name, part)
    return buffer.getvalue()


def in_part(part: str, old: bytes, new: bytes, count: int = 1):
    return lambda name, data: data.replace(old, new, count) if name == part else data


def regex_in_part(part: str, pattern: bytes, new: bytes):
    return lambda name, data: re.sub(pattern, new, data, flags=re.S) if name == part else data


def reference(change=lambda name, part: part, **kwargs) -> bytes:
    return rezipped(plain_reference(), change, **kwargs)


# ------------------------------------------------------------------ 1. links

def settings_rels(relationship: bytes) -> bytes:
    return (b'<?xml version="1.0"?><Relationships xmlns="' + PACKAGE_RELS.encode() + b'">' +
            relationship + b"</Relationships>")


def attached_template(attributes: bytes, element: bytes = b"Relationship") -> bytes:
    return reference(extra={"word/_rels/settings.xml.rels": settings_rels(
        b"<" + element + b' Id="rId90" Type="' + REL.encode() + b'attachedTemplate" '
        b'Target="https://templates.example.org/house.dotm" ' + attributes + b"/>")})


EXTERNAL_SPELLINGS = {
    "single-quoted": attached_template(b"TargetMode='External'"),
    "spaced": attached_template(b'TargetMode = " External "'),
    "lower-case": attached_template(b'TargetMode="external"'),
    "entity-encoded": attached_template(b'TargetMode="&#69;xtern&#x61;l"'),
    "namespace-prefixed": attached_template(b'x:TargetMode="External" xmlns:x="urn:x"'),
    "prefixed-element": attached_template(
        b'TargetMode="External" xmlns:p="' + PACKAGE_RELS.encode() + b'"', b"p:Relationship"),
    "no-mode-but-a-url": attached_template(b""),
}


def header_run(xml_text: bytes):
    """A change adding ``xml_text`` to the end of the header's first paragraph."""
    return in_part("word/header1.xml", b"</w:p>", xml_text + b"</w:p>")


def body_start(xml_text: bytes):
    return in_part("word/document.xml", b"<w:body>", b"<w:body>" + xml_text)


FETCHING = {
    "include-picture-split-over-runs": (header_run(
        b'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>INCLUDE</w:instrText>'
        b'</w:r><w:r><w:instrText xml:space="preserve">PICTURE "https://x.example/p.png"'
        b'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'), "INCLUDEPICTURE"),
    "include-picture-nested-in-an-if": (header_run(
        b'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> IF 1 = 1 '
        b'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>'
        b' INCLUDEPICTURE "https://x.example/p.png" </w:instrText></w:r><w:r><w:fldChar '
        b'w:fldCharType="end"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'),
        "INCLUDEPICTURE"),
    "dde-auto-simple-field": (header_run(b'<w:fldSimple w:instr=" DDEAUTO cmd /c calc "/>'),
                              "DDEAUTO"),
    "include-text-lower-case": (header_run(
        b'<w:fldSimple w:instr="includetext &quot;\\\\server\\share\\x.docx&quot;"/>'),
        "INCLUDETEXT"),
    "subdocument": (body_start(b'<w:subDoc r:id="rId1"/>'), "a subdocument"),
    "alt-chunk": (body_start(b'<w:altChunk r:id="rId1"/>'), "altChunk"),
    "attached-template-element": (in_part("word/settings.xml", b"</w:settings>",
                                          b'<w:attachedTemplate r:id="rId1"/></w:settings>'),
                                  "an attached template"),
    "linked-ole-object": (header_run(
        b'<w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" '
        b'Type="Link" ProgID="Excel.Sheet.12" r:id="rId1"/></w:object></w:r>'),
        "a linked object"),
}


class TestLinksInAReferenceDocument:
    @pytest.mark.parametrize("spelling", EXTERNAL_SPELLINGS)
    def test_an_external_relationship_is_refused_however_it_is_spelt(self, house, spelling):
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    r"reference_docx: the reference document themes/ref\.docx has external "
                    r"relationships \(word/_rels/settings\.xml\.rels\): attachedTemplate to "
                    r"'https://templates\.example\.org/house\.dotm'",
                    **{"ref.docx": EXTERNAL_SPELLINGS[spelling]})

    @pytest.mark.parametrize("case", FETCHING)
    def test_content_word_would_fetch_on_opening_is_refused_naming_its_part(self, house, case):
        change, what = FETCHING[case]
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    rf"reference_docx: the reference document themes/ref\.docx .*{what}",
                    **{"ref.docx": reference(change)})

    @pytest.mark.parametrize("part", ["word/styles.xml", "_rels/.rels"])
    def test_a_part_declaring_a_dtd_or_entities_is_refused(self, house, part):
        declaration = b'<!DOCTYPE x [<!ENTITY big "' + b"a" * 50 + b'">]>'
        change = regex_in_part(part, rb"^(<\?xml[^>]*\?>)", rb"\1" + declaration)
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    rf"reference_docx: .* has a document type declaration in {re.escape(part)}",
                    **{"ref.docx": reference(change)})

    @pytest.mark.parametrize("extra, why", [
        ({"word/vbaProject.bin": b"macro"}, "macro-enabled"),
        ({"word/media/zeros.bin": bytes(5_000_000)}, "zip bomb"),
    ])
    def test_macros_and_zip_bombs_are_still_refused(self, house, extra, why):
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2, f".*{why}",
                    **{"ref.docx": reference(extra=extra)})

    def test_no_relationship_of_an_accepted_reference_document_leads_outside_the_docx(
            self, house):
        house.brief(sources=[{"id": "src", "title": "A source", "publisher": "A publisher",
                              "url": "https://example.org/report"}])
        house.write("themes/ref.docx", plain_reference())    # with customXml and a thumbnail
        house.write(HOUSE, "name: house\nreference_docx: ref.docx\n")
        house.build("--format", "docx").assert_clean(0)
        archive = built_docx(house, "analytical")
        external = [(name, rel.get("Type").rsplit("/", 1)[-1], rel.get("Target"))
                    for name in archive.namelist() if name.endswith(".rels")
                    for rel in xml(archive, name) if rel.get("TargetMode") == "External"]
        assert external == [("word/_rels/document.xml.rels", "hyperlink",
                             "https://example.org/report")]   # the brief's own link only
        assert b"attachedTemplate" not in archive.read("word/settings.xml")
        assert not [n for n in archive.namelist() if n.startswith(("customXml/", "docProps/th"))]


# ---------------------------------------------- 1b. every part, by what it is

HEADER_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
HEADER_OVERRIDE = b'<Override PartName="/word/header1.xml" ContentType="' + HEADER_TYPE + b'"/>'
RELATIONSHIPS_TYPE = b"application/vnd.openxmlformats-package.relationships+xml"
INCLUDE_PICTURE = (b'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText '
                   b'xml:space="preserve"> INCLUDEPICTURE "http://127.0.0.1:9/x.png" '
                   b'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')


def typed_by_override(content_type: bytes = HEADER_TYPE):
    """The header's Override moved to its new name (with ``content_type``)."""
    return lambda types, name: types.replace(HEADER_OVERRIDE, b'<Override PartName="/' +
                                             name.encode() + b'" ContentType="' +
                                             content_type + b'"/>')


def typed_by_default(extension: bytes, content_type: bytes = HEADER_TYPE):
    """No Override for the header: the Default for ``extension`` types it."""
    return lambda types, name: types.replace(HEADER_OVERRIDE, b"").replace(
        b"<Default ", b'<Default Extension="' + extension + b'" ContentType="' + content_type +
        b'"/><Default ', 1)


def header_stored_as(name: str, types, header=lambda data: data) -> bytes:
    """The plain reference with its header part stored as ``name``: its relationship
    follows it, ``types`` changes [Content_Types].xml, ``header`` its content."""
    data = plain_reference()
    target = name.rsplit("/", 1)[-1].encode()

    def change(part: str, content: bytes) -> bytes:
        if part == "word/_rels/document.xml.rels":
            return content.replace(b'Target="header1.xml"', b'Target="' + target + b'"')
        return types(content, name) if part == "[Content_Types].xml" else content

    moved = header(zipfile.ZipFile(io.BytesIO(data)).read("word/header1.xml"))
    return rezipped(data, change, extra={name: moved}, drop=("word/header1.xml",))


def with_include_picture(data: bytes) -> bytes:
    return data.replace(b"</w:p>", INCLUDE_PICTURE + b"</w:p>", 1)


def declaring(declaration: bytes):
    return lambda data: re.sub(rb"^(<\?xml[^>]*\?>)", rb"\1" + declaration, data)


HEADER_STORED = {
    "bin-with-an-override": ("word/header1.bin", typed_by_override()),
    "no-extension-with-an-override": ("word/header1", typed_by_override()),
    "typed-by-the-default-for-its-extension": ("word/header1.hdr", typed_by_default(b"hdr")),
    "typed-as-binary-but-xml-inside": ("word/header1.bin",
                                       typed_by_override(b"application/octet-stream")),
    "typed-by-a-parameterised-xml-type": ("word/header1.dat", typed_by_override(
        HEADER_TYPE + b"; charset=utf-8")),
}
DECLARATIONS = {
    "system-doctype": b'<!DOCTYPE w:hdr SYSTEM "http://127.0.0.1:9/x.dtd">',
    "system-entity": b'<!DOCTYPE w:hdr [<!ENTITY e SYSTEM "http://127.0.0.1:9/e">]>',
}


def relationships_part(target: bytes) -> bytes:
    return settings_rels(b'<Relationship Id="rId1" Type="' + REL.encode() + b'image" '
                         b'Target="' + target + b'" TargetMode="External"/>')


def with_part(name: str, content: bytes, types: bytes = b"") -> bytes:
    """The plain reference with one more part, and ``types`` added to its content types."""
    return reference(in_part("[Content_Types].xml", b"</Types>", types + b"</Types>"),
                     extra={name: content})


class TestEveryPartOfAReferenceDocumentIsCheckedByWhatItIs:
    @pytest.mark.parametrize("case", HEADER_STORED)
    def test_a_header_under_any_name_is_checked_for_fetching_fields(self, house, case):
        name, types = HEADER_STORED[case]
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    rf"reference_docx: the reference document themes/ref\.docx has the field "
                    rf"INCLUDEPICTURE in {re.escape(name)}, which fetches",
                    **{"ref.docx": header_stored_as(name, types, with_include_picture)})

    @pytest.mark.parametrize("declaration", DECLARATIONS)
    @pytest.mark.parametrize("case", ["bin-with-an-override", "typed-as-binary-but-xml-inside"])
    def test_a_header_under_any_name_declaring_a_dtd_or_entities_is_refused(
            self, house, case, declaration):
        name, types = HEADER_STORED[case]
        data = header_stored_as(name, types, declaring(DECLARATIONS[declaration]))
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    rf"reference_docx: .* has a document type declaration in {re.escape(name)}",
                    **{"ref.docx": data})

    def test_a_part_typed_as_xml_under_any_name_must_be_well_formed(self, house):
        data = header_stored_as("word/header1.bin", typed_by_override(),
                                lambda content: content[:-40])
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    r"reference_docx: .* has a part that is not well-formed XML "
                    r"\(word/header1\.bin: ", **{"ref.docx": data})

    @pytest.mark.parametrize("name, types", [
        ("word/links.dat", b'<Override PartName="/word/links.dat" ContentType="' +
         RELATIONSHIPS_TYPE + b'"/>'),
        ("word/links.dat", b'<Default Extension="dat" ContentType="application/x-data"/>'),
        ("word/media/_rels/image1.png.rels", b""),
    ], ids=["typed-as-relationships", "relationships-by-their-root", "rels-in-any-folder"])
    def test_relationships_under_any_name_are_checked_for_external_targets(
            self, house, name, types):
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    rf"reference_docx: .* has external relationships \({re.escape(name)}\): "
                    r"image to 'http://127\.0\.0\.1:9/x\.png'",
                    **{"ref.docx": with_part(name, relationships_part(b"http://127.0.0.1:9/"
                                                                      b"x.png"), types)})

    def test_a_part_without_a_content_type_is_refused(self, house):
        data = header_stored_as("word/header1.hdr", lambda types, name: types.replace(
            HEADER_OVERRIDE, b""))
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    r"reference_docx: .* has a part \(word/header1\.hdr\) that "
                    r"\[Content_Types\]\.xml gives no content type", **{"ref.docx": data})

    def test_a_clean_header_under_another_name_still_reaches_the_docx(self, house):
        house.write("themes/ref.docx", header_stored_as("word/header1.bin",
                                                        typed_by_override()))
        house.write(HOUSE, "name: house\nreference_docx: ref.docx\n")
        house.build("--format", "docx").assert_clean(0)
        header = docx.Document(str(house.out / "brief/brief-public.docx")).sections[0].header
        assert "HOUSE HEADER" in [p.text for p in header.paragraphs]

    def test_binary_parts_typed_as_such_are_not_read_as_xml(self, house):
        font = b"<" + bytes(range(1, 200))           # an obfuscated font may start like '<'
        data = with_part("word/fonts/font1.odttf", font, b'<Default Extension="odttf" '
                         b'ContentType="application/vnd.openxmlformats-officedocument.'
                         b'obfuscatedFont"/>')
        house.write("themes/ref.docx", data)
        house.write(HOUSE, "name: house\nreference_docx: ref.docx\n")
        house.build("--format", "docx").assert_clean(0)


# ------------------------------------------------------------------ 2. the merge

def without_section(name, data):
    return re.sub(rb"<w:sectPr.*</w:sectPr>", b"", data, flags=re.S) \
        if name == "word/document.xml" else data


BREAKING_THE_MERGE = {
    "no-section": (without_section, "has no section properties"),
    "no-body": (regex_in_part("word/document.xml", rb"<w:body>.*</w:body>", b""),
                "has no body"),
    "letters-for-an-abstract-numbering-id": (
        in_part("word/numbering.xml", b'w:abstractNumId="0"', b'w:abstractNumId="x"'),
        "the list numbering id 'x'"),
    "letters-for-a-numbering-id": (
        in_part("word/numbering.xml", b'<w:num w:numId="1"', b'<w:num w:numId="one"'),
        "the list numbering id 'one'"),
    "a-padded-numbering-id": (
        in_part("word/numbering.xml", b'<w:num w:numId="1"', b'<w:num w:numId="01"'),
        "the list numbering id '01'"),
    "a-list-style-without-its-numbering": (
        in_part("word/styles.xml", b'<w:numId w:val="1"/>', b'<w:numId w:val="77"/>'),
        "list numbering '77' does not exist"),
    "damaged-styles": (in_part("word/styles.xml", b"</w:styles>", b""),
                       r"not well-formed XML \(word/styles\.xml"),
    "styles-part-of-another-kind": (lambda n, d: b"<foo/>" if n == "word/styles.xml" else d,
                                    "root is not w:styles"),
    "a-style-without-an-id": (in_part("word/styles.xml", b'w:styleId="Heading1"', b""),
                              "a style without an id"),
    "a-missing-styles-part": (None, "a part it does not hold"),
    "a-page-width-that-is-no-number": (
        in_part("word/document.xml", b'w:w="12240"', b'w:w="wide"'),
        r"a page size or margin that is not a number \(page_width"),
    "a-style-of-an-unknown-type": (
        in_part("word/styles.xml", b'w:type="paragraph" w:default="1"', b'w:type="banana" '
                                   b'w:default="1"'),
        r"cannot be merged with briefgen's styles \(ValueError: "),
    "a-header-of-another-kind": (lambda n, d: b'<foo xmlns="urn:x"/>' if n == "word/header1.xml"
                                 else d, r"cannot hold a brief: writing one into it failed \("),
    "a-word-template": (in_part("[Content_Types].xml", b"document.main+xml",
                                b"template.main+xml"), r"is a Word template \(\.dotx\)"),
}


class TestReferenceDocumentsThatBreakTheMerge:
    @pytest.mark.parametrize("case", BREAKING_THE_MERGE)
    def test_a_document_briefgen_cannot_merge_is_one_line_at_reference_docx(self, house,
                                                                            case):
        change, why = BREAKING_THE_MERGE[case]
        data = reference(drop=("word/styles.xml",)) if change is None else reference(change)
        theme_fails(house, "name: house\nreference_docx: ref.docx\n", 2,
                    rf"reference_docx: the reference document themes/ref\.docx .*{why}",
                    **{"ref.docx": data})

    def test_a_briefgen_output_works_as_a_reference_document_and_its_styles_are_reused(
            self, house):
        house.write("themes/ref.docx", (house.out / "brief/brief-analytical.docx").read_bytes())
        house.write(HOUSE, "name: house\nreference_docx: ref.docx\n")
        house.build("--format", "docx").assert_clean(0)
        document = docx.Document(str(house.out / "brief/brief-analytical.docx"))
        names = [style.name for style in document.styles]
        assert names.count("Status Confirmed") == 1 and "Brief Table" in names
        texts = [p.text for p in document.paragraphs]
        assert texts.count("Test brief") == 1        # its own body went; ours came once
        [row] = [row for t in document.tables for row in t.rows if row.cells[0].text == "Row one"]
        [run] = row.cells[1].paragraphs[0].runs
        assert run.style.name == "Status Confirmed"

    def test_a_reference_whose_section_is_in_its_last_paragraph_keeps_that_section(
            self, house):
        moved = regex_in_part("word/document.xml", rb"(<w:sectPr.*</w:sectPr>)",
                              rb"<w:p><w:pPr>\1</w:pPr></w:p>")
        data = reference(moved)
        assert b"<w:pPr><w:sectPr" in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
        house.write("themes/ref.docx", data)
        house.write(HOUSE, "name: house\nreference_docx: ref.docx\n")
        house.build("--format", "docx").assert_clean(0)
        body = xml(built_docx(house), "word/document.xml").find(qn("w:body"))
        assert body[-1].tag == qn("w:sectPr")
        assert body.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:sectPr')}") is None

    def test_a_reference_whose_header_holds_only_a_table_gets_our_furniture(self, house):
        only_a_table = regex_in_part("word/header1.xml", rb"<w:p[ >].*</w:p>",
                                     b"<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>")
        house.write("themes/ref.docx", reference(only_a_table))
        house.write(HOUSE, "name: house\nreference_docx: ref.docx\n")
        house.build("--format", "docx").assert_clean(0)
        footer = docx.Document(str(house.out / "brief/brief-public.docx")).sections[0].footer
        assert "Test Institute" in footer.paragraphs[0].text


# ------------------------------------------------------------------ 3. logos

def encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def with_phys(png: bytes, per_metre: int) -> bytes:
    """A PNG given a pHYs chunk (after its IHDR) of ``per_metre`` pixels per metre."""
    return png[:33] + chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)) + png[33:]


def bomb_png(width: int, height: int) -> bytes:
    """A 1-bit PNG of ``width`` x ``height`` white pixels: a few KB on disk."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) +
            chunk(b"IEND", b""))


def rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6                   # "rotate 90 degrees to show"
    return encoded(Image.new("RGB", (80, 40), (0, 90, 200)), "JPEG", exif=exif.tobytes())


def palette_with_transparency() -> bytes:
    image = Image.new("P", (80, 40))
    image.putpalette([255, 0, 0, 0, 255, 0])
    return encoded(image, transparency=0)


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
RGB = Image.new("RGB", (80, 40), (10, 120, 200))
LOGO_KINDS = {
    "cmyk-jpeg": (encoded(Image.new("CMYK", (80, 40), (0, 90, 200, 0)), "JPEG"), (80, 40)),
    "one-pixel-per-metre": (with_phys(encoded(RGB), 1), (80, 40)),
    "zero-pixels-per-metre": (with_phys(encoded(RGB), 0), (80, 40)),
    "16-bit-grey": (encoded(Image.new("I;16", (80, 40), 40000)), (80, 40)),
    "icc-profile": (encoded(RGB, icc_profile=SRGB), (80, 40)),
    "palette-with-transparency": (palette_with_transparency(), (80, 40)),
    "grey-and-alpha": (encoded(Image.new("LA", (80, 40), (90, 128))), (80, 40)),
    "one-bit": (encoded(Image.new("1", (80, 40), 1)), (80, 40)),
    "exif-rotated-jpeg": (rotated_jpeg(), (40, 80)),
    "a-jpeg-named-png": (encoded(RGB, "JPEG"), (80, 40)),
}
NOT_PNG_OR_JPEG = {
    "gif": (encoded(RGB, "GIF"), "a GIF image"),
    "webp": (encoded(RGB, "WEBP"), "WebP"),
    "ico": (encoded(RGB, "ICO"), "an ICO image"),
    "bmp": (encoded(RGB, "BMP"), "a BMP image"),
    "tiff": (encoded(RGB, "TIFF"), "a TIFF image"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG image"),
    "text": (b"not an image at all", "not an image"),
}
DAMAGED = {
    "signature-only": b"\x89PNG\r\n\x1a\n",
    "truncated": encoded(RGB)[:60],
    "jpeg-header-only": encoded(RGB, "JPEG")[:40],
}


PNG_UNREADABLE = "which is not a readable PNG image "
DAMAGED_IN_WORDS = {
    "empty": (b"", "which by its content is not an image; expected a PNG or JPEG file"),
    "signature-only": (DAMAGED["signature-only"],
                       PNG_UNREADABLE + "(its header is missing or damaged)"),
    "signature-and-four-bytes": (encoded(RGB)[:12],
                                 PNG_UNREADABLE + "(its header is missing or damaged)"),
    "damaged-header-checksum": (encoded(RGB)[:20] + b"\xff" + encoded(RGB)[21:],
                                PNG_UNREADABLE + "(its header is missing or damaged)"),
    "truncated-in-its-pixels": (DAMAGED["truncated"],
                                PNG_UNREADABLE + "(the file ends before the image does)"),
    "jpeg-cut-short": (encoded(RGB, "JPEG")[:-10], "which is not a readable JPEG image (the "
                                                   "file ends before the image does)"),
}


def embedded_logo(project, audience: str = "public") -> Image.Image:
    document = docx.Document(str(project.out / "brief" / f"brief-{audience}.docx"))
    [shape] = document.inline_shapes
    [embed] = shape._inline.xpath(".//a:blip/@r:embed")
    return Image.open(io.BytesIO(document.part.related_parts[embed].blob))


class TestLogosAreImagesAtTheTrustBoundary:
    def test_a_small_file_of_too_many_pixels_is_refused_from_its_header_at_once(self, house):
        logo = bomb_png(13000, 13000)
        assert len(logo) < 100_000
        started = time.monotonic()
        theme_fails(house, "name: house\nlogo: logo.png\n", 2,
                    r"logo: found the logo logo\.png of 13000 x 13000 pixels, expected at "
                    r"most 25 megapixels", **{"logo.png": logo})
        assert time.monotonic() - started < 10

    def test_pillow_never_prints_its_decompression_bomb_warning(self, house):
        house.write("themes/logo.png", bomb_png(9500, 9500))     # Pillow warns past 89 MP
        house.write(HOUSE, "name: house\nlogo: logo.png\n")
        result = house.process("build", "--format", "docx", "--jobs", "1")
        result.assert_clean(1, r"^themes/house\.yaml:2:\d+: logo: .*9500 x 9500 pixels")
        assert "Warning" not in result.stdout + result.stderr

    def test_a_logo_longer_than_the_largest_side_is_refused(self, house):
        theme_fails(house, "name: house\nlogo: logo.png\n", 2, r"logo: .*12000 x 1 pixels",
                    **{"logo.png": bomb_png(12000, 1)})

    @pytest.mark.parametrize("kind", NOT_PNG_OR_JPEG)
    def test_an_image_that_is_not_png_or_jpeg_by_its_content_is_refused_whatever_its_name(
            self, house, kind):
        data, what = NOT_PNG_OR_JPEG[kind]
        theme_fails(house, "name: house\nlogo: logo.png\n", 2,
                    rf"logo: found the logo logo\.png, which by its content is .*{what}.*"
                    r"expected a PNG or JPEG", **{"logo.png": data})

    @pytest.mark.parametrize("kind", DAMAGED)
    def test_a_damaged_logo_is_one_line_at_logo(self, house, kind):
        theme_fails(house, "name: house\nlogo: logo.png\n", 2,
                    r"logo: found the logo logo\.png, which is not a readable", **{
                        "logo.png": DAMAGED[kind]})

    @pytest.mark.parametrize("kind", DAMAGED_IN_WORDS)
    def test_a_damaged_logo_is_described_in_words_never_by_an_object_repr(self, house, kind):
        data, words = DAMAGED_IN_WORDS[kind]
        house.write("themes/logo.png", data)
        house.write(HOUSE, "name: house\nlogo: logo.png\n")
        runs = [house.build("--format", "docx") for _ in range(2)]
        for result in runs:
            result.assert_clean(1, rf"^themes/house\.yaml:2:\d+: logo: found the logo "
                                   rf"logo\.png, {re.escape(words)}$")
            assert not re.search(r"object at|0x[0-9a-f]{6}", result.stderr), result.stderr
        assert runs[0].problems == runs[1].problems
        assert documents(house) == house.previous

    def test_a_logo_wider_than_the_page_at_its_height_is_refused(self, house):
        theme_fails(house, "name: house\nlogo: logo.png\nlogo_height_mm: 20\n", 2,
                    r"logo: .*at logo_height_mm 20 is 400\.0 mm wide; expected a logo between "
                    r"1 and 170 mm wide", **{"logo.png": encoded(Image.new("RGB", (400, 20)))})

    def test_a_logo_that_is_a_named_pipe_is_refused_without_waiting(self, house):
        import os

        os.mkfifo(house.root / "themes" / "logo.png")
        theme_fails(house, "name: house\nlogo: logo.png\n", 2, r"logo: .*a named pipe")

    @pytest.mark.parametrize("kind", LOGO_KINDS)
    def test_any_png_or_jpeg_reaches_the_docx_as_one_normalised_png(self, house, kind):
        data, size = LOGO_KINDS[kind]
        house.write("themes/logo.png", data)
        house.write(HOUSE, "name: house\nlogo: logo.png\n")
        house.build("--audience", "public").assert_clean(0)
        image = embedded_logo(house)
        assert (image.format, image.mode, image.size) in {("PNG", "RGB", size),
                                                          ("PNG", "RGBA", size)}
        assert round(image.info["dpi"][0]) == 300 and "icc_profile" not in image.info
        assert (house.out / "brief/brief-public.pdf").read_bytes().startswith(b"%PDF")

    def test_the_pdf_draws_the_same_normalised_logo_as_the_docx(self, house):
        house.write("themes/logo.png", rotated_jpeg())          # upright only once decoded
        house.write(HOUSE, "name: house\nlogo: logo.png\n")
        house.build("--audience", "public").assert_clean(0)
        [drawn] = pypdf.PdfReader(house.out / "brief/brief-public.pdf").pages[0].images
        assert drawn.image.size == embedded_logo(house).size == (40, 80)

    def test_a_normalised_logo_gives_the_same_docx_bytes_when_built_again(self, house):
        house.write("themes/logo.png", rotated_jpeg())
        house.write(HOUSE, "name: house\nlogo: logo.png\n")
        house.build("--format", "docx").assert_clean(0)
        first = (house.out / "brief/brief-public.docx").read_bytes()
        house.build("--format", "docx", "--force").assert_clean(0)
        assert (house.out / "brief/brief-public.docx").read_bytes() == first


# ------------------------------------------------------------------ 4. labels

BAD_LABELS = {
    "unknown": ("page", "Page {x}", r"found \{x\}, an unknown placeholder; expected only "
                                    r"\{page\}, \{pages\}"),
    "attribute": ("page", "{page.__class__.__mro__}", "an attribute or index"),
    "index": ("page", "{pages[0]}", "an attribute or index"),
    "format-spec": ("page", "{page:>50000000}", "a format spec"),
    "conversion": ("page", "{page!r}", "a conversion"),
    "positional": ("page", "{0}", "an unknown placeholder"),
    "empty": ("page", "Page {}", "an empty placeholder"),
    "lone-brace": ("page", "Page {page", "a lone brace"),
    "edition-with-page": ("edition", "Edition {page}", r"expected only \{date\}"),
    "summary-with-date": ("summary", "Summary of {date}", "text without placeholders"),
}


class TestLabelsAreNeverFormatStrings:
    @pytest.mark.parametrize("case", BAD_LABELS)
    def test_a_label_briefgen_cannot_fill_is_refused_at_its_line(self, house, case):
        key, text, why = BAD_LABELS[case]
        theme_fails(house, f"name: house\nlabels:\n  {key}: '{text}'\n", 3,
                    rf"labels\.{key}: .*{why}")

    def test_a_furniture_text_with_a_format_spec_is_refused_at_its_line(self, house):
        theme_fails(house, "name: house\nfurniture:\n  header_left: '{title:>9999999}'\n", 3,
                    r"furniture\.header_left: found \{title:>9999999\}, a placeholder with a "
                    "format spec")

    def test_an_audience_label_in_the_project_file_is_checked_the_same_way(self, house):
        house.write("briefgen.yaml", "theme: house\naudiences:\n  public:\n    labels:\n"
                                     "      page: 'Page {page.__class__}'\n")
        result = house.build("--format", "docx")
        result.assert_clean(1, r"^briefgen\.yaml:5:\d+: audiences\.public\.labels\.page: "
                               r"found \{page\.__class__\}, a placeholder with an attribute")
        assert documents(house) == house.previous

    def test_a_label_holding_a_control_character_is_refused(self, house):
        theme_fails(house, 'name: house\nlabels:\n  summary: "At a\\u0007glance"\n', 3,
                    r"labels\.summary: found the control or non-character U\+0007")

    def test_doubled_braces_print_as_braces_around_the_page_fields(self, house):
        house.write(HOUSE, "name: house\nlabels:\n  page: '{{p. {page}/{pages}}}'\n"
                           "  edition: 'Edition {{{date}}}'\n")
        house.build("--format", "docx").assert_clean(0)
        footer = xml(built_docx(house), "word/footer1.xml")
        texts = "".join(t.text for t in footer.iter(qn("w:t")) if t.getparent().getparent()
                        .tag != qn("w:fldSimple"))
        assert texts.endswith("{p. /}")
        fields = [f.get(qn("w:instr")).strip() for f in footer.iter(qn("w:fldSimple"))]
        assert fields == ["PAGE", "NUMPAGES"]
        paragraphs = [p.text for p in docx.Document(
            str(house.out / "brief/brief-public.docx")).paragraphs]
        assert any("Edition {15 January 2026}" in text for text in paragraphs), paragraphs

    def test_every_label_briefgen_uses_has_a_one_line_meaning(self):
        assert set(LABELS) == set(DEFAULT_LABELS)
        assert all(meaning and "\n" not in meaning for meaning in LABELS.values())


# ------------------------------------------------------------------ 5. properties

class TestLongDocumentProperties:
    def test_long_properties_fit_word_while_the_page_keeps_every_word(self, house):
        title = " ".join(f"word{n}" for n in range(120))
        marking = "RESTRICTED " + "-".join(["HANDLING"] * 40)
        house.brief(title=title, marking=marking, keywords=[f"keyword {n}" for n in range(60)],
                    authors=[{"name": f"Author number {n}"} for n in range(30)])
        house.build("--format", "docx").assert_clean(0)
        document = docx.Document(str(house.out / "brief/brief-public.docx"))
        core = document.core_properties
        for value in (core.title, core.subject, core.author, core.keywords, core.comments):
            assert len(value) <= 255 and value.endswith("…"), value
        assert core.title.removesuffix("…") == title[:len(core.title) - 1].rstrip()
        assert re.fullmatch(r"(word\d+ )*word\d+…", core.title)          # cut at a word
        assert title in [p.text for p in document.paragraphs]
        assert marking in "".join(p.text for p in document.sections[0].header.paragraphs)


# ------------------------------------------------------------------ 6. edition dates

class TestEditionDatesOutsideTheZipRange:
    @pytest.mark.parametrize("edition, entries", [
        ("2108-01-01", (2107, 12, 31)), ("2999-06-30", (2107, 12, 31)),
        ("1979-12-31", (1980, 1, 1)), ("0999-01-02", (1980, 1, 1)),
    ])
    def test_the_zip_entries_are_dated_within_its_range_and_the_document_keeps_the_edition(
            self, house, edition, entries):
        house.brief(edition=edition)
        house.build("--format", "docx").assert_clean(0)
        archive = built_docx(house)
        assert {info.date_time[:3] for info in archive.infolist()} == {entries}
        core = xml(archive, "docProps/core.xml")
        dates = {element.text for element in core if element.tag.endswith(("created",
                                                                           "modified"))}
        assert dates == {f"{edition}T00:00:00Z"}
