"""The title block and the page furniture are nodes of the tree, drawn from it by every
format: made from plain values, refused when malformed, and read back whole from the
DOCX (footer XML) and the PDF (each page's footer text)."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pdfplumber
import pypdf
import pytest
import yaml
from docx.oxml.ns import qn

from briefgen.compose import blocks as b
from briefgen.compose import frame
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers import renderer_for

from .conftest import minimal_brief, run_in_process, write_files

META = b.DocumentMeta(title="Straits", subtitle="Outlook", organisation="Test Institute",
                      authors=("A. Analyst", "B. Writer"), edition=dt.date(2026, 1, 15),
                      marking="OFFICIAL", audience_label="Analytical brief")
TEXTS = {"header_left": "{title}: {subtitle}", "header_centre": "{marking}",
         "footer_left": "{organisation} ({audience}, {edition})", "footer_centre": ""}
LABEL = "Page {page} of {pages} — end"
LONG_SUMMARY = ["A paragraph of the summary that goes on for a while. " * 40] * 4


# ------------------------------------------------------------ made from values

def test_the_title_block_is_made_from_the_meta_with_the_edition_label_filled():
    block = frame.title_block(META, {"edition": "Edition of {date}"})
    assert block == b.TitleBlock(
        organisation="Test Institute", title="Straits", subtitle="Outlook",
        details="Analytical brief  ·  Edition of 15 January 2026  ·  A. Analyst, B. Writer")


def test_a_brief_without_an_edition_or_authors_has_only_its_audience_in_the_details():
    bare = b.DocumentMeta(title="Straits", audience_label="Public brief")
    assert frame.title_block(bare, {"edition": "Edition of {date}"}).details == "Public brief"


def test_the_furniture_texts_are_filled_and_the_page_label_becomes_nodes():
    furniture = frame.page_furniture(META, TEXTS, {"page": LABEL})
    assert furniture == b.PageFurniture(
        header_left=(b.Text("Straits: Outlook"),), header_centre=(b.Text("OFFICIAL"),),
        footer_left=(b.Text("Test Institute (Analytical brief, 2026-01-15)"),),
        footer_centre=(),
        page_label=(b.Text("Page "), b.PageNumber(), b.Text(" of "), b.PageCount(),
                    b.Text(" — end")))


@pytest.mark.parametrize("label, nodes", [
    ("{{page}} is {page}", (b.Text("{page} is "), b.PageNumber())),
    ("{pages}/{pages}", (b.PageCount(), b.Text("/"), b.PageCount())),
    ("{{{page}}}", (b.Text("{"), b.PageNumber(), b.Text("}"))),
    ("no numbers", (b.Text("no numbers"),)),
    ("", ()),
])
def test_braces_in_a_page_label_are_text_and_each_placeholder_is_a_node(label, nodes):
    assert frame.page_label(label) == nodes


# ------------------------------------------------------------ refused at once

@pytest.mark.parametrize("make", [
    lambda: b.PageFurniture(page_label=("Page 1",)),
    lambda: b.PageFurniture(header_left=(b.PageNumber(),)),
    lambda: b.PageFurniture(footer_left=[b.Text("a list, not a tuple")]),
    lambda: b.PageFurniture(page_label=(b.Strong((b.Text("bold"),)),)),
    lambda: b.TitleBlock(organisation="Test Institute", title=(b.Text("Straits"),)),
    lambda: b.Document(META, ()),
    lambda: b.Document(META, (), title=frame.title_block(META, DEFAULT_THEME.labels),
                       furniture=(b.Text("not furniture"),)),
    lambda: b.Document(META, (), title="Straits", furniture=b.PageFurniture()),
], ids=["text-in-label", "page-number-outside-the-label", "list", "strong-in-label",
        "title-as-inlines", "document-without-frame", "furniture-not-a-node",
        "title-not-a-node"])
def test_a_malformed_title_block_or_furniture_fails_when_it_is_built(make):
    with pytest.raises(TypeError):
        make()


# ------------------------------------------------- drawn from the nodes alone

def hand_made(label: tuple) -> b.Document:
    """A document whose title block and furniture say other things than its meta and
    the theme would: what is drawn can only have come from the nodes."""
    paragraph = b.Paragraph((b.Text("Body text."),))
    return b.Document(
        META, (paragraph,),
        title=b.TitleBlock(organisation="Node Institute", title="Node title",
                           subtitle="Node subtitle", details="Node details"),
        furniture=b.PageFurniture(header_centre=(b.Text("NODE MARK"),),
                                  footer_left=(b.Text("Node footer"),),
                                  footer_centre=(b.Text("NODE MARK"),), page_label=label))


NUMBERS_TWICE = (b.Text("p"), b.PageNumber(), b.Text("/"), b.PageCount(),
                 b.Text(" and page "), b.PageNumber())


def test_the_docx_draws_the_title_block_and_furniture_of_the_tree():
    data = renderer_for("docx")(DEFAULT_THEME).render(hand_made(NUMBERS_TWICE))
    document = docx.Document(io.BytesIO(data))
    opening = [(p.style.name, p.text) for p in document.paragraphs[:4]]
    assert opening == [("Organisation", "Node Institute"), ("Title", "Node title"),
                       ("Subtitle", "Node subtitle"), ("Brief Meta", "Node details")]
    assert document.core_properties.title == "Straits"          # the properties: the meta's
    section = document.sections[0]
    assert footer_line(section.footer) == \
        "Node footer\tNODE MARK\tp{PAGE}/{NUMPAGES} and page {PAGE}"
    assert footer_line(section.first_page_header) == "\tNODE MARK"


def test_the_pdf_draws_the_title_block_and_furniture_of_the_tree():
    data = renderer_for("pdf")(DEFAULT_THEME).render(hand_made(NUMBERS_TWICE))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        lines = page.extract_text().splitlines()
        assert lines[:4] == ["NODE MARK", "NODE INSTITUTE", "Node title", "Node subtitle"]
        assert "Node details" in lines
        assert footer_text(page) == "Node footer NODE MARK p1/1 and page 1"
    assert pypdf.PdfReader(io.BytesIO(data)).metadata.title == "Straits"


# ------------------------------------- a page label read back whole in both formats

@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """A project whose analytical brief's page label has text before the page number and
    after the page count, built in every format; its out/ folder."""
    root = tmp_path_factory.mktemp("labelled")
    brief = minimal_brief(summary=LONG_SUMMARY, default_audiences=["analytical"])
    write_files(root, {
        "briefgen.yaml": f"audiences:\n  analytical:\n    labels:\n      page: '{LABEL}'\n",
        "data/brief.yaml": yaml.safe_dump(brief, allow_unicode=True)})
    built = run_in_process("build", cwd=root)
    assert built.returncode == 0, built.stderr
    return root / "out" / "brief"


def test_the_docx_footer_holds_the_page_fields_and_all_the_label_text_around_them(labelled):
    section = docx.Document(str(labelled / "brief-analytical.docx")).sections[0]
    for footer in (section.first_page_footer, section.footer):
        assert footer_line(footer) == \
            "Test Institute\tOFFICIAL\tPage {PAGE} of {NUMPAGES} — end"


def test_every_pdf_page_shows_the_whole_page_label(labelled):
    with pdfplumber.open(labelled / "brief-analytical.pdf") as pdf:
        found = [footer_text(page) for page in pdf.pages]
    total = len(found)
    assert total >= 2
    for number, footer in enumerate(found, start=1):
        assert footer == f"Test Institute OFFICIAL Page {number} of {total} — end", footer


# ------------------------------------------------------------------- reading

def footer_line(part) -> str:
    """A header's or footer's first line as a word processor shows it: its text, tabs as
    tabs, and each field as its instruction in braces."""
    paragraph = part.part.element.find(qn("w:p"))
    return "".join(_reading(child) for child in paragraph)


def _reading(element) -> str:
    if element.tag == qn("w:fldSimple"):
        return "{" + element.get(qn("w:instr")).strip() + "}"
    if element.tag != qn("w:r"):
        return ""
    return "".join(child.text if child.tag == qn("w:t") else "\t"
                   for child in element if child.tag in (qn("w:t"), qn("w:tab")))


def footer_text(page) -> str:
    """The text of a PDF page's footer, spaces collapsed."""
    bottom = page.crop((0, page.height - 40, page.width, page.height))
    return " ".join((bottom.extract_text() or "").split())
