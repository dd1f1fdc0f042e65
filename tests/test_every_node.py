"""One document holding every node type of the block tree, rendered in every registered
format and read back as a reader gets it: each node's own words are there, the table's
header row is its header, nested lists sit further in, the footer counts its pages.

A format with no reader here fails, and so does a node type the fixture does not hold:
neither a new format nor a new node can skip this check.
"""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass
from functools import cache
from typing import Callable

import docx
import lxml.html
import pdfplumber
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn

from briefgen.compose import blocks as b
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers import formats, renderer_for
from briefgen.renderers.page import margins

URL = "https://example.org/every-node"
HEADER_WORDS = ("HeadC1", "HeadC2", "HeadC3")


def words(text: str) -> tuple:
    return (b.Text(text),)


def item(text: str, *more) -> b.ListItem:
    return b.ListItem((b.Paragraph(words(text)), *more))


def every_node_document() -> b.Document:
    """Every node type, each with words of its own, nested as briefs nest them; a long
    last paragraph gives paginated formats a second page (where the running header is)."""
    inline = b.Paragraph((
        b.Text("ParagraphWord "),
        b.Emph((b.Text("EmphWord "), b.Strong(words("StrongInEmphWord")))),
        b.Text(" "), b.Strong(words("StrongWord")), b.Text(" "), b.Code("CodeWord"), b.Text(" "),
        b.Link(URL, words("LinkWord")), b.Text(" BeforeBreakWord"), b.LineBreak(),
        b.Text("AfterBreakWord "), b.Status("StatusWord"), b.Text(" "),
        b.Language("fr", words("LanguageWord")), b.Text(" CitedWord "), b.Citation((1, 2))))
    table = b.Table(tuple(b.TableCell(words(w)) for w in HEADER_WORDS),
                    ((b.TableCell(words("CellR1C1")), b.TableCell(words("CellR1C2")),
                      b.TableCell(words("CellR1C3"))),
                     (b.TableCell(words("CellR2C1")), b.TableCell(words("CellR2C2")),
                      b.TableCell((b.Status("TableStatusWord"),)))),
                    ("left", "center", "right"))
    callouts = tuple(b.Callout(kind, (b.Paragraph(words(f"{kind.capitalize()}CalloutWord")),))
                     for kind in b.CALLOUT_KINDS)
    blocks = (
        b.Heading(1, words("HeadingOneWord")), inline,
        b.Heading(2, words("HeadingTwoWord")),
        b.BulletList((item("OuterBulletWord", b.BulletList((item("NestedBulletWord"),))),
                      item("SecondBulletWord"))),
        b.Heading(3, words("HeadingThreeWord")),
        b.OrderedList((item("OuterNumberWord", b.OrderedList((item("NestedNumberWord"),))),
                       item("SecondNumberWord")), start=3),
        b.Caption(words("CaptionWord")), table, *callouts, b.ThematicBreak(),
        b.Paragraph(words("AfterRuleWord " + "FillerWord " * 300)),
        b.OrderedList((item("FirstSourceWord"), item("SecondSourceWord")), sources=True))
    return b.Document(META, blocks, {"StatusWord": "#B3261E", "TableStatusWord": "#A15C00"},
                      title=TITLE, furniture=FURNITURE)


META = b.DocumentMeta(title="TitleWord", subtitle="SubtitleWord", organisation="OrgWord",
                      authors=("AuthorWord",), marking="MarkingWord")
TITLE = b.TitleBlock(organisation="OrgWord", title="TitleWord", subtitle="SubtitleWord",
                     details="DetailsWord")
FURNITURE = b.PageFurniture(header_left=words("RunningHeaderWord"),
                            header_centre=words("MarkingWord"),
                            footer_left=words("FooterLeftWord"),
                            footer_centre=words("MarkingWord"),
                            page_label=(b.Text("PageLabelWord "), b.PageNumber(), b.Text(" of "),
                                        b.PageCount()))

# The words each node type brings (nodes without words of their own are checked by
# what they do: a line break, the nesting, the header row, the page numbers).
OWN_WORDS = {
    b.TitleBlock: ("OrgWord", "TitleWord", "SubtitleWord", "DetailsWord"),
    b.PageFurniture: ("MarkingWord", "FooterLeftWord", "PageLabelWord"),
    b.Heading: ("HeadingOneWord", "HeadingTwoWord", "HeadingThreeWord"),
    b.Paragraph: ("ParagraphWord", "AfterRuleWord", "FillerWord"),
    b.Emph: ("EmphWord",), b.Strong: ("StrongWord", "StrongInEmphWord"), b.Code: ("CodeWord",),
    b.Link: ("LinkWord",), b.Status: ("StatusWord", "TableStatusWord"),
    b.Language: ("LanguageWord",), b.Citation: ("CitedWord [1, 2]",),
    b.Text: ("BeforeBreakWord", "AfterBreakWord"),
    b.BulletList: ("OuterBulletWord", "NestedBulletWord", "SecondBulletWord"),
    b.OrderedList: ("OuterNumberWord", "NestedNumberWord", "SecondNumberWord",
                    "FirstSourceWord", "SecondSourceWord"),
    b.Caption: ("CaptionWord",), b.Table: HEADER_WORDS,
    b.TableCell: ("CellR1C1", "CellR1C2", "CellR1C3", "CellR2C1", "CellR2C2"),
    b.Callout: tuple(f"{kind.capitalize()}CalloutWord" for kind in b.CALLOUT_KINDS),
}
RUNNING_HEADER = "RunningHeaderWord"   # the header's left part: from the second page on


@dataclass(frozen=True)
class Reading:
    """What a reader gets from one output."""

    text: str                        # every line: body, tables, headers and footers
    footer: str                      # the first page's footer
    page_number: str                 # what stands for the page number in it
    page_count: str                  # ... and for the page count
    later_pages: bool                # whether there are pages after the first
    header_words: frozenset          # the words of the table row marked as its header
    links: frozenset                 # link targets
    indent: Callable[[str], float]   # how far in the text of a word starts

    def lines_with(self, word: str) -> list[str]:
        return [line for line in self.text.splitlines() if word.lower() in line.lower()]


# ------------------------------------------------------------------ the readers

W_P, W_PPR, W_NUMPR, W_T, W_TAB, W_BR, W_FLD, W_TR, W_TBLHEADER, W_VAL = map(qn, (
    "w:p", "w:pPr", "w:numPr", "w:t", "w:tab", "w:br", "w:fldSimple", "w:tr", "w:tblHeader",
    "w:val"))


def read_docx(data: bytes) -> Reading:
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    parts = (section.first_page_header, section.header, section.first_page_footer,
             section.footer)
    elements = [document.element.body] + [part.part.element for part in parts]
    lines = [docx_line(p) for element in elements for p in element.iter(W_P)]
    header_rows = [tr for tr in document.element.body.iter(W_TR)
                   if next(tr.iter(W_TBLHEADER), None) is not None]
    links = {rel.target_ref for rel in document.part.rels.values()
             if rel.reltype == RELATIONSHIP_TYPE.HYPERLINK}
    footer = next(section.first_page_footer.part.element.iter(W_P))
    return Reading("\n".join(lines), docx_line(footer), "{PAGE}", "{NUMPAGES}", True,
                   frozenset(w for tr in header_rows for p in tr.iter(W_P)
                             for w in docx_line(p).split()),
                   frozenset(links), lambda word: docx_indent(document, word))


def docx_line(element) -> str:
    """An element's text as a reader sees it; a page field as ``{ITS INSTRUCTION}``."""
    if element.tag == W_FLD:
        return "{" + element.get(qn("w:instr")).strip() + "}"
    own = {W_T: element.text or "", W_TAB: "\t", W_BR: "\n"}.get(element.tag, "")
    return own + "".join(docx_line(child) for child in element)


def docx_indent(document, word: str) -> float:
    """The left indent of the list paragraph holding ``word``: its numbering level's, as
    the numbering definitions give it (through the paragraph's own numbering or its
    style's)."""
    p = next(p for p in document.element.body.iter(W_P) if word in docx_line(p))
    style = document.styles.element.get_by_id(p.find(f"{W_PPR}/{qn('w:pStyle')}").get(W_VAL))
    num_pr = p.find(f"{W_PPR}/{W_NUMPR}")
    num_pr = style.find(f"{W_PPR}/{W_NUMPR}") if num_pr is None else num_pr
    level = num_pr.find(qn("w:ilvl"))
    ilvl = "0" if level is None else level.get(W_VAL)
    numbering = document.part.numbering_part.element
    num = numbering.num_having_numId(int(num_pr.find(qn("w:numId")).get(W_VAL)))
    abstract_id = num.find(qn("w:abstractNumId")).get(W_VAL)
    abstract = next(a for a in numbering.iter(qn("w:abstractNum"))
                    if a.get(qn("w:abstractNumId")) == abstract_id)
    lvl = next((lv for lv in abstract.iter(qn("w:lvl")) if lv.get(qn("w:ilvl")) == ilvl), None)
    assert lvl is not None, f"'{word}' is at a list level its numbering lacks: no number shows"
    return float(next(lvl.iter(qn("w:ind"))).get(qn("w:left")))


def read_pdf(data: bytes) -> Reading:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        text = "\n".join(page.extract_text() for page in pages)
        first = pages[0]
        bottom = margins(DEFAULT_THEME)[2]
        footer = first.crop((0, first.height - bottom, first.width, first.height)).extract_text()
        placed = [(page, word) for page in pages for word in page.extract_words()]
        header = frozenset(word["text"] for page, word in placed if on_header_fill(page, word))
        links = frozenset(link["uri"] for page in pages for link in page.hyperlinks)
        count = len(pages)
    return Reading(text, footer, "1", str(count), count > 1, header, links,
                   lambda text: next(w["x0"] for _, w in placed if w["text"] == text))


def on_header_fill(page, word: dict) -> bool:
    """Whether ``word`` is drawn on a rectangle of the theme's table header fill."""
    fill = tuple(int(DEFAULT_THEME.table_header_fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    middle = ((word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2)
    return any(rect["x0"] <= middle[0] <= rect["x1"] and rect["top"] <= middle[1] <= rect["bottom"]
               and rect.get("fill") and _close(rect.get("non_stroking_color"), fill)
               for rect in page.rects)


def _close(colour, expected: tuple) -> bool:
    return isinstance(colour, (tuple, list)) and len(colour) == 3 and all(
        abs(a - e) < 0.01 for a, e in zip(colour, expected))


def read_text(data: bytes) -> Reading:
    """Plain text: one page; a line of dashes under the table's header row."""
    text = data.decode("utf-8")
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if re.fullmatch(r"\s*-+( +-+)+", line))
    column = {word: line.index(word) for line in lines for word in line.split()}
    return Reading(text, lines[-1], "1", "1", False, frozenset(lines[rule - 1].split()),
                   frozenset(re.findall(r"<([^<>\s]+)>", text)), column.__getitem__)


BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "th", "td")


def read_html(data: bytes) -> Reading:
    """A web page as a reader gets it: each block's text on its lines (a ``br`` ends a
    line), the header row's cells, the link targets, and how deep in lists a word is.
    The page label is the print pages' (their footer's margin boxes, from the CSS)."""
    root = lxml.html.document_fromstring(data)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks = [node for node in root.iter(*BLOCK_TAGS)
              if not any(a.tag in BLOCK_TAGS for a in node.iterancestors())]
    text = "\n".join(" ".join(node.text_content().split(" ")) for node in blocks)
    header = frozenset(th.text_content() for th in root.iterfind(".//thead//th"))
    links = frozenset(a.get("href") for a in root.iter("a"))
    boxes = dict(re.findall(r"@(bottom-\w+) \{ content: ((?:\"[^\"]*\"|counter\(\w+\)| )+);",
                            root.findtext(".//style")))
    footer = " ".join(css_text(boxes[box]) for box in ("bottom-left", "bottom-center",
                                                       "bottom-right") if box in boxes)

    def depth(word: str) -> float:
        node = next(li for li in root.iter("li") if li.text_content().startswith(word))
        return float(sum(1 for a in node.iterancestors() if a.tag in ("ul", "ol")))

    return Reading(text + "\n" + footer, footer, "counter(page)", "counter(pages)", False,
                   header, links, depth)


def css_text(content: str) -> str:
    """A CSS content value as text: strings unescaped, counters as written."""
    def unescaped(string: str) -> str:
        return re.sub(r"\\([0-9a-f]{1,6}) ?", lambda m: chr(int(m.group(1), 16)), string[1:-1])

    return "".join(unescaped(part) if part.startswith('"') else part
                   for part in re.findall(r'"[^"]*"|counter\(\w+\)', content))


READERS = {"docx": read_docx, "pdf": read_pdf, "txt": read_text, "html": read_html}


def reader_for(fmt: str) -> Callable[[bytes], Reading]:
    if fmt not in READERS:
        pytest.fail(f"the format '{fmt}' has no reader: add one to READERS in "
                    "tests/test_every_node.py, so that its output is read back like the others'")
    return READERS[fmt]


@cache
def reading(fmt: str) -> Reading:
    reader = reader_for(fmt)
    return reader(renderer_for(fmt)(DEFAULT_THEME).render(every_node_document()))


# ------------------------------------------------------------ what every format does

def check_every_node(read: Reading) -> None:
    """What a format must give a reader of the every-node document: the assertions of
    this file, for a format's own tests to call on its reading too."""
    check_words(read)
    check_header_row(read)
    check_nesting(read)
    check_footer(read)
    check_line_break(read)
    assert URL in read.links


def check_words(read: Reading) -> None:
    expected = [w for ws in OWN_WORDS.values() for w in ws]
    expected += [RUNNING_HEADER] if read.later_pages else []
    missing = [w for w in expected if not read.lines_with(w)]
    assert not missing, f"not read back: {missing}"


def check_header_row(read: Reading) -> None:
    assert read.header_words == frozenset(HEADER_WORDS)


def check_nesting(read: Reading) -> None:
    for outer, nested, second in (("OuterBulletWord", "NestedBulletWord", "SecondBulletWord"),
                                  ("OuterNumberWord", "NestedNumberWord", "SecondNumberWord")):
        assert read.indent(nested) > read.indent(outer) == read.indent(second)


def check_footer(read: Reading) -> None:
    assert f"PageLabelWord {read.page_number} of {read.page_count}" in read.footer
    assert "FooterLeftWord" in read.footer and "MarkingWord" in read.footer


def check_line_break(read: Reading) -> None:
    (before,) = read.lines_with("BeforeBreakWord")
    assert "AfterBreakWord" not in before and read.lines_with("AfterBreakWord")


# ------------------------------------------------------------------------ tests

def node_types_in(node) -> set[type]:
    """The types of ``node`` and of every node under it, whatever field holds them."""
    if isinstance(node, tuple):
        return set().union(*map(node_types_in, node)) if node else set()
    if not dataclasses.is_dataclass(node):
        return set()
    return {type(node)}.union(*(node_types_in(getattr(node, f.name))
                                for f in dataclasses.fields(node)))


def node_types_of_the_tree() -> set[type]:
    """Every dataclass ``blocks`` defines: the nodes, the document and its meta."""
    return {value for value in vars(b).values() if isinstance(value, type)
            and dataclasses.is_dataclass(value) and value.__module__ == b.__name__}


def test_the_fixture_holds_every_node_type_the_block_tree_defines():
    held = node_types_in(every_node_document())
    missing = node_types_of_the_tree() - held
    assert not missing, f"add to every_node_document(): {sorted(t.__name__ for t in missing)}"
    assert set(b.BLOCK_TYPES + b.INLINE_TYPES + b.FRAME_TYPES) <= held


def test_the_fixture_nests_lists_strong_inside_emph_and_callouts_of_every_kind():
    document = every_node_document()
    kinds = {block.kind for block in document.blocks if isinstance(block, b.Callout)}
    assert kinds == set(b.CALLOUT_KINDS)
    outer = next(block for block in document.blocks if isinstance(block, b.BulletList))
    assert isinstance(outer.items[0].children[1], b.BulletList)
    emph = next(n for n in document.blocks[1].children if isinstance(n, b.Emph))
    assert any(isinstance(n, b.Strong) for n in emph.children)


def test_a_format_without_a_reader_fails_with_a_message_saying_to_add_one():
    with pytest.raises(pytest.fail.Exception, match="has no reader: add one to READERS"):
        reader_for("nosuchformat")


@pytest.mark.parametrize("fmt", formats())
def test_every_node_s_own_words_are_read_back_from_every_format(fmt):
    check_words(reading(fmt))


@pytest.mark.parametrize("fmt", formats())
def test_the_table_header_row_is_read_back_as_its_header_row(fmt):
    check_header_row(reading(fmt))


@pytest.mark.parametrize("fmt", formats())
def test_a_list_inside_a_list_item_is_set_further_in_than_its_parent(fmt):
    check_nesting(reading(fmt))


@pytest.mark.parametrize("fmt", formats())
def test_the_footer_holds_its_left_text_the_marking_and_the_page_label_with_numbers(fmt):
    check_footer(reading(fmt))


@pytest.mark.parametrize("fmt", formats())
def test_a_line_break_starts_a_new_line_and_a_link_keeps_its_target(fmt):
    check_line_break(reading(fmt))
    assert URL in reading(fmt).links


@pytest.mark.parametrize("fmt", formats())
def test_the_status_is_written_in_the_text_and_in_the_table(fmt):
    read = reading(fmt)
    assert read.lines_with("AfterBreakWord StatusWord")
    assert read.lines_with("TableStatusWord")


def test_the_pdf_shows_the_running_header_from_its_second_page_on():
    assert reading("pdf").later_pages, "the fixture should be long enough for two pages"
    data = renderer_for("pdf")(DEFAULT_THEME).render(every_node_document())
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert RUNNING_HEADER not in texts[0] and all(RUNNING_HEADER in t for t in texts[1:])
