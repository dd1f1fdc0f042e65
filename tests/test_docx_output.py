"""The DOCX files as a reader sees them: read back with python-docx, checked against the data."""

from __future__ import annotations

import io

import docx
import pytest
import yaml
from docx.oxml.ns import qn
from docx.shared import RGBColor

from tests.conftest import AUDIENCES, minimal_brief, render_bytes

SEED_ID = "russia-china-taiwan"
CYRILLIC = "Министерство обороны Российской Федерации"
CHINESE = "中华人民共和国国防部"
CJK_FACE = "WenQuanYi Micro Hei"
TRICKY = ["a | b", "# not a heading", "*not em*", "_x_", "`code`", "<b>bold?</b>", "&amp; &",
          "{{ 7*7 }}", "{% if %}", '<font color="red">x</font>', "<para>", "[link](http://x)"]


# ------------------------------------------------------------------ helpers

def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def seed_docx(built):
    """Each audience's seed DOCX, parsed once."""
    return {a: docx.Document(str(built / f"{SEED_ID}-{a}.docx")) for a in AUDIENCES}


def shown(item: dict, audience: str, inherited) -> bool:
    return audience in item.get("audiences", inherited)


def visible_sections(seed: dict, audience: str) -> list[dict]:
    return [s for s in seed["sections"] if shown(s, audience, seed["default_audiences"])]


def expected_headings(seed: dict, audience: str) -> list[tuple[str, int]]:
    """(text, level) of every heading an audience's brief should have, from the data."""
    sections = visible_sections(seed, audience)
    if audience != "executive":
        return [("Summary", 1), *((s["title"], 1) for s in sections), ("Sources", 1)]
    findings = [s for s in sections if s["kind"] in ("findings", "implications")]
    out = [("Summary", 1)] + ([("Key findings", 1)] if findings else [])
    out += [(s["title"], 2) for s in findings if s.get("points")]
    if any(s["kind"] == "recommendations" for s in sections):
        out.append(("Recommendations", 1))
    if any(s["kind"] == "outlook" for s in sections):
        out.append(("Outlook", 1))
    return out


def headings(document) -> list[tuple[str, int]]:
    return [(p.text, int(p.style.name.split()[-1])) for p in document.paragraphs
            if p.style.name.startswith("Heading ")]


def all_text(document) -> str:
    """Every piece of text a reader can see: body, tables, header and footer."""
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def grid(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def expected_grid(table: dict) -> list[list[str]]:
    names = [c if isinstance(c, str) else c["name"] for c in table["columns"]]
    return [names, *([str(cell) for cell in row] for row in table["rows"])]


def is_header_row(row) -> bool:
    tr_pr = row._tr.trPr
    return tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


def field_codes(part) -> list[str]:
    """Field instructions (PAGE, NUMPAGES...) in simple and complex fields, in order."""
    simple = part._element.xpath(".//w:fldSimple/@w:instr")
    complex_ = [t.text for t in part._element.xpath(".//w:instrText")]
    return [code.split()[0] for code in (*simple, *complex_) if code.strip()]


def structure(document) -> dict:
    """What must not change when the text changes: block styles, tables and their shapes."""
    return {"styles": [p.style.name for p in document.paragraphs],
            "tables": [[len(row.cells) for row in t.rows] for t in document.tables]}


def brief_with(text: str, title: str | None = None) -> dict:
    """The minimal brief with ``text`` in the title, a body paragraph, a point, a cell, a caption.

    Only the title has a prefix: elsewhere ``text`` starts the field, where Markdown would
    read ``#`` as a heading or ``|`` as a table row.
    """
    brief = minimal_brief(title=title or f"Title {text}")
    section = brief["sections"][0]
    section["body"] = [text]
    section["points"][0]["text"] = text
    section["tables"][0]["caption"] = text
    section["tables"][0]["rows"][0][0] = text
    return brief


def shows_in_every_field(document, text: str) -> None:
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Normal", text) in paragraphs
    assert any(style == "List Bullet" and value.startswith(text) for style, value in paragraphs)
    assert any(style == "Caption" and value.endswith(f": {text}") for style, value in paragraphs)
    assert grid(document.tables[0])[1][0] == text


# ----------------------------------------------------------------- headings

@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_audience_has_the_title_and_the_headings_its_template_promises(
        seed_docx, seed_data, audience):
    document = seed_docx[audience]
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == [seed_data["title"]]
    assert headings(document) == expected_headings(seed_data, audience)


def test_analytical_brief_has_a_heading_for_every_section(seed_docx, seed_data):
    texts = [text for text, _ in headings(seed_docx["analytical"])]
    for section in seed_data["sections"]:
        assert section["title"] in texts


def test_executive_brief_has_key_findings_recommendations_and_outlook(seed_docx):
    level_one = [text for text, level in headings(seed_docx["executive"]) if level == 1]
    for title in ("Key findings", "Recommendations", "Outlook"):
        assert title in level_one


def test_public_brief_has_no_heading_for_the_strategic_implications(seed_docx):
    texts = [text for text, _ in headings(seed_docx["public"])]
    assert "Strategic implications for regional security" not in texts
    assert "Russia's military support to China" in texts


# ------------------------------------------------------------------- tables

def test_analytical_tables_hold_every_header_and_body_cell_of_the_data(seed_docx, seed_data):
    expected = [expected_grid(t) for s in seed_data["sections"] for t in s.get("tables", [])]
    assert [grid(t) for t in seed_docx["analytical"].tables] == expected
    assert ["Support Type", "Potential Impact", "Status"] in [g[0] for g in expected]
    assert (["Missile Technology Transfer", "Enhances long-range strike capability",
             "Confirmed"] in expected[0])


def test_analytical_tables_use_the_brief_table_style_and_mark_only_the_header_row(seed_docx):
    tables = seed_docx["analytical"].tables
    assert tables
    for table in tables:
        assert table.style.name == "Brief Table"
        marked = [is_header_row(row) for row in table.rows]
        assert marked == [True] + [False] * (len(table.rows) - 1)
        for index, row in enumerate(table.rows):
            expected = "Table Heading" if index == 0 else "Table Text"
            assert {p.style.name for cell in row.cells for p in cell.paragraphs} == {expected}


def test_status_values_are_runs_in_a_status_style_of_the_declared_colour(seed_docx, seed_data):
    checked = 0
    tables = [t for s in seed_data["sections"] for t in s.get("tables", [])]
    for data, table in zip(tables, seed_docx["analytical"].tables):
        status_columns = [i for i, c in enumerate(data["columns"])
                          if isinstance(c, dict) and c.get("status")]
        for row_data, row in zip(data["rows"], table.rows[1:]):
            for column in status_columns:
                value = row_data[column]
                runs = [r for p in row.cells[column].paragraphs for r in p.runs]
                assert "".join(r.text for r in runs) == value
                for run in runs:
                    assert run.style.name == f"Status {value}"
                    assert run.font.color.rgb in (None, run.style.font.color.rgb)
                    declared = RGBColor.from_string(seed_data["statuses"][value].lstrip("#"))
                    assert run.style.font.color.rgb == declared
                checked += 1
    assert checked == 3


def test_a_table_of_eighty_rows_has_exactly_one_header_row(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"] = [[f"Row {i}", "Confirmed"] for i in range(80)]
    table, = open_docx(render_bytes(write_brief(brief), "analytical", "docx")).tables
    assert len(table.rows) == 81
    assert [i for i, row in enumerate(table.rows) if is_header_row(row)] == [0]
    assert grid(table)[0] == ["Name", "Status"]
    assert grid(table)[-1] == ["Row 79", "Confirmed"]


# ------------------------------------------------ properties, header, footer

@pytest.mark.parametrize("audience", AUDIENCES)
def test_core_properties_come_from_the_data(seed_docx, seed_data, audience):
    core = seed_docx[audience].core_properties
    assert core.title == seed_data["title"]
    assert core.author.split("; ") == [a["name"] for a in seed_data["authors"]]
    assert seed_data["subtitle"] in core.subject


@pytest.mark.parametrize("audience", AUDIENCES)
def test_header_shows_the_audience_marking_and_footer_counts_pages(seed_docx, seed_data,
                                                                    audience):
    marking = seed_data.get("markings", {}).get(audience, seed_data["marking"])
    assert marking == ("PUBLIC" if audience == "public" else "OFFICIAL-SENSITIVE")
    section = seed_docx[audience].sections[0]
    assert section.different_first_page_header_footer
    assert [p.text for p in section.first_page_header.paragraphs] == [f"\t{marking}"]
    [running] = [p.text for p in section.header.paragraphs]
    title, _, centre = running.partition("\t")
    assert centre == marking and seed_data["title"].startswith(title.rstrip("…"))
    for footer in (section.first_page_footer, section.footer):
        organisation, centre, page = footer.paragraphs[0].text.split("\t")
        assert seed_data["organisation"].startswith(organisation.rstrip("…"))
        assert centre == marking and page.startswith("Page ")
        assert field_codes(footer) == ["PAGE", "NUMPAGES"]


def test_public_brief_never_names_the_restricted_marking(seed_docx):
    assert "OFFICIAL-SENSITIVE" not in all_text(seed_docx["public"])


# ----------------------------------------------------------------- scripts

def test_chinese_text_is_one_run_with_the_cjk_east_asian_font(seed_docx):
    runs = [r for p in seed_docx["analytical"].paragraphs for r in p.runs if CHINESE in r.text]
    assert len(runs) == 1
    fonts = runs[0]._r.rPr.find(qn("w:rFonts"))
    assert fonts is not None and fonts.get(qn("w:eastAsia")) == CJK_FACE


def test_cyrillic_text_appears_verbatim(seed_docx):
    assert CYRILLIC in all_text(seed_docx["analytical"])


# -------------------------------------------------------- audience selection

def test_public_brief_never_shows_restricted_points_or_tables(seed_docx):
    document = seed_docx["public"]
    assert "Joint cyber warfare work" not in all_text(document)
    assert "Regional Players Affected" not in all_text(document)
    assert ["Aspect", "Impact", "Regional Players Affected"] not in [grid(t)[0]
                                                                    for t in document.tables]


def test_executive_and_analytical_briefs_show_the_cyber_point(seed_docx):
    for audience in ("executive", "analytical"):
        assert "Joint cyber warfare work" in all_text(seed_docx[audience])


@pytest.mark.parametrize("audience", AUDIENCES)
def test_cyrillic_and_chinese_point_appears_only_in_the_analytical_brief(seed_docx, audience):
    text = all_text(seed_docx[audience])
    expected = audience == "analytical"
    assert (CYRILLIC in text) is expected
    assert (CHINESE in text) is expected


# ------------------------------------------------------------------ escaping

@pytest.fixture(scope="module")
def plain_structure(tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / "data" / "plain.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(brief_with("plain words"), allow_unicode=True), "utf-8")
    return structure(open_docx(render_bytes(path, "analytical", "docx")))


@pytest.mark.parametrize("text", TRICKY)
def test_markup_in_data_is_printed_literally_and_adds_no_structure(write_brief, plain_structure,
                                                                   text):
    document = open_docx(render_bytes(write_brief(brief_with(text)), "analytical", "docx"))
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [f"Title {text}"]
    assert document.core_properties.title == f"Title {text}"
    shows_in_every_field(document, text)
    assert structure(document) == plain_structure


def test_a_newline_inside_body_point_cell_and_caption_reads_as_a_space(write_brief,
                                                                       plain_structure):
    brief = brief_with("line one\nline two", title="Title")
    document = open_docx(render_bytes(write_brief(brief), "analytical", "docx"))
    shows_in_every_field(document, "line one line two")
    assert structure(document) == plain_structure


def test_a_newline_inside_the_title_reads_as_a_space(write_brief):
    path = write_brief(brief_with("x", title="Title one\ntwo"))
    document = open_docx(render_bytes(path, "analytical", "docx"))
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["Title one two"]
