"""Shared fixtures: the seed brief, a project built once per session, brief writers, and
the command line run in this process or as a real one."""

from __future__ import annotations

import gc
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import briefgen
from briefgen.build.builder import build
from briefgen.cli import main
from briefgen.files import TEMP_MARKER
from briefgen.project import Project
from briefgen.renderers import extension_for, formats

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "russia-china-taiwan.yaml"
AUDIENCES = ("executive", "analytical", "public")


def outputs_of_a_brief() -> int:
    """How many files a build writes for a brief of every audience: one per audience and
    format in effect."""
    return len(AUDIENCES) * len(formats())


def output_suffixes() -> tuple[str, ...]:
    """The suffixes of the files the formats in effect write (the build's own aside)."""
    return tuple(extension_for(fmt) for fmt in formats())


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory) -> Path:
    """The tests' own user cache (never the developer's), shared by the whole session so
    that both its misses and its hits are exercised; command-line runs inherit it."""
    folder = tmp_path_factory.mktemp("user-cache") / "briefgen"   # made, and tagged, by briefgen
    previous = os.environ.get("BRIEFGEN_CACHE_DIR")
    os.environ["BRIEFGEN_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("BRIEFGEN_CACHE_DIR", None)
    else:
        os.environ["BRIEFGEN_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def seed_data() -> dict:
    """The seed brief as plain YAML data, for tests that derive variants of it."""
    with SEED.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The seed project built once (every audience and format); returns its out/ folder."""
    root = tmp_path_factory.mktemp("seed-project")
    shutil.copytree(ROOT / "data", root / "data")
    report = build(Project.at(root))
    assert report.ok, [str(f) for f in report.failures]
    return root / "out" / "russia-china-taiwan"


@pytest.fixture
def write_brief(tmp_path):
    """Write a brief file from a dict (dumped as YAML) or from YAML text; return its path."""

    def write(content, name: str = "brief.yaml") -> Path:
        path = tmp_path / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
        return path

    return write


def minimal_brief(**overrides) -> dict:
    """The smallest valid brief, with one table that has a status column."""
    brief = {
        "title": "Test brief",
        "edition": "2026-01-15",
        "organisation": "Test Institute",
        "authors": [{"name": "A. Analyst"}],
        "marking": "OFFICIAL",
        "default_audiences": ["executive", "analytical", "public"],
        "summary": ["A summary paragraph."],
        "statuses": {"Confirmed": "#B3261E", "Underway": "#A15C00"},
        "sources": [{"id": "src", "title": "A source", "publisher": "A publisher"}],
        "sections": [{
            "kind": "findings",
            "title": "Findings",
            "body": ["Body text."],
            "points": [{"text": "A point.", "sources": ["src"]}],
            "tables": [{
                "id": "t1",
                "caption": "A table",
                "columns": ["Name", {"name": "Status", "status": True}],
                "rows": [["Row one", "Confirmed"], ["Row two", "Underway"]],
            }],
        }],
    }
    brief.update(overrides)
    return brief


def render_bytes(path: Path, audience: str, fmt: str) -> bytes:
    return briefgen.render(briefgen.load_brief(path), audience, fmt)


def run_cli(*args: str, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    """``python -m briefgen ARGS`` in ``cwd`` as a real process, as a user would run it:
    for what only a process shows (signals, exit on a kill, its own imports)."""
    return subprocess.run([sys.executable, "-m", "briefgen", *args], check=False, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def run_in_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``briefgen ARGS`` in ``cwd``, in this process through the command line's own entry
    point: the exit code, stdout and stderr a user gets, without a new interpreter's
    imports.  A failure briefgen did not foresee shows as a traceback on stderr, as it
    would from a process."""
    with process_state_kept(cwd):
        result = CliRunner().invoke(main, list(args), prog_name="briefgen",
                                    catch_exceptions=True)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (in process):\n" + "".join(
            traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["briefgen", *args], result.exit_code, result.stdout,
                                       stderr)


@contextmanager
def process_state_kept(cwd: Path):
    """Run a command in ``cwd`` and give the test process back as it was: the folder, the
    stop handlers the command line installs and the collector a build freezes are put
    back; the memory bound, the alarm and the signal mask a render sets for itself must
    already be, or the command leaked them."""
    folder = os.getcwd()
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    before = _bounds()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(folder)
        for number, handler in handlers.items():
            signal.signal(number, handler)
        gc.unfreeze()
    assert _bounds() == before, "the command left a bound of its render on the process"


def _bounds() -> tuple:
    """What a render changes in its process for its duration only."""
    return (resource.getrlimit(resource.RLIMIT_DATA), signal.getsignal(signal.SIGALRM),
            signal.getitimer(signal.ITIMER_REAL),
            signal.pthread_sigmask(signal.SIG_BLOCK, ()))


def temporary_files(folder: Path) -> list[str]:
    """briefgen's own temporary files under ``folder``: a run that ended, however it
    ended, leaves none."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob(f"*{TEMP_MARKER}*"))


def problem_lines(stderr: str) -> list[str]:
    """The error lines of stderr ('file[:line[:col]]: ...'), not progress or summary lines."""
    return [line for line in stderr.splitlines()
            if re.match(r"[^\s:]+(:\d+)*: ", line) and not line.startswith("warning:")]


def public_back_matter(root: Path, body: str) -> None:
    """A project template extending the built-in public one, its back matter replaced by
    ``body`` (which starts on the template's line 3)."""
    write_files(root, {"templates/public.md.j2": '{% extends "builtin/public.md.j2" %}\n'
                                                 "{% block back_matter %}\n" + body +
                                                 "{% endblock %}\n"})


def write_files(root: Path, files: dict) -> None:
    """Write text or bytes files under ``root``, making folders as needed."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
