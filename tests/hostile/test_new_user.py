"""What a new user trips over, writing a second brief from the README alone."""

from __future__ import annotations

import re

from briefgen.data.audiences import BUILTIN_AUDIENCES
from briefgen.data.model import BUILTIN_AUDIENCE_NAMES


def test_every_command_summary_in_help_is_a_whole_sentence(project):
    result = project.run("--help")
    commands = result.stdout.split("Commands:")[1].strip().splitlines()
    assert len(commands) >= 10
    for line in commands:
        summary = line.split(None, 1)[1]
        assert summary.endswith(".") and not summary.endswith("..."), line


def test_declaring_audiences_says_how_to_keep_the_built_in_ones(project):
    project.write("briefgen.yaml", "audiences:\n  board: {}\n")
    project.brief()                       # names executive, analytical and public
    result = project.build("--format", "docx")
    result.assert_clean(1, r"default_audiences\[0\]: .*unknown audience 'executive'.*"
                           r"replace the built-in ones.*'executive: \{\}' under audiences:")


def test_the_hint_names_the_real_built_in_audiences():
    assert tuple(BUILTIN_AUDIENCES) == BUILTIN_AUDIENCE_NAMES


def test_an_audience_that_sees_no_section_is_a_warning(project):
    project.write("briefgen.yaml", "audiences:\n  board: {sections: [outlook]}\n")
    project.brief(default_audiences=["board"])
    result = project.build("--format", "docx")
    result.assert_clean(0)
    assert re.search(r"warning: .*brief\.yaml: audience board: no section is visible to the "
                     r"board audience", result.stderr), result.stderr
    result = project.build("--format", "docx", "--strict", "--force")
    result.assert_clean(1, "no section is visible")


def test_templates_never_calls_a_projects_own_template_built_in(project):
    project.write("briefgen.yaml", "audiences:\n  board: {template: board.md.j2}\n")
    project.write("templates/board.md.j2", '{% extends "builtin/analytical.md.j2" %}\n')
    project.write("templates/public.md.j2", '{% extends "builtin/public.md.j2" %}\n')
    lines = {line.split()[0]: line for line in project.run("templates").stdout.splitlines()}
    assert "project" in lines["board.md.j2"] and "used by board" in lines["board.md.j2"]
    assert "built-in" not in lines["board.md.j2"]
    assert lines["public.md.j2"].split()[1] == "project,"
    assert "built-in" in lines["base.md.j2"]


def test_config_lists_every_label_key_a_template_can_use(project):
    from briefgen.compose.labels import DEFAULT_LABELS, LABELS

    assert set(LABELS) == set(DEFAULT_LABELS)
    output = project.run("config").stdout
    for key in LABELS:
        assert re.search(rf"^  {key} +'", output, re.M), key
    assert "replace the built-in executive, analytical and public" in output
