"""The project file (briefgen.yaml) and its audiences, end to end through the command line."""

from __future__ import annotations

import io
import re
import shutil
import textwrap
from pathlib import Path

import docx
import pypdf
import pytest
import yaml

from briefgen.project import Project
from briefgen.renderers import formats

from .conftest import AUDIENCES, ROOT, minimal_brief, problem_lines
from .conftest import run_in_process as run

TWO_AUDIENCES = """\
# Two audiences: a restricted one that sees little, and the public.
theme: sober
audiences:
  brass:
    label: Brass brief
    template: analytical.md.j2
    level: restricted
    sections: [findings]
    fields: [summary, points]
    labels:
      summary: Key judgements
  web:
    label: Web note
    template: public.md.j2
    level: public
"""


# ------------------------------------------------------------------ helpers

def line_of(text: str, fragment: str) -> int:
    """The 1-based number of the only line of ``text`` holding ``fragment``."""
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return number


def outputs(root: Path) -> dict[str, bytes]:
    """The documents under out/ (not the build's own hidden bookkeeping files)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "out").rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def two_audience_brief() -> dict:
    brief = minimal_brief(default_audiences=["brass", "web"])
    brief["sections"][0]["points"] += [
        {"text": "Restricted point text.", "level": "restricted"},
        {"text": "Open parent point.",
         "points": [{"text": "Restricted child point.", "level": "restricted"}]},
    ]
    brief["sections"].append({"kind": "outlook", "title": "Looking ahead",
                              "body": ["Outlook body text."],
                              "points": [{"text": "Outlook point."}]})
    return brief


def make_project(root: Path, project_file: str | None, brief: dict) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "brief.yaml").write_text(yaml.safe_dump(brief, sort_keys=False),
                                              encoding="utf-8")
    if project_file is not None:
        (root / "briefgen.yaml").write_text(project_file, encoding="utf-8")
    return root


def parse_config(text: str) -> dict:
    """``briefgen config`` output as {None or audience: {key: (value, origin)}}."""
    found: dict = {None: {}}
    current = None
    for line in text.splitlines():
        if match := re.fullmatch(r"audience (\S+):", line):
            current = match[1]
            found[current] = {}
        elif match := re.fullmatch(r"\s*(\w+)\s+= (.*?)\s*\(([^()]*)\)", line):
            found[current][match[1]] = (match[2], match[3])
    return found


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return " ".join(" ".join(parts).split())


def docx_headings(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs
            if p.style.name.startswith("Heading")]


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pdf_outline(path: Path) -> list[str]:
    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]
    return list(titles(pypdf.PdfReader(str(path)).outline))


# ------------------------------------------------------------------ no project file

def test_without_a_project_file_the_defaults_apply(tmp_path):
    config = Project.at(tmp_path)
    assert config.file is None
    assert (config.data, config.templates, config.out) == (
        tmp_path / "data", tmp_path / "templates", tmp_path / "out")
    assert config.theme == "sober"
    assert [a.name for a in config.audiences] == list(AUDIENCES)
    assert all(a.theme == "sober" for a in config.audiences)
    assert config.audience("public").level == "public"


def test_config_without_a_project_file_says_every_value_is_a_default(tmp_path):
    result = run("config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("project file: none (built-in defaults)")
    shown = parse_config(result.stdout)
    assert shown[None]["data"] == ("data", "default")
    assert shown[None]["templates"] == ("templates", "default")
    assert shown[None]["out"] == ("out", "default")
    assert shown[None]["theme"] == ("sober", "default")
    assert [k for k in shown if k] == list(AUDIENCES)
    assert shown["public"]["level"] == ("public", "default: built-in audience")
    assert shown["executive"]["pages"] == ("2", "default: built-in audience")


def test_build_works_on_a_bare_copy_of_the_data_folder(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    result = run("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ids = [p.stem for p in (ROOT / "data").glob("*.yaml")]
    assert set(outputs(tmp_path)) == {f"out/{i}/{i}-{a}.{f}" for i in ids for a in AUDIENCES
                                      for f in formats()}


# ------------------------------------------------------------------ two audiences

@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Path:
    """A project with two audiences, built once in every format; returns its root."""
    root = make_project(tmp_path_factory.mktemp("two"), TWO_AUDIENCES, two_audience_brief())
    result = run("build", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def test_build_writes_exactly_the_audiences_of_the_project_file(two):
    assert set(outputs(two)) == {f"out/brief/brief-{a}.{f}" for a in ("brass", "web")
                                 for f in formats()}


def test_config_prints_each_value_with_its_line_in_the_project_file(two):
    result = run("config", cwd=two)
    assert result.returncode == 0, result.stderr
    shown = parse_config(result.stdout)
    here = f"project file briefgen.yaml:{line_of(TWO_AUDIENCES, 'theme: sober')}"
    assert shown[None]["theme"] == ("sober", here)
    assert shown[None]["data"] == ("data", "default")
    assert [k for k in shown if k] == ["brass", "web"]
    brass, web = shown["brass"], shown["web"]

    def at(fragment, after=0):
        lines = TWO_AUDIENCES.splitlines()
        return next(n for n, line in enumerate(lines, 1) if n > after and fragment in line)

    web_line = at("  web:")
    assert brass["label"] == ("Brass brief",
                              f"audience brass: project file briefgen.yaml:{at('label:')}")
    assert brass["level"] == ("restricted",
                              f"audience brass: project file briefgen.yaml:{at('level:')}")
    assert brass["fields"] == ("summary, points",
                               f"audience brass: project file briefgen.yaml:{at('fields:')}")
    assert brass["labels"] == ("summary: Key judgements",
                               f"audience brass: project file briefgen.yaml:{at('labels:')}")
    assert brass["theme"] == ("sober", here)
    assert brass["pages"] == ("(none)", "default")
    assert web["level"] == ("public",
                            f"audience web: project file briefgen.yaml:{at('level:', web_line)}")
    assert web["sections"][1] == "default"


def test_config_for_one_audience_prints_only_that_audience(two):
    result = run("config", "--audience", "web", cwd=two)
    assert result.returncode == 0, result.stderr
    shown = parse_config(result.stdout)
    assert [k for k in shown if k] == ["web"]
    line = line_of(TWO_AUDIENCES, "Web note")
    assert shown["web"]["label"] == ("Web note", f"audience web: project file briefgen.yaml:{line}")


@pytest.mark.parametrize("read", [docx_text, pdf_text], ids=["docx", "pdf"])
def test_a_restricted_point_never_appears_for_a_public_audience(two, read):
    ext = "docx" if read is docx_text else "pdf"
    web, brass = (read(two / "out" / "brief" / f"brief-{a}.{ext}") for a in ("web", "brass"))
    assert "Open parent point." in web and "A point." in web
    assert "Restricted point text." not in web
    assert "Restricted child point." not in web
    assert "Restricted point text." in brass and "Restricted child point." in brass


@pytest.mark.parametrize("read", [docx_text, pdf_text], ids=["docx", "pdf"])
def test_sections_and_fields_hide_other_kinds_bodies_and_tables(two, read):
    ext = "docx" if read is docx_text else "pdf"
    web, brass = (read(two / "out" / "brief" / f"brief-{a}.{ext}") for a in ("web", "brass"))
    for text in ("Looking ahead", "Outlook point.", "Body text.", "Table 1: A table", "Row one"):
        assert text in web
        assert text not in brass
    assert "A summary paragraph." in brass and "A point." in brass


def test_a_label_override_appears_as_a_heading_in_both_formats(two):
    brass = two / "out" / "brief" / "brief-brass"
    assert docx_headings(brass.with_suffix(".docx")) == ["Key judgements", "Findings"]
    assert pdf_outline(brass.with_suffix(".pdf")) == ["Key judgements", "Findings"]
    assert "Key judgements" not in docx_text(two / "out" / "brief" / "brief-web.docx")
    assert "Summary" in docx_headings(two / "out" / "brief" / "brief-web.docx")


# ------------------------------------------------------------------ page budget

BUDGET = """\
audiences:
  brass:
    template: analytical.md.j2
    pages: 1
"""


@pytest.fixture
def long_project(tmp_path) -> Path:
    brief = minimal_brief(default_audiences=["brass"])
    brief["sections"][0]["body"] = [f"Paragraph {i}. " + "Lorem ipsum dolor sit amet. " * 25
                                    for i in range(20)]
    return make_project(tmp_path, BUDGET, brief)


def test_a_brief_over_its_page_budget_warns_naming_the_audience_and_overflow(long_project):
    result = run("build", "--format", "pdf", cwd=long_project)
    assert result.returncode == 0, result.stderr
    pages = len(pypdf.PdfReader(str(long_project / "out/brief/brief-brass.pdf")).pages)
    assert pages > 1
    assert [w for w in result.stderr.splitlines() if w.startswith("warning:")] == [
        (f"warning: data/brief.yaml: audience brass: the PDF has {pages} pages, {pages - 1} "
         f"over its budget of 1 (pages: in audience brass: project file briefgen.yaml:4)")]


def test_a_page_budget_warning_comes_back_from_the_helper_that_rendered_the_pdf(long_project):
    """With --jobs 2 the lone brief's PDF is rendered in a helper process."""
    warnings = {}
    for jobs in ("1", "2"):
        result = run("build", "--force", "--jobs", jobs, cwd=long_project)
        assert result.returncode == 0, result.stderr
        warnings[jobs] = [w for w in result.stderr.splitlines() if w.startswith("warning:")]
    assert warnings["1"] == warnings["2"] and len(warnings["2"]) == 1
    assert "over its budget of 1" in warnings["2"][0]
    strict = run("build", "--force", "--jobs", "2", "--strict", cwd=long_project)
    assert strict.returncode == 1 and "over its budget of 1" in strict.stderr


def test_strict_turns_a_page_budget_overrun_into_an_error_that_writes_nothing(long_project):
    result = run("build", "--format", "pdf", "--strict", cwd=long_project)
    assert result.returncode == 1
    assert "audience brass: the PDF has" in result.stderr
    assert "over its budget of 1" in result.stderr
    assert outputs(long_project) == {}


def test_strict_leaves_a_previous_output_untouched(long_project):
    assert run("build", "--format", "pdf", cwd=long_project).returncode == 0
    previous = long_project / "out" / "brief" / "brief-brass.pdf"
    previous.write_bytes(b"previous output")
    data = long_project / "data" / "brief.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace("Paragraph 0.", "Changed 0."),
                    encoding="utf-8")   # so that the brief is outdated and rendered again
    assert run("build", "--format", "pdf", "--strict", cwd=long_project).returncode == 1
    assert outputs(long_project) == {"out/brief/brief-brass.pdf": b"previous output"}


# ------------------------------------------------------------------ bad project files

GOOD = """\
theme: sober
audiences:
  brass:
    template: analytical.md.j2
    level: restricted
  web:
    template: public.md.j2
    level: public
"""


@pytest.mark.parametrize("old, new, bad", [
    ("theme: sober", "theme: sober\ncolour: red", "colour"),
    ("    level: public", "    level: secret", "secret"),
    ("    level: restricted", "    level: restricted\n    colour: red", "colour"),
    ("theme: sober", "theme: nonesuch", "nonesuch"),
    ("    level: public", "    level: public\n    theme: nonesuch", "nonesuch"),
    ("template: public.md.j2", "template: nonesuch.md.j2", "nonesuch.md.j2"),
], ids=["unknown-key", "unknown-level", "unknown-audience-key", "unknown-theme",
        "unknown-audience-theme", "unknown-template"])
def test_a_bad_project_file_is_one_error_line_at_its_line_and_exits_1(tmp_path, old, new, bad):
    text = GOOD.replace(old, new, 1)
    root = make_project(tmp_path, text, minimal_brief(default_audiences=["brass", "web"]))
    previous = root / "out" / "brief" / "brief-web.docx"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"previous output")
    result = run("build", "--format", "docx", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"briefgen.yaml:{line_of(text, bad)}:"), line
    assert f"'{bad}'" in line
    assert outputs(root) == {"out/brief/brief-web.docx": b"previous output"}


def test_an_unknown_audience_on_the_command_line_exits_2(two):
    build = run("build", "--audience", "ministers", cwd=two)
    assert build.returncode == 2
    assert "unknown audience 'ministers', expected one of brass, web" in build.stderr
    config = run("config", "--audience", "ministers", cwd=two)
    assert config.returncode == 2
    assert "unknown audience 'ministers'" in config.stderr
    assert "Traceback" not in build.stderr + config.stderr


def test_a_builtin_audience_needs_its_level_declared(tmp_path):
    text = textwrap.dedent("""\
        theme: sober
        levels: [open, closed]
        """)
    root = make_project(tmp_path, text, minimal_brief())
    result = run("build", "--format", "docx", cwd=root)
    assert result.returncode == 1
    assert problem_lines(result.stderr) == [
        f"briefgen.yaml:2:9: levels: found no level '{level}', which the built-in audience "
        f"{name} needs" for name, level in (("executive", "restricted"),
                                            ("analytical", "restricted"), ("public", "public"))]
    assert outputs(root) == {}
