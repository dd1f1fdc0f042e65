"""Rich content through the whole pipeline: emphasis, links, nested and numbered lists,
callouts, glyphs in bold faces, long content, and the executive length budget."""

from __future__ import annotations

import io
import subprocess
import sys

import docx
import pdfplumber
import pypdf
import pytest
from docx.oxml.ns import qn

from briefgen.errors import GlyphError, RenderError
from tests.conftest import ROOT, minimal_brief, render_bytes

RICH = ["Plain ", {"em": "soft"}, " and ", {"strong": "Russia"}, {"strong": " and China"},
        " then ", {"link": "the report", "url": "https://example.org/r?a=1&b=2"},
        " 中国", {"em": "强调。"}, "文字 x", {"em": "(b)"}, "y"]
NESTED = [{"text": "Level one", "points": [{"text": "Level two", "points": [
    {"text": "Level three", "points": [{"text": "Level four"}]}]}]}]


def brief_file(write_brief, **changes):
    data = minimal_brief()
    section = data["sections"][0]
    section.update(changes.pop("section", {}))
    data.update(changes)
    return write_brief(data)


def docx_of(path, audience="analytical"):
    return docx.Document(io.BytesIO(render_bytes(path, audience, "docx")))


def pdf_text(path, audience="analytical") -> str:
    reader = pypdf.PdfReader(io.BytesIO(render_bytes(path, audience, "pdf")))
    return "\n".join(page.extract_text() for page in reader.pages)


def runs_with_styles(document):
    return [(run.text, run.style.name if run.style is not None else None)
            for p in document.paragraphs for run in p.runs]


def test_emphasis_from_data_is_styled_never_asterisks_in_docx(write_brief):
    document = docx_of(brief_file(write_brief, summary=[RICH]))
    runs = runs_with_styles(document)
    assert ("soft", "Emphasis") in runs
    assert ("Russia", "Strong") in runs and (" and China", "Strong") in runs
    assert ("强调。", "Emphasis") in runs and ("(b)", "Emphasis") in runs
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Plain soft and Russia and China then the report 中国强调。文字 x(b)y" in text
    assert "*" not in text


def test_a_link_from_data_is_a_real_hyperlink_in_docx(write_brief):
    document = docx_of(brief_file(write_brief, summary=[RICH]))
    [paragraph] = [p for p in document.paragraphs if "the report" in p.text]
    [link] = paragraph._p.findall(qn("w:hyperlink"))
    target = document.part.rels[link.get(qn("r:id"))].target_ref
    assert target == "https://example.org/r?a=1&b=2"


def test_emphasis_and_links_from_data_are_italic_bold_and_linked_in_pdf(write_brief):
    data = render_bytes(brief_file(write_brief, summary=[RICH]), "analytical", "pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        fonts = {w["text"]: w["fontname"] for w in page.extract_words(extra_attrs=["fontname"])}
        links = [a.get("uri") for a in page.annots]
        text = page.extract_text()
    assert "Italic" in fonts["soft"] and "Bold" in fonts["Russia"]
    assert "https://example.org/r?a=1&b=2" in links
    assert "Plain soft and Russia and China then the report" in text and "*" not in text


def test_no_run_or_paragraph_carries_direct_formatting(built):
    for path in built.glob("*.docx"):
        body = docx.Document(str(path)).element.body
        for tag in ("w:b", "w:i", "w:color", "w:sz", "w:jc"):
            found = [e for e in body.iter(qn(tag))]
            assert found == [], f"{path.name} has direct {tag}"


def test_points_nest_to_any_depth_in_both_formats(write_brief):
    path = brief_file(write_brief, section={"points": NESTED})
    styles = [(p.text, p.style.name) for p in docx_of(path).paragraphs if "Level" in p.text]
    assert styles == [("Level one", "List Bullet"), ("Level two", "List Bullet 2"),
                      ("Level three", "List Bullet 3"), ("Level four", "List Bullet 3")]
    assert all(f"Level {n}" in pdf_text(path) for n in ("one", "two", "three", "four"))


def test_numbered_sources_restart_at_one_in_docx(write_brief):
    document = docx_of(brief_file(write_brief))
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["A source. A publisher."]
    num_id = numbered[0]._p.pPr.numPr.numId.val
    overrides = document.part.numbering_part.element.num_having_numId(num_id).findall(
        qn("w:lvlOverride"))
    assert overrides[0].find(qn("w:startOverride")).get(qn("w:val")) == "1"


def test_the_summary_is_a_callout_in_both_formats(write_brief):
    path = brief_file(write_brief, summary=["First part.", "Second part."])
    callouts = [p.text for p in docx_of(path).paragraphs if p.style.name == "Callout"]
    assert callouts == ["First part.", "Second part."]
    assert "First part.\nSecond part." in pdf_text(path)


def test_a_long_summary_breaks_across_pages_instead_of_failing(write_brief):
    paragraphs = [f"Paragraph {n}. " + "word " * 120 for n in range(12)]
    data = render_bytes(brief_file(write_brief, summary=paragraphs), "analytical", "pdf")
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    page_of = {}
    for n in range(12):
        [page_of[n]] = [i for i, text in enumerate(pages) if f"Paragraph {n}." in text]
    assert page_of[11] > page_of[0]                       # the summary runs over a break
    assert list(page_of.values()) == sorted(page_of.values())     # in its order


def test_a_table_cell_taller_than_a_page_is_a_clear_error(write_brief):
    data = minimal_brief()
    data["sections"][0]["tables"][0]["rows"][0][0] = "word " * 3000
    with pytest.raises(RenderError) as caught:
        render_bytes(write_brief(data), "analytical", "pdf")
    assert "a table cell is taller than a page" in str(caught.value)


def test_a_character_the_bold_face_lacks_is_refused_or_drawn_by_a_face_that_has_it(write_brief):
    path = brief_file(write_brief, section={"title": "Heading \u2102 and \U0001D5A0"})
    with pytest.raises(GlyphError) as caught:
        render_bytes(path, "analytical", "pdf")
    assert "U+1D5A0" in str(caught.value) and "sections[0].title" in str(caught.value)
    assert "U+2102" not in str(caught.value)


def test_the_seed_executive_brief_keeps_to_its_two_page_budget(built):
    assert len(pypdf.PdfReader(str(built / "russia-china-taiwan-executive.pdf")).pages) <= 2


def test_an_executive_brief_shows_every_section_it_is_given(write_brief):
    data = minimal_brief()
    first = data["sections"][0]
    data["sections"] = [
        first, {**first, "title": "Second findings", "tables": [{**first["tables"][0],
                                                                  "id": "t2"}]},
        {"kind": "recommendations", "title": "Recs A", "points": [{"text": "Do A."}]},
        {"kind": "recommendations", "title": "Recs B", "points": [{"text": "Do B."}]},
        {"kind": "outlook", "title": "Outlook", "points": [{"text": "Watch C."}]},
    ]
    document = docx_of(write_brief(data), "executive")
    headings = [(p.text, p.style.name) for p in document.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == [("Summary", "Heading 1"), ("Key findings", "Heading 1"),
                        ("Findings", "Heading 2"), ("Second findings", "Heading 2"),
                        ("Recommendations", "Heading 1"), ("Recs A", "Heading 2"),
                        ("Recs B", "Heading 2"), ("Outlook", "Heading 1")]
    assert len(document.tables) == 2
    assert "Watch C." in "\n".join(p.text for p in document.paragraphs)


def test_python_m_briefgen_prints_help():
    result = subprocess.run([sys.executable, "-m", "briefgen", "--help"], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0 and "build" in result.stdout
