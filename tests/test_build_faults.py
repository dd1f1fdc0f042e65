"""Faults a hostile review found in the build, executors and plug-ins, each class closed
by a rule: the planner reads YAML as the loader does; where outputs go and what an edition
change archives do not depend on which plug-ins are installed; outputs of an unknown
edition are never replaced; a format's or executor's failure is that plug-in's, named;
an executor URL is checked before anything connects; a stopped build stops its workers."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import Executor
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.build.builder import build
from briefgen.cli import main
from briefgen.project import Project
from briefgen.renderers.base import Renderer
from briefgen.renderers.registry import GROUP, installed
from tests.test_executors import SEED_ID, seed_project


def set_edition(path: Path, edition: str) -> None:
    lines = [f"edition: {edition}" if line.startswith("edition:") else line
             for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".briefgen")}


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


# --------------------------------------------- the planner reads YAML as the loader does

def test_an_id_and_an_edition_written_as_aliases_build_as_the_loader_reads_them(tmp_path):
    root = seed_project(tmp_path / "p")
    seed = root / "data" / f"{SEED_ID}.yaml"
    text = seed.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith(("keywords:", "id:"))]
    text = "\n".join(lines).replace("edition: 2026-11-24", "edition: *date")
    seed.write_text("keywords: [&name aliased-id, &date '2026-11-24']\nid: *name\n" + text,
                    encoding="utf-8")
    report = build(Project.at(root), fmts=["docx"])
    assert report.ok, [str(f) for f in report.failures]
    assert (root / "out" / "aliased-id" / "aliased-id-public.docx").is_file()


# ----------------------------- plug-ins installed or not: paths, manifest and archives hold

def test_a_format_no_longer_installed_keeps_the_manifest_and_its_outputs_are_archived(tmp_path):
    root = seed_project(tmp_path / "p")
    assert build(Project.at(root), fmts=["docx"]).ok
    manifest_path = root / "out" / ".briefgen-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (record,) = manifest["briefs"].values()
    old_txt = root / "out" / SEED_ID / f"{SEED_ID}-public.txt"
    old_txt.write_text("the old edition, as text\n")
    record["outputs"]["public/txt"] = {"path": f"{SEED_ID}/{SEED_ID}-public.txt",
                                       "key": "0" * 64, "size": old_txt.stat().st_size}
    manifest_path.write_text(json.dumps(manifest))
    again = build(Project.at(root), fmts=["docx"])
    assert again.ok and not again.warnings, [str(w) for w in again.warnings]
    set_edition(root / "data" / f"{SEED_ID}.yaml", "2027-01-10")
    assert build(Project.at(root), fmts=["docx"]).ok
    archived = root / "out" / SEED_ID / "editions" / "2026-11-24" / old_txt.name
    assert archived.read_text() == "the old edition, as text\n" and not old_txt.exists()


def test_outputs_whose_edition_is_unknown_are_never_replaced(tmp_path):
    root = seed_project(tmp_path / "p")
    assert build(Project.at(root), fmts=["docx"]).ok
    before = files(root / "out")
    (root / "out" / SEED_ID / ".edition.yaml").unlink()
    (root / "out" / ".briefgen-manifest.json").unlink()
    set_edition(root / "data" / f"{SEED_ID}.yaml", "2027-01-10")
    report = build(Project.at(root), fmts=["docx"])
    (failure,) = report.failures
    assert ".edition.yaml: is missing or unreadable" in str(failure)
    assert files(root / "out") == {k: v for k, v in before.items()
                                   if not k.endswith(".edition.yaml")}


# ------------------------------------------ a format's failure is that format's, by name

class Raising(Renderer):
    format = "raising"

    def render(self, document) -> bytes:
        raise ZeroDivisionError("its own bug")


class Exiting(Renderer):
    format = "exiting"

    def render(self, document) -> bytes:
        sys.exit(3)


class Texting(Renderer):
    format = "texting"

    def render(self, document) -> bytes:
        return "not bytes"


@pytest.fixture
def odd_formats(monkeypatch):
    formats = installed()
    for cls in (Raising, Exiting, Texting):
        monkeypatch.setitem(formats.entries, cls.format,
                            EntryPoint(cls.format, f"tests.test_build_faults:{cls.__name__}",
                                       GROUP))
    yield
    for cls in (Raising, Exiting, Texting):
        formats.loaded.pop(cls.format, None)


@pytest.mark.parametrize("fmt, says", [
    ("raising", "the raising format (unknown package (tests.test_build_faults:Raising)) "
                "failed: ZeroDivisionError: its own bug"),
    ("exiting", "the exiting format (unknown package (tests.test_build_faults:Exiting)) "
                "failed: SystemExit: 3"),
    ("texting", "returned str with pages=None; expected bytes"),
])
def test_a_format_that_fails_is_named_and_the_other_formats_are_still_written(
        tmp_path, odd_formats, fmt, says):
    root = seed_project(tmp_path / "p", copies=2)
    result = cli("build", "--project", str(root), "--jobs", "1", "--format", "docx",
                 "--format", fmt, "--audience", "public")
    assert result.exit_code == 1, result.output
    assert says in result.output and "this is a bug in briefgen" not in result.output
    assert "Traceback" not in result.output
    assert not (root / "out" / SEED_ID).exists()        # a brief is written whole or not


# -------------------------------------------- executor URLs, checked before connecting

@pytest.mark.parametrize("url", ["dask://", "dask://host", "dask://127.0.0.1:abc",
                                 "dask://[::1", "dask://127.0.0.1:99999", "dask://h:0",
                                 "dask://h:8786/path", "dask://" + "h" * 300 + ":1"])
def test_an_executor_url_that_names_no_scheduler_is_refused_at_once(tmp_path, url):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    root = seed_project(tmp_path / "p")
    result = cli("build", "--project", str(root), "--executor", url)
    assert result.exit_code == 2, result.output
    assert "expected dask://HOST:PORT" in result.output
    assert not (root / "out" / SEED_ID).exists()


def test_a_peer_that_accepts_but_never_speaks_is_given_up_on_in_bounded_time(tmp_path,
                                                                            monkeypatch):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from briefgen.build import dask

    monkeypatch.setattr(dask, "CONNECT_SECONDS", 1)
    silent = socket.create_server(("127.0.0.1", 0))
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    root = seed_project(tmp_path / "p")
    port = silent.getsockname()[1]
    result = cli("build", "--project", str(root), "--executor", f"dask://127.0.0.1:{port}")
    silent.close()
    assert result.exit_code == 2, result.output
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.output


def test_a_scheduler_without_workers_is_one_message_not_a_wait(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    from briefgen.build import dask

    monkeypatch.setattr(dask, "CONNECT_SECONDS", 1)
    root = seed_project(tmp_path / "p")
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        url = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        result = cli("build", "--project", str(root), "--executor", url)
    assert result.exit_code == 2, result.output
    assert "has no worker" in result.output


# --------------------------------------------------- workers and the build's signals

def test_a_worker_takes_no_signal_handler_of_the_build_that_forked_it():
    probe = ("import signal\nfrom briefgen.build.executors import start_worker\n"
             "signal.signal(signal.SIGTERM, lambda *a: None)\n"
             "signal.signal(signal.SIGINT, lambda *a: None)\n"
             "start_worker(None)\n"
             "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,"
             " signal.getsignal(signal.SIGINT) is signal.SIG_IGN)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "True"]
    assert signal.getsignal(signal.SIGTERM) is not None


# ------------------------------------------------ a split brief's verdict, each once

def test_strict_on_a_brief_split_by_format_says_each_problem_once(tmp_path):
    root = seed_project(tmp_path / "p")
    seed = root / "data" / f"{SEED_ID}.yaml"
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace("sections:", "sections:", 1).replace(
        "    points:\n", "    points:\n      - text: Due long ago.\n        review_by: 2000-01-01\n",
        1), encoding="utf-8")
    report = build(Project.at(root), strict=True, jobs=2)
    (failure,) = report.failures
    messages = [str(p) for p in failure.problems]
    assert any("due for review by 2000-01-01" in m for m in messages), messages
    assert len(messages) == len(set(messages))
    assert not any("2000-01-01" in str(w) for w in report.warnings)


def test_a_stale_review_in_a_brief_skipped_as_current_fails_a_strict_build(tmp_path):
    root = seed_project(tmp_path / "p")
    seed = root / "data" / f"{SEED_ID}.yaml"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "    points:\n", "    points:\n      - text: Due long ago.\n        review_by: 2000-01-01\n",
        1), encoding="utf-8")
    assert build(Project.at(root), fmts=["docx"]).ok          # warned, not strict
    again = build(Project.at(root), fmts=["docx"], strict=True)
    assert again.skipped and not again.written
    (failure,) = again.failures
    assert "due for review by 2000-01-01" in str(failure)


def test_a_format_name_that_is_no_extension_is_listed_as_refused(monkeypatch):
    formats = installed()
    monkeypatch.setattr(formats, "misnamed", [EntryPoint("../x", "some_pkg:Renderer", GROUP)])
    result = cli("formats")
    assert result.exit_code == 0
    assert "'../x' refused: unknown package (some_pkg:Renderer) registers a name" in result.output


# ------------------------------------------ second round: the same classes, other inputs

def test_an_id_and_an_edition_whose_keys_are_aliases_build_as_the_loader_reads_them(
        tmp_path):
    root = seed_project(tmp_path / "p")
    seed = root / "data" / f"{SEED_ID}.yaml"
    lines = [line for line in seed.read_text(encoding="utf-8").splitlines()
             if not line.startswith(("keywords:", "id:"))]
    text = "\n".join(lines).replace("edition: 2026-11-24", "*d : 2026-11-24")
    seed.write_text("keywords: [&k id, &d edition]\n*k : key-alias-id\n" + text + "\n",
                    encoding="utf-8")
    report = build(Project.at(root), fmts=["docx"])
    assert report.ok, [str(f) for f in report.failures]
    assert (root / "out" / "key-alias-id" / "key-alias-id-public.docx").is_file()


def test_a_users_own_file_among_the_outputs_is_neither_refused_nor_moved(tmp_path):
    root = seed_project(tmp_path / "p")
    mine = root / "out" / SEED_ID / f"{SEED_ID}-notes.docx"
    mine.parent.mkdir(parents=True)
    mine.write_text("mine")
    assert build(Project.at(root), fmts=["docx"]).ok          # no data copy: first build
    set_edition(root / "data" / f"{SEED_ID}.yaml", "2027-01-10")
    assert build(Project.at(root), fmts=["docx"]).ok
    assert mine.read_text() == "mine"
    assert not (root / "out" / SEED_ID / "editions" / "2026-11-24" / mine.name).exists()


def _future_of(outcome):
    from concurrent.futures import Future

    future = Future()
    future.set_result(outcome)
    return future


class _Odd(Executor):
    """An executor plug-in whose every part goes wrong in the way its URL says."""

    def __init__(self, url: str):
        self.how = url.partition("://")[0]

    def submit(self, fn, /, *args, **kwargs):
        if self.how == "submit-raises":
            raise RuntimeError("submit boom")
        if self.how == "result-raises":
            from concurrent.futures import Future

            future = Future()
            future.set_exception(RuntimeError("remote boom"))
            return future
        return _future_of("not a result")

    def shutdown(self, wait=True, *, cancel_futures=False):
        if self.how == "shutdown-raises":
            raise RuntimeError("shutdown boom")


def odd_executor(url: str, jobs: int) -> Executor:
    return _Odd(url) if not url.startswith("shutdown-raises") else _Shutting(url)


class _Shutting(_Odd):
    def submit(self, fn, /, *args, **kwargs):
        return _future_of(fn(*args, **kwargs))


@pytest.fixture
def odd_executors(monkeypatch):
    from briefgen.build import executors

    points = [EntryPoint(name, "tests.test_build_faults:odd_executor", executors.GROUP)
              for name in ("submit-raises", "result-raises", "wrong-result",
                           "shutdown-raises")]

    class Metadata:
        @staticmethod
        def entry_points(group):
            return points

    monkeypatch.setattr(executors, "metadata", Metadata)


@pytest.mark.parametrize("url, says", [
    ("submit-raises://", "RuntimeError: submit boom"),
    ("result-raises://", "RuntimeError: remote boom"),
    ("wrong-result://", "gave str, expected briefgen's result"),
    ("shutdown-raises://", "failed shutting down (RuntimeError: shutdown boom)"),
])
def test_an_executor_plugin_that_fails_is_named_never_called_a_bug_in_briefgen(
        tmp_path, odd_executors, url, says):
    root = seed_project(tmp_path / "p")
    result = cli("build", "--project", str(root), "--format", "docx", "--executor", url)
    assert result.exit_code == 1, result.output
    assert f"the executor {url} failed" in result.output and says in result.output
    assert "bug in briefgen" not in result.output and "Traceback" not in result.output
