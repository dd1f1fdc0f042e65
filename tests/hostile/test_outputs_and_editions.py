"""Hostile and unlucky builds: the output folder, the manifest, editions and the disk.

Organised by the rule each class breaks: never touch what is not briefgen's, never lose
a previous good output, and every failure is one clear message while the run goes on.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from briefgen.project import Project as BriefProject
from briefgen.build.builder import build
from briefgen.errors import BriefgenError
from briefgen.renderers import formats
from tests.conftest import AUDIENCES, ROOT, output_suffixes, outputs_of_a_brief
from tests.hostile.conftest import snapshot

SEED_ID = "russia-china-taiwan"
MANIFEST = ".briefgen-manifest.json"


def manifest_of(project) -> dict:
    return json.loads((project.out / MANIFEST).read_text())


def bump_edition(path: Path, edition: str = "2027-01-10") -> None:
    text = path.read_text()
    lines = [f"edition: {edition}" if line.startswith("edition:") else line
             for line in text.splitlines()]
    path.write_text("\n".join(lines) + "\n")


# ------------------------------------------------- never touch what is not briefgen's

class TestTheManifestIsUntrusted:
    def test_an_output_path_pointing_elsewhere_never_moves_that_file(self, seed_project):
        victim = seed_project.sibling / "notes.txt"
        manifest = manifest_of(seed_project)
        record = manifest["briefs"][f"data/{SEED_ID}.yaml"]
        record["outputs"]["executive/pdf"]["path"] = os.path.relpath(victim, seed_project.out)
        (seed_project.out / MANIFEST).write_text(json.dumps(manifest))
        bump_edition(seed_project.root / "data" / f"{SEED_ID}.yaml")
        result = seed_project.build()
        result.assert_clean(0)
        assert "damaged" in result.stderr and MANIFEST in result.stderr
        assert victim.read_text() == "a user's notes\n"

    @pytest.mark.parametrize("edition", ["../../../x", "/tmp/x", "2026-11-24/../..", "x"])
    def test_an_edition_that_is_not_a_date_never_archives_outside(self, seed_project, edition):
        manifest = manifest_of(seed_project)
        manifest["briefs"][f"data/{SEED_ID}.yaml"]["edition"] = edition
        (seed_project.out / MANIFEST).write_text(json.dumps(manifest))
        bump_edition(seed_project.root / "data" / f"{SEED_ID}.yaml")
        before = snapshot(seed_project.tmp)
        seed_project.build().assert_clean(0)
        outside = {k: v for k, v in snapshot(seed_project.tmp).items()
                   if not k.startswith("project")}
        assert outside == {k: v for k, v in before.items() if not k.startswith("project")}

    @pytest.mark.parametrize("content", [
        "[]", "{}", '{"format": 1}', '{"format": 1, "briefs": []}', "null", "not json",
        '{"format": 1, "briefs": {"data/x.yaml": {"id": "x"}}}',
        '{"format": 1, "briefs": {}, "extra": 1}', '{"format": "1", "briefs": {}}',
        '{"format": 2, "briefs": {}}', "\xff\xfe", '{"format": 1, "briefs": {"a": []}}'])
    def test_a_manifest_of_any_wrong_shape_is_a_warning_and_a_full_rebuild(self, seed_project,
                                                                          content):
        before = seed_project.outputs()
        (seed_project.out / MANIFEST).write_text(content, errors="surrogateescape")
        result = seed_project.build()
        result.assert_clean(0)
        assert "warning:" in result.stderr and MANIFEST in result.stderr
        assert f"{outputs_of_a_brief()} file(s)" in result.stderr
        assert seed_project.outputs().keys() == before.keys()
        assert seed_project.build().stderr.count("nothing to do") == 1

    def test_a_manifest_that_is_a_link_is_refused_as_briefgens_own_file(self, seed_project):
        (seed_project.out / MANIFEST).unlink()
        (seed_project.out / MANIFEST).symlink_to(seed_project.sibling / "notes.txt")
        result = seed_project.build()
        result.assert_clean(1, MANIFEST)
        assert (seed_project.sibling / "notes.txt").read_text() == "a user's notes\n"


class TestLeftoversAreOnlyBriefgensOwn:
    def test_a_users_temporary_files_in_the_output_folder_survive_a_build(self, project):
        shutil.copytree(ROOT / "data", project.root / "data")
        docs = project.root / "my-docs"
        for name in (".draft.tmp", ".report.docx.tmp", "sub/.notes.tmp", ".x.briefgen-tmp-zz"):
            project.write(f"my-docs/{name}", "mine\n")
        before = snapshot(docs)
        project.build("--out", "my-docs", "--format", "docx").assert_clean(0)
        after = snapshot(docs)
        assert {k: v for k, v in after.items() if k in before} == before

    def test_the_leftovers_of_a_killed_build_are_removed(self, seed_project):
        folder = seed_project.out / SEED_ID
        leftover = folder / ".russia-china-taiwan-public.pdf.briefgen-tmp-0123456789ab"
        leftover.write_bytes(b"half")
        seed_project.build().assert_clean(0)
        assert not leftover.exists()


class TestLinksAreNeverFollowedOut:
    def test_a_linked_editions_folder_is_refused_and_not_written_through(self, seed_project):
        outside = seed_project.sibling / "docs"
        (seed_project.out / SEED_ID / "editions").symlink_to(outside)
        before = seed_project.outputs()
        bump_edition(seed_project.root / "data" / f"{SEED_ID}.yaml")
        result = seed_project.build()
        result.assert_clean(1, "editions.*link")
        assert seed_project.outputs() == before

    def test_a_brief_folder_that_is_a_link_is_refused(self, project):
        shutil.copytree(ROOT / "data", project.root / "data")
        project.out.mkdir()
        (project.out / SEED_ID).symlink_to(project.sibling)
        result = project.build()
        result.assert_clean(1, f"{SEED_ID}.*link")

    def test_a_data_file_linked_from_outside_the_project_is_refused(self, project):
        outside = project.tmp / "elsewhere" / "brief.yaml"
        outside.parent.mkdir()
        shutil.copy(ROOT / "data" / f"{SEED_ID}.yaml", outside)
        (project.root / "data").mkdir()
        (project.root / "data" / "linked.yaml").symlink_to(outside)
        project.brief("ok.yaml")
        result = project.build("--format", "docx")
        result.assert_clean(1, r"linked\.yaml: .*outside")
        assert (project.out / "ok" / "ok-public.docx").is_file()


# ---------------------------------------------------- never lose a previous good output

class TestPartialBuildsForgetNothing:
    def test_a_build_of_one_audience_keeps_the_others_in_the_manifest(self, seed_project):
        seed_project.build("--force", "--audience", "executive").assert_clean(0)
        outputs = manifest_of(seed_project)["briefs"][f"data/{SEED_ID}.yaml"]["outputs"]
        assert set(outputs) == {f"{a}/{fmt}" for a in AUDIENCES for fmt in formats()}
        assert "nothing to do" in seed_project.build().stderr

    def test_a_build_of_one_format_then_an_edition_archives_every_output(self, seed_project):
        before = seed_project.outputs()
        seed_project.build("--force", "--format", "pdf").assert_clean(0)
        bump_edition(seed_project.root / "data" / f"{SEED_ID}.yaml")
        seed_project.build("--audience", "public").assert_clean(0)
        archived = seed_project.out / SEED_ID / "editions" / "2026-11-24"
        names = sorted(p.name for p in archived.iterdir())
        assert [n for n in names if n.endswith(output_suffixes())] == sorted(
            f"{SEED_ID}-{a}{suffix}" for a in AUDIENCES for suffix in output_suffixes()), names
        for name in names:
            if name.endswith(output_suffixes()) and not name.endswith(".pdf"):   # not rebuilt
                assert before[f"{SEED_ID}/{name}"][2] == snapshot(archived)[name][2], name


class TestIdsAreUniqueBeforeAnythingIsWritten:
    @pytest.mark.parametrize("second", [("brief.yml", {}), ("other.yaml", {"id": "brief"})])
    def test_two_briefs_with_one_id_both_fail_naming_each_other(self, project, second):
        project.brief("brief.yaml")
        name, overrides = second
        project.brief(name, **overrides, title="The other brief")
        result = project.build("--format", "docx")
        result.assert_clean(1, rf"brief\.yaml: id: .*{name}", rf"{name}: id: .*brief\.yaml")
        assert not (project.out / "brief").exists()

    def test_a_new_file_taking_a_built_briefs_id_fails_and_the_built_one_stays(self, project):
        project.brief("brief.yaml")
        project.build("--format", "docx").assert_clean(0)
        before = project.outputs()
        project.brief("zz.yaml", id="brief", title="An impostor")
        result = project.build("--format", "docx")
        result.assert_clean(1, r"zz\.yaml: id: .*brief\.yaml")
        assert project.outputs() == before


class TestPreviousEditions:
    def test_an_old_edition_that_no_longer_loads_is_a_warning_naming_it(self, seed_project):
        seed = seed_project.root / "data" / f"{SEED_ID}.yaml"
        bump_edition(seed)
        seed_project.build().assert_clean(0)
        old = seed_project.out / SEED_ID / "editions" / "2026-11-24" / ".edition.yaml"
        old.write_text(old.read_text().replace("title:", "titel:", 1))
        seed.write_text(seed.read_text().replace("subtitle:", "subtitle: New -", 1))
        result = seed_project.build("--audience", "analytical", "--format", "docx")
        result.assert_clean(0)
        assert "warning:" in result.stderr and "editions/2026-11-24/.edition.yaml" in \
            result.stderr and "what changed" in result.stderr


# ------------------------------------- the transaction: a failure at any step, in turn

STEPS = ("open", "fsync", "replace", "rename", "link", "unlink", "mkdir")


@contextmanager
def failing_at(step: int | None, counter: list):
    """Every file-system step of the build counted; the one numbered ``step`` fails with
    ENOSPC (a full disk)."""
    originals = {name: getattr(os, name) for name in STEPS}

    def wrap(name):
        def call(*args, **kwargs):
            if name == "open" and not (args[1] if len(args) > 1 else kwargs["flags"]) & \
                    os.O_CREAT:
                return originals[name](*args, **kwargs)
            counter.append(name)
            if len(counter) - 1 == step:
                raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))
            return originals[name](*args, **kwargs)
        return call

    for name in STEPS:
        setattr(os, name, wrap(name))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(os, name, original)


def edition_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def editions_case(tmp_path_factory):
    """A small project built at its first edition, and the same project's files at the
    next edition built elsewhere (outputs are byte-identical in any folder)."""
    def project_at(edition: str) -> tuple[Path, dict]:
        root = tmp_path_factory.mktemp(f"edition-{edition}")
        (root / "data").mkdir()
        shutil.copy(ROOT / "data" / f"{SEED_ID}.yaml", root / "data")
        bump_edition(root / "data" / f"{SEED_ID}.yaml", edition)
        report = build(BriefProject.at(root), audiences=["executive", "public"],
                       fmts=["docx"])
        assert report.ok
        return root, edition_files(root / "out" / SEED_ID)

    old_root, old = project_at("2026-11-24")
    _, new = project_at("2027-01-10")
    return old_root, old, new


def test_a_failure_at_every_step_of_an_edition_change_leaves_one_whole_edition(
        editions_case, tmp_path):
    old_root, old, new = editions_case
    counted: list = []
    step, seen = 0, set()
    while True:
        root = tmp_path / f"step-{step}"
        shutil.copytree(old_root, root)
        bump_edition(root / "data" / f"{SEED_ID}.yaml")
        with failing_at(step, counted):
            try:
                report = build(BriefProject.at(root), audiences=["executive", "public"],
                               fmts=["docx"])
                failed = not report.ok
            except BriefgenError:
                failed = True
        if step >= len(counted):
            break                                   # every step has failed once
        seen.add(counted[step])
        in_place = edition_files(root / "out" / SEED_ID)
        assert in_place in (old, new), f"after a failed {counted[step]} (step {step})"
        if not failed:       # a step whose failure briefgen could absorb (mkdir exist_ok)
            assert in_place == new, f"step {step} ({counted[step]})"
        again = build(BriefProject.at(root), audiences=["executive", "public"], fmts=["docx"])
        assert again.ok
        assert edition_files(root / "out" / SEED_ID) == new
        archived = root / "out" / SEED_ID / "editions" / "2026-11-24"
        assert edition_files(archived) == old, f"the archive after step {step}"
        shutil.rmtree(root)
        counted.clear()
        step += 1
    assert {"replace", "link", "fsync", "open", "rename"} <= seen, seen


# ------------------------------------------- every failure is one message, the run goes on

@pytest.fixture
def small_disk(project):
    """The output folder on a 600 KB file system, where it can be mounted (as root)."""
    project.out.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs",
                           str(project.out)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small file system here; the injected failures "
                    "above cover a full disk")
    yield project.out
    subprocess.run(["umount", "-l", str(project.out)], check=False)


def fill_up(path: Path) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(handle, b"\0" * 4096):
            pass
    except OSError as error:           # full: what the tests after it need
        if error.errno != errno.ENOSPC:
            raise
    finally:
        os.close(handle)


def test_a_full_disk_fails_the_briefs_that_do_not_fit_by_name_and_keeps_old_outputs(
        project, small_disk):
    project.brief("small.yaml")
    project.build("--format", "docx").assert_clean(0)
    before = project.outputs()
    shutil.copy(ROOT / "data" / f"{SEED_ID}.yaml", project.root / "data")
    (project.root / "data" / "small.yaml").write_text(
        (project.root / "data" / "small.yaml").read_text().replace("2026-01-15", "2026-02-01"))
    fill_up(small_disk / "filler")
    result = project.build()
    result.assert_clean(1, "no space left")
    after = project.outputs()
    for name, entry in before.items():
        if name.startswith("small/small-"):
            assert after[name] == entry


def test_a_read_only_output_folder_is_one_message(project, small_disk):
    project.brief()
    project.build("--format", "docx").assert_clean(0)
    before = project.outputs()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    project.brief(title="A changed title")
    result = project.build("--format", "docx")
    result.assert_clean(1, "[Rr]ead-only")
    assert project.outputs() == before


@pytest.mark.parametrize("what", ["output", "manifest", "lock"])
def test_briefgens_own_file_replaced_by_a_folder_is_one_message(project, what):
    project.brief()
    project.build("--format", "docx").assert_clean(0)
    target = {"output": project.out / "brief" / "brief-public.docx",
              "manifest": project.out / MANIFEST, "lock": project.out / ".briefgen.lock"}[what]
    if target.exists():
        target.unlink()
    target.mkdir()
    (target / "inside").write_text("x")
    project.brief(title="A changed title")
    result = project.build("--format", "docx")
    result.assert_clean(1, target.name)
    assert (target / "inside").read_text() == "x"


@pytest.mark.parametrize("how", ["project-file", "option", "under-a-file"])
def test_an_output_folder_that_is_a_file_is_one_message(project, how):
    project.brief()
    project.write("a-file", "not a folder\n")
    args = ["--format", "docx"]
    if how == "project-file":
        project.write("briefgen.yaml", "out: a-file\n")
    else:
        args += ["--out", "a-file" if how == "option" else "a-file/out"]
    result = project.build(*args)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.code in (1, 2) and "a-file" in output, output
    assert (project.root / "a-file").read_text() == "not a folder\n"


def test_wait_must_be_a_finite_number(project):
    project.brief()
    for value in ("nan", "inf", "-1"):
        result = project.build("--wait", value)
        assert result.code == 2 and "Traceback" not in result.stderr, result.stderr


def test_init_into_a_folder_that_cannot_be_made_is_one_message(project):
    project.write("a-file", "x\n")
    result = project.run("init", "a-file/new")
    result.assert_clean(1, "a-file")


def holds_open(pid: int, path: Path, seconds: float = 60) -> None:
    """Wait until process ``pid`` has ``path`` open (Linux's /proc)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                if os.readlink(fd) == str(path):
                    return
            except OSError:
                continue
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not open {path} within {seconds} s")


def test_ctrl_c_stops_a_build_with_exit_130_and_keeps_the_outputs(seed_project):
    before = seed_project.outputs()
    seed_project.write("templates/public.md.j2", "{% for i in range(100000) %}{% for j in "
                       "range(1000) %}{% endfor %}{% endfor %}x\n")
    process = subprocess.Popen([os.sys.executable, "-m", "briefgen", "build", "--jobs", "1"],
                               cwd=seed_project.root, stderr=subprocess.PIPE, text=True)
    holds_open(process.pid, seed_project.out / ".briefgen.lock")   # building, under the lock
    time.sleep(0.5)                                                 # and in the endless loop
    process.send_signal(2)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    after = seed_project.outputs()
    for name in before:
        if "public" in name:
            assert after[name] == before[name]


def test_validate_reads_the_project_file_as_build_does(project):
    project.write("briefgen.yaml", "audiences:\n  committee: {}\n")
    project.brief(default_audiences=["committee"], markings={"committee": "RESTRICTED"})
    assert project.run("validate").code == 0
    project.brief(default_audiences=["executive"])
    result = project.run("validate")
    result.assert_clean(1, r"unknown audience 'executive'.*executive: \{\}")


# ------------------------------------------------------- state belongs to one build

def test_one_project_object_built_twice_reads_changed_templates_and_themes_again(project):
    """Nothing a build read is remembered by a module: a template and a theme changed
    between two builds of the same project object, in one process, are read again."""
    from briefgen.project import Project as BriefProject
    from briefgen.build.builder import build

    project.brief()
    project.write("briefgen.yaml", "theme: house\n")
    project.write("themes/house.yaml", "labels: {summary: First label}\n")
    project.write("templates/public.md.j2", '{% extends "builtin/public.md.j2" %}\n')
    briefs = BriefProject.at(project.root)
    assert build(briefs, fmts=["docx"]).ok
    import docx

    def public_text() -> str:
        document = docx.Document(str(project.out / "brief" / "brief-public.docx"))
        return "\n".join(p.text for p in document.paragraphs)

    assert "First label" in public_text()
    project.write("themes/house.yaml", "labels: {summary: Second label}\n")
    project.write("templates/public.md.j2", '{% extends "builtin/public.md.j2" %}\n'
                  "{% block back_matter %}Changed back matter.{% endblock %}\n")
    assert build(briefs, fmts=["docx"]).ok
    text = public_text()
    assert "Second label" in text and "Changed back matter." in text
