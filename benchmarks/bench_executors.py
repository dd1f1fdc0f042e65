"""Executor benchmarks, run on demand (never by the tests): documents per hour.

A full build of N briefs x 3 audiences x 2 formats (generated from the seed), in this
process (--jobs 1), in worker processes (--jobs 2) and on a Dask cluster of two worker
processes on this machine (--executor dask://...), each the median of R runs, from the
Python API so that only the build is timed.  What the cluster costs beside the local pool
on the same cores is its overhead: what a cluster of more machines has to win back.

    .venv/bin/python benchmarks/bench_executors.py [--briefs 60] [--runs 3]

Prints a table and writes benchmarks/results/bench_executors.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "data" / "russia-china-taiwan.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "bench_executors.json"

from briefgen.build.builder import build  # noqa: E402
from briefgen.project import Project  # noqa: E402


def make_project(root: Path, briefs: int) -> Path:
    (root / "data").mkdir(parents=True)
    text = SEED.read_text(encoding="utf-8")
    for number in range(briefs):
        (root / "data" / f"brief-{number:04d}.yaml").write_text(
            f"id: brief-{number:04d}\n{text}", encoding="utf-8")
    return root


def timed_build(root: Path, **how) -> float:
    shutil.rmtree(root / "out", ignore_errors=True)
    started = time.perf_counter()
    report = build(Project.at(root), force=True, **how)
    seconds = time.perf_counter() - started
    assert report.ok, [str(f) for f in report.failures][:3]
    return seconds


def measure(root: Path, runs: int, **how) -> dict:
    times = [timed_build(root, **how) for _ in range(runs)]
    documents = len(list((root / "out").rglob("*.pdf"))) * 2
    median = statistics.median(times)
    return {"seconds": round(median, 3), "documents": documents,
            "documents_per_hour": round(documents / median * 3600)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--briefs", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("BRIEFGEN_CACHE_DIR", tempfile.mkdtemp(prefix="bench-cache-"))
    results: dict = {"briefs": args.briefs, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp) / "p", args.briefs)
        timed_build(root, jobs=1)                       # warm: fonts, user cache
        results["jobs 1"] = measure(root, args.runs, jobs=1)
        results["jobs 2"] = measure(root, args.runs, jobs=2)
        results["dask, 2 local workers"] = dask_measure(root, args.runs)
    for name, value in results.items():
        print(f"{name:<24} {value}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def dask_measure(root: Path, runs: int) -> dict | str:
    try:
        from distributed import LocalCluster
    except ImportError:
        return "skipped: pip install 'briefgen[dask]'"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        url = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        timed_build(root, executor=url)                 # warm the workers' imports
        return measure(root, runs, executor=url)


if __name__ == "__main__":
    main()
