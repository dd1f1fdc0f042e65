"""Right-to-left briefs in HTML: the page takes its direction from the brief's language,
a span in a language written the other way carries its own (and is isolated by it), and
the layout is logical, so an Arabic or Hebrew brief is indented, barred and aligned from
the right as a reader expects, and axe-core still finds nothing wrong."""

from __future__ import annotations

import re

import lxml.html
import pytest
import yaml

from briefgen.compose import blocks as b
from briefgen.data.richtext import direction

from .browser import axe, browser, described, page  # noqa: F401 - fixtures
from .conftest import minimal_brief, run_in_process
from .test_html_output import page_of, stylesheet

ARABIC = "تقول مؤسسة فكرية إن روسيا تساعد الصين."
HEBREW = "שלום עולם"


@pytest.mark.parametrize("tag, expected", [("ar", "rtl"), ("he-IL", "rtl"), ("fa", "rtl"),
                                           ("ur-PK", "rtl"), ("yi", "rtl"), ("en-GB", "ltr"),
                                           ("zh-CN", "ltr"), ("ru", "ltr"), ("tr", "ltr")])
def test_a_language_s_direction_is_that_of_its_usual_script(tag, expected):
    assert direction(tag) == expected


def test_a_left_to_right_page_says_so_and_its_spans_in_hebrew_run_right_to_left():
    page = page_of(b.Paragraph((b.Text("Before "), b.Language("he", (b.Text(HEBREW),)),
                                b.Text(" after (2025)."))))
    assert page.get("dir") == "ltr"
    (span,) = [s for s in page.iter("span") if s.get("lang") == "he"]
    assert (span.get("dir"), span.text) == ("rtl", HEBREW)
    french = page_of(b.Paragraph((b.Language("fr", (b.Text("bonjour"),)),)))
    (span,) = [s for s in french.iter("span") if s.get("lang") == "fr"]
    assert span.get("dir") is None              # the same direction: nothing to isolate


def rtl_brief(tmp_path) -> bytes:
    brief = minimal_brief(language="ar", title="الدعم العسكري الروسي", summary=[
        ARABIC, [{"text": "English words", "lang": "en-GB"}, " ثم النهاية."]])
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ar.yaml").write_text(yaml.safe_dump(brief, allow_unicode=True),
                                               encoding="utf-8")
    result = run_in_process("build", "--format", "html", "--audience", "analytical",
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return (tmp_path / "out" / "ar" / "ar-analytical.html").read_bytes()


def test_an_arabic_brief_is_a_right_to_left_page_with_its_english_isolated(tmp_path):
    page = lxml.html.document_fromstring(rtl_brief(tmp_path))
    assert (page.get("lang"), page.get("dir")) == ("ar", "rtl")
    (english,) = [s for s in page.iter("span") if s.get("lang") == "en-GB"]
    assert (english.get("dir"), english.text) == ("ltr", "English words")


def test_the_stylesheet_lays_out_indents_bars_and_alignment_logically():
    css = stylesheet(page_of(b.Paragraph((b.Text("x"),))))
    physical = re.findall(r"(?:padding|margin|border)-(?:left|right)\b[^;]*;|"
                          r"text-align: (?:left|right)", css)
    # Only the symmetric side padding of the narrow screen is written physically.
    assert set(physical) <= {"padding-left: 1em;", "padding-right: 1em;"}, physical


def test_an_arabic_page_reads_from_the_right_in_a_browser(page, tmp_path):  # noqa: F811
    page.set_content(rtl_brief(tmp_path).decode("utf-8"))
    width = page.evaluate("document.documentElement.clientWidth")
    boxes = page.evaluate("""() => [...document.querySelectorAll(
        'h1, h2, main p, li, th')].map(e => {
            const r = e.getBoundingClientRect();
            const range = document.createRange(); range.selectNodeContents(e);
            const t = range.getBoundingClientRect();
            return {tag: e.tagName, left: r.left, right: r.right, textLeft: t.left,
                    textRight: t.right, direction: getComputedStyle(e).direction};
        })""")
    assert boxes and all(box["direction"] == "rtl" for box in boxes), boxes
    for box in boxes:     # text starts at the element's right edge, far from its left
        assert abs(box["right"] - box["textRight"]) < 30, box
    indent = page.evaluate("""() => { const list = getComputedStyle(
        document.querySelector('main ul'));
        return [parseFloat(list.paddingLeft), parseFloat(list.paddingRight)]; }""")
    assert indent[0] == 0 and indent[1] > 10, indent        # the bullets' room is on the right
    assert max(box["right"] for box in boxes) <= width
    violations = axe(page)
    assert violations == [], described(violations)
