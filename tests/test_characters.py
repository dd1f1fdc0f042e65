"""One rule for the characters text may hold, wherever it is written: in the data, in the
project file, in a theme, in a template's own words or in what a template computes.  A
control, surrogate, private-use or non-character, or a bidirectional control, is refused
at its place with exit code 1, by ``validate`` and ``build`` alike, and never reaches an
output (where it broke XML or reversed the text after it)."""

from __future__ import annotations

import unicodedata

import pytest
import yaml

from briefgen.data.characters import BIDI_CONTROLS, first_unsafe

from .conftest import minimal_brief, problem_lines, write_files
from .conftest import run_in_process as run

# One of each kind, as a YAML double-quoted escape: control, C1 control, surrogate,
# private use, non-character, override, isolate.
ESCAPES = {"control": ("\\x01", "U+0001"), "c1-control": ("\\x85", "U+0085"),
           "surrogate": ("\\ud800", "U+D800"), "private-use": ("\\ue000", "U+E000"),
           "noncharacter": ("\\ufdd0", "U+FDD0"), "override": ("\\u202e", "U+202E"),
           "isolate": ("\\u2067", "U+2067")}


def by_category(char: str) -> bool:
    """The rule as Unicode states it: Cc but tab and newline, Cs, Co, the
    non-characters, and the embedding, override and isolate controls."""
    code = ord(char)
    return char not in "\t\n" and (
        unicodedata.category(char) in ("Cc", "Cs", "Co") or char in BIDI_CONTROLS or
        (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF)


def test_the_rule_refuses_exactly_the_characters_unicode_puts_in_those_classes():
    wrong = [f"U+{code:04X}" for code in range(0x110000)
             if by_category(chr(code)) != (first_unsafe(chr(code)) is not None)]
    assert wrong == []


def project(tmp_path, files: dict) -> None:
    write_files(tmp_path, {"data/brief.yaml": yaml.safe_dump(minimal_brief()), **files})


def refused(tmp_path, *args: str) -> str:
    """The one problem line that ``validate`` and ``build`` both print, exit code 1."""
    lines = []
    for command in (("validate",), ("build", *args)):
        result = run(*command, cwd=tmp_path)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and "bug" not in result.stderr
        lines.append(problem_lines(result.stderr))
    assert lines[0] == lines[1] and len(lines[0]) == 1, lines
    assert not (tmp_path / "out").exists()
    return lines[0][0]


@pytest.mark.parametrize("kind", ESCAPES)
def test_an_audience_label_is_held_to_the_rule_at_its_line(tmp_path, kind):
    escape, code = ESCAPES[kind]
    project(tmp_path, {"briefgen.yaml": "audiences:\n  analytical: {}\n  executive:\n"
                                        f'    label: "Board {escape} brief"\n'})
    line = refused(tmp_path, "--format", "html")
    assert line.startswith("briefgen.yaml:4:12: audiences.executive.label: found the ")
    assert f"{code} at offset 6" in line


@pytest.mark.parametrize("kind", ["control", "override"])
def test_a_theme_s_furniture_and_a_key_are_held_to_the_rule(tmp_path, kind):
    escape, code = ESCAPES[kind]
    project(tmp_path, {"briefgen.yaml": "theme: house\n",
                       "themes/house.yaml": f'furniture: {{footer_left: "a{escape}"}}\n'})
    assert refused(tmp_path).startswith(f"themes/house.yaml:1:26: furniture.footer_left: "
                                        f"found the ")
    write_files(tmp_path, {"themes/house.yaml": f'"lab{escape}els": {{}}\n'})
    line = refused(tmp_path)
    assert line.startswith("themes/house.yaml:1:1: ") and code in line


@pytest.mark.parametrize("char", ["\x01", "\x7f", "\u202e", "\u2066", "\ufffe"])
def test_a_template_s_own_words_are_held_to_the_rule_at_their_line_and_column(tmp_path,
                                                                              char):
    template = ('{% extends "builtin/public.md.j2" %}\n{% block back_matter %}\n'
                f"Our own words {char} here.\n{{% endblock %}}\n")
    project(tmp_path, {"templates/public.md.j2": template})
    line = refused(tmp_path, "--format", "html")
    assert line.startswith("templates/public.md.j2:3:15: found the "), line
    assert f"U+{ord(char):04X}," in line


def test_a_template_with_windows_line_endings_is_read(tmp_path):
    template = ('{% extends "builtin/public.md.j2" %}\r\n{% block back_matter %}\r\n'
                "Our own words.\r\n{% endblock %}\r\n")
    project(tmp_path, {"templates/public.md.j2": template})
    result = run("build", "--format", "html", "--audience", "public", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "out" / "brief" / "brief-public.html").read_text(encoding="utf-8")
    assert "<p>Our own words.</p>" in html


@pytest.mark.parametrize("expression, code", [('"\\u202e"', "U+202E"), ('"\\x00"', "U+0000"),
                                              ("'a' ~ '\\x1b'", "U+001B")])
def test_what_a_template_computes_is_held_to_the_rule_before_it_is_parsed(tmp_path,
                                                                          expression, code):
    template = ('{% extends "builtin/public.md.j2" %}\n{% block back_matter %}\n'
                f"Computed: {{{{ {expression} }}}}\n{{% endblock %}}\n")
    project(tmp_path, {"templates/public.md.j2": template})
    result = run("build", "--format", "html", "--audience", "public", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "bug" not in result.stderr
    line = result.stderr.splitlines()[0]        # located in the generated Markdown
    assert line.startswith("data/brief.yaml (public.md.j2):"), line
    assert "found the " in line and code in line and "a template's expression" in line
    assert not (tmp_path / "out" / "brief").exists()


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060 \ufeff", "\u00ad", "\u3164", " \u200d "])
@pytest.mark.parametrize("where", ["title", "column", "emphasis"])
def test_a_text_of_invisible_characters_alone_is_refused_as_showing_nothing(tmp_path, where,
                                                                            invisible):
    brief = minimal_brief()
    if where == "title":
        brief["title"] = invisible
    elif where == "column":
        brief["sections"][0]["tables"][0]["columns"][0] = invisible
    else:
        brief["summary"] = [["Before ", {"em": invisible}]]
    write_files(tmp_path, {"data/brief.yaml": yaml.safe_dump(brief)})
    result = run("validate", cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    (line,) = problem_lines(result.stderr)
    assert "shows nothing" in line or "is empty" in line, line


def test_joiners_inside_words_are_kept(tmp_path):
    brief = minimal_brief(title="می\u200cخواهم 👩\u200d💻 co\u00adoperation")
    write_files(tmp_path, {"data/brief.yaml": yaml.safe_dump(brief, allow_unicode=True)})
    result = run("build", "--format", "html", "--audience", "public", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "out" / "brief" / "brief-public.html").read_text(encoding="utf-8")
    assert "<h1>می\u200cخواهم 👩\u200d💻 co\u00adoperation</h1>" in html
