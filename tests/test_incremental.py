"""Scheduled regeneration: incremental, byte-identical, atomic and locked builds,
editions with what changed, stale items, and running on a schedule.

The command line runs in this process (``cli``) except where a process is what is
tested: killed, stopped by a signal, or a fresh one computing the same keys and bytes
(``run_cli``)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pypdf
import pytest
from filelock import FileLock

from briefgen.build.builder import build

from briefgen.project import Project
from tests.conftest import (ROOT, output_suffixes, outputs_of_a_brief, run_in_process,
                            temporary_files)

SEED = "russia-china-taiwan"
COPIES = 6    # briefs enough that a build is still running when its first brief is written


def make_project(root: Path, copies: int = 1) -> Path:
    (root / "data").mkdir(parents=True)
    seed = (ROOT / "data" / f"{SEED}.yaml").read_text(encoding="utf-8")
    for n in range(copies):
        name = SEED if n == 0 else f"brief-{n:03d}"
        (root / "data" / f"{name}.yaml").write_text(seed, encoding="utf-8")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def run_cli(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """``python -m briefgen ARGS`` in ``root`` as a real, fresh process."""
    return subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=root,
                          capture_output=True, text=True, timeout=300, **kwargs)


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``briefgen ARGS`` in ``root``, in this process."""
    return run_in_process(*args, cwd=root)


def next_second() -> None:
    """Sleep into the next wall-clock second: a stamp at one-second resolution (a PDF's
    dates) differs from one made before."""
    time.sleep(1.05 - time.time() % 1)


def documents(out: Path) -> dict[str, bytes]:
    """Every output under ``out``, of every format in effect, by its path."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in output_suffixes()}


def built_names(report) -> set[str]:
    return {output.path.name for output in report.written}


def test_a_second_build_with_nothing_changed_renders_nothing(tmp_path):
    root = make_project(tmp_path)
    first = build(Project.at(root))
    assert len(first.written) == outputs_of_a_brief()
    second = build(Project.at(root))
    assert second.written == [] and [p.name for p in second.skipped] == [f"{SEED}.yaml"]
    result = run_cli(root, "build")
    assert result.returncode == 0 and "nothing to do" in result.stderr


@pytest.mark.parametrize("project_file, why", [
    ("audiences:\n  executive: {}\n  public: {}\n", "analytical"),    # one the data names
    ("limits: {max_text_chars: 50}\n", "max_text_chars")])
def test_a_project_file_change_that_makes_current_data_wrong_is_not_up_to_date(
        tmp_path, project_file, why):
    """What the data is validated against is in every output's key: after such a change
    the build validates again and fails, as validate does, instead of 'nothing to do'."""
    root = make_project(tmp_path)
    assert build(Project.at(root)).ok
    (root / "briefgen.yaml").write_text(project_file, encoding="utf-8")
    result = run_cli(root, "build")
    assert result.returncode == 1 and "nothing to do" not in result.stderr, result.stderr
    assert why in result.stderr
    assert run_cli(root, "validate").returncode == 1


def test_changing_one_brief_rebuilds_only_that_brief(tmp_path):
    root = make_project(tmp_path, copies=2)
    build(Project.at(root))
    edit(root / "data" / "brief-001.yaml", "What Moscow's help", "What Moscow's aid")
    report = build(Project.at(root))
    assert {p.parent.name for p in (o.path for o in report.written)} == {"brief-001"}
    assert len(report.written) == outputs_of_a_brief()


def test_changing_a_template_rebuilds_every_output_that_uses_it_and_no_other(tmp_path):
    root = make_project(tmp_path, copies=2)
    build(Project.at(root))
    (root / "templates").mkdir()
    (root / "templates" / "public.md.j2").write_text(
        '{% extends "builtin/public.md.j2" %}\n{% block back_matter %}\nOverride.\n'
        "{% endblock %}\n", encoding="utf-8")
    report = build(Project.at(root))
    assert built_names(report) == {f"{brief}-public{suffix}" for brief in (SEED, "brief-001")
                                   for suffix in output_suffixes()}
    shared = (root / "templates" / "_macros.md.j2")
    shutil.copy(ROOT / "templates" / "_macros.md.j2", shared)
    with shared.open("a", encoding="utf-8") as stream:
        stream.write("{# an edit every audience sees #}\n")
    assert len(build(Project.at(root)).written) == 2 * outputs_of_a_brief()


def test_force_rebuilds_everything(tmp_path):
    root = make_project(tmp_path)
    build(Project.at(root))
    assert len(build(Project.at(root), force=True).written) == outputs_of_a_brief()


def test_two_builds_in_two_directories_give_identical_bytes(tmp_path):
    one = make_project(tmp_path / "one")
    two = make_project(tmp_path / "two")
    build(Project.at(one))
    next_second()     # a clock-dependent stamp would now differ
    assert run_cli(two, "build", "--jobs", "2").returncode == 0
    first, second = documents(one / "out"), documents(two / "out")
    assert len(first) == outputs_of_a_brief() and first == second


def test_a_build_killed_mid_write_leaves_every_old_file_intact_and_the_next_repairs(tmp_path):
    root = make_project(tmp_path, copies=COPIES)
    assert cli(root, "build", "--jobs", "1", "--format", "pdf").returncode == 0
    for path in (root / "data").iterdir():
        edit(path, "title: Russian Military Support", "title: Revised Military Support")
    before = pdf_files(root / "out")
    child = subprocess.Popen([sys.executable, "-m", "briefgen", "build", "--jobs", "1",
                              "--format", "pdf"], cwd=root, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and pdf_files(root / "out") == before:
        time.sleep(0.005)                      # until the first brief's files are replaced
    child.send_signal(signal.SIGKILL)
    child.wait()
    titles = [_title(p) for p in (root / "out").rglob("*.pdf")]
    assert len(titles) == 3 * COPIES
    assert set(titles) <= {"Russian Military Support to China and the Taiwan Contingency",
                           "Revised Military Support to China and the Taiwan Contingency"}
    assert cli(root, "build", "--format", "pdf").returncode == 0
    assert {_title(p) for p in (root / "out").rglob("*.pdf")} == {
        "Revised Military Support to China and the Taiwan Contingency"}
    assert temporary_files(root / "out") == []
    assert cli(root, "build", "--format", "pdf").stderr.count("nothing to do") == 1


def _title(path: Path) -> str:
    return pypdf.PdfReader(str(path)).metadata.title


def pdf_files(out: Path) -> dict[str, int]:
    """Each PDF under ``out`` with its inode: a file replaced (renamed over) has a new one."""
    found = {}
    for path in out.rglob("*.pdf"):
        try:
            found[path.name] = path.stat().st_ino
        except FileNotFoundError:      # a temporary file renamed while we looked
            continue
    return found


def test_a_second_concurrent_build_exits_with_a_clear_message(tmp_path):
    root = make_project(tmp_path)
    (root / "out").mkdir()
    with FileLock(str(root / "out" / ".briefgen.lock")):
        result = cli(root, "build")
    assert result.returncode == 3
    assert "another briefgen build is writing to out" in result.stderr
    assert documents(root / "out") == {}


def test_a_build_waits_for_the_lock_when_asked(tmp_path):
    root = make_project(tmp_path)
    (root / "out").mkdir()
    lock = FileLock(str(root / "out" / ".briefgen.lock"), thread_local=False)
    lock.acquire()
    started = time.monotonic()
    threading.Timer(0.5, lock.release).start()
    result = cli(root, "build", "--format", "pdf", "--wait", "30")
    assert result.returncode == 0 and len(documents(root / "out")) == 3
    assert time.monotonic() - started >= 0.5


def test_one_failing_brief_does_not_stop_the_others_and_the_summary_says_so(tmp_path):
    root = make_project(tmp_path, copies=2)
    (root / "data" / "broken.yaml").write_text("title: [\n", encoding="utf-8")
    result = cli(root, "build", "--json", "--format", "docx")
    summary = json.loads(result.stdout)
    assert result.returncode == 1 and summary["ok"] is False
    assert len(summary["built"]) == 6 and len(summary["failed"]) == 1
    assert "broken.yaml:2:1: YAML syntax" in summary["failed"][0][0]


def test_parallel_and_serial_builds_write_the_same_bytes(tmp_path):
    serial = make_project(tmp_path / "serial", copies=3)
    parallel = make_project(tmp_path / "parallel", copies=3)
    build(Project.at(serial), jobs=1)
    report = build(Project.at(parallel), jobs=2)
    assert len(report.written) == 3 * outputs_of_a_brief()
    assert documents(serial / "out") == documents(parallel / "out")


def test_a_lone_brief_shares_its_formats_with_a_helper_and_writes_the_same_bytes(tmp_path):
    serial, shared = make_project(tmp_path / "serial"), make_project(tmp_path / "shared")
    build(Project.at(serial), jobs=1)
    report = build(Project.at(shared), jobs=2)
    assert report.ok and len(report.written) == outputs_of_a_brief()
    assert documents(serial / "out") == documents(shared / "out")
    manifests = [json.loads((root / "out" / ".briefgen-manifest.json").read_text("utf-8"))
                 for root in (serial, shared)]
    assert manifests[0] == manifests[1]


def test_a_format_failing_in_a_helper_fails_its_brief_as_it_would_alone(tmp_path):
    """A cell too tall for a PDF page: only the PDF (rendered by the helper) fails, and
    the brief writes nothing, with the message a serial build gives."""
    failures = {}
    for jobs in (1, 2):
        root = make_project(tmp_path / f"jobs-{jobs}")
        edit(root / "data" / f"{SEED}.yaml", "[Missile Technology Transfer,",
             "[" + "word " * 5000 + ",")
        report = build(Project.at(root), jobs=jobs)
        assert not report.ok and report.written == []
        assert not list((root / "out").rglob("*.docx"))
        failures[jobs] = [str(p).replace(str(root), "ROOT") for f in report.failures
                          for p in f.problems]
    assert failures[1] == failures[2]
    assert "taller than a page" in failures[2][0]


def test_a_new_edition_archives_the_previous_and_shows_what_changed(tmp_path):
    root = make_project(tmp_path)
    build(Project.at(root))
    data = root / "data" / f"{SEED}.yaml"
    edit(data, "edition: 2026-11-24", "edition: 2026-12-01")
    edit(data, "[Satellite Intelligence Sharing, Improves target acquisition accuracy, Underway]",
         "[Satellite Intelligence Sharing, Improves target acquisition accuracy, Confirmed]")
    edit(data, "          - [Joint Military Exercises, Boosts operational coordination, Ongoing]\n",
         "          - [Cyber Cooperation, Disrupts defence networks, Underway]\n")
    report = build(Project.at(root))
    assert report.ok and len(report.written) == outputs_of_a_brief()
    archive = root / "out" / SEED / "editions" / "2026-11-24"
    assert sorted(p.name for p in archive.iterdir() if p.suffix == ".pdf") == [
        f"{SEED}-analytical.pdf", f"{SEED}-executive.pdf", f"{SEED}-public.pdf"]
    text = " ".join(pypdf.PdfReader(str(root / "out" / SEED / f"{SEED}-analytical.pdf"))
                    .pages[0].extract_text().split())
    assert "What changed since the last edition" in text
    assert "Satellite Intelligence Sharing moved from Underway to Confirmed" in text
    diff = cli(root, "diff", f"data/{SEED}.yaml")
    assert diff.returncode == 0
    lines = [line.strip() for line in diff.stdout.splitlines()]
    table = "Reported Russian support to China, its potential impact and status"
    assert f"status moved: {table}: Satellite Intelligence Sharing: Underway -> Confirmed" in lines
    assert f"row added: {table}: Cyber Cooperation | Disrupts defence networks | Underway" in lines
    assert (f"row removed: {table}: Joint Military Exercises | Boosts operational coordination "
            "| Ongoing") in lines


def test_a_past_review_date_warns_that_the_item_is_stale_even_when_nothing_is_rebuilt(tmp_path):
    root = make_project(tmp_path)
    data = root / "data" / f"{SEED}.yaml"
    edit(data, '      - text: "Raise funding for cyber and electronic warfare capabilities."\n',
         '      - text: "Raise funding for cyber and electronic warfare capabilities."\n'
         "        review_by: 2020-01-31\n")
    line = data.read_text(encoding="utf-8").splitlines().index("        review_by: 2020-01-31") + 1
    for _ in range(2):
        result = cli(root, "build", "--format", "pdf")
        assert result.returncode == 0
        assert (f"warning: data/{SEED}.yaml:{line}:20: sections[2].points[1]: the point 'Raise "
                "funding for cyber and electronic warfare capabilities.' was due for review by "
                "2020-01-31 and is stale") in result.stderr
    assert cli(root, "build", "--format", "pdf", "--strict", "--force").returncode == 1


def test_schedule_runs_the_build_on_a_cron_expression(tmp_path):
    import datetime as dt

    from briefgen.build.schedule import next_run

    assert next_run("0 6 * * 1-5", dt.datetime(2026, 11, 27, 7, 0)) == dt.datetime(2026, 11, 30, 6)
    root = make_project(tmp_path)
    result = cli(root, "schedule", "* * * * * *", "--runs", "1")
    assert result.returncode == 0 and "next build at" in result.stderr
    assert len(documents(root / "out")) == outputs_of_a_brief()
    bad = cli(root, "schedule", "every morning", "--runs", "1")
    assert bad.returncode == 2 and "not valid" in bad.stderr


def test_watch_rebuilds_after_a_save_and_survives_a_data_error(tmp_path):
    from briefgen.build.schedule import watch

    root = make_project(tmp_path)
    project, runs, stop = Project.at(root), [], threading.Event()

    def run():
        runs.append(build(Project.at(root), fmts=["docx"]))

    thread = threading.Thread(target=watch, args=(project, run, 100, stop), daemon=True)
    thread.start()
    _until(lambda: len(runs) == 1)
    data = root / "data" / f"{SEED}.yaml"
    edit(data, "marking: OFFICIAL-SENSITIVE", "marking: NO")
    _until(lambda: len(runs) == 2)
    assert not runs[-1].ok
    edit(data, "marking: NO", "marking: OFFICIAL")
    _until(lambda: len(runs) == 3)
    assert runs[-1].ok and len(runs[-1].written) == 3
    stop.set()
    thread.join(timeout=10)


def _until(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_helpers_render_with_the_settings_the_caller_gave_not_those_on_disk(tmp_path):
    """A library caller's theme override reaches the helper process's PDF too."""
    from briefgen.project.theme import load_theme

    outs = {}
    for jobs in (1, 2):
        root = make_project(tmp_path / f"jobs-{jobs}")
        project = Project.at(root)
        themed = project.with_theme(load_theme("think-tank"))
        assert build(themed, jobs=jobs).ok
        outs[jobs] = documents(root / "out")
    assert outs[1] == outs[2]
    plain = make_project(tmp_path / "plain")
    build(Project.at(plain), jobs=1)
    pdf = f"{SEED}/{SEED}-analytical.pdf"
    assert outs[2][pdf] != documents(plain / "out")[pdf]


def test_no_render_time_limit_means_none(tmp_path):
    root = make_project(tmp_path)
    (root / "briefgen.yaml").write_text("limits:\n  max_render_seconds: 0\n", encoding="utf-8")
    for jobs in ("1", "2"):
        result = cli(root, "build", "--force", "--jobs", jobs)
        assert result.returncode == 0, result.stderr


def test_a_helper_dies_with_the_build_that_started_it(tmp_path):
    """Killed with SIGKILL, a build leaves no worker behind (Linux)."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from briefgen.build.executors import start_worker\n"
        "pool = ProcessPoolExecutor(1, initializer=start_worker, initargs=(os.getpid(),))\n"
        "print(pool.submit(os.getpid).result(), flush=True)\n"
        "pool.submit(time.sleep, 60)\n"
        "time.sleep(60)\n", encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    for _ in range(500):
        if not running(worker):
            return
        time.sleep(0.01)
    os.kill(worker, signal.SIGKILL)
    raise AssertionError("the worker outlived its build by 5 s")


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs: a process that has ended but is not yet reaped
    by whoever adopted it (a zombie) does not."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return False
    return fields[0] != "Z"


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def start_build(root: Path, *args: str) -> subprocess.Popen:
    """``briefgen build`` as a child process, returned once it has written its first file
    (of one per audience and format for each of the ``COPIES`` briefs)."""
    child = subprocess.Popen([sys.executable, "-m", "briefgen", "build", *args], cwd=root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not child.stdout.readline().startswith("wrote "):
        assert child.poll() is None, "the build ended before it wrote anything"
    return child


def ended(child: subprocess.Popen, seconds: float = 30) -> str:
    """The child's stderr once it has exited; a child still running after ``seconds`` is
    killed (it and its workers) and the test fails."""
    try:
        return child.communicate(timeout=seconds)[1]
    except subprocess.TimeoutExpired:
        for worker in children(child.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
        child.kill()
        child.communicate()
        pytest.fail(f"the build was still running {seconds:g} s after it was stopped")


def test_a_stopped_build_exits_143_and_the_next_one_finishes_the_work(tmp_path):
    """SIGTERM, as cron, systemd or CI send it: no temporary files, no lock left behind."""
    root = make_project(tmp_path, copies=COPIES)
    child = start_build(root, "--jobs", "2")
    child.send_signal(signal.SIGTERM)
    ended(child)
    assert child.returncode == 143
    assert len(list((root / "out").rglob("*.pdf"))) < 3 * COPIES
    assert temporary_files(root / "out") == []
    again = cli(root, "build")
    assert again.returncode == 0, again.stderr
    assert len(list((root / "out").rglob("*.pdf"))) == 3 * COPIES


def test_a_second_stop_while_stopping_is_ignored_and_the_lock_outlives_the_workers(tmp_path):
    root = make_project(tmp_path, copies=COPIES)
    child = start_build(root, "--jobs", "2")
    child.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    ended(child)
    assert child.returncode == 143
    assert temporary_files(root / "out") == []
    assert cli(root, "build").returncode == 0
    assert len(list((root / "out").rglob("*.pdf"))) == 3 * COPIES


def test_a_killed_worker_fails_its_briefs_by_name_and_the_others_are_recorded(tmp_path):
    root = make_project(tmp_path, copies=COPIES)
    child = start_build(root, "--jobs", "2")
    for worker in children(child.pid):
        os.kill(worker, signal.SIGKILL)
    stderr = ended(child)
    assert child.returncode == 1 and "Traceback" not in stderr, stderr
    assert "the worker process building it stopped unexpectedly" in stderr
    manifest = json.loads((root / "out" / ".briefgen-manifest.json").read_text("utf-8"))
    assert 0 < len(manifest["briefs"]) < COPIES      # what finished is recorded
    again = cli(root, "build")
    assert again.returncode == 0, again.stderr
    assert f"{len(manifest['briefs'])} brief(s) up to date" in again.stderr + again.stdout


def test_a_build_stopped_after_archiving_does_not_archive_over_the_old_edition(tmp_path):
    root = make_project(tmp_path)
    build(Project.at(root))
    first = documents(root / "out")
    manifest = root / "out" / ".briefgen-manifest.json"
    before = manifest.read_bytes()
    edit(root / "data" / f"{SEED}.yaml", "edition: 2026-11-24", "edition: 2026-12-01")
    build(Project.at(root))
    manifest.write_bytes(before)      # as if that build stopped before writing it
    assert build(Project.at(root)).ok
    archive = root / "out" / SEED / "editions" / "2026-11-24"
    for name, data in first.items():
        assert (archive / Path(name).name).read_bytes() == data, name
