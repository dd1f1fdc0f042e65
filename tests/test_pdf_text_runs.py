"""Runs of text in the PDF as a reader and a screen reader get them: links and spans
that wrap like the text around them, each link underlined, spaces only where the text
had them, table words kept whole, headings that never end a page, heading levels that
never skip, whatever the template wrote."""

from __future__ import annotations

import io

import pdfplumber
import pytest
import yaml

import briefgen
from briefgen.data.load import load_brief
from briefgen.project import Project
from briefgen.renderers.page import margins, page_size
from briefgen.project.theme import DEFAULT_THEME
from tests.conftest import minimal_brief
from tests.pdfstructure import TaggedPdf, flat

CHINESE = "中华人民共和国国防部发言人表示俄罗斯与中国的军事合作不针对第三方并且符合两国人民的根本利益"


@pytest.fixture
def render(tmp_path):
    """Render a brief (a dict) for an audience, the PDF's bytes; ``project`` may hold
    templates of its own."""

    def rendered(brief: dict, audience: str = "analytical", templates: dict | None = None):
        (tmp_path / "data").mkdir(exist_ok=True)
        path = tmp_path / "data" / "brief.yaml"
        path.write_text(yaml.safe_dump(brief, allow_unicode=True, sort_keys=False), "utf-8")
        for name, text in (templates or {}).items():
            (tmp_path / "templates").mkdir(exist_ok=True)
            (tmp_path / "templates" / name).write_text(text, encoding="utf-8")
        project = Project.at(tmp_path)
        return briefgen.render(load_brief(path), audience, "pdf", project)

    return rendered


def with_body(*paragraphs) -> dict:
    brief = minimal_brief()
    brief["sections"][0]["body"] = list(paragraphs)
    return brief


def right_edge() -> float:
    _, right, _, _ = margins(DEFAULT_THEME)
    return page_size(DEFAULT_THEME)[0] - right


@pytest.mark.parametrize("segment", [
    {"text": CHINESE * 2, "lang": "zh-CN"},
    {"link": "https://example.org/" + "a-very-long-address-" * 8, "url": "https://example.org/x"},
    {"text": "Averylongwordwithnospace" * 6, "lang": "de-DE"},
], ids=["chinese-span", "address-link", "long-word-span"])
def test_a_span_or_link_longer_than_a_line_wraps_within_the_margin_and_is_read_whole(
        render, segment):
    data = render(with_body(["Before: ", segment, " after."]))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chars = [c for page in pdf.pages for c in page.chars if c["text"].strip()]
    assert max(c["x1"] for c in chars) <= right_edge() + 0.5
    text = segment.get("text") or segment["link"]
    with TaggedPdf(data) as tagged:
        (inline,) = tagged.document.find("Span", "Link")
        assert flat(inline.all_text()).replace(" ", "") == text


def test_two_links_on_one_line_are_each_underlined(render):
    data = render(with_body(["Two links: ", {"link": "alpha link", "url": "https://a.example"},
                             " and ", {"link": "beta link", "url": "https://b.example"}, "."]))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        words = {w["text"]: w for w in page.extract_words()}
        rules = page.lines + page.rects
        for word in ("alpha", "beta"):
            x0, x1, bottom = words[word]["x0"], words[word]["x1"], words[word]["bottom"]
            assert any(r["x0"] <= x0 + 0.5 and r["x1"] >= x1 - 0.5
                       and abs(r["top"] - bottom) < 3 for r in rules), f"{word} has no underline"


def test_a_line_broken_inside_a_word_or_in_chinese_gets_no_space(render):
    long_word = "Internationalisation" * 8
    data = render(with_body(CHINESE * 3, long_word))
    with TaggedPdf(data) as tagged:
        texts = [flat(p.all_text()) for p in tagged.document.find("P")]
    assert CHINESE * 3 in texts and long_word in texts


def test_a_wide_table_is_set_smaller_so_that_no_word_breaks(render):
    names = ["Responsibilities", "Accountability", "Interoperability", "Infrastructure",
             "Sustainability", "Transparency", "Implementation", "Consequences"]
    brief = minimal_brief()
    brief["sections"][0]["tables"] = [{"id": "wide", "caption": "Eight", "columns": names,
                                       "rows": [names]}]
    data = render(brief)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        drawn = [w["text"] for page in pdf.pages for w in page.extract_words()]
    for name in names:
        assert drawn.count(name) == 2, f"{name} was broken inside the table"


def test_a_heading_straight_after_a_heading_never_leaves_it_alone_at_a_page_end(render):
    """The executive brief opens its findings with "Key findings" and then a section's
    heading: wherever that falls on page 1, the two start a page together with text."""
    for fill in range(8, 40):
        brief = minimal_brief()
        brief["summary"] = ["Summary words fill the first page, a line at a time."] * fill
        brief["sections"][0]["points"] = [{"text": "A finding."}]
        data = render(brief, "executive")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages[:-1]:
                lines = page.extract_text_lines()
                body = [ln for ln in lines if ln["top"] < page.height - 60]
                assert body and body[-1]["text"] not in ("Key findings",
                                                         brief["sections"][0]["title"]), fill


def test_a_heading_level_a_template_skips_is_raised_as_in_the_docx(render):
    template = ('{% extends "builtin/analytical.md.j2" %}{% block sections %}'
                "# Top\n\n### Skipped\n\nText.\n{% endblock %}")
    data = render(minimal_brief(), templates={"analytical.md.j2": template})
    with TaggedPdf(data) as tagged:
        headings = [(node.role, flat(node.all_text())) for node in tagged.document.children
                    if node.role.startswith("H")]
    assert ("H2", "Top") in headings and ("H3", "Skipped") in headings
    assert not any(role == "H4" for role, _ in headings)


def test_a_list_item_that_is_one_link_or_one_span_keeps_its_bullet_apart(render):
    brief = minimal_brief()
    brief["sections"][0]["points"] = [
        {"text": [{"link": "Ministry statement", "url": "https://example.org/m"}]},
        {"text": [{"text": "中华人民共和国国防部", "lang": "zh-CN"}]}]
    with TaggedPdf(render(brief)) as tagged:
        items = [li for li in tagged.document.find("LI")
                 if flat(li.all_text()).endswith(("statement", "国防部"))]
        assert len(items) == 2
        for item, role in zip(items, ("Link", "Span")):
            label, body = item.children
            assert (label.role, flat(label.all_text()), label.children) == ("Lbl", "•", ())
            (paragraph,) = body.children
            (inline,) = paragraph.children
            assert inline.role == role and flat(paragraph.all_text()) == flat(inline.all_text())


def test_a_long_word_in_a_link_among_other_text_reads_back_without_spaces(render):
    word = "Internationalisation" * 10
    brief = with_body(["See ", {"link": word, "url": "https://example.org/i"},
                       " and then some more words after it."])
    with TaggedPdf(render(brief)) as tagged:
        (link,) = tagged.document.find("Link")
        assert flat(link.all_text()) == word


def test_a_heading_before_a_box_taller_than_a_page_starts_where_the_box_can(render):
    brief = minimal_brief()
    brief["summary"] = ["Filler sentence that takes up room and wraps across the line. " * 3] * 14
    data = render(brief)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0].extract_text()
    assert "Summary" in first and "Filler sentence" in first


def test_a_source_s_address_is_printed_inside_its_link_and_the_checker_agrees(render, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path
    brief = minimal_brief()
    brief["sources"][0]["url"] = "https://example.org/source"
    path = tmp_path / "sourced.pdf"
    path.write_bytes(render(brief))
    with TaggedPdf(path.read_bytes()) as tagged:
        (link,) = tagged.document.find("Link")
        assert "https://example.org/source" in flat(link.all_text())
    outloud = Path(sys.executable).parent / "outloud"
    result = subprocess.run([str(outloud), "--json", "-", str(path)], capture_output=True,
                            text=True, check=False, timeout=120)
    (report,) = json.loads(result.stdout)["results"]
    assert [f["rule"] for f in report["findings"] if f["severity"] != "info"] == []


def test_a_table_in_a_box_fits_inside_the_box(render):
    template = ('{% extends "builtin/analytical.md.j2" %}{% block back_matter %}\n'
                "::: note\nBefore the boxed table.\n\n"
                "{% for section in brief.sections %}{% for table in section.tables %}"
                "{{ m.table(table, 99, numbers, cite=false) }}{% endfor %}{% endfor %}\n"
                "After the boxed table.\n:::\n{% endblock %}")
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"] = [
        ["A row whose first cell holds a good many words of text", "Confirmed"]]
    data = render(brief, templates={"analytical.md.j2": template})
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = next(p for p in pdf.pages if "boxed table" in p.extract_text())
        box = max((r for r in page.rects if r["top"] < page.search("Before the boxed")[0]["top"]
                   < r["bottom"]), key=lambda r: r["x1"] - r["x0"])
        fills = [r for r in page.rects if r is not box and box["top"] <= r["top"] <= box["bottom"]]
    assert fills, "the table's header fill was not found in the box"
    assert max(r["x1"] for r in fills) <= box["x1"] - 5       # within the box's padding


def test_a_box_in_a_box_sits_inside_its_padding(render):
    template = ('{% extends "builtin/analytical.md.j2" %}{% block back_matter %}\n'
                ":::: note\nOuter.\n\n::: note\nInner.\n:::\n\nAfter inner.\n::::\n"
                "{% endblock %}")
    data = render(minimal_brief(), templates={"analytical.md.j2": template})
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = next(p for p in pdf.pages if "Inner." in p.extract_text())
        inner_top = page.search("Inner.")[0]["top"]
        boxes = sorted((r for r in page.rects if r["top"] <= inner_top <= r["bottom"]),
                       key=lambda r: r["x1"] - r["x0"], reverse=True)
    outer, inner = boxes[0], boxes[1]
    assert outer["x0"] < inner["x0"] and inner["x1"] <= outer["x1"] - 5


def test_a_caption_taller_than_a_page_starts_under_its_heading(render):
    template = ('{% extends "builtin/public.md.j2" %}{% block summary %}{% endblock %}'
                "{% block sections %}\n# Long caption\n\n{.caption}\n"
                + " ".join(f"word{n}" for n in range(3000))
                + "\n\n| A | B |\n| --- | --- |\n| a | b |\n{% endblock %}")
    data = render(minimal_brief(), "public", templates={"public.md.j2": template})
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [p.extract_text() for p in pdf.pages]
    heading = next(i for i, text in enumerate(pages) if "Long caption" in text)
    assert "word0 " in pages[heading]          # the caption starts on the heading's page
