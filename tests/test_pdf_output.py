"""The PDF files as a reader sees them: read with pypdf and pdfplumber, checked against the data."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pdfplumber
import pypdf
import pytest
import yaml
from reportlab.lib.units import mm

from briefgen.build.stages import document_for, render_document
from briefgen.compose.blocks import Caption
from briefgen.data.load import load_brief
from briefgen.errors import GlyphError, RenderError
from briefgen.project.theme import DEFAULT_THEME
from tests.conftest import AUDIENCES, minimal_brief, render_bytes
from tests.test_docx_output import (
    CHINESE,
    CYRILLIC,
    SEED_ID,
    TRICKY,
    brief_with,
    expected_grid,
    expected_headings,
)

STANDARD_14 = {"Courier", "Helvetica", "Times", "Symbol", "ZapfDingbats"}
THEME = DEFAULT_THEME


# ------------------------------------------------------------------ helpers

@pytest.fixture(scope="module")
def seed_pdf(built):
    """Each audience's seed PDF as (pdfplumber document, pypdf reader), opened once."""
    opened = {a: (pdfplumber.open(built / f"{SEED_ID}-{a}.pdf"),
                  pypdf.PdfReader(built / f"{SEED_ID}-{a}.pdf")) for a in AUDIENCES}
    yield opened
    for plumber, _ in opened.values():
        plumber.close()


def pdf_of(path, audience: str = "analytical") -> pdfplumber.PDF:
    return pdfplumber.open(io.BytesIO(render_bytes(path, audience, "pdf")))


def flat(text: str) -> str:
    return " ".join(text.split())


def document_text(pdf) -> str:
    return flat(" ".join(page.extract_text() for page in pdf.pages))


def same_colour(found, hex_value: str) -> bool:
    expected = [int(hex_value[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return (isinstance(found, (tuple, list)) and len(found) == 3
            and all(abs(a - b) < 0.01 for a, b in zip(found, expected)))


def outline(reader) -> list[tuple[str, int, int]]:
    """(title, level from 1, page index) of every bookmark, depth first."""
    out = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((item.title, level, reader.get_destination_page_number(item)))
    walk(reader.outline, 1)
    return out


def heading_lines(page) -> list[str]:
    """Lines set larger than body text: the headings (and the title) of a page."""
    return [flat(line["text"]) for line in page.extract_text_lines()
            if min(c["size"] for c in line["chars"] if c["text"].strip()) > THEME.body_size]


def in_lines(words: list[dict]) -> list[dict]:
    """Words in reading order: lines by their top (within 2pt), then left to right."""
    out, line, last = [], -1, None
    for word in sorted(words, key=lambda w: w["top"]):
        if last is None or word["top"] - last > 2:
            line, last = line + 1, word["top"]
        out.append((line, word["x0"], word))
    return [w for _, _, w in sorted(out, key=lambda t: t[:2])]


def tables_on(page) -> list[list[list[list[dict]]]]:
    """The tables of a page as rows of cells of words (row 0 is the header row).

    A table starts at a band filled in the theme's header colour; its rows end at the
    horizontal rules of the band's width below it, up to the next band.  Columns start
    where the header's first line has a gap wider than a word space, so a cell whose text
    wraps onto several lines is still one cell.
    """
    words = page.extract_words(extra_attrs=["non_stroking_color", "fontname"])
    bands = sorted((r for r in page.rects if r["fill"]
                    and same_colour(r["non_stroking_color"], THEME.table_header_fill)),
                   key=lambda r: r["top"])
    tables = []
    for index, band in enumerate(bands):
        limit = bands[index + 1]["top"] if index + 1 < len(bands) else page.height
        rules = sorted({round(line["top"], 1) for line in page.lines
                        if abs(line["x0"] - band["x0"]) < 1 and abs(line["x1"] - band["x1"]) < 1
                        and band["bottom"] - 1 <= line["top"] < limit})
        assert rules and abs(rules[0] - band["bottom"]) < 1, "no rule under the header band"
        edges = [band["top"], *rules]
        inside = [w for w in words if band["x0"] <= w["x0"] and w["x1"] <= band["x1"] + 1]
        stripes = [[w for w in inside if top < (w["top"] + w["bottom"]) / 2 < bottom]
                   for top, bottom in zip(edges, edges[1:])]
        header = in_lines(stripes[0])
        first_line = [w for w in header if abs(w["top"] - header[0]["top"]) < 2]
        starts = [first_line[0]["x0"]]
        for before, word in zip(first_line, first_line[1:]):
            if word["x0"] - before["x1"] > 6:
                starts.append(word["x0"])
        bounds = [s - 3 for s in starts] + [band["x1"] + 1]
        tables.append([[in_lines([w for w in stripe if low <= w["x0"] < high])
                        for low, high in zip(bounds, bounds[1:])] for stripe in stripes])
    return tables


def texts(rows) -> list[list[str]]:
    return [[" ".join(w["text"] for w in cell) for cell in row] for row in rows]


def region(page, where: str) -> str:
    """The text of the top or bottom margin of a page."""
    top, _, bottom, _ = (value * mm for value in THEME.margins_mm)
    box = (0, 0, page.width, top) if where == "header" else \
        (0, page.height - bottom, page.width, page.height)
    return flat(page.crop(box).extract_text())


def fonts_in(reader) -> list[dict]:
    """Every font dictionary in the resources of the pages and of their form XObjects."""
    found, stack = {}, [page["/Resources"] for page in reader.pages]
    while stack:
        resources = stack.pop().get_object()
        for font in resources.get("/Font", {}).values():
            found[font.idnum if hasattr(font, "idnum") else id(font)] = font.get_object()
        for xobject in resources.get("/XObject", {}).values():
            if "/Resources" in xobject.get_object():
                stack.append(xobject.get_object()["/Resources"])
    return list(found.values())


def descriptor(font) -> dict:
    """A font's descriptor (of its descendant for a Type 0 font); empty for the standard 14."""
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    found = font.get("/FontDescriptor")
    return found.get_object() if found is not None else {}


def base_name(fontname: str) -> str:
    """'AAAAAA+DejaVuSans-Bold' -> 'DejaVuSans'; 'Helvetica-Bold' -> 'Helvetica'."""
    return re.split(r"[-,]", fontname.split("+")[-1].lstrip("/"))[0]


# -------------------------------------------------------- metadata, bookmarks

@pytest.mark.parametrize("audience", AUDIENCES)
def test_metadata_names_title_authors_and_subject_from_the_data(seed_pdf, seed_data, audience):
    meta = seed_pdf[audience][1].metadata
    assert meta["/Title"] == seed_data["title"]
    assert meta["/Author"].split("; ") == [a["name"] for a in seed_data["authors"]]
    assert seed_data["subtitle"] in meta["/Subject"]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_bookmarks_are_the_headings_and_open_the_page_that_shows_them(seed_pdf, seed_data,
                                                                      audience):
    plumber, reader = seed_pdf[audience]
    marks = outline(reader)
    assert [(title, level) for title, level, _ in marks] == expected_headings(seed_data, audience)
    for title, _, page in marks:
        shown_on = [p.page_number - 1 for p in plumber.pages if title in heading_lines(p)]
        assert shown_on == [page], title


# ------------------------------------------------------------------- fonts

@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_font_descriptor_embeds_a_truetype_program(seed_pdf, audience):
    descriptors = [d for d in map(descriptor, fonts_in(seed_pdf[audience][1])) if d]
    assert descriptors
    for found in descriptors:
        assert "/FontFile2" in found, found["/FontName"]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_text_is_drawn_in_a_standard_type1_font(seed_pdf, audience):
    used = {c["fontname"] for page in seed_pdf[audience][0].pages for c in page.chars}
    assert used and not {name for name in used if base_name(name) in STANDARD_14}
    embedded = {str(f["/BaseFont"]).lstrip("/") for f in fonts_in(seed_pdf[audience][1])
                if descriptor(f).get("/FontFile2")}
    assert used <= embedded


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_font_in_the_page_resources_is_embedded(seed_pdf, audience):
    for font in fonts_in(seed_pdf[audience][1]):
        assert descriptor(font).get("/FontFile2"), font["/BaseFont"]


def test_chinese_is_drawn_in_the_cjk_face_and_cyrillic_in_dejavu(seed_pdf):
    chars = [c for page in seed_pdf["analytical"][0].pages for c in page.chars]
    chinese = [c for c in chars if c["text"] in CHINESE]
    cyrillic = [c for c in chars if c["text"] in CYRILLIC.replace(" ", "")]
    assert len(chinese) >= len(CHINESE) and len(cyrillic) >= len(CYRILLIC.replace(" ", ""))
    assert {base_name(c["fontname"]) for c in chinese} == {"WenQuanYiMicroHei"}
    assert {base_name(c["fontname"]) for c in cyrillic} <= {"DejaVuSerif", "DejaVuSans"}


def test_extracted_text_holds_the_cyrillic_and_chinese_names(seed_pdf):
    text = document_text(seed_pdf["analytical"][0])
    assert CYRILLIC in text
    assert CHINESE in text.replace(" ", "")


# ------------------------------------------------------------------ tables

def test_analytical_tables_hold_every_header_and_body_cell_of_the_data(seed_pdf, seed_data):
    expected = [expected_grid(t) for s in seed_data["sections"] for t in s.get("tables", [])]
    found = [texts(t) for page in seed_pdf["analytical"][0].pages for t in tables_on(page)]
    assert found == expected
    assert ["Intelligence & Surveillance", "Enhance real-time data sharing",
            "Early detection of joint maneuvers"] in found[2]


def test_a_cell_that_wraps_onto_several_lines_is_read_back_whole(write_brief):
    long_text = " ".join(f"word{i}" for i in range(40))
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"][0][0] = long_text
    with pdf_of(write_brief(brief)) as pdf:
        table, = tables_on(pdf.pages[0])
    assert texts(table)[1][0] == long_text
    assert len({round(word["top"]) for word in table[1][0]}) >= 2, "the cell did not wrap"
    assert texts(table)[2] == ["Row two", "Underway"]


def test_a_long_cell_never_breaks_a_word_of_another_column(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"][0][0] = " ".join(f"word{i}" for i in range(40))
    with pdf_of(write_brief(brief)) as pdf:
        table, = tables_on(pdf.pages[0])
    assert texts(table)[1][1] == "Confirmed"


def test_status_values_are_drawn_in_their_declared_colours(seed_pdf, seed_data):
    data = seed_data["sections"][0]["tables"][0]
    column = next(i for i, c in enumerate(data["columns"]) if isinstance(c, dict) and c["status"])
    table, = [t for page in seed_pdf["analytical"][0].pages for t in tables_on(page)
              if texts(t)[0] == expected_grid(data)[0]]
    assert len(table) == 1 + len(data["rows"])
    for row_data, row in zip(data["rows"], table[1:]):
        value, words = row_data[column], row[column]
        assert " ".join(w["text"] for w in words) == value
        for word in words:
            assert same_colour(word["non_stroking_color"], seed_data["statuses"][value]), value
        assert not same_colour(row[0][0]["non_stroking_color"], seed_data["statuses"][value])


def test_a_table_spanning_pages_repeats_its_header_row_on_every_page(write_brief):
    rows = [[f"Row {i:03d}", "Confirmed" if i % 2 else "Underway"] for i in range(120)]
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"] = rows
    with pdf_of(write_brief(brief)) as pdf:
        pages = [(p.page_number, tables_on(p)) for p in pdf.pages]
        row_pages = [p.page_number for p in pdf.pages if "Row " in p.extract_text()]
    assert len(row_pages) >= 2
    body = []
    for number, tables in pages:
        if number in row_pages:
            assert len(tables) == 1, f"page {number}"
            assert texts(tables[0])[0] == ["Name", "Status"], f"page {number}"
            body += texts(tables[0])[1:]
        else:
            assert tables == []
    assert body == rows


# --------------------------------------------------------- page furniture

@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_page_has_its_marking_top_and_bottom_and_page_n_of_m(seed_pdf, seed_data,
                                                                   audience):
    marking = seed_data.get("markings", {}).get(audience, seed_data["marking"])
    pages = seed_pdf[audience][0].pages
    for page in pages:
        assert marking in region(page, "header")
        footer = region(page, "footer")
        assert marking in footer
        assert f"Page {page.page_number} of {len(pages)}" in footer


def test_public_pdf_never_shows_restricted_marking_points_or_tables(seed_pdf):
    text = document_text(seed_pdf["public"][0])
    assert "PUBLIC" in text
    for hidden in ("OFFICIAL-SENSITIVE", "Joint cyber warfare work", "Regional Players Affected",
                   CYRILLIC, CHINESE):
        assert hidden not in text


# ----------------------------------------------------------------- escaping

def shape(pdf) -> dict:
    """What must not change when the text changes: bookmarks and table shapes."""
    return {"bookmarks": [(t, level) for t, level, _ in outline(pypdf.PdfReader(pdf.stream))],
            "tables": [[len(row) for row in table] for page in pdf.pages
                       for table in tables_on(page)]}


def lines_of(pdf) -> list[str]:
    return [flat(line) for page in pdf.pages for line in page.extract_text().splitlines()]


def shows_in_every_field(pdf, text: str) -> None:
    lines = lines_of(pdf)
    assert text in lines                                            # the body paragraph
    assert any(re.fullmatch(rf"\W {re.escape(text)}( \[1\])?", line) for line in lines)  # point
    assert any(line.endswith(f": {text}") for line in lines)        # the caption
    table, = tables_on(pdf.pages[0])
    assert texts(table)[1][0] == text


@pytest.fixture(scope="module")
def plain_shape(tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / "data" / "plain.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(brief_with("plain words"), allow_unicode=True), "utf-8")
    with pdf_of(path) as pdf:
        return shape(pdf)


@pytest.mark.parametrize("text", TRICKY)
def test_markup_in_data_is_printed_literally_and_adds_no_structure(write_brief, plain_shape,
                                                                   text):
    with pdf_of(write_brief(brief_with(text))) as pdf:
        assert f"Title {text}" in lines_of(pdf)
        shows_in_every_field(pdf, text)
        assert shape(pdf) == plain_shape


def test_a_newline_inside_a_value_reads_as_a_space(write_brief, plain_shape):
    with pdf_of(write_brief(brief_with("line one\nline two"))) as pdf:
        assert "Title line one line two" in lines_of(pdf)
        shows_in_every_field(pdf, "line one line two")
        assert shape(pdf) == plain_shape


def test_a_newline_in_the_title_reads_as_a_space_in_the_running_header(write_brief):
    brief = brief_with("x", title="Title line one\nline two")
    brief["sections"][0]["tables"][0]["rows"] = [[f"Row {i}", "Confirmed"] for i in range(80)]
    with pdf_of(write_brief(brief)) as pdf:
        assert len(pdf.pages) >= 2
        for page in pdf.pages[1:]:
            assert "Title line one line two" in region(page, "header")


# ------------------------------------------------------------------ glyphs

def test_a_character_no_font_has_is_refused_with_its_field_and_line(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["points"][0]["text"] = "Smile \u0f00 please"
    path = write_brief(brief)
    line = next(n for n, text in enumerate(path.read_text("utf-8").splitlines(), 1)
                if "Smile" in text)
    with pytest.raises(GlyphError) as caught:
        render_bytes(path, "analytical", "pdf")
    message = str(caught.value)
    assert "U+0F00" in message
    assert re.search(rf"{re.escape(str(path))}:{line}(:\d+)?: sections\[0\]\.points\[0\]\.text:",
                     message), message


def test_a_character_the_table_font_lacks_is_drawn_with_the_other_family(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"][0][0] = "Cell \u1d15"
    with pdf_of(write_brief(brief)) as pdf:
        table, = tables_on(pdf.pages[0])
        fonts_of_char = {c["fontname"] for c in pdf.pages[0].chars if c["text"] == "\u1d15"}
    assert texts(table)[1][0] == "Cell \u1d15"
    assert fonts_of_char and all("Serif" in name for name in fonts_of_char)


def test_a_character_no_font_has_in_a_table_cell_names_the_cell(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"][0][0] = "Cell \u1200"
    path = write_brief(brief)
    with pytest.raises(GlyphError) as caught:
        render_bytes(path, "analytical", "pdf")
    assert "sections[0].tables[0].rows[0][0]" in str(caught.value)
    assert "U+1200" in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_a_character_the_table_font_has_renders_in_a_table_cell(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"][0][0] = "Cell \u02ce"
    with pdf_of(write_brief(brief)) as pdf:
        table, = tables_on(pdf.pages[0])
    assert texts(table)[1][0] == "Cell \u02ce"


# ------------------------------------------------- content taller than a page

LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 300
LOREM_OPENING = '"Lorem ipsum dolor sit amet, consectetur\u2026"'


def with_second_table(row: int, column: int, text: str) -> dict:
    """The minimal brief with a second table, of three columns and five rows, whose cell
    at ``row`` and ``column`` (1-based; row 0 is the header) holds ``text``."""
    brief = minimal_brief()
    rows = [[f"Row {r} column {c}" for c in (1, 2, 3)] for r in range(1, 6)]
    columns = ["Actor", "Capability", "Note"]
    if row == 0:
        columns[column - 1] = text
    else:
        rows[row - 1][column - 1] = text
    brief["sections"][0]["tables"].append(
        {"id": "t2", "caption": "Second table", "columns": columns, "rows": rows})
    return brief


def too_tall_message(write_brief, brief: dict) -> str:
    with pytest.raises(RenderError) as caught:
        render_bytes(write_brief(brief), "analytical", "pdf")
    message, = map(str, caught.value.problems)
    return message


def test_a_cell_taller_than_a_page_is_named_by_table_row_column_and_opening_words(write_brief):
    message = too_tall_message(write_brief, with_second_table(5, 3, LOREM))
    assert message.endswith(
        "Analytical brief: a table cell is taller than a page and cannot be split: table 2 "
        f'("Table 2: Second table"), row 5, column 3 ({LOREM_OPENING}); shorten it or split '
        "it into several rows or paragraphs"), message


def test_a_header_cell_taller_than_a_page_is_named_as_the_header(write_brief):
    message = too_tall_message(write_brief, with_second_table(0, 2, LOREM))
    assert f'table 2 ("Table 2: Second table"), header, column 2 ({LOREM_OPENING})' in message


def test_a_table_without_a_caption_is_named_by_its_number(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"][1][0] = LOREM
    path = write_brief(brief)
    document = document_for(load_brief(path), "analytical")
    blocks = tuple(b for b in document.blocks if not isinstance(b, Caption))
    with pytest.raises(RenderError) as caught:
        render_document(replace(document, blocks=blocks), "pdf")
    assert f"table 1, row 2, column 1 ({LOREM_OPENING})" in str(caught.value)


def test_a_paragraph_of_the_summary_taller_than_a_page_is_named_by_its_opening_words(
        write_brief):
    message = too_tall_message(write_brief, minimal_brief(summary=["A short one.", LOREM]))
    assert message.endswith(
        f"Analytical brief: a paragraph is taller than a page and cannot be split: "
        f"{LOREM_OPENING}; shorten it or split it into several paragraphs"), message


def test_a_paragraph_of_the_body_longer_than_a_page_breaks_across_pages(write_brief):
    sentences = [f"Sentence {n} of the long paragraph." for n in range(400)]
    brief = minimal_brief()
    brief["sections"][0]["body"] = [" ".join(sentences)]
    with pdf_of(write_brief(brief)) as pdf:
        pages = [flat(page.extract_text()) for page in pdf.pages]
    holding = [i for i, text in enumerate(pages) if "of the long paragraph." in text]
    assert len(holding) >= 2, pages                           # it runs on over a page break
    assert holding == list(range(holding[0], holding[-1] + 1))   # on consecutive pages
    assert sentences[0] in pages[holding[0]] and sentences[-1] in pages[holding[-1]]
    printed = iter(" ".join(pages[i] for i in holding).split())
    assert all(word in printed for word in " ".join(sentences).split())   # all, in order
