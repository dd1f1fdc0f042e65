"""The tagged PDF (PDF/UA-1) as assistive technology reads it: the structure tree holds
the block tree node by node, every mark on a page is either tagged content or an
Artifact, the catalog says what language and title the document has, and two
checkers find nothing to report.

The tree is read twice, by ``tests/pdfstructure.py`` (pikepdf, text through each
font's /ToUnicode map) and by poppler's ``pdfinfo -struct-text``; what each test
expects is derived from the block tree the pipeline makes of the same data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml
from lxml import etree
from reportlab.lib.units import mm

import briefgen
from briefgen.build.stages import document_for
from briefgen.compose import blocks as b
from briefgen.data.load import load_brief
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers import renderer_for
from tests.conftest import AUDIENCES, ROOT, SEED, minimal_brief
from tests.pdfstructure import TaggedPdf, flat, fonts_of, struct_text
from tests.test_docx_output import CHINESE, CYRILLIC, SEED_ID, expected_grid
from tests.test_every_node import URL, every_node_document
from tests.test_themes_and_templates import png_bytes

pytestmark = pytest.mark.xdist_group("pdf-tagging")    # the documents are made once

BULLETS = ("\u2022", "\u2013", "\u25e6")      # what a reader hears for a bullet, by depth
LANGUAGE = getattr(b, "Language", None)       # the inline node of text in another language
LOGO_THEME = replace(DEFAULT_THEME, logo_png=png_bytes())   # a 40 x 20 px logo
SEED_SUBJECTS = tuple(AUDIENCES)
SUBJECTS = (*SEED_SUBJECTS, "every-node", "every-node-logo", "long-table")
OUTLOUD_CHECKED = SUBJECTS[:-1]     # not the long table: see the PAG-001 test at the end
LONG_ROWS = [[f"Body {i:02d} alpha", f"Body {i:02d} beta"] for i in range(60)]
LONG_HEADER = ["HeaderAlpha", "HeaderBeta"]
NAMESPACES = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
              "dc": "http://purl.org/dc/elements/1.1/",
              "pdfuaid": "http://www.aiim.org/pdfua/ns/id/"}


# ------------------------------------------------------------------ documents

def long_table_brief() -> dict:
    brief = minimal_brief()
    brief["sections"][0]["tables"] = [{"id": "long", "caption": "A long table",
                                       "columns": LONG_HEADER, "rows": LONG_ROWS}]
    return brief


@dataclass(frozen=True)
class Subject:
    """A document under test: its block tree, its PDF, and whether its theme has a logo."""

    document: b.Document
    data: bytes
    logo: bool = False


@pytest.fixture(scope="module")
def brief_file(tmp_path_factory):
    """Write a brief (a dict) into a folder of its own; return the path of its file."""

    def write(brief: dict, name: str = "brief"):
        path = tmp_path_factory.mktemp(name) / "data" / f"{name}.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(yaml.safe_dump(brief, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="module")
def subjects(built, brief_file) -> dict:
    """Each document under test, rendered once: the seed's (from the session's build),
    the every-node document without and with a logo, and a table of 60 rows."""
    loaded = load_brief(SEED)
    out = {a: Subject(document_for(loaded, a), (built / f"{SEED_ID}-{a}.pdf").read_bytes())
           for a in SEED_SUBJECTS}
    every = every_node_document()
    out["every-node"] = Subject(every, renderer_for("pdf")(DEFAULT_THEME).render(every))
    out["every-node-logo"] = Subject(every, renderer_for("pdf")(LOGO_THEME).render(every),
                                     logo=True)
    long = load_brief(brief_file(long_table_brief(), "long"))
    out["long-table"] = Subject(document_for(long, "analytical"),
                                briefgen.render(long, "analytical", "pdf"))
    return out


@pytest.fixture(scope="module")
def files(subjects, tmp_path_factory) -> dict:
    """Each document as a file, for the command-line readers."""
    folder = tmp_path_factory.mktemp("tagged")
    paths = {name: folder / f"{name}.pdf" for name in subjects}
    for name, subject in subjects.items():
        paths[name].write_bytes(subject.data)
    return paths


@pytest.fixture(scope="module")
def tagged(subjects) -> dict:
    opened = {name: TaggedPdf(subject.data) for name, subject in subjects.items()}
    yield opened
    for pdf in opened.values():
        pdf.close()


@pytest.fixture(scope="module")
def printed(files) -> dict:
    """What ``pdfinfo -struct-text`` reads of each document: its Document element."""
    out = {}
    for name, path in files.items():
        (document,) = struct_text(path)
        out[name] = document
    return out


# ---------------------------------------------- the tree the blocks should make

def inline_shapes(nodes: tuple) -> tuple[str, tuple]:
    """The text an element holds itself for ``nodes``, and the shapes of the Link and
    Span elements inside them (whose text is theirs, not the element's)."""
    text, elements = [], []
    for node in nodes:
        role = inline_role(node)
        if role is not None:
            elements.append(leaf(role, node.children))
        elif isinstance(node, (b.Strong, b.Emph)):
            inner, nested = inline_shapes(node.children)
            text.append(inner)
            elements.extend(nested)
        else:
            text.append(b.plain_text((node,)))
    return "".join(text), tuple(elements)


def inline_role(node) -> str | None:
    """The element an inline node is of its own: a link, or text in another language."""
    if isinstance(node, b.Link):
        return "Link"
    if LANGUAGE is not None and isinstance(node, LANGUAGE):
        return "Span"
    return None


def leaf(role: str, nodes: tuple) -> tuple:
    """The shape of an element holding the inlines ``nodes``."""
    text, elements = inline_shapes(nodes)
    return (role, flat(text), elements)


def block_shapes(blocks: tuple, depth: int = 0) -> list[tuple]:
    """The shapes of the elements ``blocks`` should become, in order: a caption goes
    into the table after it, a rule becomes nothing."""
    out: list = []
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if isinstance(block, b.Caption):
            if not isinstance(following, b.Table):
                out.append(leaf("P", block.children))
            continue
        caption = blocks[index - 1] if index and isinstance(blocks[index - 1], b.Caption) \
            else None
        out.extend(block_shape(block, depth, caption))
    return out


def block_shape(block, depth: int, caption: b.Caption | None) -> list[tuple]:
    if isinstance(block, b.Heading):
        return [leaf(f"H{block.level + 1}", block.children)]
    if isinstance(block, b.Paragraph):
        return [leaf("P", block.children)]
    if isinstance(block, (b.BulletList, b.OrderedList)):
        return [list_shape(block, depth)]
    if isinstance(block, b.Table):
        return [table_shape(block, caption)]
    if isinstance(block, b.Callout):
        return [("Div", "", tuple(block_shapes(block.children, depth)))]
    if isinstance(block, b.ThematicBreak):
        return []
    raise AssertionError(f"no expected shape for {type(block).__name__}")


def list_shape(block, depth: int) -> tuple:
    if isinstance(block, b.OrderedList):
        labels = [f"{n}." for n in range(block.start, block.start + len(block.items))]
    else:
        labels = [BULLETS[depth % len(BULLETS)]] * len(block.items)
    items = tuple(("LI", "", (("Lbl", label, ()),
                              ("LBody", "", tuple(block_shapes(item.children, depth + 1)))))
                  for label, item in zip(labels, block.items))
    return ("L", "", items)


def table_shape(table: b.Table, caption: b.Caption | None) -> tuple:
    head = ("THead", "", (("TR", "", tuple(leaf("TH", c.children) for c in table.header)),))
    body = ("TBody", "", tuple(("TR", "", tuple(leaf("TD", c.children) for c in row))
                               for row in table.rows))
    first = (leaf("Caption", caption.children),) if caption is not None else ()
    return ("Table", "", (*first, head, body))


def title_shapes(title: b.TitleBlock, logo: bool) -> list[tuple]:
    lines = [("P", title.organisation.upper()), ("H1", title.title), ("P", title.subtitle),
             ("P", title.details)]
    return [("Figure", "", ())] * logo + [(role, flat(text), ()) for role, text in lines if text]


def banner_shapes(document: b.Document) -> list[tuple]:
    """The banner (the marking, as page 1's header or footer shows it) is read first."""
    texts = document.furniture.texts()
    banner = next((texts[s] for s in ("header_centre", "footer_centre") if texts[s].strip()), "")
    return [("P", flat(banner), ())] if banner else []


def expected_document(document: b.Document, logo: bool = False) -> tuple:
    return ("Document", "", tuple(banner_shapes(document) + title_shapes(document.title, logo)
                                  + block_shapes(document.blocks)))


def body_of(pdf: TaggedPdf, subject: Subject) -> tuple:
    """The shapes of the Document element's children after the banner and title block."""
    document = subject.document
    skip = len(banner_shapes(document)) + len(title_shapes(document.title, subject.logo))
    return pdf.document.shape()[2][skip:]


def table_shapes(shape: tuple) -> list[tuple]:
    found = [shape] if shape[0] == "Table" else []
    return found + [t for child in shape[2] for t in table_shapes(child)]


def headings_of(document: b.Document) -> list[tuple[str, str]]:
    return [(f"H{block.level + 1}", flat(b.plain_text(block.children)))
            for block in document.blocks if isinstance(block, b.Heading)]


# ----------------------------------------------------------------- the tree

@pytest.mark.parametrize("name", SUBJECTS)
def test_the_structure_tree_holds_the_block_tree_node_by_node(subjects, tagged, name):
    document = subjects[name].document
    assert tagged[name].document.shape() == expected_document(document, subjects[name].logo)


@pytest.mark.parametrize("name", SUBJECTS)
def test_the_title_block_is_the_organisation_line_the_title_the_subtitle_and_the_meta_line(
        subjects, tagged, name):
    title = subjects[name].document.title
    banner = banner_shapes(subjects[name].document)
    children = [c for c in tagged[name].document.children if c.role != "Figure"][len(banner):]
    lines = [("P", title.organisation.upper()), ("H1", title.title), ("P", title.subtitle),
             ("P", flat(title.details))]
    expected = [(role, text) for role, text in lines if text]
    assert [(c.role, flat(c.all_text())) for c in children[:len(expected)]] == expected
    assert [c.role for c in tagged[name].document.children].count("H1") == 1


def test_a_theme_s_logo_is_a_figure_with_its_alternate_text_and_its_place_on_the_page(tagged):
    pdf = tagged["every-node-logo"]
    banner, figure = pdf.document.children[:2]          # the banner, then the title block
    assert (banner.role, flat(banner.all_text())) == ("P", "MarkingWord")
    assert (figure.role, figure.alt) == ("Figure", "OrgWord logo")
    assert figure.attributes["/O"] == "/Layout"
    x0, y0, x1, y1 = figure.attributes["/BBox"]
    height = DEFAULT_THEME.logo_height_mm * mm
    assert y1 - y0 == pytest.approx(height, abs=0.02)
    assert x1 - x0 == pytest.approx(2 * height, abs=0.02)      # the logo is 40 x 20
    (content,) = figure.contents()
    drawn = [s for s in pdf.pages[content.page].shown if s.operator == "Do"
             and s.mcid == content.mcid]
    assert len(drawn) == 1, "the image is not drawn inside the Figure's marked content"


def test_without_a_logo_the_document_has_no_figure(tagged):
    assert tagged["every-node"].document.find("Figure") == []


@pytest.mark.parametrize("name", SUBJECTS)
def test_section_headings_are_one_level_below_the_block_tree_s_and_never_skip_one(
        subjects, tagged, name):
    found = [(h.role, flat(h.all_text())) for h in tagged[name].document.walk()
             if h.role[0] == "H" and h.role[1:].isdigit() and h.role != "H1"]
    assert found == headings_of(subjects[name].document)
    levels = [1] + [int(role[1:]) for role, _ in found]
    assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:])), levels


@pytest.mark.parametrize("name", SUBJECTS)
def test_paragraphs_are_p_and_callouts_are_divs_holding_their_paragraphs(subjects, tagged,
                                                                        name):
    document = subjects[name].document
    expected = [s for s in block_shapes(document.blocks) if s[0] in ("P", "Div")]
    found = [c for c in body_of(tagged[name], subjects[name]) if c[0] in ("P", "Div")]
    assert found == expected
    if any(isinstance(block, b.Callout) for block in document.blocks):
        assert any(s[0] == "Div" and s[2] and all(c[0] == "P" for c in s[2]) for s in found)


def rich_text(value) -> str:
    """The words of a text field written as data: a string, or a list of segments."""
    if isinstance(value, str):
        return value
    return "".join(segment if isinstance(segment, str) else next(
        segment[kind] for kind in ("text", "em", "strong", "link") if kind in segment)
        for segment in value)


def test_the_seed_s_summary_box_is_a_div_holding_each_summary_paragraph(tagged, seed_data):
    for audience in SEED_SUBJECTS:
        divs = tagged[audience].document.find("Div")
        paragraphs = [flat(p.all_text()) for p in divs[0].children]
        assert paragraphs == [flat(rich_text(text)) for text in seed_data["summary"]], audience
        assert {p.role for p in divs[0].children} == {"P"}


@pytest.mark.parametrize("name", SUBJECTS)
def test_a_list_is_l_holding_li_with_its_label_and_its_body_nested_lists_in_the_body(
        subjects, tagged, name):
    document = subjects[name].document
    expected = [s for s in block_shapes(document.blocks) if s[0] == "L"]
    found = [c for c in body_of(tagged[name], subjects[name]) if c[0] == "L"]
    assert found == expected
    for item in tagged[name].document.find("LI"):
        assert [c.role for c in item.children] == ["Lbl", "LBody"]


def item_shape(label: str, *body) -> tuple:
    return ("LI", "", (("Lbl", label, ()), ("LBody", "", body)))


def list_of(*items) -> tuple:
    return ("L", "", items)


def paragraph_shape(text: str) -> tuple:
    return ("P", text, ())


def test_the_every_node_lists_nest_with_their_own_bullets_and_numbers(tagged):
    lists = [c.shape() for c in tagged["every-node"].document.children if c.role == "L"]
    assert lists == [
        list_of(item_shape("\u2022", paragraph_shape("OuterBulletWord"),
                           list_of(item_shape("\u2013", paragraph_shape("NestedBulletWord")))),
                item_shape("\u2022", paragraph_shape("SecondBulletWord"))),
        list_of(item_shape("3.", paragraph_shape("OuterNumberWord"),
                           list_of(item_shape("1.", paragraph_shape("NestedNumberWord")))),
                item_shape("4.", paragraph_shape("SecondNumberWord"))),
        # the sources list, which citations name: a list like any other, numbered from 1
        list_of(item_shape("1.", paragraph_shape("FirstSourceWord")),
                item_shape("2.", paragraph_shape("SecondSourceWord")))]


@pytest.mark.parametrize("name", SUBJECTS)
def test_a_table_is_its_caption_then_thead_and_tbody_with_every_cell_in_order(
        subjects, tagged, name):
    document = subjects[name].document
    expected = table_shapes(expected_document(document))
    assert table_shapes(tagged[name].document.shape()) == expected
    for cell in tagged[name].document.find("TH"):
        assert cell.attributes == {"/O": "/Table", "/Scope": "/Column"}, cell.attributes
    for table in tagged[name].document.find("Table"):
        assert table.children[0].role == "Caption", "a table's caption is not its first child"


def test_the_seed_s_three_tables_hold_every_cell_of_the_data_under_th_and_td(tagged,
                                                                            seed_data):
    data = [t for s in seed_data["sections"] for t in s.get("tables", [])]
    tables = tagged["analytical"].document.find("Table")
    assert len(tables) == len(data) == 3
    for table, source in zip(tables, data):
        head, = table.find("THead")
        body, = table.find("TBody")
        grid = [[flat(c.all_text()) for c in tr.children] for tr in head.find("TR")]
        grid += [[flat(c.all_text()) for c in tr.children] for tr in body.find("TR")]
        assert grid == expected_grid(source)
        assert {c.role for tr in head.find("TR") for c in tr.children} == {"TH"}
        assert {c.role for tr in body.find("TR") for c in tr.children} == {"TD"}
        assert table.children[0].role == "Caption", "the table has no Caption element"
        assert flat(source["caption"]) in flat(table.children[0].all_text())


# --------------------------------------------------------------------- links

def link_annotations(pdf: TaggedPdf) -> list:
    return [(index, annot) for index, page in enumerate(pdf.pdf.pages)
            for annot in page.obj.get("/Annots", []) if annot.get("/Subtype") == "/Link"]


def test_a_link_is_an_element_in_its_paragraph_holding_its_text_and_its_annotation(tagged):
    pdf = tagged["every-node"]
    (paragraph,) = [p for p in pdf.document.find("P") if any(
        c.role == "Link" for c in p.children)]
    (link,) = [c for c in paragraph.children if c.role == "Link"]
    assert flat(link.text) == "LinkWord" and link.children == ()
    (reference,) = link.references()
    assert reference.obj.get("/Subtype") == "/Link"
    assert reference.obj.A.URI == URL
    contents = str(reference.obj.Contents)
    assert "LinkWord" in contents and URL in contents
    assert "LinkWord" not in flat(paragraph.text)


@pytest.mark.parametrize("name", SUBJECTS)
def test_every_annotation_is_a_link_held_by_a_link_element(tagged, name):
    pdf = tagged[name]
    annotations = [annot for page in pdf.pdf.pages for annot in page.obj.get("/Annots", [])]
    held = {ref.obj.objgen for node in pdf.document.find("Link") for ref in node.references()}
    assert [a.get("/Subtype") for a in annotations if a.objgen not in held] == []
    for index, page in enumerate(pdf.pdf.pages):
        if page.obj.get("/Annots"):
            assert page.obj.get("/Tabs") == "/S", f"page {index + 1}"


@pytest.mark.parametrize("name", ["every-node", "every-node-logo"])
def test_every_link_annotation_is_tagged_and_its_struct_parent_is_its_link(tagged, name):
    pdf = tagged[name]
    tree = pdf.parent_tree()
    annotations = link_annotations(pdf)
    assert annotations
    links = {ref.obj.objgen: node for node in pdf.document.find("Link")
             for ref in node.references()}
    for page, annot in annotations:
        assert annot.objgen in links, f"an annotation on page {page + 1} is in no Link"
        assert tree[int(annot.StructParent)].objgen == links[annot.objgen].ref
        assert pdf.pdf.pages[page].obj.get("/Tabs") == "/S"


def test_a_link_that_wraps_onto_a_second_line_is_one_element_with_each_annotation(
        brief_file):
    text = "the full and rather long assessment of military assistance published in September"
    brief = minimal_brief()
    brief["sections"][0]["body"] = [["Words before the link that fill up most of the first "
                                     "line, so that the link wraps: ",
                                     {"link": text, "url": "https://example.org/report"},
                                     " and after."]]
    data = briefgen.render(load_brief(brief_file(brief, "wrapped-link")), "analytical", "pdf")
    with TaggedPdf(data) as pdf:
        (link,) = pdf.document.find("Link")
        assert flat(link.all_text()) == text
        annotations = link_annotations(pdf)
        assert len(annotations) == 2, "the link should wrap onto a second line"
        assert {r.obj.objgen for r in link.references()} == {a.objgen for _, a in annotations}
        tree = pdf.parent_tree()
        assert {tree[int(a.StructParent)].objgen for _, a in annotations} == {link.ref}


def test_a_link_and_a_span_longer_than_a_page_are_tagged_on_every_page_they_cross(
        brief_file):
    link = " ".join(f"lw{i}" for i in range(1000))
    span = " ".join(f"fw{i}" for i in range(1000))
    brief = minimal_brief()
    brief["sections"][0]["body"] = [["Before the link ", {"link": link, "url": URL},
                                     " between them ", {"text": span, "lang": "de-DE"},
                                     " after them."]]
    data = briefgen.render(load_brief(brief_file(brief, "long-link")), "analytical", "pdf")
    with TaggedPdf(data) as pdf:
        (element,) = pdf.document.find("Link")
        assert len({c.page for c in element.contents()}) >= 2
        annotations = link_annotations(pdf)
        assert {page for page, _ in annotations} == {c.page for c in element.contents()}
        assert {r.obj.objgen for r in element.references()} == {a.objgen for _, a in annotations}
        (other,) = pdf.document.find("Span")
        assert other.lang == "de-DE" and len({c.page for c in other.contents()}) >= 2
        (paragraph,) = [p for p in pdf.document.find("P") if element in p.children]
        assert other in paragraph.children
        expected = f"Before the link {link} between them {span} after them.".split()
        assert paragraph.all_text().split() == expected


# ------------------------------------------------------- marked content per page

@pytest.mark.parametrize("name", SUBJECTS)
def test_every_page_has_struct_parents_and_the_parent_tree_maps_each_mcid_to_its_element(
        tagged, name):
    pdf = tagged[name]
    tree, claimed = pdf.parent_tree(), pdf.claimed()
    for index, page in enumerate(pdf.pdf.pages):
        assert "/StructParents" in page.obj, f"page {index + 1}"
        parents = tree[int(page.StructParents)]
        mcids = pdf.pages[index].mcids()
        assert len(parents) == len(mcids) and sorted(mcids) == list(range(len(mcids)))
        for mcid in mcids:
            assert [parents[mcid].objgen] == claimed.get((index, mcid)), \
                f"page {index + 1}, MCID {mcid}"


@pytest.mark.parametrize("name", SUBJECTS)
def test_no_tagged_sequence_is_empty(tagged, name):
    """Every MCID holds something drawn: none is opened and left with nothing in it
    (where a paragraph starts or ends with a link, or one link follows another)."""
    for index, page in enumerate(tagged[name].pages):
        holding = {s.mcid for s in page.shown if s.mcid is not None}
        assert set(page.mcids()) == holding, f"page {index + 1}: {set(page.mcids()) - holding}"


@pytest.mark.parametrize("name", SUBJECTS)
def test_nothing_is_painted_outside_an_artifact_or_a_tagged_sequence(tagged, name):
    for page in tagged[name].pages:
        loose = [(s.where, s.operator, s.text) for s in page.shown
                 if s.mcid is None and not s.artifact]
        assert loose == []


@pytest.mark.parametrize("name", SUBJECTS)
def test_tagged_sequences_never_nest_and_every_sequence_is_closed(tagged, name):
    for page in tagged[name].pages:
        assert page.problems == []
        for stack in page.opened:
            if stack[-1].mcid is not None:
                assert len(stack) == 1, f"an MCID sequence inside {stack[:-1]}"


@pytest.mark.parametrize("name", SUBJECTS)
def test_every_mcid_on_a_page_is_claimed_by_exactly_one_element(tagged, name):
    pdf = tagged[name]
    claimed = pdf.claimed()
    on_pages = {(index, mcid) for index, page in enumerate(pdf.pages) for mcid in page.mcids()}
    assert sorted(on_pages) == sorted(claimed)
    assert {key: refs for key, refs in claimed.items() if len(refs) != 1} == {}
    for index, page in enumerate(pdf.pages):
        assert len(page.mcids()) == len(set(page.mcids())), f"page {index + 1}"


def furniture_drawn(page, text: str) -> list:
    return [s for s in page.shown if text in s.text]


@pytest.mark.parametrize("audience", SEED_SUBJECTS)
def test_the_marking_is_read_once_first_and_is_furniture_elsewhere_as_page_numbers_are(
        tagged, seed_data, audience):
    marking = seed_data.get("markings", {}).get(audience, seed_data["marking"])
    for number, page in enumerate(tagged[audience].pages, start=1):
        for text in (marking, f"Page {number} of"):
            drawn = furniture_drawn(page, text)
            assert drawn, f"'{text}' is not drawn on page {number}"
            tagged_here = [s for s in drawn if s.mcid is not None]
            banner = number == 1 and text == marking
            assert len(tagged_here) == (1 if banner else 0), (number, text)
            assert all(s.artifact for s in drawn if s.mcid is None), (number, text)
    first = tagged[audience].document.children[0]
    assert (first.role, flat(first.all_text())) == ("P", marking)
    assert tagged[audience].document.all_text().count(marking) == 1


def test_the_running_header_and_the_footer_are_artifacts_not_in_the_tree(tagged):
    pdf = tagged["every-node"]
    for word in ("RunningHeaderWord", "FooterLeftWord", "PageLabelWord"):
        drawn = [s for page in pdf.pages for s in furniture_drawn(page, word)]
        assert drawn and all(s.artifact and s.mcid is None for s in drawn), word
        assert word not in pdf.document.all_text()
    drawn = [s for page in pdf.pages for s in furniture_drawn(page, "MarkingWord")]
    assert [s.mcid is not None for s in drawn].count(True) == 1      # page 1's banner
    assert pdf.document.all_text().count("MarkingWord") == 1


# -------------------------------------------------------------- reading order

@pytest.mark.parametrize("name", SUBJECTS)
def test_pdfinfo_reads_the_same_tree_as_the_pikepdf_reader(tagged, printed, name):
    assert printed[name].shape() == tagged[name].document.shape()


@pytest.mark.parametrize("name", SUBJECTS)
def test_pdfinfo_reads_the_section_headings_in_the_order_of_the_block_tree(
        subjects, printed, name):
    found = [(h.role, flat(h.all_text())) for h in printed[name].walk()
             if h.role[0] == "H" and h.role[1:].isdigit() and h.role != "H1"]
    assert found == headings_of(subjects[name].document)


@pytest.mark.parametrize("audience", SEED_SUBJECTS)
def test_words_at_the_end_of_a_line_are_followed_by_a_space(subjects, tagged, audience):
    document = subjects[audience].document
    paragraphs = [flat(b.plain_text(block.children)) for block in document.blocks
                  if isinstance(block, b.Paragraph)]
    long = [text for text in paragraphs if len(text) > 200]    # several lines each
    assert long, "the seed should have paragraphs of several lines"
    read = {flat(p.all_text()) for p in tagged[audience].document.find("P")}
    assert [text for text in paragraphs if text not in read] == []


def test_a_paragraph_that_goes_on_over_a_page_break_reads_as_its_words(tagged, printed):
    expected = ["AfterRuleWord", *["FillerWord"] * 300]
    for reading in (tagged["every-node"].document, printed["every-node"]):
        (paragraph,) = [p for p in reading.find("P") if "AfterRuleWord" in p.all_text()]
        assert paragraph.all_text().split() == expected
    (paragraph,) = [p for p in tagged["every-node"].document.find("P")
                    if "AfterRuleWord" in p.all_text()]
    assert len({c.page for c in paragraph.contents()}) == 2, "it should cross a page break"


def test_cyrillic_and_chinese_read_back_from_the_tree_as_themselves(tagged, printed):
    for reading in (tagged["analytical"].document, printed["analytical"]):
        holding = [flat(p.all_text()) for p in reading.find("P")
                   if CYRILLIC in flat(p.all_text())]
        assert len(holding) == 1 and CHINESE in holding[0]
        assert "\ufffd" not in reading.all_text()


def nodes_under(node):
    """Every node of the block tree under ``node`` (a node or a tuple), in order."""
    if isinstance(node, tuple):
        for item in node:
            yield from nodes_under(item)
    elif dataclasses.is_dataclass(node):
        yield node
        for entry in dataclasses.fields(node):
            yield from nodes_under(getattr(node, entry.name))


def language_spans(blocks: tuple) -> list[tuple[str, str]]:
    """(lang, text) of every inline node in another language, in document order."""
    return [(node.lang, flat(b.plain_text(node.children))) for node in nodes_under(blocks)
            if isinstance(node, LANGUAGE)]


@pytest.mark.skipif(LANGUAGE is None,
                    reason="compose/blocks.py has no Language inline node yet")
@pytest.mark.parametrize("name", SUBJECTS)
def test_text_in_another_language_is_a_span_with_its_lang(subjects, tagged, name):
    expected = language_spans(subjects[name].document.blocks)
    found = [(span.lang, flat(span.all_text())) for span in tagged[name].document.find("Span")]
    assert found == expected
    if name in ("analytical", "every-node"):
        assert expected, "the document should hold text in another language"


@pytest.mark.skipif(LANGUAGE is None,
                    reason="compose/blocks.py has no Language inline node yet")
def test_a_segment_with_lang_in_the_data_is_a_span_inside_its_paragraph(brief_file):
    brief = minimal_brief()
    brief["sections"][0]["body"] = [["The strait, ", {"text": "台湾海峡", "lang": "zh-CN"},
                                     ", is narrow."]]
    data = briefgen.render(load_brief(brief_file(brief, "language")), "analytical", "pdf")
    with TaggedPdf(data) as pdf:
        (span,) = pdf.document.find("Span")
        (paragraph,) = [p for p in pdf.document.find("P") if span in p.children]
        assert (span.lang, flat(span.all_text())) == ("zh-CN", "台湾海峡")
        assert flat(paragraph.all_text()) == "The strait, 台湾海峡, is narrow."


# ------------------------------------------------------------ a long table

def test_a_long_table_repeats_its_header_as_an_artifact_and_tags_it_once(tagged):
    pdf = tagged["long-table"]
    (table,) = pdf.document.find("Table")
    assert [flat(th.all_text()) for th in table.find("TH")] == LONG_HEADER
    text = pdf.document.all_text()
    assert [text.count(word) for word in LONG_HEADER] == [1, 1]
    pages = sorted({c.page for td in table.find("TD") for c in td.contents()})
    assert len(pages) >= 2, "the table should run over pages"
    for index in pages[1:]:
        artifact = pdf.pages[index].artifact_text()
        assert all(word in artifact for word in LONG_HEADER), f"page {index + 1}"
        assert not any(word in pdf.pages[index].tagged_text() for word in LONG_HEADER)


def test_a_long_table_s_rows_are_tagged_once_each_in_order_across_its_pages(tagged):
    (table,) = tagged["long-table"].document.find("Table")
    (body,) = table.find("TBody")
    rows = [[flat(td.all_text()) for td in tr.children] for tr in body.children]
    assert rows == LONG_ROWS
    pages = [min(c.page for td in tr.children for c in td.contents()) for tr in body.children]
    assert pages == sorted(pages)
    for tr in body.children:
        assert len({c.page for td in tr.children for c in td.contents()}) == 1


# ------------------------------------------------------------------- catalog

def xmp(pdf: TaggedPdf):
    return etree.fromstring(pdf.pdf.Root.Metadata.read_bytes())


def xmp_values(tree, path: str) -> list[str]:
    return [node.text or "" for node in tree.xpath(path, namespaces=NAMESPACES)]


def check_catalog(pdf: TaggedPdf, title: str, authors: list[str], language: str) -> None:
    root = pdf.pdf.Root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == language
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert str(pdf.pdf.docinfo["/Title"]) == title
    tree = xmp(pdf)
    assert xmp_values(tree, "//dc:title/rdf:Alt/rdf:li") == [title]
    assert xmp_values(tree, "//dc:creator/rdf:Seq/rdf:li") == authors
    assert xmp_values(tree, "//dc:language/rdf:Bag/rdf:li") == [language]
    assert xmp_values(tree, "//pdfuaid:part") == ["1"]


@pytest.mark.parametrize("audience", SEED_SUBJECTS)
def test_the_catalog_says_tagged_its_language_its_title_and_claims_pdf_ua_1(
        tagged, seed_data, audience):
    check_catalog(tagged[audience], seed_data["title"],
                  [a["name"] for a in seed_data["authors"]], seed_data["language"])


def test_a_brief_in_german_says_so_in_the_catalog_and_the_metadata(brief_file):
    brief = minimal_brief(language="de-DE", title="Lagebild Ostsee")
    data = briefgen.render(load_brief(brief_file(brief, "german")), "public", "pdf")
    with TaggedPdf(data) as pdf:
        check_catalog(pdf, "Lagebild Ostsee", ["A. Analyst"], "de-DE")


@pytest.mark.parametrize("name", SUBJECTS)
def test_every_font_is_embedded_with_a_to_unicode_map(tagged, name):
    fonts = fonts_of(tagged[name].pdf)
    assert fonts
    for font in fonts:
        label = str(font.get("/BaseFont"))
        if font.get("/Subtype") == "/Type0":
            assert "/ToUnicode" in font, label
            assert font.DescendantFonts, label
            continue
        if font.get("/Subtype") in ("/CIDFontType0", "/CIDFontType2"):
            descriptor = font.FontDescriptor
        else:
            assert "/ToUnicode" in font, label
            descriptor = font.get("/FontDescriptor")
        assert descriptor is not None, f"{label} has no descriptor: not embedded"
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), label


# ------------------------------------------------------------- determinism

def test_two_renders_in_one_process_are_byte_identical(subjects, built):
    every = renderer_for("pdf")(DEFAULT_THEME).render(every_node_document())
    assert every == subjects["every-node"].data
    loaded = load_brief(SEED)
    assert briefgen.render(loaded, "analytical", "pdf") == \
        briefgen.render(loaded, "analytical", "pdf")


RENDER_IN_A_PROCESS = """
import hashlib, sys
from pathlib import Path
import briefgen
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers import renderer_for
from tests.test_every_node import every_node_document
seed = briefgen.render(briefgen.load_brief(Path(sys.argv[1])), "analytical", "pdf")
every = renderer_for("pdf")(DEFAULT_THEME).render(every_node_document())
print(hashlib.sha256(seed).hexdigest(), hashlib.sha256(every).hexdigest())
"""


def test_two_renders_in_two_processes_are_byte_identical(subjects):
    seed = briefgen.render(load_brief(SEED), "analytical", "pdf")
    here = f"{hashlib.sha256(seed).hexdigest()} " \
           f"{hashlib.sha256(subjects['every-node'].data).hexdigest()}"
    for hash_seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", RENDER_IN_A_PROCESS, str(SEED)],
                                cwd=ROOT, capture_output=True, text=True, check=False,
                                env={**os.environ, "PYTHONHASHSEED": hash_seed}, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == here, f"PYTHONHASHSEED={hash_seed}"


# ----------------------------------------------------------------- checkers

@pytest.fixture(scope="module")
def checked_files(files, tmp_path_factory) -> dict:
    """The documents the checkers read, and an untagged PDF that both must fault."""
    from reportlab.pdfgen.canvas import Canvas

    untagged = tmp_path_factory.mktemp("untagged") / "untagged.pdf"
    canvas = Canvas(str(untagged))
    canvas.drawString(72, 720, "Text that nothing tags")
    canvas.save()
    return {**files, "untagged": untagged}


@pytest.fixture(scope="module")
def outloud(checked_files) -> dict:
    """outloud's report of each checked document, from one run over all of them."""
    files = checked_files
    paths = list(files.values())
    result = subprocess.run([str(tool("outloud")), "--json", "-", *map(str, paths)],
                            capture_output=True, text=True, check=False, timeout=300)
    report = json.loads(result.stdout)
    by_path = {r["path"]: r for r in report["results"]}
    return {name: by_path[str(path)] for name, path in files.items()}


@pytest.fixture(scope="module")
def pdfua(checked_files) -> dict:
    """pdfua's JSON report of each checked document (one object per file, in a row)."""
    files = checked_files
    paths = [str(path) for path in files.values()]
    result = subprocess.run([str(tool("pdfua")), "check", "--format", "json", *paths],
                            capture_output=True, text=True, check=False, timeout=300)
    reports, decoder, text = {}, json.JSONDecoder(), result.stdout.strip()
    while text:
        report, end = decoder.raw_decode(text)
        reports[report["file"]] = report
        text = text[end:].strip()
    return {name: reports[str(path)] for name, path in files.items()}


def tool(name: str) -> Path:
    found = Path(sys.executable).parent / name
    if not found.exists():
        pytest.fail(f"{name} is not installed beside {sys.executable} (the test extras)")
    return found


@pytest.mark.parametrize("name", OUTLOUD_CHECKED)
def test_outloud_reports_no_error_and_no_warning(outloud, name):
    report = outloud[name]
    findings = [(f["rule"], f["severity"], f["message"], f.get("page"))
                for f in report["findings"] if f["severity"] in ("error", "warning")]
    assert report["error"] is None
    assert findings == []
    assert report["counts"]["error"] == report["counts"]["warning"] == 0


@pytest.mark.parametrize("name", SUBJECTS)
def test_pdfua_reports_no_error_and_no_warning(pdfua, name):
    report = pdfua[name]
    findings = [f for f in report["findings"] if f.get("severity", "").lower() != "info"]
    assert findings == []
    assert report["summary"]["errors"] == report["summary"]["warnings"] == 0
    assert report["skipped"] == []          # every rule it has could read the file


def test_both_checkers_find_errors_in_an_untagged_pdf(outloud, pdfua):
    """The checks above can fail: a PDF with no structure tree is an error to both."""
    assert outloud["untagged"]["counts"]["error"] > 0
    assert "DOC-002" in {f["rule"] for f in outloud["untagged"]["findings"]}
    assert pdfua["untagged"]["summary"]["errors"] > 0


def test_outloud_takes_numbered_rows_at_the_page_edges_for_a_running_header(outloud, tagged):
    """A fault of outloud 0.2.1, not of the PDF: its PAG-001 drops the digits of every
    tagged line near the top or foot of a page and calls a line a running header when
    what is left recurs on every page of a short document.  The long table's rows
    ("Body 22 alpha", "Body 23 alpha", ...) differ only in their numbers, so one row,
    tagged once in a TD on one page, is reported as furniture tagged on three pages.
    When this test fails, outloud is mended: check the long table with the others."""
    (finding,) = [f for f in outloud["long-table"]["findings"] if f["severity"] != "info"]
    assert finding["rule"] == "PAG-001"
    row = finding["evidence"]
    pdf = tagged["long-table"]
    rows = [" ".join(flat(td.all_text()) for td in tr.children) for tr in pdf.document.find("TR")]
    assert rows.count(row) == 1, row
    holding = [index for index, page in enumerate(pdf.pages) if row.replace(" ", "")
               in page.tagged_text().replace(" ", "")]
    assert len(holding) == 1 and len(pdf.pages) == 3


def test_a_column_that_names_its_rows_is_tagged_th_with_row_scope(brief_file):
    brief = minimal_brief()
    table = brief["sections"][0]["tables"][0]
    table["columns"][0] = {"name": table["columns"][0], "row_header": True}
    data = briefgen.render(load_brief(brief_file(brief, "row-headers")), "analytical", "pdf")
    with TaggedPdf(data) as pdf:
        (table_node,) = pdf.document.find("Table")
        head, body = table_node.children[1:]
        assert {cell.attributes.get("/Scope") for row in head.children
                for cell in row.children} == {"/Column"}
        for row, written in zip(body.children, table["rows"]):
            first, *rest = row.children
            assert (first.role, first.attributes.get("/Scope")) == ("TH", "/Row")
            assert flat(first.text) == written[0]
            assert [cell.role for cell in rest] == ["TD"] * len(rest)


def test_row_headers_reach_the_block_tree_and_stay_out_of_the_markdown_otherwise():
    from briefgen.compose import markup, templating
    from briefgen.data.tables import Column
    assert templating.column_widths((Column(name="A"), Column(name="B"))) == ""
    line = templating.column_widths((Column(name="A", row_header=True), Column(name="B")))
    assert line == '{rowheaders="0"}\n'
    (table,) = markup.parse(line + "| A | B |\n| --- | --- |\n| a | b |\n")
    assert table.row_headers == (0,)
    with pytest.raises(ValueError):
        b.Table(table.header, table.rows, row_headers=(2,))


def test_pdfua_cannot_read_a_heading_whose_contents_are_an_array(tmp_path, files):
    """A fault of pdfua 0.1.3, not of the PDF: ISO 32000 lets a structure element's /K be
    one item or an array of items, and pdfua's heading rule (UA-14-001) fails on the
    array form, so it skips the rule.  briefgen writes a single item bare (as it may),
    which the rule reads; this test shows the same heading written as an array, as
    other tools write it.  When it fails, pdfua is mended."""
    import pikepdf
    with pikepdf.open(files["analytical"]) as pdf:
        for element in pdf.Root.StructTreeRoot.K.K:
            if element.S == "/H1":
                element.K = pikepdf.Array([element.K])
                break
        pdf.save(tmp_path / "array.pdf")
    result = subprocess.run([str(tool("pdfua")), "check", "--format", "json",
                             str(tmp_path / "array.pdf")],
                            capture_output=True, text=True, check=False, timeout=120)
    report = json.loads(result.stdout)
    assert [s["rule_id"] for s in report["skipped"]] == ["UA-14-001"]
    assert "array" in report["skipped"][0]["reason"]
