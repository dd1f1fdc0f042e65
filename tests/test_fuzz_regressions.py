"""The fuzz targets at a small volume, and inputs that once broke a parser."""

from __future__ import annotations

import pytest

from briefgen.compose import blocks as b
from briefgen.compose.markup import parse
from briefgen.data.load import load_brief
from briefgen.errors import DataError, MarkupError
from fuzz.fuzz_inputs import fuzz_loader, fuzz_markup


def test_the_loader_fuzz_target_finds_nothing_at_small_volume():
    fuzz_loader(150)


def test_the_markup_fuzz_target_finds_nothing_at_small_volume():
    fuzz_markup(150)


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01binary", ":1:1: found the control character U+0000, which YAML does not allow "
                        "in a file"),
    (b"\xff\xfe", ": found bytes that are not UTF-8 at offset 0, expected UTF-8 text"),
    ("title: \ud800".encode("utf-8", "surrogatepass"),
     ": found bytes that are not UTF-8 at offset 7, expected UTF-8 text"),
    (b"a: &a [*a]", ":1:4: a" + "[0]" * 40 + ": found nesting deeper than 40 levels"),
    (b"%YAML 1.1\n---\ntitle: x\n", ":3:1: edition: found nothing, expected a value"),
    (b"? [a, b]\n: c\n", ":1:3: found a key that is not text, expected a field name"),
    (b"[1, 2]\n", ":1:1: found a single value, expected a mapping of fields"),
    (b"- x\n", ":1:1: found a single value, expected a mapping of fields"),
], ids=["binary", "utf-16-mark", "lone-surrogate", "self-alias", "yaml-directive",
        "complex-key", "flow-list", "block-list"])
def test_odd_files_are_data_errors_at_their_place_not_crashes(tmp_path, content, message):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        load_brief(path)
    first = str(caught.value.problems[0])
    assert first.startswith(f"{path}{message}"), first
    assert all(str(problem).startswith(f"{path}") for problem in caught.value.problems)


@pytest.mark.parametrize("text", ["[z]{.other}\n", "![i](x.png)\n", "```\ncode\n```\n"])
def test_markdown_outside_the_block_set_is_a_markup_error_at_its_line(text):
    with pytest.raises(MarkupError) as caught:
        parse(text, "brief.md")
    assert str(caught.value).startswith("brief.md:1:"), str(caught.value)


def paragraph(text: str) -> tuple:
    return (b.Paragraph((b.Text(text),)),)


@pytest.mark.parametrize("text, blocks", [
    ("*", (b.BulletList((b.ListItem(()),)),)),       # a list of one empty item
    ("**", paragraph("**")),
    ("_a", paragraph("_a")),
    ("[", paragraph("[")),
    ("]{.em}", paragraph("]{.em}")),
    ("| a |\n|", paragraph("| a | |")),             # no delimiter row: not a table
    ("\\", paragraph("\\")),
    (":::\n", paragraph(":::")),                     # a fence without a kind: text
    ("<!-- raw HTML is off: text -->\n", paragraph("<!-- raw HTML is off: text -->")),
])
def test_stray_markup_characters_parse_to_the_literal_blocks_they_stand_for(text, blocks):
    assert parse(text) == blocks
