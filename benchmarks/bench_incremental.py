"""Scheduled-build benchmarks, run on demand (never by the tests).

1. A no-op rebuild of a project of 1,000 briefs (generated): whole process, median of 5.
2. A full build of 100 briefs x 3 audiences x 2 formats with --jobs 2 and --jobs 1:
   the times, their ratio, and the peak memory of each build (the parent and its workers).

    .venv/bin/python benchmarks/bench_incremental.py [--briefs 1000] [--full 100]

Prints a table and writes benchmarks/results/bench_incremental.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "russia-china-taiwan.yaml"
BRIEFGEN = Path(sys.executable).parent / "briefgen"
RESULTS = ROOT / "benchmarks" / "results" / "bench_incremental.json"


def make_project(root: Path, count: int) -> Path:
    """``count`` briefs: the seed under distinct ids, each title numbered."""
    data = root / "data"
    data.mkdir(parents=True)
    seed = SEED.read_text(encoding="utf-8")
    for number in range(count):
        text = seed.replace("title: Russian Military Support to China",
                            f"title: Brief {number:04d} - Russian Military Support to China")
        (data / f"brief-{number:04d}.yaml").write_text(text, encoding="utf-8")
    return root


def timed_build(root: Path, *args: str) -> tuple[float, float]:
    """Seconds and peak memory (MiB, the largest of parent and workers) of one build."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([str(BRIEFGEN), "build", *args], cwd=root,
                                   stdout=subprocess.DEVNULL, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"build failed in {root}:\n{log.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def children_peak() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench_noop(count: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        root = make_project(Path(folder), count)
        first, _ = timed_build(root, "--jobs", str(os.cpu_count() or 1))
        runs = [timed_build(root)[0] for _ in range(5)]
    return {"briefs": count, "first_build_s": round(first, 2),
            "noop_median_s": round(statistics.median(runs), 3),
            "noop_min_s": round(min(runs), 3), "target_s": 1.0}


def bench_full(count: int) -> dict:
    out = {}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            root = make_project(Path(folder), count)
            seconds, peak = timed_build(root, "--jobs", str(jobs))
            out[f"jobs{jobs}"] = {"seconds": round(seconds, 2), "peak_mib_parent": round(peak, 1),
                                  "documents": count * 6}
    out["ratio_jobs1_over_jobs2"] = round(out["jobs1"]["seconds"] / out["jobs2"]["seconds"], 2)
    out["peak_mib_any_process"] = round(children_peak(), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=1000)
    parser.add_argument("--full", type=int, default=100)
    args = parser.parse_args()
    noop, full = bench_noop(args.briefs), bench_full(args.full)
    result = {"machine": f"{platform.platform()}, {os.cpu_count()} CPUs, Python "
                         f"{platform.python_version()}", "noop": noop, "full": full}
    print(f"machine: {result['machine']}")
    print(f"no-op rebuild of {noop['briefs']} briefs: median {noop['noop_median_s']} s "
          f"(min {noop['noop_min_s']} s; target < 1 s; first build {noop['first_build_s']} s)")
    for jobs in (1, 2):
        run = full[f"jobs{jobs}"]
        print(f"full build of {args.full} briefs ({run['documents']} documents), --jobs {jobs}: "
              f"{run['seconds']} s, parent peak {run['peak_mib_parent']} MiB")
    print(f"--jobs 1 / --jobs 2 = {full['ratio_jobs1_over_jobs2']}; peak of any process "
          f"{full['peak_mib_any_process']} MiB")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
