"""Colour that can be read: WCAG 2.1 contrast of every text colour a theme or a brief
sets, refused at the line that wrote it; status values always written as words; links
whose text is a bare URL warned of."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pdfplumber
import pytest
import yaml

from briefgen.build import stages
from briefgen.compose import blocks as b
from briefgen.contrast import (
    contrast_ratio,
    is_large_text,
    linear,
    relative_luminance,
    required_ratio,
    shown,
)
from briefgen.data.load import load_brief
from briefgen.errors import DataError
from briefgen.project import Project
from briefgen.project.theme import (
    BUILTIN_THEMES,
    DEFAULT_THEME,
    Theme,
    contrast_needed,
    load_theme,
)

from .conftest import minimal_brief, problem_lines, write_files
from .conftest import run_in_process as run

WHITE, BLACK = "#FFFFFF", "#000000"


# ------------------------------------------------------------------ the WCAG formulas

@pytest.mark.parametrize("first, second, expected", [
    (BLACK, WHITE, "21.00"),
    ("#777777", WHITE, "4.48"),       # the grey just short of AA
    ("#767676", WHITE, "4.54"),       # the lightest grey that reaches it
    ("#FF0000", WHITE, "4.00"),
    ("#0000FF", WHITE, "8.59"),
    ("#949494", WHITE, "3.03"),
    (WHITE, WHITE, "1.00"),
])
def test_the_contrast_ratio_matches_the_known_wcag_values(first, second, expected):
    assert f"{contrast_ratio(first, second):.2f}" == expected


def test_the_contrast_ratio_does_not_depend_on_which_colour_is_the_text():
    assert contrast_ratio("#1F3A5F", "#EEF2F7") == contrast_ratio("#EEF2F7", "#1F3A5F")


def test_relative_luminance_runs_from_black_to_white_and_reads_hex_either_case():
    assert relative_luminance(BLACK) == 0.0
    assert relative_luminance(WHITE) == pytest.approx(1.0)
    assert relative_luminance("#808080") == pytest.approx(0.2158605, abs=1e-7)
    assert relative_luminance("#a15c00") == relative_luminance("#A15C00")


def test_srgb_channels_are_linearised_with_the_0_04045_threshold():
    assert 10 / 255 <= 0.04045 < 11 / 255
    assert linear(10) == pytest.approx(10 / 255 / 12.92)          # the straight segment
    assert linear(11) == pytest.approx(((11 / 255 + 0.055) / 1.055) ** 2.4)
    assert relative_luminance("#0A0A0A") == pytest.approx(0.0030353, abs=1e-7)


@pytest.mark.parametrize("size, bold, large", [
    (18, False, True), (17.9, False, False), (14, True, True), (14, False, False),
    (13.9, True, False), (24, True, True),
])
def test_large_text_is_18pt_or_14pt_bold(size, bold, large):
    assert is_large_text(size, bold) is large
    assert required_ratio(size, bold) == (3.0 if large else 4.5)


def test_a_ratio_just_short_of_what_it_needs_is_never_printed_as_reaching_it():
    assert shown(4.478, 4.5) == "4.48:1"
    assert shown(4.497, 4.5) == "4.49:1"
    assert shown(2.996, 3.0) == "2.99:1"
    assert shown(21.0, 4.5) == "21.00:1"


# ------------------------------------------------------------------ the built-in themes

# What each text colour sits on, written out apart from the check's own table: a
# built-in theme must pass these whatever that table says.
def builtin_pairs(theme: Theme) -> list[tuple[str, str, str]]:
    page, cells = (WHITE,), (WHITE, theme.table_stripe_fill)
    boxed = (WHITE, theme.callout_fill)
    uses = [("heading", theme.heading_colour, page), ("text", theme.text_colour, boxed + cells),
            ("muted", theme.muted_colour, page), ("marking", theme.marking_colour, page),
            ("link", theme.link_colour, boxed + cells),
            ("table header", theme.table_header_text, (theme.table_header_fill,))]
    uses += [(f"status {v}", c, cells) for v, c in theme.status_colours.items()]
    return [(name, text, fill) for name, text, fills in uses for fill in fills]


@pytest.mark.parametrize("name", sorted(p.stem for p in BUILTIN_THEMES.glob("*.yaml")))
def test_every_text_colour_of_a_builtin_theme_reaches_4_5_to_1_on_what_it_sits_on(name):
    theme = load_theme(name)
    short = [(what, text, fill, round(contrast_ratio(text, fill), 2))
             for what, text, fill in builtin_pairs(theme) if contrast_ratio(text, fill) < 4.5]
    assert short == []


def test_the_think_tank_accent_stays_vermilion_for_rules_and_its_text_is_darkened():
    theme = load_theme("think-tank")
    assert theme.accent_colour == "#E4572E" and contrast_ratio(theme.accent_colour, WHITE) < 4.5
    assert theme.marking_colour == theme.link_colour == "#BE3E19"
    assert theme.status_colours["Underway"] == "#96600B"


def test_the_starter_project_theme_passes_too():
    from briefgen.resources import STARTER

    theme = load_theme("house", STARTER / "themes")
    assert theme.link_colour == theme.heading_colour == "#0B4F6C"


def test_marking_and_link_default_to_the_heading_colour():
    assert DEFAULT_THEME.marking_colour == DEFAULT_THEME.link_colour == "#1F3A5F"
    assert Theme(heading_colour="#102030").link_colour == "#102030"
    assert Theme(heading_colour="#102030", link_colour="#0000EE").link_colour == "#0000EE"


# ------------------------------------------------------------------ theme files refused

def theme_problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "themes" / "x.yaml"
    write_files(tmp_path, {"themes/x.yaml": text})
    with pytest.raises(DataError) as caught:
        load_theme(str(path))
    return [str(p).replace(str(path), "x.yaml") for p in caught.value.problems]


def written_theme(tmp_path: Path, text: str) -> Theme:
    write_files(tmp_path, {"themes/x.yaml": text})
    return load_theme(str(tmp_path / "themes" / "x.yaml"))


def test_a_link_colour_too_pale_on_the_page_is_refused_at_its_line(tmp_path):
    assert theme_problems(tmp_path, 'colours:\n  link: "#6A8FBF"\n') == [
        "x.yaml:2:9: colours.link: #6A8FBF on the page #FFFFFF has a contrast of 3.34:1 "
        "(and 2.97:1 on the callout fill #EEF2F7; 3.05:1 on the table stripe fill #F2F5F9), "
        "expected at least 4.5:1 (WCAG 2.1 AA for text)"]


def test_a_link_colour_readable_on_the_page_but_not_in_a_callout_is_refused(tmp_path):
    assert theme_problems(tmp_path, 'colours:\n  link: "#6E6E6E"\n'
                                    '  callout_fill: "#DDDDDD"\n') == [
        "x.yaml:2:9: colours.link: #6E6E6E on the callout fill #DDDDDD has a contrast of "
        "3.75:1, expected at least 4.5:1 (WCAG 2.1 AA for text)"]


def test_a_pale_accent_is_accepted_once_marking_and_link_are_readable(tmp_path):
    theme = written_theme(tmp_path, 'colours:\n  accent: "#01BAEF"\n  rule: "#01BAEF"\n')
    assert theme.accent_colour == "#01BAEF" and theme.link_colour == "#1F3A5F"


def test_a_heading_colour_is_refused_once_though_marking_and_link_inherit_it(tmp_path):
    assert theme_problems(tmp_path, 'name: x\ncolours:\n  heading: "#8899AA"\n') == [
        "x.yaml:3:12: colours.heading: #8899AA on the page #FFFFFF has a contrast of 2.92:1, "
        "expected at least 4.5:1 (WCAG 2.1 AA for text)"]


def test_the_heading_colour_needs_4_5_to_1_for_its_small_captions_though_titles_are_large():
    assert contrast_needed(DEFAULT_THEME, "heading") == {"page": 4.5}
    assert all(is_large_text(size, True) for size in
               (DEFAULT_THEME.title_size, DEFAULT_THEME.heading_sizes[0]))


def test_a_default_text_colour_unreadable_on_a_fill_the_theme_set_points_at_the_fill(tmp_path):
    assert theme_problems(tmp_path, 'colours:\n  callout_fill: "#555555"\n') == [
        "x.yaml:2:17: colours.callout_fill: the text colour #1A1A1A (the default) on the "
        "callout fill #555555 has a contrast of 2.33:1, expected at least 4.5:1 "
        "(WCAG 2.1 AA for text)",
        "x.yaml:2:17: colours.callout_fill: the link colour #1F3A5F (the default) on the "
        "callout fill #555555 has a contrast of 1.54:1, expected at least 4.5:1 "
        "(WCAG 2.1 AA for text)"]


def test_an_inherited_link_colour_names_where_it_comes_from(tmp_path):
    text = 'colours:\n  heading: "#1F3A5F"\n  callout_fill: "#909090"\n'   # text: 5.45:1
    [problem] = theme_problems(tmp_path, text)
    assert problem.startswith("x.yaml:3:17: colours.callout_fill: the link colour #1F3A5F "
                              "(taken from colours.heading, as colours.link is not set) on the "
                              "callout fill #909090 has a contrast of 3.60:1"), problem


def test_table_header_text_uses_the_themes_table_size_for_large_text(tmp_path):
    fill = 'colours:\n  table_header_fill: "#949494"\n'      # white on it: 3.03:1
    [problem] = theme_problems(tmp_path, fill)
    assert problem.startswith("x.yaml:2:22: colours.table_header_fill: the table header text "
                              "colour #FFFFFF (the default) on the table header fill #949494 "
                              "has a contrast of 3.03:1, expected at least 4.5:1"), problem
    large = written_theme(tmp_path, "sizes:\n  table: 14\n" + fill)   # bold 14pt: 3:1 will do
    assert contrast_needed(large, "table_header_text") == {"table_header_fill": 3.0}


def test_a_large_text_shortfall_says_it_is_measured_for_large_text(tmp_path):
    text = 'sizes:\n  table: 14\ncolours:\n  table_header_fill: "#959595"\n'
    [problem] = theme_problems(tmp_path, text)
    assert problem.endswith("has a contrast of 2.99:1, expected at least 3:1 "
                            "(WCAG 2.1 AA for large text)"), problem


def test_a_theme_status_colour_is_checked_on_the_page_and_on_the_table_stripe(tmp_path):
    problems = theme_problems(tmp_path, 'colours:\n  status:\n    Underway: "#D68910"\n'
                                        '    Grey: "#767676"\n')
    assert problems == [
        "x.yaml:3:15: colours.status.Underway: #D68910 on the page #FFFFFF has a contrast of "
        "2.82:1 (and 2.58:1 on the table stripe fill #F2F5F9), expected at least 4.5:1 "
        "(WCAG 2.1 AA for text)",
        "x.yaml:4:11: colours.status.Grey: #767676 on the table stripe fill #F2F5F9 has a "
        "contrast of 4.15:1, expected at least 4.5:1 (WCAG 2.1 AA for text)"]


def test_every_unreadable_key_of_a_theme_is_its_own_line_in_file_order(tmp_path):
    problems = theme_problems(tmp_path, 'colours:\n  muted: "#AAAAAA"\n  marking: "#E4572E"\n'
                                        '  table_header_text: "#2B2D42"\n')
    assert [p.split(": ")[1] for p in problems] == [
        "colours.muted", "colours.marking", "colours.table_header_text"]
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4"]


def test_an_unreadable_theme_stops_the_build_with_one_line_and_exit_1(tmp_path):
    write_files(tmp_path, {
        "briefgen.yaml": "theme: house\n",
        "themes/house.yaml": 'name: house\ncolours:\n  heading: "#0B4F6C"\n'
                             '  link: "#6A8FBF"\n',
        "data/brief.yaml": yaml.safe_dump(minimal_brief(), sort_keys=False)})
    result = run("build", "--audience", "public", "--format", "docx", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert problem_lines(result.stderr) == [
        "themes/house.yaml:4:9: colours.link: #6A8FBF on the page #FFFFFF has a contrast of "
        "3.34:1 (and 2.97:1 on the callout fill #EEF2F7; 3.05:1 on the table stripe fill "
        "#F2F5F9), expected at least 4.5:1 (WCAG 2.1 AA for text)"]
    assert not (tmp_path / "out" / "brief" / "brief-public.docx").exists()


# ------------------------------------------------------------------ a brief's statuses

@pytest.fixture
def project_with(tmp_path):
    """A project holding one brief with ``statuses``, in the theme named."""

    def make(statuses: dict, theme: str = "sober") -> Path:
        brief = minimal_brief(statuses=statuses)
        brief["sections"][0]["tables"][0]["rows"] = [["Row", value] for value in statuses]
        write_files(tmp_path, {"briefgen.yaml": f"theme: {theme}\n",
                               "data/brief.yaml": yaml.safe_dump(brief, sort_keys=False)})
        return tmp_path

    return make


def status_line(root: Path, value: str) -> tuple[int, int]:
    """The line and column of a status's colour in the brief file."""
    for number, text in enumerate((root / "data/brief.yaml").read_text().splitlines(), 1):
        if text.strip().startswith(f"{value}:"):
            return number, text.index("'#") + 1
    raise AssertionError(value)


def test_a_briefs_status_colour_too_pale_is_refused_at_its_line_by_validate(project_with):
    root = project_with({"Confirmed": "#B3261E", "Underway": "#D68910"})
    result = run("validate", cwd=root)
    line, column = status_line(root, "Underway")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert problem_lines(result.stderr) == [
        f"data/brief.yaml:{line}:{column}: statuses.Underway: #D68910 on the page #FFFFFF "
        "has a contrast of 2.82:1 (and 2.58:1 on the table stripe fill #F2F5F9 of the theme "
        "sober), expected at least 4.5:1 (WCAG 2.1 AA for text)"]


def test_a_briefs_status_colour_too_pale_stops_the_build_and_writes_nothing(project_with):
    root = project_with({"Underway": "#D68910"})
    result = run("build", "--format", "pdf", cwd=root)
    line, column = status_line(root, "Underway")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert set(problem_lines(result.stderr)) == {
        f"data/brief.yaml:{line}:{column}: statuses.Underway: #D68910 on the page #FFFFFF "
        "has a contrast of 2.82:1 (and 2.58:1 on the table stripe fill #F2F5F9 of the theme "
        "sober), expected at least 4.5:1 (WCAG 2.1 AA for text)"}
    assert not list(root.rglob("*.pdf"))


def loaded_with(tmp_path: Path, statuses: dict):
    brief = minimal_brief(statuses=statuses)
    brief["sections"][0]["tables"][0]["rows"] = [["Row", value] for value in statuses]
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(brief, sort_keys=False), encoding="utf-8")
    return load_brief(path)


def test_a_status_the_theme_colours_itself_is_not_the_briefs_to_answer_for(tmp_path):
    loaded = loaded_with(tmp_path, {"Underway": "#D68910"})
    stages.check_status_contrast(loaded, load_theme("think-tank"))   # its own Underway
    with pytest.raises(DataError, match=r"statuses\.Underway: #D68910 on the page #FFFFFF"):
        stages.check_status_contrast(loaded, load_theme("sober"))


def test_a_status_readable_on_white_may_still_fail_on_a_themes_stripe(tmp_path):
    loaded = loaded_with(tmp_path, {"Grey": "#767676"})                # 4.54:1 on white
    with pytest.raises(DataError) as caught:
        stages.check_status_contrast(loaded, load_theme("think-tank"))
    assert str(caught.value).endswith(
        "statuses.Grey: #767676 on the table stripe fill #F6F4F2 of the theme think-tank has "
        "a contrast of 4.14:1, expected at least 4.5:1 (WCAG 2.1 AA for text)")


def test_the_seed_briefs_statuses_pass_in_both_builtin_themes(seed_data, tmp_path):
    loaded = loaded_with(tmp_path, seed_data["statuses"])
    for name in ("sober", "think-tank"):
        stages.check_status_contrast(loaded, load_theme(name))


# ------------------------------------------------------------------ status as words

STATUS_DOCUMENT = b.Document(
    b.DocumentMeta(title="Statuses"),
    (b.Paragraph((b.Text("Moved to "), b.Status("Underway"), b.Text("."))),
     b.Table((b.TableCell((b.Text("Item"),)), b.TableCell((b.Text("Status"),))),
             ((b.TableCell((b.Text("First"),)), b.TableCell((b.Status("Confirmed"),))),
              (b.TableCell((b.Text("Second"),)), b.TableCell((b.Status("Underway"),)))))),
    {"Confirmed": "#B3261E", "Underway": "#A15C00"},
    title=b.TitleBlock(organisation="Org", title="Statuses"), furniture=b.PageFurniture())


def test_a_status_is_written_as_its_word_in_the_docx_not_shown_by_colour_alone():
    document = docx.Document(io.BytesIO(stages.render_document(STATUS_DOCUMENT, "docx")))
    body = [p.text for p in document.paragraphs]
    assert "Moved to Underway." in body
    [table] = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Item", "Status"], ["First", "Confirmed"], ["Second", "Underway"]]
    runs = [r for p in table.rows[1].cells[1].paragraphs for r in p.runs]
    assert [r.style.name for r in runs] == ["Status Confirmed"] and runs[0].style.font.bold


def test_a_status_is_written_as_its_word_in_the_pdf_not_shown_by_colour_alone():
    data = stages.render_document(STATUS_DOCUMENT, "pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        words = pdf.pages[0].extract_words(extra_attrs=["fontname"])
    texts = [w["text"] for w in words]
    assert texts.count("Underway") + texts.count("Underway.") == 2
    assert "Confirmed" in texts
    assert all("Bold" in w["fontname"] for w in words
               if w["text"].rstrip(".") in ("Confirmed", "Underway"))


# ------------------------------------------------------------------ bare URLs as link text

def composed_warnings(tmp_path: Path, brief: dict, audience: str) -> list[str]:
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(brief, sort_keys=False), encoding="utf-8")
    loaded = load_brief(path)
    composed = stages.compose(Project.builtin(), loaded, audience)
    return [str(w).replace(str(path), "brief.yaml") for w in composed.warnings]


def with_link(text: str, url: str = "https://example.org/report") -> dict:
    brief = minimal_brief()
    brief["sections"][0]["body"] = [["See ", {"link": text, "url": url}, "."]]
    return brief


@pytest.mark.parametrize("text", ["https://example.org/report", "http://example.org",
                                  "www.example.org/report", "mailto:desk@example.org",
                                  "HTTPS://EXAMPLE.ORG"])
def test_a_link_whose_text_is_a_bare_url_is_warned_of_at_its_line(tmp_path, text):
    warnings = composed_warnings(tmp_path, with_link(text), "public")
    source = (tmp_path / "brief.yaml").read_text().splitlines()
    line = next(n for n, row in enumerate(source, 1) if "link:" in row)
    assert len(warnings) == 1
    assert re.match(rf"brief\.yaml:{line}:\d+: audience public: the link text '{re.escape(text)}'"
                    r" is a bare URL; link text should say where it goes", warnings[0]), warnings


@pytest.mark.parametrize("text", ["the think tank's report", "example.org report",
                                  "see https://example.org for more"])
def test_a_link_whose_text_says_where_it_goes_is_not_warned_of(tmp_path, text):
    assert composed_warnings(tmp_path, with_link(text), "public") == []


def test_the_built_in_templates_link_a_source_by_its_title_not_its_address(tmp_path):
    brief = minimal_brief()
    brief["sources"][0]["url"] = "https://example.org/source"
    for audience in ("executive", "analytical", "public"):
        assert composed_warnings(tmp_path, brief, audience) == []


def test_a_bare_url_a_template_writes_names_the_template(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "analytical.md.j2").write_text(
        '{% extends "builtin/analytical.md.j2" %}{% block back_matter %}'
        '[https://example.org/source](<https://example.org/source>){% endblock %}',
        encoding="utf-8")
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(minimal_brief(), sort_keys=False), encoding="utf-8")
    composed = stages.compose(Project.at(tmp_path), load_brief(path), "analytical")
    assert [str(w).replace(str(path), "brief.yaml") for w in composed.warnings] == [
        "brief.yaml: audience analytical: the link text 'https://example.org/source' (written "
        "by the template analytical.md.j2) is a bare URL; link text should say where it goes "
        "(the title of the page it opens, say)"]


def test_a_bare_url_warning_fails_a_strict_build_naming_the_brief_and_audience(tmp_path):
    write_files(tmp_path, {"data/brief.yaml": yaml.safe_dump(
        with_link("https://example.org/report"), sort_keys=False)})
    result = run("build", "--audience", "public", "--format", "docx", "--strict", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert any(re.match(r"data/brief\.yaml:\d+:\d+: audience public: the link text "
                        r"'https://example\.org/report' is a bare URL", line)
               for line in result.stderr.splitlines()), result.stderr
