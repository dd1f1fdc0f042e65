"""Markdown fixtures -> expected block trees; a malformed tree is refused when built; a
format names its extension without importing its renderer.  (Every node drawn by every
format: test_every_node.py.)"""

from __future__ import annotations

import pytest

from briefgen.compose import blocks as b
from briefgen.compose.markup import parse
from briefgen.errors import MarkupError
from briefgen.renderers import formats


def T(text):  # noqa: N802 - reads like the node it builds
    return b.Text(text)


@pytest.mark.parametrize("markdown, expected", [
    ("# Title\n", (b.Heading(1, (T("Title"),)),)),
    ("### Third\n", (b.Heading(3, (T("Third"),)),)),
    ("Some *em* and **strong**.\n",
     (b.Paragraph((T("Some "), b.Emph((T("em"),)), T(" and "), b.Strong((T("strong"),)),
                   T("."))),)),
    ("A [link](<https://example.org>).\n",
     (b.Paragraph((T("A "), b.Link("https://example.org", (T("link"),)), T("."))),)),
    ("one\ntwo\n", (b.Paragraph((T("one two"),)),)),
    ("- a\n- b\n  - c\n",
     (b.BulletList((b.ListItem((b.Paragraph((T("a"),)),)),
                    b.ListItem((b.Paragraph((T("b"),)),
                                b.BulletList((b.ListItem((b.Paragraph((T("c"),)),)),)))))),)),
    ("3. x\n", (b.OrderedList((b.ListItem((b.Paragraph((T("x"),)),)),), 3),)),
    ("{.caption}\nTable 1: X\n", (b.Caption((T("Table 1: X"),)),)),
    ("::: note\nInside\n:::\n", (b.Callout("note", (b.Paragraph((T("Inside"),)),)),)),
    ("---\n", (b.ThematicBreak(),)),
    ("\\# \\*not\\* \\<b\\> \\& \\|\n", (b.Paragraph((T("# *not* <b> & |"),)),)),
    ("<b>raw html</b>\n", (b.Paragraph((T("<b>raw html</b>"),)),)),
])
def test_markdown_becomes_the_expected_blocks(markdown, expected):
    assert parse(markdown) == expected


def test_a_gfm_table_becomes_a_table_with_header_alignment_and_status_spans():
    [table] = parse("| A | B |\n| :--- | ---: |\n| a \\| b | [Confirmed]{.status} |\n")
    assert table.header == (b.TableCell((T("A"),)), b.TableCell((T("B"),)))
    assert table.aligns == ("left", "right")
    assert table.rows == ((b.TableCell((T("a | b"),)), b.TableCell((b.Status("Confirmed"),))),)


@pytest.mark.parametrize("markdown, what", [
    ("    indented code\n", "code block"),
    ("```\nfenced\n```\n", "fence"),
    ("#### Four\n", "level-4 heading"),
    ("![alt](x.png)\n", "image"),
])
def test_constructs_outside_the_block_set_are_errors_with_a_line(markdown, what):
    with pytest.raises(MarkupError) as caught:
        parse("Intro.\n\n" + markdown, "brief.md")
    message = str(caught.value)
    assert message.startswith("brief.md:3:") and what in message


def test_a_malformed_tree_fails_when_it_is_built():
    with pytest.raises(TypeError):
        b.Paragraph(("not a node",))
    with pytest.raises(ValueError):
        b.Heading(4, ())
    with pytest.raises(ValueError):
        b.Table((b.TableCell(()),), ((b.TableCell(()), b.TableCell(())),))


@pytest.mark.parametrize("fmt", formats())
def test_a_format_names_its_extension_without_importing_its_renderer(fmt):
    import subprocess
    import sys

    probe = ("import sys\nfrom briefgen.renderers import extension_for, renderer_for\n"
             f"print(extension_for({fmt!r}), 'reportlab' in sys.modules, "
             "'docx' in sys.modules)\n"
             f"print(renderer_for({fmt!r}).extension)")
    lines = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                           text=True).stdout.split("\n")
    declared, imported = lines[0].split(), lines[1].split()
    assert declared == [f".{fmt}", "False", "False"]
    assert imported == [f".{fmt}"]
