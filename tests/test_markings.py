"""Markings that tell the truth: each level's marking and portion mark in briefgen.yaml,
the banner each document carries (the highest level it holds, never a lower one written
by hand), the mark before each portion, rows and paragraphs with levels of their own;
and the columns' widths, carried through the Markdown like the marks."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import docx
import pypdf
import pytest

from briefgen.build.builder import build
from briefgen.build.stages import document_for, markdown_for
from briefgen.compose import blocks as b
from briefgen.compose import markup
from briefgen.data.audiences import BUILTIN_AUDIENCES, highest_level, select
from briefgen.data.changes import compare
from briefgen.data.levels import Level, LevelScale
from briefgen.errors import DataError, MarkupError
from briefgen.project import Project

from .conftest import problem_lines
from .conftest import run_in_process as run

LEVELS = """\
levels:
  - {name: public, marking: PUBLIC}
  - {name: restricted, marking: RESTRICTED, portion: "(R)"}
"""

BRIEF = """\
title: Test brief
edition: 2026-01-15
organisation: Test Institute
authors: [{name: A. Analyst}]
default_audiences: [executive, analytical, public]
summary:
  - A summary paragraph.
statuses: {Confirmed: "#B3261E", Underway: "#A15C00"}
sections:
  - kind: findings
    title: Findings
    body: ["Body text."]
    points:
      - text: An open point.
      - text: A restricted point.
        level: restricted
"""

TABLE = """\
    tables:
      - id: t1
        caption: A table
        note: A note under the table.
        columns: [Name, {name: Status, status: true}]
        rows:
          - [Open row, Confirmed]
          - cells: [Restricted row, Underway]
            level: restricted
"""


# ------------------------------------------------------------------ helpers

def make(root: Path, brief: str = BRIEF, levels: str | None = LEVELS) -> tuple[Project, Path]:
    """A project in ``root``: its project file (``levels``) and one brief."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    if levels is not None:
        (root / "briefgen.yaml").write_text(levels, encoding="utf-8")
    path = root / "data" / "brief.yaml"
    path.write_text(textwrap.dedent(brief), encoding="utf-8")
    return Project.at(root), path


def problems(root: Path, brief: str, levels: str | None = LEVELS) -> list[str]:
    project, path = make(root, brief, levels)
    with pytest.raises(DataError) as caught:
        project.load(path)
    return [str(p) for p in caught.value.problems]


def at(text: str, fragment: str, offset: int = 0) -> str:
    """``line:column`` of ``fragment`` (plus ``offset`` characters) in ``text``."""
    before = text[:text.index(fragment) + offset]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def texts(blocks: tuple) -> list[str]:
    """The text of every paragraph, caption and cell of a block tree, in order."""
    out = []
    for node in blocks:
        if isinstance(node, (b.Paragraph, b.Caption, b.Heading)):
            out.append(b.plain_text(node.children))
        elif isinstance(node, (b.BulletList, b.OrderedList)):
            out += [t for item in node.items for t in texts(item.children)]
        elif isinstance(node, b.Callout):
            out += texts(node.children)
        elif isinstance(node, b.Table):
            out += [b.plain_text(cell.children) for row in (node.header, *node.rows)
                    for cell in row]
    return out


def tree(root: Path, audience: str, brief: str = BRIEF, levels: str | None = LEVELS):
    project, path = make(root, brief, levels)
    return document_for(project.load(path), audience, project)


# ------------------------------------------------------------------ the project file's levels

def test_a_level_is_written_as_its_name_or_with_its_marking_and_portion_mark(tmp_path):
    project, _ = make(tmp_path, levels="levels:\n  - public\n"
                                       "  - {name: restricted, marking: RESTRICTED, "
                                       "portion: '(R)'}\n")
    public, restricted = project.levels
    assert (public, public.marking, public.portion) == ("public", None, None)
    assert (restricted, restricted.marking, restricted.portion) == ("restricted", "RESTRICTED",
                                                                    "(R)")


def test_the_plain_list_of_level_names_still_works_and_marks_nothing(tmp_path):
    project, path = make(tmp_path, BRIEF.replace("summary:", "marking: OFFICIAL\nsummary:"),
                         levels="levels: [public, restricted]\n")
    assert list(project.levels) == ["public", "restricted"]
    document = document_for(project.load(path), "analytical", project)
    assert "A restricted point." in texts(document.blocks)
    assert document.meta.marking == "OFFICIAL"


def test_a_level_declared_twice_is_refused_at_its_line(tmp_path):
    levels = "levels:\n  - public\n  - restricted\n  - {name: public, marking: PUBLIC}\n"
    (tmp_path / "briefgen.yaml").write_text(levels, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Project.at(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'briefgen.yaml'}:{at(levels, '{name: public')}: "
                                 "levels[2]: found the level 'public' a second time (first at "
                                 "line 2), expected each level once")


def test_an_unknown_key_of_a_level_is_refused_with_the_keys_it_may_have(tmp_path):
    levels = "levels:\n  - {name: public, markng: PUBLIC}\n"
    (tmp_path / "briefgen.yaml").write_text(levels, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Project.at(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'briefgen.yaml'}:{at(levels, 'markng')}: "
                                 "levels[0].markng: found the unknown key 'markng', expected "
                                 "one of name, marking, portion (did you mean 'marking'?)")


def test_a_changed_marking_changes_what_the_build_keys_hash():
    """The build keys hash ``repr(project.levels)``: a new marking or mark rebuilds."""
    assert repr((Level("restricted", "RESTRICTED"),)) != repr((Level("restricted", "SECRET"),))
    assert repr(Level("r", "R", "(R)")) != repr(Level("r", "R", "[R]"))
    assert Level("public", "PUBLIC") == "public" and hash(Level("public")) == hash("public")


def test_a_level_travels_to_another_process_with_its_marks():
    import pickle

    level = pickle.loads(pickle.dumps(Level("restricted", "RESTRICTED", "(R)")))
    assert (level, level.marking, level.portion) == ("restricted", "RESTRICTED", "(R)")


# ------------------------------------------------------------------ portion marks

def test_a_restricted_point_shows_its_portion_mark_where_the_audience_sees_it(tmp_path):
    analytical = texts(tree(tmp_path, "analytical").blocks)
    assert "(R) A restricted point." in analytical
    assert "An open point." in analytical      # public has no portion mark: none shown
    public = texts(tree(tmp_path, "public").blocks)
    assert not any("restricted point" in t for t in public)


def test_the_mark_is_literal_text_escaped_like_the_data(tmp_path):
    levels = LEVELS.replace('"(R)"', '"*[R]* | #1 {x}"')
    project, path = make(tmp_path, levels=levels)
    markdown = markdown_for(project.load(path), "analytical", project)
    assert r"- \*\[R\]\* \| \#1 \{x\} A restricted point\." in markdown
    assert "*[R]* | #1 {x} A restricted point." in texts(
        document_for(project.load(path), "analytical", project).blocks)


def test_a_row_may_carry_its_own_level_and_shows_its_mark_before_its_first_cell(tmp_path):
    brief = BRIEF + TABLE
    analytical = tree(tmp_path / "a", "analytical", brief)
    table = next(n for n in analytical.blocks if isinstance(n, b.Table))
    assert [[b.plain_text(c.children) for c in row] for row in table.rows] == [
        ["Open row", "Confirmed"], ["(R) Restricted row", "Underway"]]
    public = tree(tmp_path / "p", "public", brief)
    table = next(n for n in public.blocks if isinstance(n, b.Table))
    assert [b.plain_text(row[0].children) for row in table.rows] == ["Open row"]


def test_a_mark_before_a_status_cell_stays_outside_the_status(tmp_path):
    brief = (BRIEF + TABLE).replace("columns: [Name, {name: Status, status: true}]",
                                    "columns: [{name: Status, status: true}, Name]")
    brief = brief.replace("[Open row, Confirmed]", "[Confirmed, Open row]").replace(
        "[Restricted row, Underway]", "[Underway, Restricted row]")
    table = next(n for n in tree(tmp_path, "analytical", brief).blocks if isinstance(n, b.Table))
    assert table.rows[1][0].children == (b.Text("(R) "), b.Status("Underway"))


def test_a_restricted_table_marks_its_caption_its_note_and_each_row(tmp_path):
    brief = (BRIEF + TABLE).replace("      - id: t1\n",
                                    "      - id: t1\n        level: restricted\n")
    found = texts(tree(tmp_path, "analytical", brief).blocks)
    assert "Table 1: (R) A table" in found and "(R) A note under the table." in found
    assert "(R) Open row" in found and "(R) Restricted row" in found


def test_a_table_whose_every_row_is_hidden_is_not_shown_at_all(tmp_path):
    brief = (BRIEF + TABLE).replace("          - [Open row, Confirmed]\n", "")
    public = texts(tree(tmp_path, "public", brief).blocks)
    assert not any("A table" in t for t in public)
    assert not any("Status" == t for t in public)


def test_a_summary_paragraph_may_carry_its_own_level(tmp_path):
    brief = BRIEF.replace("  - A summary paragraph.\n", "  - A summary paragraph.\n"
                          "  - text: A restricted summary paragraph.\n    level: restricted\n")
    analytical = texts(tree(tmp_path / "a", "analytical", brief).blocks)
    assert analytical[1:3] == ["A summary paragraph.", "(R) A restricted summary paragraph."]
    public = texts(tree(tmp_path / "p", "public", brief).blocks)
    assert "A summary paragraph." in public and not any("restricted summary" in t for t in public)


def test_the_summary_is_seen_by_everyone_it_always_was_whatever_the_default_level(tmp_path):
    brief = BRIEF.replace("summary:", "default_level: restricted\nsummary:")
    public = texts(tree(tmp_path, "public", brief).blocks)
    assert "A summary paragraph." in public and "An open point." not in public


def test_a_body_paragraph_may_carry_its_own_level_and_otherwise_takes_its_section_s(tmp_path):
    brief = BRIEF.replace('    body: ["Body text."]\n', '    body:\n      - Body text.\n'
                          '      - {text: Restricted body text., level: restricted}\n')
    assert "(R) Restricted body text." in texts(tree(tmp_path / "a", "analytical", brief).blocks)
    assert "Restricted body text." not in " ".join(texts(tree(tmp_path / "p", "public",
                                                              brief).blocks))
    section = brief.replace("    title: Findings\n", "    title: Findings\n    level: restricted\n")
    found = texts(tree(tmp_path / "s", "analytical", section).blocks)
    assert "(R) Body text." in found and "(R) An open point." in found


def test_a_marked_text_is_still_the_text_as_written(tmp_path):
    project, path = make(tmp_path, BRIEF + TABLE)
    brief = select(project.load(path).brief, project.audience("analytical"), project.levels)
    point = brief.sections[0].points[1]
    assert point.text.plain() == "A restricted point." and point.text.mark == "(R)"
    assert point.level == "restricted" and brief.sections[0].points[0].level == "public"
    row = brief.sections[0].tables[0].rows[1]
    assert (row.level, row[0].plain()) == ("restricted", "Restricted row")


def test_what_changed_shows_a_new_restricted_point_with_its_mark(tmp_path):
    project, path = make(tmp_path, BRIEF + TABLE)
    before, after = (project.load(path), project.load(path))
    audience = project.audience("analytical")
    previous = select(before.brief.model_copy(update={"sections": (
        before.brief.sections[0].model_copy(update={"points": before.brief.sections[0].points[:1],
                                                    "tables": ()}),)}), audience, project.levels)
    changes = compare(previous, select(after.brief, audience, project.levels))
    assert [t.plain() for t in changes.points_added] == ["A restricted point."]
    assert changes.points_added[0].__markdown__() == r"\(R\) A restricted point\."
    assert "row added: A table: Restricted row | Underway" in changes.lines()


# ------------------------------------------------------------------ banner markings

def test_each_document_carries_the_marking_of_the_highest_level_it_holds(tmp_path):
    project, path = make(tmp_path)
    loaded = project.load(path)
    assert {a: document_for(loaded, a, project).meta.marking
            for a in ("executive", "analytical", "public")} == {
        "executive": "RESTRICTED", "analytical": "RESTRICTED", "public": "PUBLIC"}
    furniture = document_for(loaded, "analytical", project).furniture
    assert furniture.texts()["header_centre"] == "RESTRICTED"


def test_a_document_holding_only_public_content_is_marked_public(tmp_path):
    brief = BRIEF.replace("        level: restricted\n", "")
    project, path = make(tmp_path, brief)
    assert project.load(path).brief.marking_for("analytical") == "PUBLIC"


def test_an_audience_that_hides_points_is_not_marked_by_them(tmp_path):
    levels = LEVELS + "audiences:\n  brass:\n    level: restricted\n    fields: [summary, body]\n"
    brief = BRIEF.replace("[executive, analytical, public]", "[brass]")
    project, path = make(tmp_path, brief, levels)
    assert project.load(path).brief.marking_for("brass") == "PUBLIC"
    assert highest_level(project.load(path).brief, project.audience("brass"),
                         project.levels) == ("public", None)


def test_a_marking_written_below_what_the_document_holds_names_the_level_that_raises_it(tmp_path):
    brief = BRIEF.replace("summary:", "marking: PUBLIC\nsummary:")
    assert problems(tmp_path, brief) == [
        f"{tmp_path / 'data' / 'brief.yaml'}:{at(brief, 'level: restricted', 7)}: "
        "sections[0].points[1].level: found the level 'restricted' (marking 'RESTRICTED') in "
        "what the executive and analytical briefs show, above the marking 'PUBLIC' of marking "
        "at line 6; expected marking to be at least 'RESTRICTED', or leave it out to take the "
        "marking of the highest level the brief holds"]


def test_a_level_inherited_from_the_section_is_named_where_the_section_declares_it(tmp_path):
    brief = BRIEF.replace("summary:", "markings: {analytical: PUBLIC}\nsummary:").replace(
        "    title: Findings\n", "    title: Findings\n    level: restricted\n").replace(
        "        level: restricted\n", "")
    [problem] = problems(tmp_path, brief)
    assert problem.startswith(f"{tmp_path / 'data' / 'brief.yaml'}:"
                              f"{at(brief, 'level: restricted', 7)}: sections[0].level: found "
                              "the level "
                              "'restricted' (marking 'RESTRICTED') in what the analytical brief "
                              "shows, above the marking 'PUBLIC' of markings.analytical at line 6")


def test_a_marking_written_above_what_the_document_holds_is_kept(tmp_path):
    brief = BRIEF.replace("summary:", "marking: RESTRICTED\nsummary:")
    project, path = make(tmp_path, brief)
    assert document_for(project.load(path), "public", project).meta.marking == "RESTRICTED"


def test_a_marking_no_level_declares_is_refused_at_its_line(tmp_path):
    brief = BRIEF.replace("summary:", "markings: {public: OFFICIAL}\nsummary:")
    assert problems(tmp_path, brief) == [
        f"{tmp_path / 'data' / 'brief.yaml'}:{at(brief, 'OFFICIAL')}: markings.public: found "
        "the marking 'OFFICIAL', which none of the project's levels declares; expected one of "
        "PUBLIC, RESTRICTED (the levels' marking: in briefgen.yaml), or leave it out to take "
        "the marking of the highest level the brief holds"]


def test_no_marking_where_the_level_held_declares_none_is_an_error(tmp_path):
    levels = "levels:\n  - public\n  - {name: restricted, marking: RESTRICTED}\n"
    [problem] = problems(tmp_path, BRIEF, levels)
    assert problem == (f"{tmp_path / 'data' / 'brief.yaml'}:1:1: marking: found nothing, "
                       "expected a marking: the public brief holds the level 'public', which "
                       "declares no marking (levels: in briefgen.yaml)")


def test_without_markings_on_the_levels_the_brief_s_marking_is_required_as_before(tmp_path):
    [problem] = problems(tmp_path, BRIEF, levels=None)
    assert problem == (f"{tmp_path / 'data' / 'brief.yaml'}:1:1: marking: found nothing, "
                       "expected a value (this field is required)")


def test_validate_reports_a_marking_below_its_content_and_exits_1(tmp_path):
    make(tmp_path, BRIEF.replace("summary:", "marking: PUBLIC\nsummary:"))
    result = run("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split(": ", 2)[1] for line in problem_lines(result.stderr)] == [
        "sections[0].points[1].level"]


def test_the_level_scale_ranks_markings_by_their_levels():
    scale = LevelScale.of(("public", Level("restricted", "RESTRICTED", "(R)"),
                           Level("secret", "RESTRICTED")))
    assert scale.rank_of_marking("RESTRICTED") == 2 and scale.rank_of_marking("X") is None
    assert (scale.portion("public"), scale.portion("restricted")) == ("", "(R)")
    assert scale.markings() == ["RESTRICTED"]


def test_selection_without_a_project_keeps_the_built_in_levels_unmarked():
    from briefgen.data.model import Brief

    brief = Brief.model_validate({
        "id": "x", "title": "T", "edition": "2026-01-01", "organisation": "O",
        "authors": [{"name": "A"}], "marking": "M", "default_audiences": ["analytical"],
        "summary": ["S."], "sections": [{"kind": "findings", "title": "F",
                                         "points": [{"text": "P.", "level": "restricted"}]}]})
    point = select(brief, BUILTIN_AUDIENCES["analytical"]).sections[0].points[0]
    assert (point.text.mark, point.level) == ("", "restricted")


# ------------------------------------------------------------------ end to end

@pytest.fixture(scope="module")
def marked_build(tmp_path_factory) -> Path:
    """A project whose levels have markings, with a brief holding one restricted point,
    built in every format; its output folder."""
    root = tmp_path_factory.mktemp("marked")
    make(root)
    report = build(Project.at(root))
    assert report.ok, [str(f) for f in report.failures]
    return root / "out" / "brief"


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_analytical_pdf_shows_the_point_s_mark_and_the_restricted_banner(marked_build):
    text = pdf_text(marked_build / "brief-analytical.pdf")
    assert "(R) A restricted point." in " ".join(text.split())
    assert "RESTRICTED" in text.split()
    public = pdf_text(marked_build / "brief-public.pdf")
    assert "restricted point" not in public and "RESTRICTED" not in public
    assert "PUBLIC" in public.split()


def test_the_analytical_docx_shows_the_point_s_mark_and_the_restricted_banner(marked_build):
    document = docx.Document(str(marked_build / "brief-analytical.docx"))
    assert "(R) A restricted point." in [p.text for p in document.paragraphs]
    section = document.sections[0]
    headers = [p.text.strip() for part in (section.first_page_header, section.header)
               for p in part.paragraphs]
    assert "RESTRICTED" in headers
    public = docx.Document(str(marked_build / "brief-public.docx"))
    assert "PUBLIC" in [p.text.strip() for p in public.sections[0].first_page_header.paragraphs]
    assert not any("restricted point" in p.text for p in public.paragraphs)


@pytest.mark.parametrize("written", ["''", "'{organisation}'", "'{{marking}}'",
                                     "'{title} ({audience})'"])
@pytest.mark.parametrize("slot", ["header_centre", "footer_centre"])
def test_a_theme_whose_centre_slot_drops_the_marking_is_refused_at_its_line(tmp_path, slot,
                                                                            written):
    make(tmp_path)
    theme = f"furniture:\n  header_left: '{{marking}}'\n  {slot}: {written}\n"
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "house.yaml").write_text(theme, encoding="utf-8")
    (tmp_path / "briefgen.yaml").write_text(LEVELS + "theme: house\n", encoding="utf-8")
    result = run("build", "--format", "html", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (line,) = problem_lines(result.stderr)
    assert line.startswith(f"themes/house.yaml:3:{len(slot) + 5}: furniture.{slot}: found "), line
    assert "without {marking}" in line
    assert not (tmp_path / "out").exists()


def test_text_beside_the_marking_in_the_centre_keeps_the_marking_in_every_format(tmp_path):
    make(tmp_path)
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "house.yaml").write_text(
        "furniture: {header_centre: '{marking} // HOUSE', footer_centre: 'HOUSE {marking}'}\n",
        encoding="utf-8")
    (tmp_path / "briefgen.yaml").write_text(LEVELS + "theme: house\n", encoding="utf-8")
    assert build(Project.at(tmp_path)).ok
    out = tmp_path / "out" / "brief"
    html = (out / "brief-analytical.html").read_text(encoding="utf-8")
    assert '<span class="marking">RESTRICTED // HOUSE</span>' in html
    assert '<p class="marking">HOUSE RESTRICTED</p>' in html
    assert "RESTRICTED // HOUSE" in pdf_text(out / "brief-analytical.pdf")
    header = docx.Document(str(out / "brief-analytical.docx")).sections[0].first_page_header
    assert any("RESTRICTED // HOUSE" in p.text for p in header.paragraphs)


# ------------------------------------------------------------------ column widths

WIDTHS = BRIEF + """\
    tables:
      - id: t1
        caption: A table
        columns:
          - {name: Name, width: 40%}
          - Note
          - {name: Extra, width: 20}
        rows:
          - [a, b, c]
"""


def test_column_widths_reach_the_block_tree_as_percentages_none_for_automatic(tmp_path):
    table = next(n for n in tree(tmp_path, "analytical", WIDTHS).blocks if isinstance(n, b.Table))
    assert table.widths == (40.0, None, 20.0)


def test_a_table_without_widths_has_none_for_every_column(tmp_path):
    table = next(n for n in tree(tmp_path, "analytical", BRIEF + TABLE).blocks
                 if isinstance(n, b.Table))
    assert table.widths == (None, None)


@pytest.mark.parametrize("written, found", [
    ("0", "'0'"), ("101%", "'101%'"), ("forty", "'forty'"), ("nan", "'nan'"), ("-5%", "'-5%'")])
def test_a_width_outside_1_to_100_is_refused_at_its_line(tmp_path, written, found):
    brief = WIDTHS.replace("width: 40%", f"width: {written}")
    assert problems(tmp_path, brief) == [
        f"{tmp_path / 'data' / 'brief.yaml'}:{at(brief, f'width: {written}', 7)}: "
        f"sections[0].tables[0].columns[0].width: found {found}, expected a percentage of the "
        "table's width from 1 to 100, such as 40%"]


def test_widths_adding_up_to_more_than_100_are_refused_at_the_column_that_passes_it(tmp_path):
    brief = WIDTHS.replace("width: 20}", "width: 70}")
    assert problems(tmp_path, brief) == [
        f"{tmp_path / 'data' / 'brief.yaml'}:{at(brief, '70}')}: "
        "sections[0].tables[0].columns[2].width: found widths adding up to 110% by this "
        "column; expected at most 100% in all, and less while a column has no width"]


def test_widths_of_100_leaving_an_automatic_column_nothing_are_refused(tmp_path):
    brief = WIDTHS.replace("width: 20}", "width: 60}")
    [problem] = problems(tmp_path, brief)
    assert "columns[2].width: found widths adding up to 100% by this column, leaving " \
           "nothing for the 1 column(s) without one" in problem


def test_the_widths_markdown_is_checked_like_any_the_template_writes():
    good = markup.parse('{widths="40 auto"}\n| a | b |\n| - | - |\n| 1 | 2 |\n')
    assert good[0].widths == (40.0, None)
    with pytest.raises(MarkupError, match=r"<md>:3: .*column widths '40 60 10' for 2 columns"):
        markup.parse('\n{widths="40 60 10"}\n| a | b |\n| - | - |\n', "<md>")


def test_the_block_tree_refuses_widths_it_cannot_draw():
    cells = (b.TableCell((b.Text("a"),)), b.TableCell((b.Text("b"),)))
    for widths in ((50.0,), (60.0, 50.0), (0.0, None), (float("nan"), None), ("40", None)):
        with pytest.raises((ValueError, TypeError)):
            b.Table(cells, (), (), widths)


@pytest.mark.parametrize("written", ["1e1", "+40", "40 %%", "0x20", "4 0"])
def test_a_width_the_schema_refuses_is_refused_by_the_check_too(written):
    from briefgen.data.tables import WIDTH_TEXT, Column
    import re as _re
    assert _re.match(WIDTH_TEXT, written) is None
    with pytest.raises(ValueError):
        Column(name="A", width=written)


def test_a_written_marking_below_a_level_that_declares_none_is_still_refused(tmp_path):
    """A level without a marking of its own cannot be ranked by it, but the written
    marking can: PUBLIC (the lowest level's) on a brief holding restricted material."""
    import re

    import yaml

    from .conftest import minimal_brief
    (tmp_path / "briefgen.yaml").write_text(
        "levels: [{name: public, marking: PUBLIC}, restricted]\n", encoding="utf-8")
    brief = minimal_brief()
    brief["marking"] = "PUBLIC"
    brief["summary"] = ["Open.", {"text": "Restricted.", "level": "restricted"}]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "m.yaml").write_text(yaml.safe_dump(brief, sort_keys=False), "utf-8")
    result = run("build", "--format", "docx", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(r"data/m\.yaml:\d+:\d+: summary\[1\]\.level: found the level "
                     r"'restricted' in what .* above the marking 'PUBLIC'", result.stderr)
    assert not (tmp_path / "out" / "m").exists()
