"""The one Jinja environment: Markdown autoescaping, StrictUndefined, the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from briefgen.compose import blocks as b
from briefgen.compose import templating
from briefgen.compose.markup import parse
from briefgen.data import richtext
from briefgen.errors import TemplateError

from .conftest import (
    minimal_brief,
    problem_lines,
    public_back_matter,
    run_in_process,
    write_files,
)

NASTY = ["a | b", "# not a heading", "*not em*", "_x_", "`code`", "<b>bold?</b>",
         "&amp; &", "{{ 7*7 }}", "{% if %}", '<font color="red">x</font>', "<para>",
         "[link](http://x)", "1. not a list", "- not a bullet", "> not a quote", "\\back\\slash",
         "line\nbreak", "    four spaces", "::: note", "{.caption}", "[x]{.status}"]


def render_string(tmp_path: Path, source: str, **context) -> str:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "t.md.j2").write_text(source, encoding="utf-8")
    env = templating.environment(templating.search_path(folder))
    return templating.render(env, "t.md.j2", context)


@pytest.mark.parametrize("value", NASTY)
def test_an_interpolated_value_reads_back_as_the_same_literal_text(tmp_path, value):
    markdown = render_string(tmp_path, "{{ value }}\n", value=value)
    expected = " ".join(value.split("\n")).strip()
    assert parse(markdown) == (b.Paragraph((b.Text(expected),)),)


@pytest.mark.parametrize("value", NASTY)
def test_a_value_in_a_table_cell_stays_in_its_cell(tmp_path, value):
    source = "| A | B |\n| --- | --- |\n| {{ value }} | end |\n"
    [table] = parse(render_string(tmp_path, source, value=value))
    assert [b.plain_text(c.children) for c in table.rows[0]] == [
        " ".join(value.split("\n")).strip(), "end"]


def test_rich_text_from_data_becomes_emphasis_and_links(tmp_path):
    rich = richtext.parse(["Plain *star* ", {"em": "soft"}, " and ", {"strong": "hard"}, " ",
                           {"link": "a [link]", "url": "https://example.org/a_b"}])
    [paragraph] = parse(render_string(tmp_path, "{{ value }}\n", value=rich))
    assert paragraph.children == (
        b.Text("Plain *star* "), b.Emph((b.Text("soft"),)), b.Text(" and "),
        b.Strong((b.Text("hard"),)), b.Text(" "),
        b.Link("https://example.org/a_b", (b.Text("a [link]"),)))


def test_template_text_is_markdown_and_is_not_escaped(tmp_path):
    markdown = render_string(tmp_path, "# Heading {{ value }}\n", value="*x*")
    assert parse(markdown) == (b.Heading(1, (b.Text("Heading *x*"),)),)


def test_an_undefined_field_is_an_error_at_the_template_line(tmp_path):
    with pytest.raises(TemplateError) as caught:
        render_string(tmp_path, "line one\n{{ brief.no_such_field }}\n", brief={"title": "x"})
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'templates' / 't.md.j2'}:2:")
    assert "no_such_field" in message


def test_a_syntax_error_names_the_template_file_and_line(tmp_path):
    with pytest.raises(TemplateError) as caught:
        render_string(tmp_path, "ok\n\n{% if %}\n")
    assert str(caught.value).startswith(f"{tmp_path / 'templates' / 't.md.j2'}:3:")


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ ''|attr('__class__') }}",
])
def test_sandbox_escapes_are_refused(tmp_path, source):
    with pytest.raises(TemplateError) as caught:
        render_string(tmp_path, source + "\n")
    assert "t.md.j2:1:" in str(caught.value)


def test_the_project_templates_override_the_builtin_ones_by_name(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "public.md.j2").write_text("# Overridden\n", encoding="utf-8")
    paths = templating.search_path(folder)
    assert paths[0] == str(folder)
    env = templating.environment(paths)
    assert templating.render(env, "public.md.j2", {}) == "# Overridden\n"
    assert "{% extends" in (templating.BUILTIN_TEMPLATES / "analytical.md.j2").read_text()


def build_public_with_back_matter(root: Path, body: str):
    write_files(root, {"data/brief.yaml": yaml.safe_dump(minimal_brief(), sort_keys=False)})
    public_back_matter(root, body)
    return run_in_process("build", "--audience", "public", "--format", "docx", cwd=root)


def test_markdown_a_template_writes_that_briefs_do_not_support_is_placed_at_its_line(tmp_path):
    """A code block (four-space indent) written by a project template: the error names the
    template's line, and the line of the Markdown it made."""
    result = build_public_with_back_matter(tmp_path, "\n    print('not a brief')\n")
    assert result.returncode == 1
    [line] = problem_lines(result.stderr)
    assert line.startswith("templates/public.md.j2:4: the generated Markdown has a code "
                           "block, which briefs do not support (line "), line
    assert "of the Markdown made for data/brief.yaml (public.md.j2))" in line
    assert not (tmp_path / "out" / "brief" / "brief-public.docx").exists()


def test_unsupported_markdown_on_a_line_no_template_holds_alone_stays_at_the_markdown_line(
        tmp_path):
    """Two template lines could have written it: the Markdown line is what is certain."""
    result = build_public_with_back_matter(tmp_path, "\n    code\n\n    code\n")
    assert result.returncode == 1
    [line] = [ln for ln in result.stderr.splitlines() if "code block" in ln]
    assert line.startswith("data/brief.yaml (public.md.j2):"), line
