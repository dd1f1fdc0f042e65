"""Loading and validating brief files: every problem, one line each, at file:line:col."""

from __future__ import annotations

import pytest

from briefgen.data.load import load_brief
from briefgen.errors import DataError

from .conftest import SEED, minimal_brief

VALID = """\
title: Test brief
edition: 2026-01-15
organisation: Test Institute
authors:
  - name: A. Analyst
marking: OFFICIAL
default_audiences: [executive, analytical, public]
summary:
  - A summary paragraph.
statuses:
  Confirmed: "#B3261E"
sources:
  - id: src
    title: A source
    publisher: A publisher
sections:
  - kind: findings
    title: Findings
    points:
      - text: A point.
        sources: [src]
    tables:
      - id: t1
        caption: A table
        columns: [Name, {name: Status, status: true}]
        rows:
          - [Row one, Confirmed]
"""


def problems_of(path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_brief(path)
    return [str(p) for p in caught.value.problems]


def test_the_seed_brief_is_valid():
    loaded = load_brief(SEED)
    assert loaded.brief.id == "russia-china-taiwan"
    assert [s.kind for s in loaded.brief.sections] == [
        "findings", "implications", "recommendations", "outlook"]
    assert [t.id for s in loaded.brief.sections for t in s.tables] == [
        "support-types", "regional-impact", "policy-actions"]


def test_a_valid_file_loads(write_brief):
    assert load_brief(write_brief(VALID)).brief.title == "Test brief"


def test_every_problem_is_reported_not_only_the_first(write_brief):
    text = VALID.replace("marking: OFFICIAL", "marking: NO").replace(
        "edition: 2026-01-15", "edition: 2026-13-15").replace("kind: findings", "kind: finding")
    found = problems_of(write_brief(text))
    assert len(found) == 3
    path = str(write_brief(text))
    assert found[0] == (f"{path}:2:10: edition: found '2026-13-15', expected a date "
                        "written YYYY-MM-DD")
    assert found[1].startswith(f"{path}:6:10: marking: found unquoted NO, which YAML reads as "
                               "a boolean (false)")
    assert found[2].startswith(f"{path}:17:11: sections[0].kind: found 'finding', expected one of")


@pytest.mark.parametrize("scalar, reading", [
    ("NO", "a boolean (false)"), ("yes", "a boolean (true)"), ("012345", "the number 5349"),
    ("1.10", "the number 1.1"), ("12:30", "the number 750"),
])
def test_yaml_1_1_surprises_in_text_are_errors_with_a_hint(write_brief, scalar, reading):
    path = write_brief(VALID.replace("title: Test brief", f"title: {scalar}"))
    [problem] = problems_of(path)
    assert problem == (f"{path}:1:8: title: found unquoted {scalar}, which YAML reads as "
                       f"{reading}, expected text: put it in quotes")


def test_quoted_values_that_look_like_numbers_are_text(write_brief):
    path = write_brief(VALID.replace("title: Test brief", 'title: "012345"'))
    assert load_brief(path).brief.title == "012345"


def test_plain_numbers_that_read_back_the_same_are_accepted_as_text(write_brief):
    path = write_brief(VALID.replace("- [Row one, Confirmed]", "- [2024, Confirmed]"))
    assert load_brief(path).brief.sections[0].tables[0].rows[0][0].plain() == "2024"


def test_duplicate_keys_are_errors_at_the_second_key(write_brief):
    path = write_brief(VALID.replace("marking: OFFICIAL", "marking: OFFICIAL\ntitle: Again"))
    [problem] = problems_of(path)
    assert problem == (f"{path}:7:1: title: found the key 'title' a second time (first at "
                       "line 1), expected each key once")


def test_unknown_keys_are_errors_with_a_suggestion(write_brief):
    path = write_brief(VALID.replace("title: A source", "titel: A source"))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:14:5: sources[0].titel: found the unknown key 'titel'")
               and "did you mean 'title'" in p for p in found)


def test_wrong_types_name_what_was_found_and_expected(write_brief):
    path = write_brief(VALID.replace("summary:\n  - A summary paragraph.",
                                     "summary:\n  - {a: b}"))
    # A paragraph written as a mapping is {text: ..., level: ...}.
    assert problems_of(path) == [
        f"{path}:9:5: summary[0].text: found nothing, expected a value (this field is required)",
        f"{path}:9:6: summary[0].a: found the unknown key 'a', expected one of text, level"]


def test_missing_required_fields_are_reported(write_brief):
    path = write_brief(VALID.replace("organisation: Test Institute\n", ""))
    [problem] = problems_of(path)
    assert problem == (f"{path}:1:1: organisation: found nothing, expected a value "
                       "(this field is required)")


def test_unknown_source_ids_are_errors_at_the_citation(write_brief):
    path = write_brief(VALID.replace("sources: [src]", "sources: [srk]"))
    [problem] = problems_of(path)
    assert problem == (f"{path}:21:19: sections[0].points[0].sources[0]: found the unknown "
                       "source id 'srk', expected one of the ids under sources: src")


def test_unknown_audiences_are_errors(write_brief):
    path = write_brief(VALID.replace("[executive, analytical, public]",
                                     "[executive, ministers]"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:7:32: default_audiences[1]: found the unknown audience "
                              "'ministers', expected one of the project's audiences")


def test_status_values_must_be_declared(write_brief):
    path = write_brief(VALID.replace("- [Row one, Confirmed]", "- [Row one, Confirmd]"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:27:23: sections[0].tables[0].rows[0][1]: found the "
                              "status 'Confirmd', expected one of the statuses declared")


def test_rows_must_have_one_cell_per_column(write_brief):
    path = write_brief(VALID.replace("- [Row one, Confirmed]", "- [Row one]"))
    [problem] = problems_of(path)
    assert problem.endswith("sections[0].tables[0].rows[0]: found 1 cells, expected 2 "
                            "(one per column)")


def test_python_tags_are_refused_and_never_constructed(write_brief):
    path = write_brief(VALID.replace("title: Test brief",
                                     "title: !!python/object/apply:os.system ['echo hacked']"))
    found = problems_of(path)
    assert any("found the tag tag:yaml.org,2002:python/object/apply:os.system" in p
               for p in found)


def test_two_documents_in_one_file_are_refused(write_brief):
    [problem] = problems_of(write_brief(VALID + "---\ntitle: Second\n"))
    assert "found a second YAML document" in problem


def test_an_empty_file_is_refused(write_brief):
    [problem] = problems_of(write_brief(""))
    assert "found an empty file" in problem


def test_tabs_in_indentation_are_explained(write_brief):
    [problem] = problems_of(write_brief(VALID.replace("  - name: A. Analyst",
                                                      "\t- name: A. Analyst")))
    assert ":5:1: YAML syntax:" in problem and "tabs" in problem


def test_control_characters_are_refused_with_the_field_named(write_brief):
    path = write_brief(minimal_brief(title="bad \x07 bell"))
    [problem] = problems_of(path)
    assert "title: found the control or non-character U+0007" in problem


def test_alias_bombs_hit_the_value_limit(write_brief):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
              f"*a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 9)]
    [problem] = problems_of(write_brief("\n".join(lines) + "\n"))
    assert "found more than" in problem and "aliases expand" in problem


def test_rich_text_segments_are_validated(write_brief):
    path = write_brief(minimal_brief(summary=[["plain ", {"em": "emphasis"},
                                               {"link": "a link", "url": "javascript:alert(1)"}]]))
    [problem] = problems_of(path)
    assert "summary[0]: segment 3 has url 'javascript:alert(1)'" in problem


def test_reference_problems_are_reported_beside_type_problems(write_brief):
    path = write_brief(VALID.replace("marking: OFFICIAL", "marking: NO").replace(
        "sources: [src]", "sources: [srk]"))
    found = problems_of(path)
    assert [p.split(": ")[1] for p in found] == ["marking", "sections[0].points[0].sources[0]"]


def test_duplicate_source_and_table_ids_are_errors_at_the_second(write_brief):
    text = VALID.replace("sources:\n  - id: src\n", "sources:\n  - id: src\n    title: X\n"
                         "    publisher: Y\n  - id: src\n")
    found = problems_of(write_brief(text))
    assert [p.split(": ", 2)[1:] for p in found] == [
        ["sources[1].id", "found the id 'src' a second time, expected every id to be unique"]]


def test_levels_must_be_the_projects(write_brief):
    path = write_brief(VALID.replace("    title: Findings\n", "    title: Findings\n"
                                     "    level: secret\n"))
    [problem] = problems_of(path)
    assert problem.endswith("sections[0].level: found the unknown level 'secret', expected "
                            "one of the project's levels: public, restricted")


def test_a_status_column_written_with_yaml_on_is_still_checked(write_brief):
    path = write_brief(VALID.replace("{name: Status, status: true}", "{name: Status, status: on}")
                       .replace("- [Row one, Confirmed]", "- [Row one, Confrmed]"))
    [problem] = problems_of(path)
    assert "rows[0][1]: found the status 'Confrmed'" in problem


def test_an_unknown_audience_as_a_markings_key_is_placed_at_the_key(write_brief):
    path = write_brief(VALID.replace("marking: OFFICIAL", "marking: OFFICIAL\nmarkings:\n"
                                     "  ministers: SECRET"))
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:8:3: markings.ministers: found the unknown audience")


def test_an_empty_required_list_says_how_many_items_are_expected(write_brief):
    path = write_brief(VALID.replace("columns: [Name, {name: Status, status: true}]",
                                     "columns: []"))
    found = problems_of(path)
    assert any(p.endswith("sections[0].tables[0].columns: found an empty list, expected at "
                          "least 1") for p in found)
