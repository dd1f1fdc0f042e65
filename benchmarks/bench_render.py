"""How fast briefgen is on this machine: imports, one document, a whole build, memory.

Run on demand with ``make bench`` (``.venv/bin/python benchmarks/bench_render.py``);
the tests never run it.  It prints a table and writes the same numbers to
``benchmarks/results/bench_render.json``.  Nothing is asserted: the targets are
printed beside the figures.

* imports: ``import briefgen`` and the modules rendering needs, timed inside a
  fresh interpreter (median of 5);
* per document: the seed brief rendered in this process after the imports and a
  warm-up render (median and min of 20), and the same split into stages with
  ``briefgen.build.stages`` functions; "first" is the warm-up render (cold caches);
* whole build: ``briefgen build --out <tmpdir>`` as a fresh process (median of 5);
* memory: ``ru_maxrss`` of the build process, ``tracemalloc`` peak of one render.
"""

from __future__ import annotations

import compileall
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import briefgen
from briefgen.build import stages as pipeline
from briefgen.project import Project
from briefgen.compose import markup

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "russia-china-taiwan.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "bench_render.json"
BRIEFGEN = Path(sys.executable).parent / "briefgen"
AUDIENCES = ("analytical", "executive", "public")  # the first is the headline
FORMATS = ("docx", "pdf", "html")
RUNS = 20
PROCESS_RUNS = 5
TARGETS_MS = {"docx": 12.0, "pdf": 12.0, "html": 5.0, "build": 800.0}
IMPORTS = ("briefgen", "briefgen.data.load", "briefgen.build.stages")
IMPORT_PROBE = (f"import time\nstarted = time.perf_counter()\nimport {', '.join(IMPORTS)}\n"
                f"for fmt in {FORMATS!r}:\n    briefgen.build.stages.renderer_for(fmt)\n"
                "print(time.perf_counter() - started)")


# ------------------------------------------------------------------ measuring

def timed(call, runs: int = RUNS) -> list[float]:
    """Seconds of ``runs`` calls, each after a collection so no call pays for another."""
    seconds = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def summary(seconds: list[float]) -> dict:
    return {"median_ms": statistics.median(seconds) * 1000, "min_ms": min(seconds) * 1000,
            "runs": len(seconds)}


def run_child(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and standard output of one fresh process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            err.seek(0)
            sys.exit(f"{' '.join(args)} failed:\n{err.read().decode()}")
        out.seek(0)
        return seconds, usage.ru_maxrss, out.read().decode()


def traced_peak(call) -> int:
    """Peak bytes Python allocated during one call."""
    gc.collect()
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------- benchmarks

def compiled() -> None:
    """Byte-compile briefgen, as installing a wheel does: an editable install under
    PYTHONDONTWRITEBYTECODE would compile it again in every measured process."""
    compileall.compile_dir(ROOT / "briefgen", quiet=1)


def bench_imports() -> dict:
    seconds = [float(run_child([sys.executable, "-c", IMPORT_PROBE])[2])
               for _ in range(PROCESS_RUNS)]
    modules = [*IMPORTS, *(f"the {fmt} renderer" for fmt in FORMATS)]
    return {"modules": modules, **summary(seconds)}


def bench_build() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run_child([str(BRIEFGEN), "build", "--out", f"{tmp}/{n}"])
                for n in range(PROCESS_RUNS)]
        written = len(list(Path(tmp, "0").rglob("*.*")))
    seconds = [run[0] for run in runs]
    return {"command": f"{BRIEFGEN} build --out <tmpdir>", "outputs": written,
            "maxrss_kib": max(run[1] for run in runs), **summary(seconds)}


def warm_up(loaded, settings) -> dict:
    """Render every document once (cold caches), in the order of the table."""
    return {(audience, fmt): timed(lambda: pipeline.render(loaded, audience, fmt, settings), 1)[0]
            for audience in AUDIENCES for fmt in FORMATS}


def stage_calls(loaded, audience: str, fmt: str, settings) -> dict:
    """The pipeline's per-document stages, each one callable on its own."""
    text = pipeline.markdown_for(loaded, audience, settings)
    document = pipeline.document_for(loaded, audience, settings)
    renderer = pipeline.renderer_for(fmt)
    theme = settings.theme_for(settings.audience(audience))
    glyphs = {"glyph check": lambda: pipeline.check_glyphs(loaded, theme)}
    return {**(glyphs if renderer.embeds_fonts else {}),
            "template->markdown": lambda: pipeline.markdown_for(loaded, audience, settings),
            "markdown->blocks": lambda: markup.parse(text),
            "renderer": lambda: renderer(theme).render(document)}


def bench_document(loaded, audience: str, fmt: str, settings, first: float) -> dict:
    total = timed(lambda: pipeline.render(loaded, audience, fmt, settings))
    stages = {name: summary(timed(call))
              for name, call in stage_calls(loaded, audience, fmt, settings).items()}
    return {**summary(total), "first_ms": first * 1000, "stages": stages}


def bench_renders() -> dict:
    settings = Project.at(ROOT)
    loaded = briefgen.load_brief(SEED)
    first = warm_up(loaded, settings)
    documents = {audience: {fmt: bench_document(loaded, audience, fmt, settings,
                                                first[audience, fmt]) for fmt in FORMATS}
                 for audience in AUDIENCES}
    load = summary(timed(lambda: briefgen.load_brief(SEED)))
    peaks = {fmt: traced_peak(lambda: pipeline.render(loaded, AUDIENCES[0], fmt, settings))
             for fmt in FORMATS}
    return {"load+validate": load, "documents": documents, "tracemalloc_peak_bytes": peaks}


# ------------------------------------------------------------------ reporting

def verdict(value_ms: float, target_ms: float, unit: str = "ms") -> str:
    scale = 1000 if unit == "s" else 1
    met = "ok" if value_ms < target_ms else "MISSED"
    return f"target < {target_ms / scale:g} {unit}: {met}"


def document_rows(documents: dict) -> list[str]:
    rows = [f"  {'audience':<11} {'fmt':<5} {'median':>8} {'min':>8} {'first':>8}"]
    for audience, by_format in documents.items():
        for fmt, d in by_format.items():
            rows.append(f"  {audience:<11} {fmt:<5} {d['median_ms']:8.1f} {d['min_ms']:8.1f} "
                        f"{d['first_ms']:8.1f}   {verdict(d['median_ms'], TARGETS_MS[fmt])}")
    return rows


def stage_rows(documents: dict) -> list[str]:
    names = ("glyph check", "template->markdown", "markdown->blocks", "renderer")
    rows = [f"  {'audience':<11} {'fmt':<5}" + "".join(f"{n:>20}" for n in names)]
    for audience, by_format in documents.items():
        for fmt, d in by_format.items():
            cells = [d["stages"].get(n, {}).get("median_ms") for n in names]
            rows.append(f"  {audience:<11} {fmt:<5}" + "".join(
                f"{'-' if c is None else f'{c:.1f}':>20}" for c in cells))
    return rows


def headline(documents: dict) -> str:
    cells = [f"{fmt.upper()} {d['median_ms']:.1f} ms ({verdict(d['median_ms'], TARGETS_MS[fmt])})"
             for fmt, d in documents[AUDIENCES[0]].items()]
    return f"Headline ({AUDIENCES[0]}, in process, median of {RUNS}):  " + ", ".join(cells)


def build_line(build: dict) -> str:
    return (f"Whole build, `briefgen build --out <tmpdir>` ({build['outputs']} files), median of "
            f"{PROCESS_RUNS}:  {build['median_ms'] / 1000:.3f} s (min {build['min_ms'] / 1000:.3f}"
            f" s), {verdict(build['median_ms'], TARGETS_MS['build'], 's')}")


def memory_line(build: dict, peaks: dict) -> str:
    return (f"Memory: build process ru_maxrss {build['maxrss_kib'] / 1024:.1f} MiB;  tracemalloc "
            f"peak of one {AUDIENCES[0]} render: DOCX {peaks['docx'] / 2**20:.2f} MiB, "
            f"PDF {peaks['pdf'] / 2**20:.2f} MiB")


def table(results: dict) -> str:
    imports, renders, build = results["imports"], results["renders"], results["build"]
    load = renders["load+validate"]
    return "\n".join([
        f"briefgen benchmark  ({results['machine']['summary']})", "",
        headline(renders["documents"]), "",
        f"Imports, fresh process, median of {PROCESS_RUNS}:  {imports['median_ms']:.1f} ms "
        f"(min {imports['min_ms']:.1f})",
        f"Load + validate the seed, in process:  {load['median_ms']:.1f} ms median, "
        f"{load['min_ms']:.1f} min  (once per brief, not per document)", "",
        f"Per document, in process (ms; median/min of {RUNS}, first = warm-up, cold caches):",
        *document_rows(renders["documents"]), "",
        f"Stages of one document (ms, median of {RUNS}; pipeline.render is about their sum):",
        *stage_rows(renders["documents"]), "",
        build_line(build), "",
        memory_line(build, renders["tracemalloc_peak_bytes"]),
    ])


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "briefgen": briefgen.__version__}
    info["summary"] = (f"Python {info['python']}, {info['platform']}, {info['cpus']} CPUs, "
                       f"{time.strftime('%Y-%m-%d %H:%M')}")
    return info


def main() -> None:
    compiled()
    results = {"machine": machine(), "targets_ms": TARGETS_MS, "imports": bench_imports(),
               "build": bench_build(), "renders": bench_renders()}
    print(table(results))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
