"""The fuzz targets at a small volume, and inputs that once broke a parser."""

from __future__ import annotations

import pytest

from briefgen.compose.markup import parse
from briefgen.data.load import load_brief
from briefgen.errors import BriefgenError, DataError, MarkupError
from fuzz.fuzz_inputs import fuzz_loader, fuzz_markup


def test_the_loader_fuzz_target_finds_nothing_at_small_volume():
    fuzz_loader(150)


def test_the_markup_fuzz_target_finds_nothing_at_small_volume():
    fuzz_markup(150)


@pytest.mark.parametrize("content", [
    b"\x00\x01binary", b"\xff\xfe", "title: \ud800".encode("utf-8", "surrogatepass"),
    b"a: &a [*a]", b"%YAML 1.1\n---\ntitle: x\n", b"? [a, b]\n: c\n", b"[1, 2]\n", b"- x\n",
])
def test_odd_files_are_data_errors_not_crashes(tmp_path, content):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    with pytest.raises(DataError):
        load_brief(path)


@pytest.mark.parametrize("text", ["[z]{.other}\n", "![i](x.png)\n", "```\ncode\n```\n"])
def test_markdown_outside_the_block_set_is_a_markup_error(text):
    with pytest.raises(MarkupError):
        parse(text)


@pytest.mark.parametrize("text", ["*", "**", "_a", "[", "]{.em}", "| a |\n|", "\\", ":::\n",
                                  "<!-- raw HTML is off: text -->\n"])
def test_stray_markup_characters_parse_to_blocks(text):
    try:
        assert isinstance(parse(text), tuple)
    except BriefgenError as error:   # a construct refused by name is fine; a crash is not
        assert isinstance(error, MarkupError)
