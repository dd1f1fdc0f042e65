"""The hostile and unlucky inputs suite: shared set-up and the assertions every case makes.

Each case builds a project beside a *sibling* folder full of files that are not
briefgen's, runs briefgen (in this process through the command line's own entry
point, or as a real process where signals, memory or the CLI itself are tested), and
asserts:

* the exit code;
* one clean message naming the file (and line and field where there is one), and no
  traceback;
* that the sibling folder, and everything else outside the project and its output
  folder, is byte-for-byte as it was;
* that the previous good outputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, minimal_brief, run_cli, run_in_process, write_files

__all__ = ["Project", "Result", "copy_into", "minimal_brief", "run_cli", "snapshot",
           "write_files"]


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder`` (links not followed): its kind, mode and content hash."""
    found: dict[str, tuple] = {}
    if not folder.exists() and not folder.is_symlink():
        return found
    for path in sorted([folder, *folder.rglob("*")]):
        info = os.lstat(path)
        name = path.relative_to(folder).as_posix()
        if stat.S_ISLNK(info.st_mode):
            found[name] = ("link", os.readlink(path))
        elif stat.S_ISREG(info.st_mode):
            found[name] = ("file", stat.S_IMODE(info.st_mode),
                           hashlib.sha256(path.read_bytes()).hexdigest())
        elif stat.S_ISDIR(info.st_mode):
            found[name] = ("folder", stat.S_IMODE(info.st_mode))
        else:
            found[name] = ("other", stat.S_IFMT(info.st_mode))
    return found


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def problems(self) -> list[str]:
        """The message lines of stderr: 'file[:line[:col]]: ...', not progress or summary."""
        return [line for line in self.stderr.splitlines()
                if re.match(r"\S[^:]*(:\d+)*: ", line) and not line.startswith("warning:")]

    def assert_clean(self, code: int, *expected: str) -> None:
        """Exit ``code``, no traceback, and each of ``expected`` (regular expressions) found
        in one problem line."""
        output = self.stdout + self.stderr
        assert "Traceback" not in output, output
        assert self.code == code, (self.code, output)
        for pattern in expected:
            assert any(re.search(pattern, line) for line in self.problems), \
                (pattern, self.problems, output)


class Project:
    """A brief project in ``tmp/project`` beside ``tmp/sibling`` (files that are not
    briefgen's, which no case may change)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.root = tmp / "project"
        self.sibling = tmp / "sibling"
        self.out = self.root / "out"
        write_files(self.sibling, {"notes.txt": "a user's notes\n", ".draft.tmp": "a draft\n",
                                   "docs/report.docx": b"PK\x03\x04 not ours",
                                   "docs/.x.pdf.tmp": "someone else's temporary file\n"})
        self.root.mkdir()
        self._sibling_before = snapshot(self.sibling)

    # ----------------------------------------------------------- writing inputs
    def brief(self, name: str = "brief.yaml", content: dict | str | None = None,
              **overrides) -> Path:
        """A brief file in data/: the minimal brief with ``overrides``, or ``content``."""
        if content is None:
            content = minimal_brief(**overrides)
        text = content if isinstance(content, str) else yaml.safe_dump(
            content, allow_unicode=True, sort_keys=False)
        return self.write(f"data/{name}", text)

    def write(self, name: str, content: str | bytes) -> Path:
        write_files(self.root, {name: content})
        return self.root / name

    # -------------------------------------------------------------- running
    def run(self, *args: str) -> Result:
        """``briefgen ARGS`` in the project, in this process (through click)."""
        done = run_in_process(*args, cwd=self.root)
        return Result(done.returncode, done.stdout, done.stderr)

    def process(self, *args: str, timeout: int = 120) -> Result:
        """``python -m briefgen ARGS`` as a real process in the project."""
        done = run_cli(*args, cwd=self.root, timeout=timeout)
        return Result(done.returncode, done.stdout, done.stderr)

    def build(self, *args: str) -> Result:
        return self.run("build", "--jobs", "1", *args)

    # ------------------------------------------------------------ checking
    def outputs(self) -> dict[str, tuple]:
        return snapshot(self.out)

    def assert_sibling_untouched(self) -> None:
        assert snapshot(self.sibling) == self._sibling_before


@pytest.fixture
def project(tmp_path) -> Project:
    """A fresh project beside a sibling folder; the sibling is checked after the test."""
    made = Project(tmp_path)
    yield made
    made.assert_sibling_untouched()


@pytest.fixture(scope="session")
def built_once(tmp_path_factory):
    """Projects built once per test worker: ``built_once(make)`` returns a project made by
    ``make(project)`` (which builds it), made the first time it is asked for.  A case
    starts from a copy (``copy_into``): outputs are the same bytes in any folder."""
    made: dict = {}

    def get(make) -> Project:
        if make not in made:
            made[make] = Project(tmp_path_factory.mktemp(make.__name__))
            make(made[make])
        return made[make]

    return get


def copy_into(project: Project, built: Project) -> Project:
    """``project`` holding what ``built``'s project folder holds, outputs included."""
    shutil.copytree(built.root, project.root, dirs_exist_ok=True, symlinks=True)
    return project


def the_seed_built(project: Project) -> None:
    shutil.copytree(ROOT / "data", project.root / "data")
    project.build().assert_clean(0)


@pytest.fixture
def seed_project(project, built_once) -> Project:
    """The project holding the seed brief, built: its outputs are the previous good ones
    every case must keep."""
    return copy_into(project, built_once(the_seed_built))
