"""The user cache: it only ever speeds things up, never changes an output or hides an error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefgen import cache
from briefgen.build.builder import build
from briefgen.project import Project
from briefgen.project import fonts

from .conftest import ROOT, output_suffixes, outputs_of_a_brief, public_back_matter, \
    run_in_process

OUTPUTS = ("executive", "analytical", "public")


def fresh_process_state() -> None:
    """Forget what this process computed, as a new process would."""
    fonts._COVERAGE.clear()
    fonts._FAMILY_COVERAGE.clear()
    from briefgen.renderers.docx import styles as docxstyle

    docxstyle._styled_template.cache_clear()
    docxstyle._pristine.cache_clear()


def seed_project(root: Path) -> Path:
    shutil.copytree(ROOT / "data", root / "data")
    return root


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.rglob("*.*")) if p.suffix in
            output_suffixes()}


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(folder))
    fresh_process_state()
    yield folder
    fresh_process_state()


def test_outputs_are_byte_identical_with_the_cache_off_empty_and_full(tmp_path, cache_dir,
                                                                       monkeypatch):
    project = seed_project(tmp_path / "project")
    results = {}
    for run, setting in (("off", "off"), ("empty", str(cache_dir)), ("full", str(cache_dir))):
        monkeypatch.setenv("BRIEFGEN_CACHE_DIR", setting)
        fresh_process_state()
        report = build(Project.at(project, project / f"out-{run}"))
        assert report.ok and len(report.written) == outputs_of_a_brief()
        results[run] = outputs(project / f"out-{run}")
    assert len(results["off"]) == outputs_of_a_brief()
    assert results["off"] == results["empty"] == results["full"]
    kinds = {p.name for p in cache_dir.iterdir()}
    assert {"docx-template", "template-check", "template-refs", "font-coverage", "file-hash",
            "jinja"} <= kinds


def test_the_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    fresh_process_state()
    project = seed_project(tmp_path / "project")
    assert build(Project.at(project)).ok
    assert cache.directory() is None
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_the_default_location_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.directory() == tmp_path / "xdg" / "briefgen"


def test_a_damaged_entry_is_ignored_and_rewritten(cache_dir):
    cache.put("kind", "ab" * 32, b"payload")
    [entry] = (cache_dir / "kind").rglob("abab*")
    assert cache.get("kind", "ab" * 32) == b"payload"
    entry.write_bytes(entry.read_bytes()[:-1] + b"X")
    assert cache.get("kind", "ab" * 32) is None
    entry.write_bytes(b"short")
    assert cache.get("kind", "ab" * 32) is None
    cache.put("kind", "ab" * 32, b"payload")
    assert cache.get("kind", "ab" * 32) == b"payload"


def test_damaged_entries_everywhere_still_give_the_same_outputs(tmp_path, cache_dir):
    project = seed_project(tmp_path / "project")
    assert build(Project.at(project, project / "first")).ok
    for entry in cache_dir.rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"\0" * 40 + entry.read_bytes()[40:])
    fresh_process_state()
    assert build(Project.at(project, project / "second")).ok
    assert outputs(project / "first") == outputs(project / "second")


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(blocker))
    fresh_process_state()
    project = seed_project(tmp_path / "project")
    result = run_in_process("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert len(list((project / "out").rglob("*.pdf"))) == 3


def test_a_template_that_passed_the_check_is_checked_again_once_it_changes(tmp_path,
                                                                           cache_dir):
    project = seed_project(tmp_path / "project")
    assert run_in_process("build", "--audience", "public", cwd=project).returncode == 0
    public_back_matter(project, "{{ brief.no_such_field }}\n")
    result = run_in_process("build", "--audience", "public", cwd=project)
    assert result.returncode == 1
    assert "public.md.j2:3" in result.stderr and "no_such_field" in result.stderr


def test_no_home_folder_means_no_cache_not_a_failure(monkeypatch):
    monkeypatch.delenv("BRIEFGEN_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache.directory() is None
    assert cache.get("kind", "ab" * 32) is None
    cache.put("kind", "ab" * 32, b"payload")   # nothing to write to, and no error


@pytest.mark.parametrize("unsafe", ["others-may-write", "a-link"])
def test_a_cache_folder_others_could_write_to_is_not_used(tmp_path, monkeypatch, unsafe):
    """It would hold compiled templates, which are code."""
    target = tmp_path / "target"
    target.mkdir(mode=0o700)
    if unsafe == "others-may-write":
        folder = target
        folder.chmod(0o777)
    else:
        folder = tmp_path / "link"
        folder.symlink_to(target)
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(folder))
    fresh_process_state()
    assert cache.directory() is None
    project = seed_project(tmp_path / "project")
    assert build(Project.at(project)).ok
    assert list(target.iterdir()) == []


def test_a_new_cache_folder_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(tmp_path / "new" / "cache"))
    assert cache.directory() == tmp_path / "new" / "cache"
    assert (tmp_path / "new" / "cache").stat().st_mode & 0o777 == 0o700


def test_compiled_templates_that_cannot_be_written_or_read_back_are_misses(
        tmp_path, cache_dir, monkeypatch):
    import jinja2

    def refuse(self, bucket):
        raise PermissionError("read-only cache")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", refuse)
    project = seed_project(tmp_path / "project")
    assert build(Project.at(project, project / "first")).ok
    monkeypatch.undo()
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(cache_dir))
    fresh_process_state()
    assert build(Project.at(project, project / "second")).ok    # writes the bytecode now
    compiled = list((cache_dir / "jinja").rglob("__jinja2_*"))
    assert compiled
    for entry in compiled:
        data = entry.read_bytes()
        entry.write_bytes(data[:len(data) // 2])   # valid header, truncated code
    fresh_process_state()
    assert build(Project.at(project, project / "third")).ok
    assert outputs(project / "first") == outputs(project / "third")


def test_fonts_are_found_with_no_home_folder(monkeypatch):
    def no_home(self):
        if str(self).startswith("~"):
            raise RuntimeError("Could not determine home directory.")
        return self

    monkeypatch.setattr(Path, "expanduser", no_home)
    folders = fonts.search_dirs()
    assert Path("/usr/share/fonts") in folders
    assert not any(str(folder).startswith("~") for folder in folders)


def test_the_cache_command_shows_and_clears_the_cache(tmp_path, cache_dir):
    project = seed_project(tmp_path / "project")
    assert run_in_process("build", cwd=project).returncode == 0
    shown = run_in_process("cache", cwd=project)
    assert shown.returncode == 0 and shown.stdout.startswith(f"{cache_dir}: ")
    entries = int(shown.stdout.split(": ")[1].split()[0])
    assert entries > 10
    cleared = run_in_process("cache", "--clear", cwd=project)
    assert cleared.stdout.startswith(f"removed {entries} entries")
    assert cache_dir.is_dir() and [p.name for p in cache_dir.iterdir()] == [cache.TAG]
    assert run_in_process("build", "--force", cwd=project).returncode == 0   # and fills it again
    assert len(list(cache_dir.iterdir())) > 1


def test_clearing_a_folder_briefgen_did_not_make_removes_nothing(tmp_path, monkeypatch):
    """BRIEFGEN_CACHE_DIR may name a folder of the user's, even one holding a folder of a
    cache kind's name: without briefgen's tag, nothing in it is ever removed."""
    folder = tmp_path / "mine"
    (folder / "jinja").mkdir(parents=True, mode=0o700)
    folder.chmod(0o700)
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    (folder / "jinja" / "mine.j2").write_text("keep me too", encoding="utf-8")
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(folder))
    fresh_process_state()
    assert build(Project.at(seed_project(tmp_path / "project"))).ok
    assert cache.clear() == (0, 0)
    assert (folder / "notes.txt").is_file() and (folder / "jinja" / "mine.j2").is_file()
    assert "nothing was removed" in run_in_process("cache", "--clear", cwd=tmp_path).stdout


def test_clearing_briefgens_own_folder_removes_only_its_entries(tmp_path, monkeypatch):
    folder = tmp_path / "made"
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(folder))
    fresh_process_state()
    assert build(Project.at(seed_project(tmp_path / "project"))).ok
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    count, _ = cache.clear()
    assert count > 10
    assert sorted(p.name for p in folder.iterdir()) == [cache.TAG, "notes.txt"]


def test_a_cache_under_a_folder_others_may_change_is_not_used(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)            # anyone may rename or replace what is inside
    monkeypatch.setenv("BRIEFGEN_CACHE_DIR", str(shared / "cache"))
    assert cache.directory() is None
    shared.chmod(0o1777)           # sticky, as /tmp is: only owners may
    assert cache.directory() == shared / "cache"
