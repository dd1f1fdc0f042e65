"""The command line end to end, in a scratch project: files written, exit codes, safety.

A few runs are real processes (``python -m briefgen``, as a user types it); the rest run
the same entry point in this process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.renderers import formats

from .conftest import AUDIENCES, ROOT, public_back_matter, run_in_process, temporary_files

BRIEF = "russia-china-taiwan"


def process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m briefgen ARGS`` as a real process."""
    return subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``briefgen ARGS`` in this process."""
    return run_in_process(*args, cwd=cwd)


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def outputs(root: Path) -> dict[str, bytes]:
    """The documents under out/ (not the manifest, lock or data copies briefgen keeps)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "out").rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_build_with_no_arguments_writes_every_audience_in_every_format(project):
    result = process("build", cwd=project)
    assert result.returncode == 0, result.stderr
    expected = {f"out/{BRIEF}/{BRIEF}-{a}.{f}" for a in AUDIENCES for f in formats()}
    assert set(outputs(project)) == expected
    documents = outputs(project)
    assert documents[f"out/{BRIEF}/{BRIEF}-public.docx"].startswith(b"PK\x03\x04")
    assert documents[f"out/{BRIEF}/{BRIEF}-public.pdf"].startswith(b"%PDF")


def test_options_narrow_the_build_to_audiences_formats_and_folder(project):
    result = run("build", f"data/{BRIEF}.yaml", "--audience", "public", "--format", "pdf",
                 "--out", "elsewhere", cwd=project)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (project / "elsewhere").rglob("*.*")
            if not p.name.startswith(".")] == [f"{BRIEF}-public.pdf"]


def test_usage_errors_exit_2(project):
    assert process("build", "--format", "odt", cwd=project).returncode == 2
    unknown = process("build", "--audience", "ministers", cwd=project)
    assert unknown.returncode == 2 and "unknown audience 'ministers'" in unknown.stderr


def test_a_data_error_exits_1_and_leaves_the_previous_output_untouched(project):
    assert run("build", cwd=project).returncode == 0
    before = outputs(project)
    data = project / "data" / f"{BRIEF}.yaml"
    lines = data.read_text(encoding="utf-8").splitlines()
    line = lines.index("marking: OFFICIAL-SENSITIVE") + 1
    lines[line - 1] = "marking: NO"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = process("build", cwd=project)
    assert result.returncode == 1
    assert f"data/{BRIEF}.yaml:{line}:10: marking: found unquoted NO" in result.stderr
    assert "Traceback" not in result.stderr
    assert outputs(project) == before
    assert temporary_files(project / "out") == []


def test_one_failing_brief_does_not_stop_the_others(project):
    (project / "data" / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = run("build", "--format", "docx", cwd=project)
    assert result.returncode == 1
    assert "broken.yaml:2:1: YAML syntax" in result.stderr
    assert (project / "out" / BRIEF / f"{BRIEF}-analytical.docx").is_file()


def test_validate_reports_problems_one_per_line_and_exits_1(project):
    bad = project / "data" / "bad.yaml"
    bad.write_text("title: NO\ncolour: red\n", encoding="utf-8")
    result = run("validate", str(bad), cwd=project)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{bad}:1:8: title: found unquoted NO, which YAML reads as a boolean (false), " \
           "expected text: put it in quotes" in lines
    assert any(line.startswith(f"{bad}:2:1: colour: found the unknown key 'colour'")
               for line in lines)
    assert run("validate", cwd=ROOT).returncode == 0


def test_schema_prints_a_json_schema_of_the_format(project):
    import json

    result = run("schema", cwd=project)
    schema = json.loads(result.stdout)
    assert result.returncode == 0
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"title", "sections", "sources", "statuses"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_the_committed_schema_file_is_current():
    import json

    from briefgen.data.model import json_schema

    committed = json.loads((ROOT / "briefgen.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: briefgen schema > briefgen.schema.json"


def test_a_template_error_exits_1_naming_the_template_line_and_keeps_outputs(project):
    assert run("build", "--audience", "public", cwd=project).returncode == 0
    before = outputs(project)
    public_back_matter(project, "{{ brief.sumary }}\n")
    result = run("build", "--audience", "public", cwd=project)
    assert result.returncode == 1
    assert ("templates/public.md.j2:3: brief.sumary: the Brief model has no field 'sumary' "
            "(did you mean 'summary'?)") in result.stderr
    assert "Traceback" not in result.stderr
    assert outputs(project) == before
