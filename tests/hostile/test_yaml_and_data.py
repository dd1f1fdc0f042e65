"""Hostile and unlucky data files: nesting, YAML syntax, what a data file is, huge
values, table keys and link targets.

Organised by the rule each class breaks: the loader never runs out of stack however
deep a file goes; every syntax error of a file is reported at its line with its likely
cause; only regular files within their size are read; a message never echoes a huge
value; a table's key names one of its columns; a link's target is its url as written.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import docx
import pypdf
import pytest
import yaml

from briefgen.compose import markup
from briefgen.data import yamlsource
from briefgen.data.load import read_yaml, validate_file
from briefgen.data.model import Brief
from briefgen.errors import DataError, MarkupError
from tests.conftest import minimal_brief, public_back_matter

SEED_ID = "russia-china-taiwan"
GOOD = yaml.safe_dump(minimal_brief(), sort_keys=False)


def brief_text(**overrides) -> str:
    return yaml.safe_dump(minimal_brief(**overrides), sort_keys=False, allow_unicode=True)


def load(text: str, **limits) -> list[str]:
    """The problems ``yamlsource.load`` finds in ``text`` (none: an empty list)."""
    try:
        yamlsource.load(text, "f.yaml", **limits)
    except yamlsource.YamlProblems as error:
        return [str(problem) for problem in error.problems]
    return []


def seed_outputs(project) -> dict:
    """The seed brief's outputs (not the manifest, which records every brief)."""
    return {name: entry for name, entry in project.outputs().items()
            if name.startswith(SEED_ID)}


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


# -------------------------------------------------------------- nesting depth

def block_mapping(depth: int) -> str:
    return "".join("  " * i + "a:\n" for i in range(depth)) + "  " * depth + "a: 1\n"


def block_sequence(depth: int) -> str:
    return "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "- 1\n"


def flow_sequence(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def flow_mapping(depth: int) -> str:
    return "{a: " * depth + "1" + "}" * depth


def mixed(depth: int) -> str:
    half = depth // 2
    return "".join("  " * i + ("a:\n" if i % 2 else "-\n") for i in range(half)) + \
        "  " * half + flow_sequence(depth - half) + "\n"


STYLES = {"block mapping": block_mapping, "block sequence": block_sequence,
          "flow sequence": flow_sequence, "flow mapping": flow_mapping, "mixed": mixed}
# a block file much deeper than 1,400 levels is far over max_input_bytes (indentation)
PAST_THE_LIMIT = [(style, depth) for style in STYLES for depth in (41, 1_400)] + \
    [(style, 100_000) for style in STYLES if style.startswith("flow")]


def nested_points(levels: int) -> dict:
    point = {"text": f"level {levels}"}
    for level in range(levels - 1, 0, -1):
        point = {"text": f"level {level}", "points": [point]}
    brief = minimal_brief()
    brief["sections"][0]["points"] = [point]
    return brief


class TestNestingNeverExhaustsTheStack:
    @pytest.mark.parametrize("style", STYLES)
    def test_nesting_at_the_limit_loads(self, style):
        assert load(STYLES[style](39), max_depth=40) == []

    @pytest.mark.parametrize("style, depth", PAST_THE_LIMIT)
    def test_nesting_past_the_limit_is_one_located_problem_and_quick(self, style, depth):
        text = STYLES[style](depth)
        started = time.monotonic()
        [problem] = load(text, max_depth=40)
        assert time.monotonic() - started < 5
        assert re.match(r"f\.yaml:\d+:\d+: [^ ]+: found nesting deeper than 40 levels, "
                        r"expected at most 40 \(limits: max_depth\)$", problem), problem

    @pytest.mark.parametrize("style", STYLES)
    def test_nesting_at_the_highest_allowed_limit_loads_and_beyond_it_is_refused(self, style):
        assert load(STYLES[style](99), max_depth=100) == []
        [problem] = load(STYLES[style](1_400), max_depth=100)
        assert "found nesting deeper than 100 levels" in problem

    def test_the_problem_names_the_field_path_and_the_place(self):
        text = "title: x\nextra:\n  list: " + flow_sequence(500) + "\n"
        [problem] = load(text, max_depth=40)
        assert problem.startswith(f"f.yaml:3:{9 + 39}: extra.list{'[0]' * 39}: ")

    def test_aliases_that_nest_past_the_limit_together_are_refused(self):
        text = "a: &deep " + flow_sequence(30) + "\nb: " + "[" * 30 + "*deep" + "]" * 30 + "\n"
        [problem] = load(text, max_depth=40)
        assert re.search(r": b(\[0\]){40}: found nesting deeper than 40 levels", problem)

    def test_an_alias_to_itself_is_refused_not_followed_for_ever(self):
        [problem] = load("a: &loop [*loop]\n", max_depth=40)
        assert "found nesting deeper than 40 levels" in problem

    def test_a_brief_nested_100000_deep_fails_alone_in_a_real_process(self, seed_project):
        before = seed_project.outputs()
        seed_project.brief("deep.yaml", GOOD + "extra: " + flow_sequence(100_000) + "\n")
        started = time.monotonic()
        result = seed_project.process("build", timeout=120)
        assert time.monotonic() - started < 100
        line = line_of(GOOD + "extra: ", "extra: ")
        result.assert_clean(1, rf"^data/deep\.yaml:{line}:48: extra(\[0\]){{40}}: found "
                               r"nesting deeper than 40 levels")
        assert seed_project.outputs() == before

    def test_points_nested_to_the_highest_limit_all_reach_the_documents(self, project):
        project.write("briefgen.yaml", "limits: {max_depth: 100}\n")
        project.brief(content=nested_points(47))
        project.build("--audience", "analytical").assert_clean(0)
        document = docx.Document(str(project.out / "brief" / "brief-analytical.docx"))
        levels = [p.text for p in document.paragraphs if p.text.startswith("level ")]
        assert levels == [f"level {n}" for n in range(1, 48)]
        pdf = pypdf.PdfReader(str(project.out / "brief" / "brief-analytical.pdf"))
        assert "level 47" in "".join(page.extract_text() for page in pdf.pages)

    def test_a_limit_the_stack_could_not_hold_is_refused_in_the_project_file(self, project):
        project.write("briefgen.yaml", "limits:\n  max_depth: 1000\n")
        project.brief()
        project.build().assert_clean(1, r"^briefgen\.yaml:2:14: limits\.max_depth: found "
                                        r"'?1000'?, expected: .*less than or equal to 100")

    def test_markdown_nested_past_its_limit_is_an_error_not_a_cut(self):
        deep = "\n".join("  " * i + f"- level {i}" for i in range(60)) + "\n"
        with pytest.raises(MarkupError, match=r"<markdown>:\d+: the generated Markdown nests "
                                              r"lists or quotes deeper than 100 levels"):
            markup.parse(deep)
        with pytest.raises(MarkupError, match="deeper than 100 levels"):
            markup.parse("> " * 150 + "quoted\n")


# ------------------------------------------------------------ YAML syntax errors

MANY_ERRORS = """\
title: Risk: high
subtitle: %50 of all
edition: 2026-01-15
organisation: @org
authors:
  - name: `A`
marking: "OFFICIAL
default_audiences: [executive]
summary:
  - This is long
    and continues: here
  - >this is text
  - *star
sections:
  - kind: findings
    title: x
     extra: y
  - kind: findings
\ttitle: tabbed
  - kind: implications
    title: "C:\\path"
    body: [a, b
notes: z
"""

EXPECTED = [  # line, column, what the message must say
    (1, 12, r"mapping values are not allowed here; the value holds ': '.*put the value in "
            r"quotes"),
    (2, 11, r"YAML reserves '%' at the start of a value: put the value in quotes"),
    (4, 15, r"YAML reserves '@' at the start of a value: put the value in quotes"),
    (6, 11, r"YAML reserves '`' at the start of a value: put the value in quotes"),
    (7, 10, r'found a value opened with " that is closed only at line 21, column 12; close '
            r"the quote on line 7"),
    (11, 18, r"mapping values are not allowed here; this line's key is read as part of the "
             r"value above"),
    (12, 5, r"'>' at the start of a value begins a block of text .*put the value in quotes"),
    (13, 5, r"found undefined alias 'star'; '\*' at the start of a value refers to an "
            r"anchor.*put the value in quotes"),
    (17, 11, r"mapping values are not allowed here; this line's key is read as part"),
    (19, 1, r"found character '\\t' that cannot start any token \(YAML indentation must use "
            r"spaces, not tabs\)"),
    (21, 16, r"found unknown escape character 'p'; a backslash inside double quotes starts an "
             r"escape"),
    (23, 6, r"expected ',' or '\]', but got ':'; the '\[' at line 22, column 11 is not closed "
            r"with '\]' before this"),
]


class TestEverySyntaxErrorIsReportedWithItsCause:
    def test_every_error_of_a_file_is_reported_at_its_line_with_a_hint(self, project):
        project.brief(content=MANY_ERRORS)
        result = project.run("validate")
        result.assert_clean(1, *(rf"^data/brief\.yaml:{line}:{column}: YAML syntax: .*{what}"
                                 for line, column, what in EXPECTED))
        assert len(result.problems) == len(EXPECTED), result.problems

    def test_the_errors_are_reported_in_order_and_each_line_once(self):
        problems = load(MANY_ERRORS)
        lines = [int(p.split(":")[1]) for p in problems]
        assert lines == sorted(set(lines)) == [line for line, _, _ in EXPECTED]

    @pytest.mark.parametrize("value, hint", [
        ("Risk: high", r"the value holds ': '"),
        ("%50 of all", r"YAML reserves '%'"),
        ("@handle", r"YAML reserves '@'"),
        ("`code`", r"YAML reserves '`'"),
        (">= 5 units", r"'>' at the start of a value begins a block of text"),
        ("|pipe", r"'\|' at the start of a value begins a block of text"),
        ("& co", r"'&' at the start of a value names an anchor"),
        ("* starred", r"'\*' at the start of a value refers to an anchor"),
        ("*undefined", r"refers to an anchor in YAML, and none has that name"),
        ("? why", r"'\?' at the start of a value marks a key"),
        ('"C:\\dir"', r"a backslash inside double quotes starts an escape"),
        ('"closed" then more', r"text follows the closing quote"),
        ("[unclosed, list", r"the '\[' at line 6, column 10 is not closed"),
    ])
    def test_a_value_yaml_cannot_read_says_why_and_to_quote_it(self, project, value, hint):
        project.brief(content=GOOD.replace("marking: OFFICIAL", f"marking: {value}"))
        project.run("validate").assert_clean(1, rf"^data/brief\.yaml:[67]:\d+: YAML syntax: "
                                                rf".*{hint}")

    def test_a_tag_says_to_quote_text_that_starts_with_an_exclamation_mark(self, project):
        project.brief(content=GOOD.replace("marking: OFFICIAL", "marking: !important"))
        project.run("validate").assert_clean(
            1, r"^data/brief\.yaml:6:10: marking: found the tag !important, expected plain "
               r"data \(tags are not allowed\); if this is text that starts with '!', put it "
               r"in quotes$")

    def test_an_unclosed_quote_at_the_end_is_reported_where_it_opens(self, project):
        project.brief(content=GOOD + "note: 'never closed\n")
        project.run("validate").assert_clean(
            1, r"^data/brief\.yaml:\d+:7: YAML syntax: found a value opened with ' that is "
               r"never closed; close the quote")

    def test_stepping_over_an_error_never_reports_what_followed_from_it(self):
        text = GOOD.replace("marking: OFFICIAL", "marking: Risk: high\n  and more: text\n"
                                                 "  still: more")
        assert len(load(text)) == 1

    def test_a_file_of_errors_is_reported_up_to_a_cap_and_quickly(self):
        text = "".join(f"key{i}: value: {i}\n" for i in range(5_000))
        started = time.monotonic()
        problems = load(text)
        assert time.monotonic() - started < 10
        assert len(problems) == 20
        assert [int(p.split(":")[1]) for p in problems] == list(range(1, 21))

    def test_a_broken_brief_keeps_its_previous_outputs_and_the_others_build(self, seed_project):
        before = seed_outputs(seed_project)
        seed = seed_project.root / "data" / f"{SEED_ID}.yaml"
        seed.write_text(seed.read_text().replace("marking: OFFICIAL-SENSITIVE",
                                                 "marking: OFFICIAL: SENSITIVE"))
        seed_project.brief("other.yaml", GOOD)
        result = seed_project.build()
        result.assert_clean(1, rf"^data/{SEED_ID}\.yaml:\d+:\d+: YAML syntax: mapping values "
                               r"are not allowed here; the value holds ': '")
        assert seed_outputs(seed_project) == before
        assert (seed_project.out / "other" / "other-public.pdf").is_file()


# -------------------------------------------------- what a data file may be

class TestOnlyRegularFilesWithinTheirSizeAreRead:
    def test_a_fifo_in_data_fails_alone_without_blocking_the_build(self, seed_project):
        before = seed_outputs(seed_project)
        os.mkfifo(seed_project.root / "data" / "pipe.yaml")
        seed_project.brief("other.yaml", GOOD)
        result = seed_project.process("build", "--jobs", "1", timeout=120)
        result.assert_clean(1, r"^data/pipe\.yaml: found a named pipe \(FIFO\), expected a "
                               r"regular file$")
        assert seed_outputs(seed_project) == before
        assert (seed_project.out / "other" / "other-analytical.docx").is_file()

    def test_a_link_to_dev_zero_in_data_is_refused(self, seed_project):
        before = seed_project.outputs()
        os.symlink("/dev/zero", seed_project.root / "data" / "zero.yaml")
        result = seed_project.process("build", "--jobs", "1", timeout=120)
        result.assert_clean(1, r"^data/zero\.yaml: found a file that leads outside")
        assert seed_project.outputs() == before

    def test_a_device_is_refused_even_without_a_root(self):
        with pytest.raises(DataError, match=r"^/dev/zero: found a device, expected a regular "
                                            r"file$"):
            read_yaml(Path("/dev/zero"))

    def test_a_file_over_the_limit_is_refused_before_it_is_read(self, seed_project):
        before = seed_project.outputs()
        big = seed_project.brief("big.yaml", GOOD + "note: " + "x" * 2_000_001 + "\n")
        result = seed_project.build()
        result.assert_clean(1, rf"^data/big\.yaml: found a file of {big.stat().st_size} "
                               r"bytes, expected at most 2000000 \(limits: max_input_bytes\)$")
        assert seed_project.outputs() == before

    def test_a_root_confines_every_reader_and_none_still_reads(self, project):
        outside = project.sibling / "notes.txt"
        link = project.root / "data" / "link.yaml"
        link.parent.mkdir()
        link.symlink_to(outside)
        for read in (lambda: read_yaml(link, root=project.root),
                     lambda: validate_file(link, Brief, root=project.root)):
            with pytest.raises(DataError, match="leads outside"):
                read()
        assert read_yaml(link).value == "a user's notes"


# ------------------------------------------------------- huge values in messages

HUGE = "1" * 5_000


class TestMessagesNeverEchoHugeValues:
    @pytest.mark.parametrize("value, reading", [
        (HUGE, "an integer of 5000 digits"),
        ("0x" + "f" * 5_000, "an integer"),
        ("0" + "7" * 5_000, "an integer"),
        ("1" + ":30" * 50_000, "an integer"),
        ("1." + "5" * 5_000, "a number"),
        ("1" * 16, "an integer of 16 digits"),
    ])
    def test_a_huge_unquoted_number_is_refused_without_its_digits(self, project, value,
                                                                  reading):
        project.brief(content=GOOD.replace("title: Test brief", f"title: {value}"))
        started = time.monotonic()
        result = project.run("validate")
        assert time.monotonic() - started < 10
        result.assert_clean(1, rf"^data/brief\.yaml:1:8: title: found unquoted "
                               rf"{re.escape(value[:57])}\.\.\., which YAML reads as "
                               rf"{reading}, expected text: put it in quotes$"
                            if len(value) > 60 else
                            rf"^data/brief\.yaml:1:8: title: found unquoted {value}, which "
                            rf"YAML reads as {reading}, expected text")
        assert max(len(line) for line in result.problems) < 300

    def test_a_huge_number_inside_rich_text_is_refused_cleanly(self, project):
        text = GOOD.replace("text: A point.", f"text: ['A point ', {HUGE}]")
        project.brief(content=text)
        result = project.run("validate")
        result.assert_clean(1, r"sections\[0\]\.points\[0\]\.text: found unquoted 1{57}\.\.\., "
                               r"which YAML reads as an integer of 5000 digits")
        assert max(len(line) for line in result.problems) < 300

    def test_a_short_number_that_reads_as_written_is_still_text(self):
        assert load(GOOD.replace("title: Test brief", "title: 123456789012345")) == []

    @pytest.mark.parametrize("name, overrides, expected", [
        ("unknown-key", {"x" * 5_000: "value"}, r"found the unknown key 'x{57}\.\.\.'"),
        ("status", None, r"found the status 'y{57}\.\.\.', expected one of the statuses"),
        ("url", None, r"segment 1 has url 'https://z{49}\.\.\.', expected an http\(s\)"),
        ("sources", None, r"expected one of the ids under sources: s0, s1, .* and \d+ more$"),
    ])
    def test_a_message_quoting_a_long_value_shortens_it(self, project, name, overrides,
                                                        expected):
        brief = minimal_brief(**(overrides or {}))
        table = brief["sections"][0]["tables"][0]
        if name == "status":
            table["rows"][0][1] = "y" * 5_000
        if name == "url":
            brief["summary"] = [[{"link": "x", "url": "https://" + "z" * 5_000 + " space"}]]
        if name == "sources":
            brief["sources"] = [{"id": f"s{i}", "title": "t", "publisher": "p"}
                                for i in range(500)]
            brief["sections"][0]["points"][0]["sources"] = ["unknown"]
        project.brief(content=brief)
        result = project.run("validate")
        result.assert_clean(1, expected)
        assert max(len(line) for line in result.problems) < 600

    def test_a_long_key_in_a_field_path_is_shortened(self, project):
        key = "k" * 5_000
        project.brief(content=minimal_brief(statuses={key: "red"}))
        result = project.run("validate")
        result.assert_clean(1, r"statuses\.k{37}\.\.\.: found 'red', expected a colour")
        assert max(len(line) for line in result.problems) < 300


# ------------------------------------------------------------------ table keys

class TestATableKeyNamesOneOfItsColumns:
    def test_a_key_naming_no_column_is_an_error_at_the_key_naming_the_columns(self, project):
        brief = minimal_brief()
        brief["sections"][0]["tables"][0]["key"] = "Nmae"
        text = project.brief(content=brief).read_text()
        line = line_of(text, "key: Nmae")
        project.run("validate").assert_clean(
            1, rf"^data/brief\.yaml:{line}:\d+: sections\[0\]\.tables\[0\]\.key: found the key "
               r"column 'Nmae', expected the name of one of this table's columns: Name, "
               r"Status$")

    def test_a_key_naming_a_column_is_accepted(self, project):
        brief = minimal_brief()
        brief["sections"][0]["tables"][0]["key"] = "Name"
        project.brief(content=brief)
        project.run("validate").assert_clean(0)


# ------------------------------------------------------------------ link targets

TARGETS = ["https://example.org/?a=1&amp;b=2", "https://example.org/&#x6a;avascript:x",
           "https://example.org/%41%zz%2", "https://exämple.org/pfad/ü?q=ß&lt;",
           "https://example.org/a(b)c_[d]{e}|f^g~h*i", "mailto:a@example.org?subject=&quot;hi"]
SOURCE_URL = "https://example.org/source?x=1&amp;y=&#60;2&#62;"


def linked_brief() -> dict:
    brief = minimal_brief()
    brief["sources"][0]["url"] = SOURCE_URL
    brief["sections"][0]["points"] = [
        {"text": [f"see {i} ", {"link": f"link {i} &amp;", "url": url}], "sources": ["src"]}
        for i, url in enumerate(TARGETS)]
    return brief


def docx_targets(path) -> set[str]:
    document = docx.Document(str(path))
    return {rel.target_ref for rel in document.part.rels.values()
            if rel.reltype.endswith("/hyperlink")}


def pdf_targets(path) -> set[str]:
    targets = set()
    for page in pypdf.PdfReader(str(path)).pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.add(str(action["/URI"]))
    return targets


class TestALinkTargetIsTheUrlAsWritten:
    def test_data_link_targets_are_exact_in_the_docx_and_the_pdf(self, project):
        project.brief(content=linked_brief())
        project.build("--audience", "analytical").assert_clean(0)
        folder = project.out / "brief"
        assert docx_targets(folder / "brief-analytical.docx") == {*TARGETS, SOURCE_URL}
        assert pdf_targets(folder / "brief-analytical.pdf") == {*TARGETS, SOURCE_URL}

    def test_the_visible_text_of_a_link_stays_literal(self, project):
        project.brief(content=linked_brief())
        project.build("--audience", "analytical", "--format", "docx").assert_clean(0)
        document = docx.Document(str(project.out / "brief" / "brief-analytical.docx"))
        texts = [p.text for p in document.paragraphs]
        assert "see 0 link 0 &amp; [1]" in texts
        assert any(SOURCE_URL in text for text in texts)

    @pytest.mark.parametrize("url", TARGETS + [SOURCE_URL])
    def test_markup_keeps_a_written_destination_exactly(self, url):
        [paragraph] = markup.parse(f"[x](<{url}>)\n")
        assert paragraph.children[0].url == url

    @pytest.mark.parametrize("target", ["javascript:alert(1)", "file:///etc/passwd",
                                        "smb://host/share", "relative.html",
                                        "ms-msdt:/id", "data:text/html,x"])
    def test_a_template_link_to_another_scheme_is_refused_by_name(self, project, target):
        public_back_matter(project.root, f"[click](<{target}>)\n")
        project.brief()
        project.build("--audience", "public").assert_clean(
            1, rf"^templates/public\.md\.j2:3: the generated Markdown has a link to "
               rf"'{re.escape(target)}' \(expected an http\(s\) or mailto address")

    def test_a_data_url_with_another_scheme_never_becomes_a_link(self, project):
        project.brief(content=minimal_brief(
            summary=[[{"link": "x", "url": "javascript:alert(1)"}]]))
        project.run("validate").assert_clean(
            1, r"summary\[0\]: segment 1 has url 'javascript:alert\(1\)', expected an http")

    def test_data_written_as_markdown_links_stays_text(self, project):
        project.brief(content=minimal_brief(summary=["[x](javascript:alert(1)) <file:///x>"]))
        project.build("--audience", "public", "--format", "docx").assert_clean(0)
        assert docx_targets(project.out / "brief" / "brief-public.docx") == set()
