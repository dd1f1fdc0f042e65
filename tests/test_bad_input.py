"""Hostile input: every kind of bad data, template, theme and name, through the command line.

Each case starts from a scratch project built GOOD (so out/ holds documents; the good
project for each set of extra files is built once and copied), then replaces one input
with a bad one and runs ``briefgen build`` through the command line's own entry point,
in this process; a case whose run may need a kill (a runaway template) or that stands
for another process (the lock) runs ``python -m briefgen build`` as a real process.
Two tests read the same run (it happens once per case, in one test worker):

* the run exits with the documented code (1 data, template or theme; 2 usage; 3 busy),
  prints no traceback and leaves every previous .docx and .pdf byte for byte as it was;
* stderr holds exactly one problem line (besides the build summary), which starts with
  the exact ``file:line:col: field:`` prefix the code gives and contains only
  printable characters.

The in-process tests at the end check that data is always literal text: markup of every
kind, Jinja syntax, right-to-left and CJK scripts, and very long texts and tables.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pypdf
import pytest
import yaml

import briefgen
from briefgen.build.builder import build
from briefgen.project import Project
from briefgen.errors import DataError, GlyphError, RenderError
from briefgen.limits import time_limit
from briefgen.project import fonts
from briefgen.renderers import formats
from tests.conftest import (
    minimal_brief,
    render_bytes,
    run_in_process,
    temporary_files,
    write_files,
)
from tests.test_themes_and_templates import png_bytes

GOOD = yaml.safe_dump(minimal_brief(), sort_keys=False, allow_unicode=True)
BRIEF = "data/brief.yaml"
TEMPLATE = "templates/public.md.j2"
PUBLIC_PDF = ("--audience", "public", "--format", "pdf")
SUMMARY_LINES = re.compile(r"^(\d+ file\(s\) of \d+ brief\(s\) built|the failed briefs' previous "
                           r"outputs are untouched$|nothing to do: |warning: |wrote )")


# ------------------------------------------------------------------ helpers

def at(text: str, needle: str, skip: int = 0) -> str:
    """``line:col`` (1-based) of ``needle`` in ``text``, moved ``skip`` characters right."""
    index = text.index(needle) + skip
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def replaced(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def public_template(body: str) -> str:
    """A project template overriding the public brief: ``body`` is on its line 3."""
    return ('{% extends "builtin/public.md.j2" %}\n{% block back_matter %}\n' + body +
            "\n{% endblock %}\n")


def with_rows(count: int) -> str:
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"] = [[f"Row {i}", "Confirmed"] for i in range(count)]
    return yaml.safe_dump(brief, sort_keys=False)


def docx_bytes(transform=None, extra: dict | None = None) -> bytes:
    """A plain Word document, its parts rewritten by ``transform(name, data)``."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            archive.writestr(info.filename, transform(info.filename, data) if transform else data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def macro_enabled(name: str, data: bytes) -> bytes:
    if name != "[Content_Types].xml":
        return data
    return data.replace(b"wordprocessingml.document.main+xml",
                        b"ms-word.document.macroEnabled.main+xml")


def external_template(name: str, data: bytes) -> bytes:
    if name != "word/_rels/document.xml.rels":
        return data
    return data.replace(b"</Relationships>", b'<Relationship Id="rIdX" Type="http://schemas.'
                        b'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"'
                        b' Target="file:///etc/passwd" TargetMode="External"/></Relationships>')


def documents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "out").rglob("*")) if p.suffix in (".docx", ".pdf")}


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line and not SUMMARY_LINES.match(line)]


# -------------------------------------------------------------------- cases

@dataclass(frozen=True)
class Case:
    """One bad input: what replaces the good project, and what the run must say."""

    id: str
    data: str | bytes | None = None      # the bad data/brief.yaml
    files: dict = field(default_factory=dict)        # written after the good build
    good_files: dict = field(default_factory=dict)   # written before it
    args: tuple = ("--format", "pdf")
    exit: int = 1
    prefix: str = ""                     # the exact start of the one problem line
    says: tuple = ()                     # and what else it holds
    pattern: str | None = None           # or a regular expression it matches
    absent: tuple = ()                   # files the run must not create
    lock: bool = False                   # hold the output folder's lock during the run
    process: bool = False                # run a real process (it may need a kill)
    timeout: float = 120
    max_seconds: float | None = None     # the run must end within this time
    safety_bug: str | None = None        # a known bug: exit code, traceback or outputs
    message_bug: str | None = None       # a known bug in the message


# nine times more at each of nine levels: 9**9 (387 million) copies of "lol"
BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in
    zip("abcdefgh", "bcdefghi"))
DEEP = GOOD + "extra: " + "[" * 200 + "]" * 200 + "\n"
LONG_BODY = replaced("- Body text.", "- " + "Long body text. " * 200)
NOT_UTF8 = replaced("title: Test brief", "title: Caf\u00e9").encode("latin-1")
BIG_THEME = "name: house\ndescription: " + "x" * 5000 + "\n"
HOUSE = {"briefgen.yaml": "theme: house\n", "themes/house.yaml": "name: house\n"}
TALL_CELL = replaced("- - Row one", "- - " + "word " * 5000)
TALL_SUMMARY = replaced("- A summary paragraph.", "- A summary paragraph.\n- " + "word " * 5000)
WORDS = '"word word word word word word word word\u2026"'
FONT_OUTSIDE = "fonts: {families: {Brand: {regular: %s}}, body: Brand}\n" % fonts.find(
    "DejaVuSans.ttf")
RAW_CONTROL = replaced("- text: A point.", '- text: "A \x1b[31m point."')   # ESC, unescaped

CASES = [
    # ---------------------------------------------------------- malformed YAML
    Case("bad-indentation", replaced("organisation: Test Institute\n",
                                     "organisation: Test Institute\n   bad: x\n"),
         prefix=f"{BRIEF}:4:7: YAML syntax: mapping values are not allowed here"),
    Case("tab-indentation", replaced("marking: OFFICIAL\n", "marking: OFFICIAL\n\tx: y\n"),
         prefix=f"{BRIEF}:7:1: YAML syntax: found character '\\t' that cannot start any token",
         says=("(YAML indentation must use spaces, not tabs)",)),
    Case("two-documents", GOOD + "---\ntitle: A second brief\n",
         prefix=f"{BRIEF}:{at(GOOD + '---', '---')}: YAML syntax: found a second YAML document, "
                "expected one document per file"),
    Case("empty-file", "",
         prefix=f"{BRIEF}:1:1: found an empty file, expected a mapping of brief fields"),
    Case("only-a-comment", "# nothing here yet\n",
         prefix=f"{BRIEF}:1:1: found an empty file, expected a mapping of brief fields"),
    Case("a-single-value", "just some words\n",
         prefix=f"{BRIEF}:1:1: found a single value, expected a mapping of fields"),
    Case("not-utf-8", NOT_UTF8,
         prefix=f"{BRIEF}: found bytes that are not UTF-8 at offset {NOT_UTF8.index(0xE9)}, "
                "expected UTF-8 text"),
    Case("raw-control-character-in-the-file", RAW_CONTROL,
         prefix=f"{BRIEF}:{at(RAW_CONTROL, chr(27))}:"),
    # ------------------------------------------------------------------- tags
    Case("python-object-apply-tag",
         replaced("marking: OFFICIAL", "marking: !!python/object/apply:os.system "
                                       "['touch PWNED']"),
         prefix=f"{BRIEF}:6:10: marking: found the tag "
                "tag:yaml.org,2002:python/object/apply:os.system, expected plain data "
                "(tags are not allowed)", absent=("PWNED",)),
    Case("python-object-new-tag-in-a-table-cell",
         replaced("- - Row one", "- - !!python/object/new:subprocess.Popen [['touch', 'PWNED']]"),
         prefix=f"{BRIEF}:{at(GOOD, '- - Row one', 4)}: sections[0].tables[0].rows[0][0]: "
                "found the tag tag:yaml.org,2002:python/object/new:subprocess.Popen",
         absent=("PWNED",)),
    Case("local-include-tag", replaced("- A summary paragraph.", "- !include /etc/passwd"),
         prefix=f"{BRIEF}:{at(GOOD, '- A summary paragraph.', 2)}: summary[0]: found the tag "
                "!include, expected plain data (tags are not allowed)"),
    # ---------------------------------------------------- size and structure
    Case("billion-laughs-alias-bomb", GOOD + BOMB,
         pattern=rf"^{BRIEF}:{at(GOOD + BOMB, 'a: &a').split(':')[0]}:\d+: [a-i](\[\d+\])+: "
                 r"found more than 200000 values \(aliases expand to copies\), expected a "
                 r"smaller file$"),
    Case("nesting-200-levels-deep", DEEP,
         prefix=f"{BRIEF}:{at(DEEP, 'extra: ', 7 + 40)}: extra{'[0]' * 40}: found nesting "
                "deeper than 40 levels"),
    Case("file-over-max-input-bytes", LONG_BODY,
         good_files={"briefgen.yaml": "limits: {max_input_bytes: 2000}\n"},
         prefix=f"{BRIEF}: found a file of {len(LONG_BODY.encode())} bytes, expected at most "
                "2000 (limits: max_input_bytes)"),
    Case("table-over-max-table-rows", with_rows(11),
         good_files={"briefgen.yaml": "limits: {max_table_rows: 10}\n"},
         prefix=f"{BRIEF}:{at(with_rows(11), '- - Row 0')}: sections[0].tables[0].rows: "
                "found 11 rows, expected at most 10 (limits: max_table_rows)"),
    Case("text-over-max-text-chars", replaced("- text: A point.", "- text: " + "x" * 150),
         good_files={"briefgen.yaml": "limits: {max_text_chars: 100}\n"},
         prefix=f"{BRIEF}:{at(GOOD, '- text: A point.', 8)}: sections[0].points[0].text: "
                "found 150 characters, expected at most 100 (limits: max_text_chars)"),
    Case("title-over-max-text-chars", replaced("title: Test brief", "title: " + "y" * 150),
         good_files={"briefgen.yaml": "limits: {max_text_chars: 100}\n"},
         prefix=f"{BRIEF}:1:8: title: found 150 characters, expected at most 100 "
                "(limits: max_text_chars)"),
    Case("theme-file-over-max-input-bytes", files={"themes/house.yaml": BIG_THEME},
         good_files={**HOUSE, "briefgen.yaml": "theme: house\n"
                                               "limits: {max_input_bytes: 1000}\n"},
         prefix=f"themes/house.yaml: found a file of {len(BIG_THEME)} bytes, expected at most "
                "1000 (limits: max_input_bytes)"),
    Case("table-cell-taller-than-a-page", TALL_CELL, args=("--audience", "analytical",
                                                           "--format", "pdf"),
         prefix=f"{BRIEF}: Analytical brief: a table cell is taller than a page and cannot be "
                f'split: table 1 ("Table 1: A table"), row 1, column 1 ({WORDS}); shorten it or '
                "split it into several rows or paragraphs"),
    Case("summary-paragraph-taller-than-a-page", TALL_SUMMARY,
         args=("--audience", "analytical", "--format", "pdf"),
         prefix=f"{BRIEF}: Analytical brief: a paragraph is taller than a page and cannot be "
                f"split: {WORDS}; shorten it or split it into several paragraphs"),
    # ------------------------------------------------------------ duplicates
    Case("duplicate-key", replaced("marking: OFFICIAL", "marking: OFFICIAL\nmarking: SECRET"),
         prefix=f"{BRIEF}:7:1: marking: found the key 'marking' a second time (first at line "
                "6), expected each key once"),
    Case("duplicate-key-in-a-point", replaced("  - text: A point.",
                                              "  - text: A point.\n    text: Another point."),
         prefix=f"{BRIEF}:{int(at(GOOD, '  - text: A point.').split(':')[0]) + 1}:5: "
                "sections[0].points[0].text: found the key 'text' a second time"),
    # -------------------------------------------------------- YAML 1.1 readings
    Case("unquoted-no-as-marking", replaced("marking: OFFICIAL", "marking: NO"),
         prefix=f"{BRIEF}:6:10: marking: found unquoted NO, which YAML reads as a boolean "
                "(false), expected text: put it in quotes"),
    Case("unquoted-octal-as-title", replaced("title: Test brief", "title: 012345"),
         prefix=f"{BRIEF}:1:8: title: found unquoted 012345, which YAML reads as the number "
                "5349, expected text: put it in quotes"),
    Case("unquoted-1.10-in-a-table-cell", replaced("- - Row one", "- - 1.10"),
         prefix=f"{BRIEF}:{at(GOOD, '- - Row one', 4)}: sections[0].tables[0].rows[0][0]: "
                "found unquoted 1.10, which YAML reads as the number 1.1, expected text: put "
                "it in quotes"),
    Case("unquoted-sexagesimal-12:30-as-point", replaced("- text: A point.", "- text: 12:30"),
         prefix=f"{BRIEF}:{at(GOOD, '- text: A point.', 8)}: sections[0].points[0].text: "
                "found unquoted 12:30, which YAML reads as the number 750, expected text: put "
                "it in quotes"),
    # ------------------------------------------------- wrong types, missing fields
    Case("authors-as-text-not-a-list",
         replaced("authors:\n- name: A. Analyst", "authors: A. Analyst"),
         prefix=f"{BRIEF}:4:10: authors: found 'A. Analyst', expected a list"),
    Case("section-kind-not-allowed", replaced("- kind: findings", "- kind: chapter"),
         prefix=f"{BRIEF}:{at(GOOD, '- kind: findings', 8)}: sections[0].kind: found "
                "'chapter', expected one of"),
    Case("date-not-iso", replaced("edition: '2026-01-15'", "edition: 15/01/2026"),
         prefix=f"{BRIEF}:2:10: edition: found '15/01/2026', expected a date written "
                "YYYY-MM-DD"),
    Case("row-narrower-than-the-columns", replaced("- - Row one\n      - Confirmed",
                                                   "- - Row one"),
         prefix=f"{BRIEF}:{at(GOOD, '- - Row one', 2)}: sections[0].tables[0].rows[0]: found 1 "
                "cells, expected 2 (one per column)"),
    Case("missing-organisation", replaced("organisation: Test Institute\n", ""),
         prefix=f"{BRIEF}:1:1: organisation: found nothing, expected a value (this field is "
                "required)"),
    Case("point-without-text", replaced("- text: A point.\n    sources:",
                                        "- sources:"),
         prefix=f"{BRIEF}:{at(GOOD, '- text: A point.', 2)}: sections[0].points[0].text: found "
                "nothing, expected a value (this field is required)"),
    Case("whitespace-only-title", replaced("title: Test brief", "title: '   '"),
         prefix=f"{BRIEF}:1:8: title:"),
    # -------------------------------------------------- unsafe characters
    Case("bell-control-character-in-a-point", replaced("- text: A point.",
                                                       '- text: "A \\x07 point."'),
         prefix=f"{BRIEF}:{at(GOOD, '- text: A point.', 8)}: sections[0].points[0].text: "
                "found the control or non-character U+0007 at offset 2, expected printable text"),
    Case("escape-sequence-in-the-title", replaced("title: Test brief",
                                                  'title: "Test \\e[31m brief"'),
         prefix=f"{BRIEF}:1:8: title: found the control or non-character U+001B at offset 5"),
    Case("nul-in-a-table-cell", replaced("- - Row one", '- - "Row \\0 one"'),
         prefix=f"{BRIEF}:{at(GOOD, '- - Row one', 4)}: sections[0].tables[0].rows[0][0]: "
                "found the control or non-character U+0000 at offset 4, expected printable text"),
    Case("noncharacter-fffe-in-a-caption", replaced("caption: A table",
                                                    'caption: "A \\uFFFE table"'),
         prefix=f"{BRIEF}:{at(GOOD, 'caption: A table', 9)}: sections[0].tables[0].caption: "
                "found the control or non-character U+FFFE at offset 2, expected printable text"),
    Case("lone-surrogate-in-a-point", replaced("- text: A point.", '- text: "A \\ud800 point."'),
         prefix=f"{BRIEF}:{at(GOOD, '- text: A point.', 8)}: sections[0].points[0].text: "
                "found the control or non-character U+D800 at offset 2, expected printable text"),
    # ------------------------------------------------------------- templates
    Case("template-syntax-error", files={TEMPLATE: public_template("{% if %}")}, args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: template syntax: Expected an expression, got 'end of statement "
                "block'"),
    Case("template-undefined-field", files={TEMPLATE: public_template("{{ brief.titel }}")},
         args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: brief.titel: the Brief model has no field 'titel' (did you "
                "mean 'title'?)"),
    Case("template-undefined-name", files={TEMPLATE: public_template("{{ nosuchname }}")},
         args=PUBLIC_PDF, prefix=f"{TEMPLATE}:3: undefined value: 'nosuchname' is undefined"),
    Case("template-class-mro", files={TEMPLATE: public_template("{{ ''.__class__.__mro__ }}")},
         args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: unsafe operation refused: access to attribute '__class__' of "
                "'str' object is unsafe."),
    Case("template-attr-filter", files={TEMPLATE: public_template("{{ ''|attr('__class__') }}")},
         args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: unsafe operation refused: access to attribute '__class__' of "
                "'str' object is unsafe."),
    Case("template-cycler-globals",
         files={TEMPLATE: public_template("{{ cycler.__init__.__globals__ }}")}, args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: unsafe operation refused: access to attribute '__init__'"),
    Case("template-format-globals",
         files={TEMPLATE: public_template("{{ '{0}'.format.__globals__ }}")}, args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: unsafe operation refused: access to attribute '__globals__'"),
    Case("template-lipsum", files={TEMPLATE: public_template("{{ lipsum(100) }}")},
         args=PUBLIC_PDF, prefix=f"{TEMPLATE}:3: undefined value: 'lipsum' is undefined"),
    Case("template-huge-range",
         files={TEMPLATE: public_template("{% for i in range(10**9) %}x{% endfor %}")},
         args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: OverflowError: Range too big. The sandbox blocks ranges larger "
                "than MAX_RANGE (100000)."),
    Case("template-huge-repetition", files={TEMPLATE: public_template("{{ 'a' * 10**8 }}")},
         args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: unsafe operation refused: a repetition of 100000000 items is "
                "over the limit of 1000000"),
    Case("template-huge-exponent", files={TEMPLATE: public_template("{{ 10**100000 }}")},
         args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: unsafe operation refused: an exponent of 100000 is over the "
                "limit of 1000"),
    Case("template-endless-recursion",
         files={TEMPLATE: public_template("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")},
         args=PUBLIC_PDF, prefix=f"{TEMPLATE}:3: RecursionError: maximum recursion depth"),
    Case("template-runaway-loop-stopped-by-max-render-seconds",
         files={"briefgen.yaml": "limits: {max_render_seconds: 1}\n",
                TEMPLATE: public_template("{% for i in range(100000) %}{% for j in "
                                          "range(100000) %}{% endfor %}{% endfor %}")},
         args=PUBLIC_PDF, max_seconds=30, process=True,
         prefix=f"{BRIEF}: rendering the public brief took longer than 1 s "
                "(limits: max_render_seconds); a template may loop without end"),
    Case("template-includes-a-file-outside-its-folder",
         files={TEMPLATE: public_template('{% include "../secret.j2" %}'),
                "secret.j2": "SECRET\n"}, args=PUBLIC_PDF,
         prefix=f"{TEMPLATE}:3: found '../secret.j2', which is not a template in the "
                "project's templates/ or the built-in ones"),
    # ---------------------------------------------- names leaving their folders
    Case("audience-template-up-a-folder",
         files={"briefgen.yaml": "audiences:\n  public:\n    template: ../x.j2\n"},
         args=PUBLIC_PDF,
         prefix="briefgen.yaml:3:15: audiences.public.template: found '../x.j2', which leaves "
                "the project folder; expected a relative path without '..'"),
    Case("theme-absolute-path", files={"briefgen.yaml": "theme: /etc/x.yaml\n"},
         prefix="briefgen.yaml:1:8: theme: found '/etc/x.yaml', which leaves the project "
                "folder; expected a relative path without '..'"),
    Case("theme-up-a-folder", files={"briefgen.yaml": "theme: ../x.yaml\n", "../x.yaml": "{}\n"},
         prefix="briefgen.yaml:1:8: theme: found '../x.yaml', which leaves the project folder"),
    Case("audience-theme-up-two-folders",
         files={"briefgen.yaml": "audiences:\n  public:\n    theme: ../../etc/x.yaml\n"},
         args=PUBLIC_PDF,
         prefix="briefgen.yaml:3:12: audiences.public.theme: found '../../etc/x.yaml', which "
                "leaves the project folder"),
    Case("theme-name-with-a-nul", files={"briefgen.yaml": 'theme: "house\\0.yaml"\n'},
         prefix="briefgen.yaml:1:8: theme: found the control or non-character U+0000"),
    Case("template-name-with-a-nul",
         files={"briefgen.yaml": 'audiences:\n  public:\n    template: "x\\0.j2"\n'},
         args=PUBLIC_PDF,
         prefix="briefgen.yaml:3:15: audiences.public.template: found the control or "
                "non-character U+0000"),
    Case("out-folder-up-a-folder", files={"briefgen.yaml": "out: ../elsewhere\n"},
         prefix="briefgen.yaml:1:6: out: found '../elsewhere', which leaves the project folder"),
    Case("brief-id-con", replaced("title: Test brief", "id: con\ntitle: Test brief"),
         prefix=f"{BRIEF}:1:5: id: found 'con', a name some systems reserve for devices; "
                "expected another id"),
    Case("brief-id-with-dots-and-slashes", replaced("title: Test brief",
                                                    "id: ../../etc\ntitle: Test brief"),
         prefix=f"{BRIEF}:1:5: id: found '../../etc', expected an id of lowercase letters, "
                "digits and hyphens"),
    # ------------------------------------------------------------ themes
    Case("reference-docx-not-a-zip",
         files={"themes/house.yaml": "name: house\nreference_docx: ref.docx\n",
                "themes/ref.docx": b"this is not a zip"}, good_files=HOUSE,
         args=("--format", "docx"),
         prefix="themes/house.yaml:2:17: reference_docx: the reference document "
                "themes/ref.docx is not a DOCX (not a zip archive)"),
    Case("reference-docx-macro-enabled",
         files={"themes/house.yaml": "name: house\nreference_docx: ref.docx\n",
                "themes/ref.docx": docx_bytes(macro_enabled)}, good_files=HOUSE,
         args=("--format", "docx"),
         prefix="themes/house.yaml:2:17: reference_docx: the reference document "
                "themes/ref.docx is macro-enabled; save it as a plain .docx"),
    Case("reference-docx-with-a-vba-project",
         files={"themes/house.yaml": "name: house\nreference_docx: ref.docx\n",
                "themes/ref.docx": docx_bytes(extra={"word/vbaProject.bin": b"\0" * 64})},
         good_files=HOUSE, args=("--format", "docx"),
         prefix="themes/house.yaml:2:17: reference_docx: the reference document "
                "themes/ref.docx is macro-enabled"),
    Case("reference-docx-external-relationship",
         files={"themes/house.yaml": "name: house\nreference_docx: ref.docx\n",
                "themes/ref.docx": docx_bytes(external_template)}, good_files=HOUSE,
         args=("--format", "docx"),
         prefix="themes/house.yaml:2:17: reference_docx: the reference document "
                "themes/ref.docx has external relationships (word/_rels/document.xml.rels)"),
    Case("theme-with-a-python-tag",
         files={"themes/house.yaml": "name: !!python/object/apply:os.system ['touch PWNED']\n"},
         good_files=HOUSE, absent=("PWNED",),
         prefix="themes/house.yaml:1:7: name: found the tag "
                "tag:yaml.org,2002:python/object/apply:os.system"),
    Case("theme-font-file-that-is-not-truetype",
         files={"themes/house.yaml": "fonts: {families: {Brand: {regular: brand.ttf}}, "
                                     "body: Brand}\n",
                "themes/brand.ttf": b"not a font " * 100}, good_files=HOUSE,
         says=("brand.ttf",)),
    Case("theme-logo-absolute-path",
         files={"themes/house.yaml": "name: house\nlogo: /etc/passwd\n"}, good_files=HOUSE,
         prefix="themes/house.yaml:2:7: logo: found the absolute path '/etc/passwd', expected "
                "a path relative to the theme's folder"),
    Case("theme-logo-out-of-the-project",
         files={"themes/house.yaml": "name: house\nlogo: ../../logo.png\n",
                "../logo.png": png_bytes()}, good_files=HOUSE,
         prefix="themes/house.yaml:2:7: logo: found '../../logo.png', which leaves the project "
                "folder; expected a file inside the project or the theme's folder"),
    Case("theme-reference-docx-out-of-the-project",
         files={"themes/house.yaml": "name: house\nreference_docx: ../../../ref.docx\n",
                "../../ref.docx": docx_bytes()}, good_files=HOUSE, args=("--format", "docx"),
         prefix="themes/house.yaml:2:17: reference_docx: found '../../../ref.docx', which "
                "leaves the project folder"),
    Case("theme-font-file-absolute-path", files={"themes/house.yaml": FONT_OUTSIDE},
         good_files=HOUSE,
         prefix=f"themes/house.yaml:{at(FONT_OUTSIDE, '/')}: fonts.families.Brand.regular: "
                f"found the absolute path '{fonts.find('DejaVuSans.ttf')}', expected a path "
                "relative to the theme's folder"),
    Case("theme-logo-that-is-not-an-image",
         files={"themes/house.yaml": "logo: logo.png\n",
                "themes/logo.png": b"\x89PNG\r\n\x1a\n" + b"garbage" * 10}, good_files=HOUSE,
         says=("logo.png",)),
    # ------------------------------------------------------ usage and busy
    Case("unknown-format", args=("--format", "odt"), exit=2,
         prefix=f"briefgen: unknown format 'odt', expected one of {', '.join(formats())}"),
    Case("unknown-audience", args=("--audience", "ministers"), exit=2,
         prefix="briefgen: unknown audience 'ministers', expected one of executive, "
                "analytical, public"),
    Case("project-without-a-data-folder", args=("--project", "nowhere"), exit=2,
         prefix="briefgen: no data folder at nowhere/data"),
    Case("another-build-holds-the-lock", args=("--format", "pdf", "--force"), exit=3, lock=True,
         process=True,
         prefix="briefgen: another briefgen build is writing to out; try again later or pass "
                "--wait SECONDS"),
]


@dataclass
class Run:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    before: dict
    after: dict
    leftovers: list
    created: list


def _run(case: Case, root: Path) -> Run:
    before = documents(root)
    assert len(before) == 6
    if case.data is not None:
        write_files(root, {BRIEF: case.data})
    write_files(root, case.files)
    started = time.perf_counter()
    lock = None
    if case.lock:
        from filelock import FileLock

        lock = FileLock(str(root / "out" / ".briefgen.lock"))
        lock.acquire()
    try:
        returncode, stdout, stderr = _briefgen_build(case, root)
    finally:
        if lock is not None:
            lock.release()
    seconds = time.perf_counter() - started
    return Run(returncode, stdout, stderr, seconds, before, documents(root),
               temporary_files(root / "out"),
               [name for name in case.absent if (root / name).exists()])


def _briefgen_build(case: Case, root: Path) -> tuple[int | None, str, str]:
    """``briefgen build ARGS`` in ``root``: its exit code (None if it had to be killed),
    stdout and stderr."""
    if not case.process:
        done = run_in_process("build", *case.args, cwd=root)
        return done.returncode, done.stdout, done.stderr
    command = [sys.executable, "-m", "briefgen", "build", *case.args]
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, text=True,
                              errors="backslashreplace", timeout=case.timeout, check=False)
    except subprocess.TimeoutExpired as expired:
        return None, str(expired.stdout or ""), str(expired.stderr or "")
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def good_project(tmp_path_factory):
    """The good project with a case's ``good_files``, built once for every case that has
    the same ones (every audience and format); returns its root."""
    built: dict[tuple, Path] = {}

    def good(files: dict) -> Path:
        key = tuple(sorted(files.items()))
        if key not in built:
            root = tmp_path_factory.mktemp("good") / "project"
            write_files(root, {BRIEF: GOOD, **files})
            report = build(Project.at(root))
            assert report.ok, [str(f) for f in report.failures]
            built[key] = root
        return built[key]

    return good


@pytest.fixture(scope="module")
def run_case(tmp_path_factory, good_project):
    """The run of a case on a copy of its good project, made once for both tests that
    read it."""
    runs: dict[str, Run] = {}

    def run(case: Case) -> Run:
        if case.id not in runs:
            # projects sit two folders down, so a name with '../' still lands in scratch space
            root = tmp_path_factory.mktemp(case.id) / "a" / "project"
            shutil.copytree(good_project(case.good_files), root, symlinks=True)
            runs[case.id] = _run(case, root)
        return runs[case.id]

    return run


def _params(which: str):
    """Each case, in the test worker its other test runs in (they read one run)."""
    for case in CASES:
        reason = case.safety_bug if which == "safety" else case.message_bug
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, id=case.id,
                           marks=[*marks, pytest.mark.xdist_group(f"bad-input-{case.id}")])


@pytest.mark.parametrize("case", list(_params("safety")))
def test_bad_input_exits_with_its_code_without_a_traceback_and_keeps_every_output(case,
                                                                                  run_case):
    run = run_case(case)
    assert run.returncode is not None, f"no exit within {case.timeout} s: {run.stderr[-500:]}"
    assert "Traceback" not in run.stderr + run.stdout, run.stderr[-2000:]
    assert run.returncode == case.exit, run.stderr
    assert run.after == run.before, "a previous output changed or disappeared"
    assert not run.leftovers
    assert not run.created, f"the input ran code: {run.created} exist"
    if case.max_seconds is not None:
        assert run.seconds < case.max_seconds


@pytest.mark.parametrize("case", list(_params("message")))
def test_bad_input_is_one_printable_line_naming_its_file_line_and_field(case, run_case):
    run = run_case(case)
    lines = problem_lines(run.stderr)
    assert len(lines) == 1, run.stderr
    line, = lines
    assert line.isprintable(), f"control characters echoed: {line!r}"
    assert line.startswith(case.prefix), f"\n{line}\n{case.prefix}"
    for words in case.says:
        assert words in line, line
    if case.pattern is not None:
        assert re.match(case.pattern, line), line


# ------------------------------------------------ data is literal, in process

MARKUP = [
    "# Not a heading", "## Nor this", "**not strong** and *not em* and _not em_",
    "`not code` and ```not a fence```", "[not a link](https://example.org)",
    "<https://example.org/autolink>", "![not an image](/etc/passwd)", "| a | b |",
    "> not a quote", "- not a list item", "1. not a numbered item", "---",
    "\\*a backslash\\* and a \\", "[x]{.status} and [y]{.em}", "::: warning",
    "{.caption} and {#id}", "&amp; &#60; &lt; &nbsp; &#x41;", "<b>bold?</b> <i>italic?</i>",
    "<script>alert(1)</script>", "<!-- a comment -->", '<img src="/etc/passwd"/>',
    '<font color="red">red?</font>', '<a href="file:///etc/passwd">passwd</a>',
    '<onDraw name="x"/>', "<para>a para</para>", "<br/> and <br>", '<link href="x">x</link>',
    '<seq id="s"/> and <greek>a</greek>', "<span style='color:red'>html</span>",
    "{{ 7*7 }}", "{% if true %}yes{% endif %}", "{# a Jinja comment #}",
]


def brief_with(text: str) -> dict:
    """The minimal brief with ``text`` as its title, summary, body, point, caption and cell."""
    brief = minimal_brief(title=text, summary=[text])
    section = brief["sections"][0]
    section["body"] = [text]
    section["points"] = [{"text": text}]
    section["tables"][0]["caption"] = text
    section["tables"][0]["rows"][0][0] = text
    return brief


def docx_texts(data: bytes) -> tuple[list[str], list[str]]:
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return paragraphs, cells


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_facts(data: bytes) -> tuple[str, int, int]:
    """The PDF's text (whitespace removed), its images and its link annotations."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    text, images, links = "", 0, 0
    for page in reader.pages:
        text += page.extract_text()
        resources = page["/Resources"].get_object()
        objects = resources["/XObject"].get_object() if "/XObject" in resources else {}
        images += sum(1 for x in objects.values() if x.get_object().get("/Subtype") == "/Image")
        annotations = page["/Annots"].get_object() if "/Annots" in page else []
        links += sum(1 for a in annotations if a.get_object().get("/Subtype") == "/Link")
    return squeeze(text), images, links


@pytest.fixture(scope="module")
def plain_pdf(tmp_path_factory) -> tuple[str, int, int]:
    path = tmp_path_factory.mktemp("plain") / "plain.yaml"
    path.write_text(yaml.safe_dump(brief_with("plain words")), encoding="utf-8")
    return pdf_facts(render_bytes(path, "analytical", "pdf"))


@pytest.mark.parametrize("text", MARKUP)
def test_markup_in_every_text_field_prints_literally_in_docx_and_pdf(write_brief, plain_pdf,
                                                                     text):
    path = write_brief(brief_with(text))
    paragraphs, cells = docx_texts(render_bytes(path, "analytical", "docx"))
    assert paragraphs.count(text) >= 4, paragraphs      # the title, summary, body and point
    assert f"Table 1: {text}" in paragraphs
    assert text in cells
    pdf_text, images, links = pdf_facts(render_bytes(path, "analytical", "pdf"))
    assert pdf_text.count(squeeze(text)) >= 6, pdf_text   # and the caption and the cell
    assert images == 0 and images == plain_pdf[1]
    assert links == plain_pdf[2]


def test_jinja_syntax_in_data_is_printed_and_never_evaluated(write_brief):
    path = write_brief(brief_with("{{ 7*7 }} {{ brief.organisation }} {% raw %}"))
    paragraphs, cells = docx_texts(render_bytes(path, "analytical", "docx"))
    docx_text = "\n".join(paragraphs + cells)
    pdf_text, _, _ = pdf_facts(render_bytes(path, "analytical", "pdf"))
    for text in (docx_text, pdf_text):
        assert squeeze("{{ 7*7 }} {{ brief.organisation }} {% raw %}") in squeeze(text)
        assert "49" not in text


SCRIPTS = {
    "hebrew": "שלום עולם, זהו תקציר",
    "chinese": "中华人民共和国国防部",
    "japanese": "日本語のテキストです",
    "korean": "한국어 텍스트입니다",
    "mixed": "Beijing 北京 and ירושלים and Москва",
}
ARABIC = "مرحبا بالعالم"


ARABIC_IN_PDF = pytest.mark.xfail(
    strict=True, raises=GlyphError,
    reason="GlyphError U+0645: only DejaVu Sans has Arabic, in its upright faces; "
           "fonts.family_coverage() needs all four styles, so no family qualifies (and "
           "ReportLab would not shape it)")


def _scripts():
    for fmt in ("docx", "pdf"):
        for name, text in SCRIPTS.items():
            yield pytest.param(text, fmt, id=f"{name}-{fmt}")
        yield pytest.param(ARABIC, fmt, id=f"arabic-{fmt}",
                           marks=[ARABIC_IN_PDF] if fmt == "pdf" else [])


@pytest.mark.parametrize(("text", "fmt"), list(_scripts()))
def test_right_to_left_and_cjk_text_renders_and_is_in_the_docx_text(write_brief, text, fmt):
    path = write_brief(brief_with(text))
    data = render_bytes(path, "analytical", fmt)
    if fmt == "docx":
        paragraphs, cells = docx_texts(data)
        assert text in paragraphs and text in cells
    else:
        assert data.startswith(b"%PDF")


@pytest.mark.xfail(strict=True, reason="ReportLab lays Hebrew out left to right in logical "
                                       "order (no bidi), so the PDF shows every Hebrew word "
                                       "mirrored")
def test_hebrew_is_laid_out_right_to_left_in_the_pdf(write_brief):
    import pdfplumber

    brief = minimal_brief()
    brief["sections"][0]["points"][0]["text"] = "שלום"
    data = render_bytes(write_brief(brief), "analytical", "pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        x = {c["text"]: c["x0"] for c in pdf.pages[0].chars if c["text"] in "שלום"}
    assert x["ש"] > x["ם"], "the first letter must be the rightmost"


def test_a_one_megabyte_paragraph_is_refused_by_max_text_chars(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["points"][0]["text"] = ("Lorem ipsum dolor sit amet. " * 40000)[:1_000_000]
    path = write_brief(brief)
    with pytest.raises(DataError) as caught:
        briefgen.load_brief(path)
    message, = map(str, caught.value.problems)
    assert re.match(rf"{re.escape(str(path))}:\d+:11: sections\[0\]\.points\[0\]\.text: found "
                    r"1000000 characters, expected at most 100000 \(limits: max_text_chars\)$",
                    message), message


def test_a_word_of_exactly_max_text_chars_renders_in_both_formats(write_brief):
    word = "abcdefghij" * 10_000
    brief = minimal_brief()
    brief["sections"][0]["points"][0]["text"] = word
    path = write_brief(brief)
    paragraphs, _ = docx_texts(render_bytes(path, "analytical", "docx"))
    assert any(p.startswith(word) for p in paragraphs)
    pdf_text, _, _ = pdf_facts(render_bytes(path, "analytical", "pdf"))
    # the word runs over some 23 pages: drop each page's header and footer between them
    assert word in re.sub(r"OFFICIAL|Testbrief|TestInstitute|Page\d+of\d+", "", pdf_text)


def test_a_word_one_character_over_max_text_chars_is_refused(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["points"][0]["text"] = "x" * 100_001
    with pytest.raises(DataError, match=r"sections\[0\]\.points\[0\]\.text: found 100001 "
                                        r"characters, expected at most 100000"):
        briefgen.load_brief(write_brief(brief))


def test_a_table_of_ten_thousand_rows_is_refused_by_max_table_rows(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"] = [[f"Row {i}", "Confirmed"] for i in range(10_000)]
    path = write_brief(brief)
    with pytest.raises(DataError) as caught:
        briefgen.load_brief(path)
    message, = map(str, caught.value.problems)
    where = at(path.read_text(encoding="utf-8"), "- - Row 0")
    assert message.startswith(f"{path}:{where}: sections[0].tables[0].rows: found 10000 rows, "
                              "expected at most 5000 (limits: max_table_rows)"), message


def test_a_table_cell_taller_than_a_page_is_a_clear_render_error_in_the_pdf(write_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"][0]["rows"][0][0] = "word " * 5000
    path = write_brief(brief)
    assert render_bytes(path, "analytical", "docx").startswith(b"PK")   # Word can split it
    with pytest.raises(RenderError) as caught:
        render_bytes(path, "analytical", "pdf")
    assert not isinstance(caught.value, GlyphError)
    message, = map(str, caught.value.problems)
    assert message.endswith("Analytical brief: a table cell is taller than a page and cannot "
                            f'be split: table 1 ("Table 1: A table"), row 1, column 1 ({WORDS}); '
                            "shorten it or split it into several rows or paragraphs"), message
    assert "LayoutError" not in message


# ------------------------------------------------------------ the render time limit

def test_a_render_over_the_time_limit_names_its_file_once():
    with pytest.raises(RenderError) as caught:
        with time_limit(0.05, BRIEF, "the executive brief"):
            while True:
                pass
    message, = map(str, caught.value.relocated(BRIEF).problems)
    assert message == (f"{BRIEF}: rendering the executive brief took longer than 0.05 s "
                       "(limits: max_render_seconds); a template may loop without end, or "
                       "the data is too large")


def test_a_format_over_what_is_left_of_the_time_limit_quotes_the_limit():
    with pytest.raises(RenderError) as caught:
        with time_limit(0.05, BRIEF, "the public PDF", limit=120):
            while True:
                pass
    message, = map(str, caught.value.relocated(BRIEF).problems)
    assert message.startswith(f"{BRIEF}: rendering the public PDF took longer than 120 s "
                              "(limits: max_render_seconds)")

