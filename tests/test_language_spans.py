"""Text in another language: a rich-text segment's ``lang:`` becomes a ``Language`` node,
carried through the Markdown as data (never as markup the data wrote), and read back
from every format."""

from __future__ import annotations

import io

import docx
import lxml.html
import pypdf
import pytest

from briefgen.build.stages import document_for, markdown_for
from briefgen.compose import blocks as b
from briefgen.compose import markup
from briefgen.data.load import load_brief
from briefgen.data.model import json_schema
from briefgen.errors import DataError, MarkupError
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers import formats, renderer_for

from .conftest import minimal_brief

CHINESE = {"text": "台湾海峡", "lang": "zh-CN"}


def point_with(*segments) -> dict:
    brief = minimal_brief()
    brief["sections"][0]["points"] = [{"text": ["The strait, ", *segments, ", is narrow."]}]
    return brief


def point_inlines(write_brief, *segments) -> tuple:
    """The inlines of the brief's one point, in the analytical block tree."""
    document = document_for(load_brief(write_brief(point_with(*segments))), "analytical")
    items = next(n for n in document.blocks if isinstance(n, b.BulletList)).items
    return items[0].children[0].children


def test_a_segment_with_lang_becomes_a_language_node(write_brief):
    assert point_inlines(write_brief, CHINESE) == (
        b.Text("The strait, "), b.Language("zh-CN", (b.Text("台湾海峡"),)),
        b.Text(", is narrow."))


@pytest.mark.parametrize("segment, inner", [
    ({"em": "пролив", "lang": "ru"}, b.Emph((b.Text("пролив"),))),
    ({"strong": "détroit", "lang": "fr"}, b.Strong((b.Text("détroit"),))),
    ({"link": "海峡", "url": "https://example.org/a?b=1&c=2", "lang": "zh"},
     b.Link("https://example.org/a?b=1&c=2", (b.Text("海峡"),))),
])
def test_emphasis_strong_and_links_may_carry_a_language_too(write_brief, segment, inner):
    assert point_inlines(write_brief, segment)[1] == b.Language(segment["lang"], (inner,))


def test_the_text_of_a_language_segment_is_data_whatever_it_holds(write_brief):
    text = "*x* [y]{lang=en} | # `z` <b> {{ w }}"
    [_, language, _] = point_inlines(write_brief, {"text": text, "lang": "ru"})
    assert language == b.Language("ru", (b.Text(text),))


def test_the_markdown_carries_the_language_as_a_span_around_the_escaped_text(write_brief):
    path = write_brief(point_with({"text": "a*b", "lang": "zh-CN"}))
    assert "- The strait\\, [a\\*b]{lang=zh-CN}\\, is narrow\\." in markdown_for(load_brief(path),
                                                                              "analytical")


@pytest.mark.parametrize("lang, found", [("zh_CN", "'zh_CN'"), ("english", "'english'"),
                                         ("ZH", "'ZH'"), (["zh"], "a list"),
                                         ("fr\n", "'fr\\n'")])
def test_a_lang_that_is_not_a_language_tag_is_refused_at_its_segment(write_brief, lang, found):
    path = write_brief(point_with({"text": "台湾海峡", "lang": lang}))
    with pytest.raises(DataError) as caught:
        load_brief(path)
    [problem] = caught.value.problems
    assert problem.field == "sections[0].points[0].text"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert problem.location.line == lines.index("    - 'The strait, '") + 1    # the text's list
    assert problem.message == (f"segment 2 has lang {found}, expected a language tag such as "
                               "zh-CN or ru (two lowercase letters, then optionally '-' and two "
                               "capitals)")


def test_a_segment_mapping_without_a_kind_is_refused_naming_the_keys_it_may_have(write_brief):
    with pytest.raises(DataError, match="expected text or a mapping with one of the keys text, "
                                        "em, strong or link"):
        load_brief(write_brief(point_with({"lang": "ru"})))


def test_the_plain_text_of_a_language_span_is_its_text(write_brief):
    brief = load_brief(write_brief(point_with(CHINESE))).brief
    assert brief.sections[0].points[0].text.plain() == "The strait, 台湾海峡, is narrow."
    assert b.plain_text((b.Language("zh-CN", (b.Emph((b.Text("海"),)),)),)) == "海"


def test_a_template_s_span_in_an_unknown_language_is_refused_at_its_line():
    with pytest.raises(MarkupError, match=r"<md>:2: .*a span in the language 'x y z'"):
        markup.parse('\nSee [this]{lang="x y z"}.\n', "<md>")
    assert markup.parse("[a]{.em lang=fr}\n")[0].children == (
        b.Language("fr", (b.Emph((b.Text("a"),)),)),)


def test_the_block_tree_refuses_a_bad_tag_and_children_that_are_not_inlines():
    for tag in ("not a tag", "fr\n"):
        with pytest.raises(ValueError, match="Language.lang must be a tag"):
            b.Language(tag, (b.Text("x"),))
    with pytest.raises(TypeError, match="Language.children holds Paragraph"):
        b.Language("fr", (b.Paragraph((b.Text("x"),)),))


def test_the_schema_lets_every_segment_mapping_carry_a_lang():
    segments = json_schema()["$defs"]["Point"]["properties"]["text"]["anyOf"][1]["items"]["anyOf"]
    mappings = [s for s in segments if s.get("type") == "object"]
    assert {next(iter(s["required"])) for s in mappings} == {"text", "em", "strong", "link"}
    assert all(s["properties"]["lang"]["pattern"] == "^[a-z]{2}(-[A-Z]{2})?$" for s in mappings)


# ------------------------------------------------------------------ every format

def language_document() -> b.Document:
    meta = b.DocumentMeta(title="T", marking="M")
    paragraph = b.Paragraph((
        b.Text("Before "), b.Language("zh-CN", (b.Text("台湾海峡"),)), b.Text(" after "),
        b.Language("ru", (b.Emph((b.Text("пролив"),)),))))
    return b.Document(meta, (paragraph,), title=b.TitleBlock(organisation="O", title="T"),
                      furniture=b.PageFurniture())


HTML_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "th", "td", "caption",
               "figcaption", "dt", "dd", "blockquote", "pre")


def read_back(fmt: str, data: bytes) -> str:
    if fmt == "docx":
        return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    if fmt == "html":
        return html_text(data)
    return data.decode("utf-8")


def html_text(data: bytes) -> str:
    """The text a reader of the page sees: each outermost block of the body, one a line."""
    body = lxml.html.document_fromstring(data).body
    return "\n".join(block.text_content() for block in body.iter(*HTML_BLOCKS)
                     if not any(a.tag in HTML_BLOCKS for a in block.iterancestors()))


def html_language_of(page, words: str) -> str | None:
    """The language the page gives ``words``: the nearest ``lang`` of the innermost element
    holding them."""
    holders = page.xpath("//body//*[text()[contains(., $words)]]", words=words)
    assert len(holders) == 1, (words, holders)
    return holders[0].xpath("string(ancestor-or-self::*[@lang][1]/@lang)") or None


@pytest.mark.parametrize("fmt", formats())
def test_every_format_draws_the_words_of_a_language_span_in_their_place(fmt):
    data = renderer_for(fmt)(DEFAULT_THEME).render(language_document())
    assert "Before 台湾海峡 after пролив" in " ".join(read_back(fmt, data).split())


def test_the_html_gives_the_words_of_a_language_span_their_language_and_no_others():
    data = renderer_for("html")(DEFAULT_THEME).render(language_document())
    page = lxml.html.document_fromstring(data)
    assert html_language_of(page, "台湾海峡") == "zh-CN"
    assert html_language_of(page, "пролив") == "ru"
    assert page.get("lang") not in ("zh-CN", "ru")
    assert html_language_of(page, "Before") == html_language_of(page, "after") == page.get("lang")
