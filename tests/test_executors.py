"""Executors: the same jobs in this process, in worker processes, or on a Dask cluster,
with byte-identical outputs; the build itself writes, records and archives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.build import executors
from briefgen.build.builder import build
from briefgen.cli import main
from briefgen.project import Project
from tests.conftest import ROOT, outputs_of_a_brief

SEED_ID = "russia-china-taiwan"

# One cluster for the module's tests: they run in one test worker, which starts it once.
pytestmark = pytest.mark.xdist_group("dask-cluster")


def seed_project(root: Path, copies: int = 1) -> Path:
    (root / "data").mkdir(parents=True)
    text = (ROOT / "data" / f"{SEED_ID}.yaml").read_text(encoding="utf-8")
    for number in range(copies):
        name = SEED_ID if number == 0 else f"{SEED_ID}-{number}"
        (root / "data" / f"{name}.yaml").write_text(
            text if number == 0 else f"id: {name}\n{text}", encoding="utf-8")
    return root


def outputs(out: Path) -> dict[str, bytes]:
    """Every file a reader gets (the build's own bookkeeping aside)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".briefgen")}


def bump_edition(path: Path, edition: str = "2027-01-10") -> None:
    text = path.read_text(encoding="utf-8")
    lines = [f"edition: {edition}" if line.startswith("edition:") else line
             for line in text.splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def cluster():
    """A Dask cluster of two worker processes on 127.0.0.1, every port its own (another
    test worker may run a cluster too); its scheduler's address."""
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", scheduler_port=0,
                                  dashboard_address="127.0.0.1:0") as local:
        yield "dask://" + local.scheduler_address.removeprefix("tcp://")


def test_every_executor_briefgen_registers_is_listed_with_where_it_comes_from():
    found = executors.executors()
    assert {"process", "dask"} <= set(found)
    assert all(origin.startswith("briefgen ") for name, origin in found.items()
               if name in ("process", "dask"))


def test_a_dask_cluster_builds_the_same_bytes_as_this_machine(tmp_path, cluster):
    local = seed_project(tmp_path / "local", copies=3)
    remote = seed_project(tmp_path / "remote", copies=3)
    assert build(Project.at(local), jobs=1).ok
    report = build(Project.at(remote), executor=cluster)
    assert report.ok, [str(f) for f in report.failures]
    assert len(report.written) == 3 * outputs_of_a_brief()
    assert outputs(remote / "out") == outputs(local / "out")
    manifest = json.loads((remote / "out" / ".briefgen-manifest.json").read_text())
    assert sorted(manifest["briefs"]) == sorted(
        f"data/{p.name}" for p in (remote / "data").iterdir())


def test_a_build_on_a_cluster_skips_what_is_current_and_archives_an_edition(tmp_path,
                                                                          cluster):
    root = seed_project(tmp_path / "p")
    assert build(Project.at(root), executor=cluster).ok
    first = outputs(root / "out")
    again = build(Project.at(root), executor=cluster)
    assert again.ok and not again.written and len(again.skipped) == 1
    bump_edition(root / "data" / f"{SEED_ID}.yaml")
    changed = build(Project.at(root), executor=cluster)
    assert changed.ok and len(changed.written) == outputs_of_a_brief()
    archive = root / "out" / SEED_ID / "editions" / "2026-11-24"
    archived = {p.name: p.read_bytes() for p in archive.iterdir()}
    assert archived == {Path(name).name: data for name, data in first.items()
                        if name.count("/") == 1}


def test_a_failing_brief_on_a_cluster_fails_alone_by_name(tmp_path, cluster):
    root = seed_project(tmp_path / "p", copies=2)
    broken = root / "data" / f"{SEED_ID}-1.yaml"
    broken.write_text(broken.read_text().replace("title:", "titel:", 1))
    report = build(Project.at(root), executor=cluster)
    assert len(report.failures) == 1 and f"{SEED_ID}-1.yaml" in str(report.failures[0])
    assert len(report.written) == outputs_of_a_brief()


def test_an_executor_of_an_unknown_scheme_is_one_message_with_exit_2(tmp_path):
    root = seed_project(tmp_path / "p")
    result = CliRunner().invoke(main, ["build", "--project", str(root),
                                       "--executor", "ftp://example.org"])
    assert result.exit_code == 2
    assert "executor 'ftp://example.org'" in result.output and "dask" in result.output
    assert not (root / "out" / SEED_ID).exists()


def test_a_cluster_that_cannot_be_reached_is_one_message_with_exit_2(tmp_path, monkeypatch):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from briefgen.build import dask

    monkeypatch.setattr(dask, "CONNECT_SECONDS", 0.3)
    root = seed_project(tmp_path / "p")
    result = CliRunner().invoke(main, ["build", "--project", str(root),
                                       "--executor", "dask://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_process_pool_and_this_process_make_the_same_bytes(tmp_path):
    one = seed_project(tmp_path / "one", copies=2)
    two = seed_project(tmp_path / "two", copies=2)
    assert build(Project.at(one), jobs=1).ok
    assert build(Project.at(two), jobs=2).ok
    assert outputs(one / "out") == outputs(two / "out")
    shutil.rmtree(two / "out")
    assert build(Project.at(two), files=[two / "data" / f"{SEED_ID}.yaml"], jobs=2).ok
    assert outputs(two / "out") == {k: v for k, v in outputs(one / "out").items()
                                    if k.startswith(f"{SEED_ID}/")}
