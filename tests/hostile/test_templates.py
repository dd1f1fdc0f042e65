"""Hostile templates: bounded in memory, output, nesting and references; files confined.

Each case first builds a small project (its outputs are the previous good ones), then
writes a hostile ``templates/public.md.j2`` (most through ``public_back_matter``, whose
body starts on the template's line 3) and builds again: exit 1, one clean message at
the template's file and line, and the previous outputs byte for byte as they were.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import textwrap
import time

import pytest

from briefgen.compose.context import context_types
from briefgen.compose import templatecheck, templating
from briefgen.errors import RenderError, TemplateError
from briefgen.limits import Limits, _data_in_use, bounded, memory_limit, time_limit
from tests.conftest import public_back_matter
from tests.hostile.conftest import copy_into

TEMPLATE = "templates/public.md.j2"
AT_BODY = rf"^{TEMPLATE}:3: "
MiB = 1 << 20


def one_brief_built(project) -> None:
    project.brief()
    project.build("--format", "docx").assert_clean(0)


@pytest.fixture
def built(project, built_once):
    """A project with one brief, built (DOCX): its outputs must survive every case."""
    return copy_into(project, built_once(one_brief_built))


def fails_alone(project, *expected: str, body: str | None = None, files: dict | None = None,
                args: tuple = ()):
    """Write the hostile template (``body`` as the public back matter, or ``files``),
    build, and check exit 1, the messages and that the previous outputs are unchanged."""
    before = project.outputs()
    if body is not None:
        public_back_matter(project.root, body + "\n")
    for name, text in (files or {}).items():
        project.write(name, text)
    result = project.build("--format", "docx", *args)
    result.assert_clean(1, *expected)
    assert project.outputs() == before
    return result


def nested(opening: str, inner: str, closing: str, times: int) -> str:
    return opening * times + inner + closing * times


# ------------------------------------------- amplifiers: refused before they run

REFUSED = "unsafe operation refused: "
AMPLIFIERS = {
    "str-ljust": ("{{ 'x'.ljust(4 * 10**8) }}", r"str\.ljust\(\) would make 400000000 "
                                                r"characters or items, over the limit of 1000000"),
    "str-rjust-in-a-loop": ("{% for i in range(3) %}{{ 'x'.rjust(10**9) }}{% endfor %}",
                            r"str\.rjust\(\) would make 1000000000"),
    "str-center": ("{{ 'x'.center(10**9) }}", r"str\.center\(\) would make"),
    "str-zfill": ("{{ '1'.zfill(10**9) }}", r"str\.zfill\(\) would make"),
    "str-expandtabs": ("{{ ('a\\tb' * 100000).expandtabs(100000) }}",
                       r"str\.expandtabs\(\) would make"),
    "str-replace": ("{{ ('x' * 1000000).replace('x', 'yyyy') }}", r"str\.replace\(\) would make"),
    "str-join": ("{{ ('x' * 10000).join(range(100000)|list) }}", r"str\.join\(\) would make"),
    "printf-width": ("{{ '%0100000000d' % 1 }}",
                     r"a width or precision in a % format would make 100000000"),
    "printf-precision": ("{{ '%.900000000f' % 1.5 }}", r"a width or precision in a % format"),
    "printf-star-width": ("{{ '%*d' % (10**9, 1) }}", r"a width or precision in a % format"),
    "format-width": ("{{ '{:>999999999}'.format(1) }}",
                     r"a width or precision in a format would make 999999999"),
    "format-nested-width": ("{{ '{:{}}'.format(1, 999999999) }}",
                            r"a width or precision in a format"),
    "format-map-width": ("{{ '{x:>{w}}'.format_map({'x': 1, 'w': 10**9}) }}",
                         r"a width or precision in a format"),
    "format-repeated-field": ("{{ ('{0}' * 300000).format('x' * 100) }}",
                              r"str\.format would make"),
    "filter-indent": ("{{ 'x'|indent(10**9, true) }}", r"\|indent would make 1000000000"),
    "filter-indent-by-a-string": ("{{ (('a' ~ '\\n') * 1000)|indent('x' * 100000) }}",
                                  r"\|indent would make"),
    "filter-center": ("{{ 'x'|center(10**9) }}", r"\|center would make"),
    "filter-batch": ("{{ [1, 2]|batch(10**8, 0)|list }}", r"\|batch would make 100000000"),
    "filter-slice": ("{{ [1, 2]|slice(10**8)|list }}", r"\|slice would make 100000000"),
    "filter-wordwrap": ("{{ ('x ' * 100000)|wordwrap(1, wrapstring='y' * 1000) }}",
                        r"\|wordwrap would make"),
    "filter-truncate": ("{{ 'x'|truncate(10**9) }}", r"\|truncate would make"),
    "filter-format": ("{{ '%099999999d'|format(1) }}", r"a width or precision in a % format"),
    "filter-replace": ("{{ 'abc'|replace('', 'x' * 1000000) }}", r"\|replace would make"),
    "filter-join": ("{{ range(100000)|join('y' * 1000) }}", r"\|join would make 100000000"),
    "list-repetition": ("{{ [1] * 10**8 }}", r"a repetition of 100000000 items is over the "
                                             r"limit of 1000000"),
    "string-repetition": ("{{ 'ab' * 10**8 }}", r"a repetition of 200000000 items"),
}


@pytest.mark.parametrize("body, says", AMPLIFIERS.values(), ids=AMPLIFIERS.keys())
def test_an_operation_asking_for_a_huge_value_is_refused_at_its_line(built, body, says):
    started = time.perf_counter()
    fails_alone(built, AT_BODY + REFUSED + says, body=body)
    assert time.perf_counter() - started < 10     # refused from its arguments, not run


ORDINARY = {"{{ 'a'.ljust(3, '-') }}": "a--", "{{ '%05d' % 7 }}": "00007",
            "{{ '{:-^7}'.format('x') }}": "---x---", "{{ 'x'.center(5, '=') }}": "==x==",
            "{{ 'x y z'|replace(' ', '+') }}": "x+y+z", "{{ [1, 2, 3]|batch(2)|list|length }}": "2",
            "{{ ('word ' * 100)|truncate(14) }}": "word word...", "{{ '%s!'|format(1) }}": "1!",
            "{{ '42'.zfill(5) }}": "00042",
            "{{ ['p', 'q']|join('/') }}": "p/q"}


def test_ordinary_padding_formats_and_filters_still_work(built):
    public_back_matter(built.root, "\n\n".join(ORDINARY) + "\n")
    built.build("--format", "docx", "--audience", "public").assert_clean(0)
    paragraphs = docx_text(built.out / "brief" / "brief-public.docx").splitlines()
    assert [text for text in ORDINARY.values() if text not in paragraphs] == []


def docx_text(path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


# ------------------------------------------------ output bounded as it is made

def test_a_loop_writing_a_megabyte_a_turn_stops_at_max_markdown_chars_at_its_line(built):
    started = time.perf_counter()
    fails_alone(built, AT_BODY + r"public\.md\.j2 produced more than 20000000 characters of "
                                 r"Markdown \(limits: max_markdown_chars\)",
                body="{% for i in range(100000) %}{{ ('y' * 1000000)|safe }}{% endfor %}")
    assert time.perf_counter() - started < 20    # 100 GB asked for: stopped at 20 MB


def test_the_markdown_bound_set_in_the_project_stops_an_included_loop_at_the_include(built):
    fails_alone(built, AT_BODY + r"public\.md\.j2 produced more than 5000 characters of "
                                 r"Markdown \(limits: max_markdown_chars\)",
                body='{% include "_loop.md.j2" %}',
                files={"briefgen.yaml": "limits: {max_markdown_chars: 5000}\n",
                       "templates/_loop.md.j2": "{# writes without end #}\n"
                                                "{% for i in range(100000) %}{{ i }} "
                                                "{% endfor %}\n"})


# ----------------------------------------------------- memory: one bound for all

DOUBLING = ("{% set ns = namespace(s='x') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}")
PEAK = textwrap.dedent("""\
    import resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
    """)


def only_for_big(body: str) -> str:
    return "{% if brief.title == 'Big' %}" + body + "{% endif %}"


def peak_build(project) -> tuple[int, int, str]:
    """``python -m briefgen build`` in a real process: (its peak RSS in KiB, exit code,
    stderr), measured by a parent that does nothing else."""
    wrapper = project.tmp / "peak.py"
    wrapper.write_text(PEAK, encoding="utf-8")
    done = subprocess.run([sys.executable, str(wrapper), sys.executable, "-m", "briefgen",
                           "build", "--jobs", "1", "--format", "docx"], cwd=project.root,
                          capture_output=True, text=True, timeout=120)
    peak, code = map(int, done.stdout.split()[-2:])
    return peak, code, done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bound is Linux's")
def test_a_template_asking_for_exabytes_stops_at_max_render_memory_in_a_small_process(project):
    project.write("briefgen.yaml", "limits: {max_render_memory: 67108864}\n")
    project.brief("big.yaml", title="Big")
    project.brief("small.yaml", title="Small")
    good_peak, code, _ = peak_build(project)
    assert code == 0
    before = project.outputs()
    public_back_matter(project.root, only_for_big(DOUBLING) + "\n")
    project.brief("small.yaml", title="Small", subtitle="Built again after the failure")
    peak, code, stderr = peak_build(project)
    assert code == 1 and "Traceback" not in stderr, stderr
    assert "data/big.yaml: rendering the public brief's template needed more than 64 MiB of " \
           "memory (limits: max_render_memory)" in stderr
    assert f"{TEMPLATE}:3: memory ran out while this template line ran" in stderr
    assert peak < good_peak + 2 * 64 * 1024, (peak, good_peak)   # KiB: the bound, twice over
    after = project.outputs()
    assert {k: v for k, v in after.items() if k.startswith("big")} == \
        {k: v for k, v in before.items() if k.startswith("big")}
    assert after["small/small-public.docx"] != before["small/small-public.docx"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bound is Linux's")
def test_after_a_render_runs_out_of_memory_the_bound_is_lifted_and_the_memory_given_back(
        project):
    project.write("briefgen.yaml", "limits: {max_render_memory: 67108864}\n")
    project.brief("big.yaml", title="Big")
    project.brief("small.yaml", title="Small")
    project.build("--format", "docx", "--audience", "public").assert_clean(0)  # all imported
    public_back_matter(project.root, only_for_big(DOUBLING) + "\n")
    limit, used = resource.getrlimit(resource.RLIMIT_DATA), _data_in_use()
    result = project.build("--format", "docx", "--audience", "public", "--force")
    result.assert_clean(1, r"^data/big\.yaml: rendering the public brief's template needed "
                           r"more than 64 MiB of memory \(limits: max_render_memory\)")
    assert "wrote out/small/small-public.docx" in result.stdout + result.stderr
    assert resource.getrlimit(resource.RLIMIT_DATA) == limit
    assert _data_in_use() - used < 16 * MiB
    assert len(bytearray(256 * MiB)) == 256 * MiB     # no bound left behind


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bound is Linux's")
def test_memory_limit_turns_running_out_into_one_error_naming_the_file_and_the_limit():
    with pytest.raises(RenderError) as caught:
        with memory_limit(32 * MiB, "data/x.yaml", "the public PDF"):
            bytearray(1 << 30)
    assert str(caught.value) == ("data/x.yaml: rendering the public PDF needed more than 32 "
                                 "MiB of memory (limits: max_render_memory); a template may "
                                 "build ever larger text or lists, or the data is too large")
    assert len(bytearray(256 * MiB)) == 256 * MiB     # the bound is lifted


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bound is Linux's")
def test_bounded_applies_the_memory_bound_and_the_time_limit_together():
    limits = Limits(max_render_memory=32 * MiB, max_render_seconds=0.2)
    with pytest.raises(RenderError, match="the public PDF needed more than 32 MiB"):
        with bounded(limits, "data/x.yaml", "the public PDF"):
            bytearray(1 << 30)
    with pytest.raises(RenderError, match=r"rendering the public PDF took longer than 0\.2 s"):
        with bounded(limits, "data/x.yaml", "the public PDF"):
            while True:
                pass
    with pytest.raises(RenderError, match=r"took longer than 0\.2 s \(limits"):
        with bounded(limits, "data/x.yaml", "the public PDF", seconds=0.05):
            while True:
                pass


def test_a_project_cannot_set_the_memory_bound_below_its_minimum(project):
    project.brief()
    project.write("briefgen.yaml", "limits: {max_render_memory: 1000}\n")
    project.build().assert_clean(1, r"^briefgen\.yaml:1:\d+: limits\.max_render_memory: ")


# ------------------------------------------------------------------- cycles

CYCLES = {
    "extends-itself": ({TEMPLATE: '{% extends "public.md.j2" %}\n'},
                       rf"^{TEMPLATE}:1: found templates that reach each other in a cycle: "
                       r"public\.md\.j2 -> public\.md\.j2"),
    "two-extend-each-other": ({TEMPLATE: '{% extends "other.md.j2" %}\n',
                               "templates/other.md.j2": '{# other #}\n'
                                                        '{% extends "public.md.j2" %}\n'},
                              r"^templates/other\.md\.j2:2: found templates that reach each "
                              r"other in a cycle: public\.md\.j2 -> other\.md\.j2 -> "
                              r"public\.md\.j2"),
    "include-loop": ({TEMPLATE: '{% extends "builtin/public.md.j2" %}\n{% block back_matter %}'
                                '\n{% include "a.md.j2" %}\n{% endblock %}\n',
                      "templates/a.md.j2": 'a\n{% include "b.md.j2" %}\n',
                      "templates/b.md.j2": 'b\n\n{% include "a.md.j2" %}\n'},
                     r"^templates/b\.md\.j2:3: found templates that reach each other in a "
                     r"cycle: a\.md\.j2 -> b\.md\.j2 -> a\.md\.j2"),
    "import-loop": ({TEMPLATE: '{% extends "builtin/public.md.j2" %}\n{% block back_matter %}'
                               '\n{% import "_m.md.j2" as m %}{{ m.x() }}\n{% endblock %}\n',
                     "templates/_m.md.j2": '{% from "_m.md.j2" import x %}\n'
                                           '{% macro x() %}x{% endmacro %}\n'},
                    r"^templates/_m\.md\.j2:1: found templates that reach each other in a "
                    r"cycle: _m\.md\.j2 -> _m\.md\.j2"),
    "through-a-built-in-template": ({"templates/base.md.j2":
                                     '{% extends "builtin/public.md.j2" %}\n'},
                                    r"public\.md\.j2:3: found templates that reach each other "
                                    r"in a cycle: base\.md\.j2 -> builtin/public\.md\.j2 -> "
                                    r"base\.md\.j2"),
}


@pytest.mark.parametrize("files, says", CYCLES.values(), ids=CYCLES.keys())
def test_templates_that_reach_each_other_in_a_cycle_are_refused_without_spinning(
        project, files, says):
    project.brief()
    for name, text in files.items():
        project.write(name, text)
    result = project.process("build", "--jobs", "1", timeout=60)   # a spin fails the timeout
    result.assert_clean(1, says)
    assert not project.out.joinpath("brief").exists()


def test_the_template_check_itself_refuses_a_cycle_without_spinning(project):
    project.write(TEMPLATE, '{% extends "other.md.j2" %}\n')
    project.write("templates/other.md.j2", '{% extends "public.md.j2" %}\n')
    env = templating.environment(templating.search_path(project.root / "templates"))
    with pytest.raises(TemplateError, match="in a cycle: public.md.j2 -> other.md.j2"):
        with time_limit(10, "the test", "the check"):
            templatecheck.check_templates(env, "public.md.j2", context_types(frozenset()))


def test_a_chain_of_templates_deeper_than_twenty_is_refused_at_the_reference(built):
    files = {f"templates/t{i}.md.j2": f"{i}\n{{% include \"t{i + 1}.md.j2\" %}}\n"
             for i in range(30)}
    files["templates/t30.md.j2"] = "end\n"
    fails_alone(built, r"^templates/t18\.md\.j2:2: found a chain of templates more than 20 "
                       r"deep: public\.md\.j2 -> t0\.md\.j2 -> ",
                body='{% include "t0.md.j2" %}', files=files)


# ------------------------------------------- the check is bounded whatever the shape

def includes_of_includes(leaf: str, levels: int = 5, copies: int = 40) -> dict[str, str]:
    """t0 includes t1 ``copies`` times, t1 includes t2 as often...: copies ** levels
    includes of the leaf when rendered."""
    files = {f"templates/t{i}.md.j2": f'{{% include "t{i + 1}.md.j2" %}}\n' * copies
             for i in range(levels)}
    files[f"templates/t{levels}.md.j2"] = leaf
    return files


def entered_with_new_scopes(levels: int = 12) -> dict[str, str]:
    """Each template sets a name of its own to one of four types before each of its
    includes: the next is entered with 4 ** depth distinct scopes, which no memo saves."""
    kinds = ("brief", "audience", "changes", "numbers")
    files = {f"templates/t{i}.md.j2": "".join(f'{{% set v{i} = {kind} %}}'
                                              f'{{% include "t{i + 1}.md.j2" %}}\n'
                                              for kind in kinds) for i in range(levels)}
    files[f"templates/t{levels}.md.j2"] = "{{ brief.title }}\n"
    return files


@pytest.mark.parametrize("leaf, limits, says", [
    ("x", "limits: {max_markdown_chars: 100000}\n",
     r"public\.md\.j2 produced more than 100000 characters of Markdown"),
    ("", "limits: {max_render_seconds: 1}\n",
     r"rendering the public brief took longer than 1 s \(limits: max_render_seconds\)"),
], ids=["stopped-by-the-markdown-bound", "stopped-by-the-time-bound"])
def test_includes_of_includes_are_checked_once_each_and_rendered_within_the_bounds(
        project, monkeypatch, leaf, limits, says):
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", "off")        # no verdict kept from before
    project.brief()
    for name, text in {**includes_of_includes(leaf), "briefgen.yaml": limits,
                       TEMPLATE: '{% include "t0.md.j2" %}\n'}.items():
        project.write(name, text)
    started = time.monotonic()
    result = project.process("build", "-j1", "--audience", "public", "--format", "docx",
                             timeout=60)      # 40 ** 5 walks would never end
    result.assert_clean(1, says)
    assert time.monotonic() - started < 45
    assert not project.out.joinpath("brief").exists()


def test_templates_too_entangled_to_check_are_one_located_message_in_bounded_time(
        project, monkeypatch):
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", "off")
    project.brief()
    public_back_matter(project.root, '{% include "t0.md.j2" %}\n')
    for name, text in entered_with_new_scopes().items():
        project.write(name, text)
    started = time.monotonic()
    result = project.process("build", "-j1", "--audience", "public", timeout=60)
    result.assert_clean(1, rf"^{TEMPLATE}:3: found templates too large or too entangled to "
                           r"check: checking them took more than 500000 steps \(reading "
                           r"public\.md\.j2:3 -> t0\.md\.j2:1 -> t1\.md\.j2:1 -> .*\); expected "
                           r"fewer includes")
    assert time.monotonic() - started < 30
    assert not project.out.joinpath("brief").exists()


def test_macros_calling_macros_many_times_are_checked_once_per_kind_of_argument(project):
    library = "".join(
        f"{{% macro m{i}(a) %}}" +
        "".join(f"{{{{ m{i + 1}({kind}) }}}}{{{{ m{i + 1}(a) }}}}" * 10
                for kind in ("brief", "audience", "a", "changes")) +
        "{% endmacro %}\n" for i in range(8)) + "{% macro m8(a) %}{{ a.titel }}{% endmacro %}\n"
    project.write("templates/_m.md.j2", library)
    project.write(TEMPLATE, '{% import "_m.md.j2" as m %}{{ m.m0(brief) }}\n')
    env = templating.environment(templating.search_path(project.root / "templates"))
    started = time.monotonic()
    with pytest.raises(TemplateError) as raised, time_limit(20, "the test", "the check"):
        templatecheck.check_templates(env, "public.md.j2", context_types(frozenset()))
    assert time.monotonic() - started < 5
    assert sorted(p.message.split(": ", 1)[1][:20] for p in raised.value.problems) == [
        "the Audience model h", "the Brief model has ", "the Changes model ha"]


def test_the_budget_stops_a_check_at_the_outermost_reference_it_was_following(project):
    for name, text in entered_with_new_scopes(levels=6).items():
        project.write(name, text)
    project.write(TEMPLATE, 'intro\n{% include "t0.md.j2" %}\n')
    env = templating.environment(templating.search_path(project.root / "templates"))
    checker = templatecheck.Checker(env, context_types(frozenset()))
    checker.budget = templatecheck.CheckBudget(steps=2000)
    with pytest.raises(TemplateError) as raised:
        checker.check("public.md.j2")
    [problem] = raised.value.problems
    assert (problem.location.file, problem.location.line) == \
        (str(project.root / TEMPLATE), 2)
    assert "more than 2000 steps (reading public.md.j2:2 -> t0.md.j2:" in problem.message


def test_a_fault_in_a_template_included_many_times_in_one_scope_is_reported_once(built):
    result = fails_alone(built, r"^templates/_part\.md\.j2:2: section\.titel: the Section "
                                r"model has no field 'titel' \(did you mean 'title'\?\)",
                         body='{% for section in brief.sections %}{% include "_part.md.j2" %}'
                              '{% include "_part.md.j2" %}{% endfor %}\n' * 3,
                         files={"templates/_part.md.j2": "part\n{{ section.titel }}\n"})
    assert len([p for p in result.problems if "titel" in p]) == 1, result.problems


def test_an_included_templates_sets_stay_in_it_as_jinja_renders_them(built):
    fails_alone(built, rf"{AT_BODY}brief\.titel: the Brief model has no field 'titel'",
                body='{% include "_part.md.j2" %}{{ brief.titel }}',
                files={"templates/_part.md.j2": "{% set brief = audience %}part\n"})


# ---------------------------------------------------- template names are literal

COMPUTED = {
    "import-by-concatenation": ('{% import "_macros" ~ ".md.j2" as m2 %}', "import"),
    "include-of-a-list": ('{% include ["a.md.j2", "b.md.j2"] %}', "include"),
    "include-of-a-variable": ("{% include brief.title %}", "include"),
    "include-of-a-conditional": ('{% include "a.md.j2" if true else "b.md.j2" %}', "include"),
    "from-import-of-a-variable": ("{% from brief.title import x %}", r"from \.\.\. import"),
}


@pytest.mark.parametrize("body, tag", COMPUTED.values(), ids=COMPUTED.keys())
def test_a_template_name_that_is_not_a_literal_is_refused_at_its_line(built, body, tag):
    fails_alone(built, AT_BODY + rf"found {{% {tag} %}} naming its template with an "
                                 r"expression or a list; expected the name written as one "
                                 r"literal string", body=body)


def test_an_extends_of_a_computed_name_is_refused_at_its_line(built):
    fails_alone(built, rf"^{TEMPLATE}:2: found {{% extends %}} naming its template with an "
                       "expression", files={TEMPLATE: "{# x #}\n{% extends 'base' ~ '.md.j2' %}\n"})


def test_a_missing_include_is_still_reported_at_its_line(built):
    fails_alone(built, AT_BODY + r"found 'nope\.md\.j2', which is not a template in the "
                                 r"project's templates/ or the built-in ones",
                body='{% include "nope.md.j2" %}')


# ------------------------------------------------------------------ nesting

BRACKETS = r"found brackets nested more than 30 deep; expected less nesting"
BLOCKS = r"found block tags \({% if %}, {% for %}, \.\.\.\) nested more than 16 deep"
EXPRESSION = r"found an expression nested more than 100 deep"
TOO_DEEP = {
    "2000-parentheses": ("{{ " + nested("(", "1", ")", 2000) + " }}", BRACKETS),
    "500-nested-lists": ("{{ " + nested("[", "1", "]", 500) + " }}", BRACKETS),
    "500-nested-dicts": ("{{ " + nested("{'a': ", "1", "}", 500) + " }}", BRACKETS),
    "600-nested-ifs": (nested("{% if true %}", "x", "{% endif %}", 600), BLOCKS),
    "21-nested-fors": (nested("{% for a in [1] %}", "x", "{% endfor %}", 21), BLOCKS),
    "nested-set-blocks": (nested("{% set q %}", "x", "{% endset %}", 20), BLOCKS),
    "3000-chained-filters": ("{{ 'x'" + "|string" * 3000 + " }}", EXPRESSION),
    "3000-nots": ("{{ " + "not " * 3000 + "true }}", EXPRESSION),
    "3000-minus-signs": ("{{ " + "- " * 3000 + "1 }}", EXPRESSION),
    "3000-additions": ("{{ 1" + " + 1" * 3000 + " }}", EXPRESSION),
    "1000-conditionals": ("{{ " + "1 if true else " * 1000 + "2 }}", EXPRESSION),
    "2000-look-ups": ("{{ brief" + ".title" * 2000 + " }}", EXPRESSION),
    "2000-calls": ("{{ range" + "(1)" * 2000 + " }}", EXPRESSION),
}


@pytest.mark.parametrize("body, says", TOO_DEEP.values(), ids=TOO_DEEP.keys())
def test_a_template_nested_too_deeply_is_refused_at_its_line_before_it_is_parsed(
        built, body, says):
    fails_alone(built, AT_BODY + says, body=body)


def test_templates_at_the_nesting_bounds_still_build(built):
    deep = "{{ " + nested("(", "1", ")", 30) + "|string" * 39 + " }}"
    chain = "{{ " + nested("(", "1", ")", 20) + "|string" * 59 + " }}"
    loops = nested("{% for a in [1] %}", chain, "{% endfor %}", 15)    # 16 with the block
    lists = "{{ " + nested("[", "1|string", "]|first", 30) + " }}"
    public_back_matter(built.root, "\n".join([deep, loops, lists, "{{ " + "not " * 99 +
                                              "false }}"]) + "\n")
    built.build("--format", "docx", "--audience", "public").assert_clean(0)


def test_a_deep_template_read_outside_the_build_is_refused_the_same_way(project):
    project.write("templates/t.md.j2", "ok\n{{ " + nested("(", "1", ")", 500) + " }}\n")
    file = re.escape(f"{project.root}/templates/t.md.j2")
    with pytest.raises(TemplateError, match=rf"^{file}:2: {BRACKETS}"):
        templating.render(templating.environment(templating.search_path(
            project.root / "templates")), "t.md.j2", {})


def test_a_macro_that_calls_itself_without_end_is_one_located_message(built):
    fails_alone(built, AT_BODY + r"RecursionError: maximum recursion depth exceeded.*; a "
                                 r"macro may call itself without end",
                body="{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")


# ------------------------------------------------- templates at the trust boundary

def test_an_include_of_a_link_leading_out_of_templates_is_refused(built):
    built.write("secret.txt", "SECRET\n")
    public_back_matter(built.root, '{% include "x.md.j2" %}\n')
    os.symlink(built.root / "secret.txt", built.root / "templates" / "x.md.j2")
    fails_alone(built, r"^templates/x\.md\.j2: found a file that leads outside templates \(by "
                       r"'\.\.', an absolute path or a link\); expected one inside it")


def test_an_audience_template_that_is_a_link_to_a_system_file_is_refused(built):
    (built.root / "templates").mkdir()
    os.symlink("/etc/passwd", built.root / TEMPLATE)
    fails_alone(built, rf"^{TEMPLATE}: found a file that leads outside templates")


def test_a_link_to_another_template_inside_templates_is_followed(built):
    built.write("templates/real.md.j2", '{% extends "builtin/public.md.j2" %}\n'
                                        "{% block back_matter %}\nLINKED TEMPLATE\n"
                                        "{% endblock %}\n")
    os.symlink("real.md.j2", built.root / TEMPLATE)
    built.build("--format", "docx", "--audience", "public").assert_clean(0)
    assert "LINKED TEMPLATE" in docx_text(built.out / "brief" / "brief-public.docx")


@pytest.mark.parametrize("where", [TEMPLATE, "templates/_part.md.j2"])
def test_a_fifo_in_templates_is_refused_without_hanging(project, where):
    project.brief()
    if where == TEMPLATE:
        (project.root / "templates").mkdir()
    else:
        public_back_matter(project.root, '{% include "_part.md.j2" %}\n')
    os.mkfifo(project.root / where)
    result = project.process("build", "--jobs", "1", timeout=60)      # a read would block
    result.assert_clean(1, rf"^{where}: found a named pipe \(FIFO\), expected a regular file")


def test_a_folder_named_like_a_template_is_refused_not_passed_over_for_the_builtin(built):
    (built.root / TEMPLATE).mkdir(parents=True)
    fails_alone(built, rf"^{TEMPLATE}: found a folder, expected a regular file")


def test_a_template_over_the_size_bound_is_refused_before_it_is_read_whole(built):
    fails_alone(built, rf"^{TEMPLATE}: found a file of 3000001 bytes, expected at most "
                       "2000000", files={TEMPLATE: "x" * 3_000_001})


def test_a_brief_failing_its_template_fails_alone(project):
    project.brief("big.yaml", title="Big")
    project.brief("small.yaml", title="Small")
    public_back_matter(project.root, only_for_big("{{ 'x'.ljust(10**9) }}") + "\n")
    result = project.build("--format", "docx")
    result.assert_clean(1, AT_BODY + REFUSED + r"str\.ljust\(\)")
    assert (project.out / "small" / "small-public.docx").is_file()
    assert not (project.out / "big" / "big-public.docx").exists()

