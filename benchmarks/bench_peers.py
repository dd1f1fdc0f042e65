"""briefgen beside its peers on this machine: Pandoc, LibreOffice and WeasyPrint.

Run on demand with ``.venv/bin/python benchmarks/bench_peers.py`` (with
``BRIEFGEN_WEASYPRINT=/path/to/weasyprint`` when WeasyPrint is not on PATH, for example in
its own venv); the tests never run it.  It prints a table and writes the same numbers to
``benchmarks/results/bench_peers.json``.  Nothing is asserted: the targets are printed
beside the figures.

Every tool gets the same content: the seed brief, and the seed scaled 10x and 50x (its
sections repeated with unique section and table ids, written as YAML to a temporary
folder and checked with ``briefgen validate``).  The peers get the Markdown that
briefgen's templates make of it (``briefgen.pipeline.markdown_for``); they may not
understand its ``:::`` containers or ``{.caption}`` attributes, which is fine: the text
is the same.

* briefgen in process: ``pipeline.render`` per document after the imports and a warm-up
  render, median of N (N adapted to the size), ``tracemalloc`` peak;
* briefgen as a process: ``briefgen build FILE --audience analytical --format F --force``
  per document, and ``briefgen build SEED --force`` for all six documents (median of 5);
* Pandoc (Markdown -> DOCX and -> HTML), LibreOffice (``soffice --headless --convert-to
  pdf`` on Pandoc's DOCX) and WeasyPrint (HTML -> PDF; ``BRIEFGEN_WEASYPRINT`` or PATH),
  each as a whole process per document as their users run them, peak ``ru_maxrss``;
  each measured where installed and skipped with a note where not;
* a long table (500, 1,000 and 2,000 rows) rendered to PDF in process, in ms per row.

Every process command runs once unmeasured first (disk caches, LibreOffice's profile),
and is started by a small launcher process so that its ``ru_maxrss`` is its own.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_render import compiled, summary, timed, traced_peak  # on sys.path as a script

import briefgen
from briefgen.build import stages as pipeline
from briefgen.project import Project
from briefgen.data.load import read_yaml
from briefgen.data.yamlsource import AmbiguousScalar

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "russia-china-taiwan.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "bench_peers.json"
BRIEFGEN = Path(sys.executable).parent / "briefgen"
AUDIENCE = "analytical"                          # the per-document audience (the longest)
AUDIENCES = ("executive", "analytical", "public")
FORMATS = ("docx", "pdf")
SCALES = (1, 10, 50)
LONG_ROWS = (500, 1000, 2000)
BUDGET_S = 3.0                     # in process: runs = budget / first render, within bounds
RUNS = (3, 30)
PROCESS_BUDGET_S = 15.0            # processes: the same, within PROCESS_RUNS
PROCESS_RUNS = (3, 5)
BRIEFGEN_PROCESS_RUNS = 5
TARGETS = {"in_process_ms": 12.0, "build_speedup": 5.0, "docx_vs_pandoc": 2.0,
           "scale_50x_vs_1x": 40.0}
LEGEND = ("Per document, median ms; peak MiB is tracemalloc for in-process rows, ru_maxrss "
          "otherwise;\n/bg proc and /bg in-proc: this time over briefgen's in the same format, "
          "as a process and in process")
IMPORT_PROBE = ("import briefgen.cli, briefgen.build\nfrom briefgen import pipeline\n"
                "for fmt in ('docx', 'pdf'):\n    pipeline.renderer_for(fmt)")

# Commands are started by a small launcher process, not by this one: on Linux a child's
# ru_maxrss starts at the RSS of the process that forked it (the high-water mark of the
# parent's memory image is kept through exec), which here would be this process, with
# briefgen loaded and big briefs rendered.  The launcher's own, about 14 MiB, is the floor.
LAUNCHER = r"""
import json, os, subprocess, sys, tempfile, time
for line in sys.stdin:
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        try:
            child = subprocess.Popen(json.loads(line), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=err)
        except OSError as error:
            print(json.dumps([0, 0, 127, str(error)]), flush=True)
            continue
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        print(json.dumps([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
                          err.read()[-4000:].decode(errors="replace")]), flush=True)
"""
_launcher: subprocess.Popen | None = None


class Failed(Exception):
    """A process exited non-zero or did not write its output."""


# ------------------------------------------------------------------ measuring

def runs_for(first_s: float, budget_s: float, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], int(budget_s / max(first_s, 1e-6))))


def launcher() -> subprocess.Popen:
    """The one small process that starts every measured command (started on first use)."""
    global _launcher
    if _launcher is None:
        _launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return _launcher


def stop_launcher() -> None:
    if _launcher is not None:
        _launcher.stdin.close()
        _launcher.wait()


def run_child(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB, the process and its children) of one process."""
    process = launcher()
    process.stdin.write(json.dumps(args) + "\n")
    process.stdin.flush()
    seconds, maxrss_kib, code, err = json.loads(process.stdout.readline())
    if code:
        tail = " / ".join(err.strip().splitlines()[-3:])
        raise Failed(f"{Path(args[0]).name} exited {code}: {tail}")
    return seconds, maxrss_kib


def run_steps(steps: list[tuple[list[str], Path | None]]) -> tuple[float, int]:
    """Run commands one after another; their summed seconds and largest peak RSS."""
    total, peak = 0.0, 0
    for args, _ in steps:
        seconds, rss = run_child(args)
        total, peak = total + seconds, max(peak, rss)
    return total, peak


def measure_steps(steps: list[tuple[list[str], Path | None]], fixed_runs: int | None = None) -> dict:
    """Median wall time of a sequence of processes, after one unmeasured warm-up run.

    Each step is (arguments, the file it must write or None): the warm-up checks that
    it writes it."""
    outputs = [output for _, output in steps if output is not None]
    for output in outputs:
        output.unlink(missing_ok=True)
    first, _ = run_steps(steps)
    missing = [str(output) for output in outputs if not output.exists()]
    if missing:
        raise Failed(f"wrote no {', '.join(missing)}")
    runs = fixed_runs or runs_for(first, PROCESS_BUDGET_S, PROCESS_RUNS)
    measured = [run_steps(steps) for _ in range(runs)]
    return {**summary([m[0] for m in measured]), "warmup_ms": first * 1000,
            "maxrss_mib": max(m[1] for m in measured) / 1024, "processes": len(steps)}


def attempt(steps, fixed_runs: int | None = None) -> dict:
    """``measure_steps``, or a note saying why it could not run."""
    try:
        return measure_steps(steps, fixed_runs)
    except (Failed, OSError) as error:
        return {"skipped": str(error)}


# ----------------------------------------------------------------- the peers

def tool_version(args: list[str]) -> str:
    try:
        out = subprocess.run(args, check=False, capture_output=True, text=True, timeout=60,
                             cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def find_tools() -> dict:
    """Each peer's path and version, or a note saying it is not installed."""
    found = {"pandoc": shutil.which("pandoc"),
             "soffice": shutil.which("soffice") or shutil.which("libreoffice"),
             "weasyprint": os.environ.get("BRIEFGEN_WEASYPRINT") or shutil.which("weasyprint")}
    hints = {"pandoc": "apt-get install pandoc",
             "soffice": "apt-get install libreoffice-writer-nogui",
             "weasyprint": "pip install weasyprint in a venv, then set BRIEFGEN_WEASYPRINT"}
    tools = {}
    for name, path in found.items():
        if path and Path(path).exists():
            tools[name] = {"path": path, "version": tool_version([path, "--version"])}
        else:
            tools[name] = {"skipped": f"not installed ({hints[name]})"}
    return tools


def has(tools: dict, *names: str) -> bool:
    return all("path" in tools[name] for name in names)


def missing_note(tools: dict, *names: str) -> dict:
    return {"skipped": "; ".join(f"{n}: {tools[n]['skipped']}" for n in names
                                 if "skipped" in tools[n])}


def pandoc_docx(tools, md: Path) -> tuple[list[str], Path]:
    out = md.with_suffix(".pandoc.docx")
    return [tools["pandoc"]["path"], str(md), "-f", "markdown", "-o", str(out)], out


def pandoc_html(tools, md: Path) -> tuple[list[str], Path]:
    out = md.with_suffix(".html")
    return [tools["pandoc"]["path"], str(md), "-f", "markdown", "-s",
            "--metadata", f"pagetitle={md.stem}", "-o", str(out)], out


def soffice_pdf(tools, docx: Path, profile: Path) -> tuple[list[str], Path]:
    return ([tools["soffice"]["path"], f"-env:UserInstallation={profile.as_uri()}",
             "--headless", "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
            docx.with_suffix(".pdf"))


def weasyprint_pdf(tools, html: Path) -> tuple[list[str], Path]:
    out = html.with_suffix(".weasyprint.pdf")
    return [tools["weasyprint"]["path"], str(html), str(out)], out


def pandoc_weasyprint_pdf(tools, md: Path) -> tuple[list[str], Path]:
    """Markdown to PDF in one command, as a Pandoc user runs it (Pandoc calls WeasyPrint)."""
    out = md.with_suffix(".pandoc-weasyprint.pdf")
    return [tools["pandoc"]["path"], str(md), "-f", "markdown", "--metadata",
            f"pagetitle={md.stem}", "--pdf-engine", tools["weasyprint"]["path"],
            "-o", str(out)], out


def html_without_pandoc(md: Path) -> Path:
    """HTML from markdown-it-py (briefgen's own parser), when Pandoc is missing."""
    from markdown_it import MarkdownIt

    out = md.with_suffix(".html")
    body = MarkdownIt("commonmark").enable("table").render(md.read_text(encoding="utf-8"))
    out.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
                   f"<body>{body}</body></html>", encoding="utf-8")
    return out


def bench_peers(tools: dict, md: Path, profile: Path) -> dict:
    """Every peer step on one document's Markdown, each a whole process."""
    peers = {}
    if has(tools, "pandoc"):
        peers["pandoc md->docx"] = attempt([pandoc_docx(tools, md)])
        peers["pandoc md->html"] = attempt([pandoc_html(tools, md)])
    else:
        peers["pandoc md->docx"] = peers["pandoc md->html"] = missing_note(tools, "pandoc")
    if has(tools, "pandoc", "soffice") and "median_ms" in peers["pandoc md->docx"]:
        peers["soffice docx->pdf"] = attempt([soffice_pdf(tools, pandoc_docx(tools, md)[1],
                                                          profile)])
    else:
        peers["soffice docx->pdf"] = missing_note(tools, "pandoc", "soffice")
    if has(tools, "weasyprint"):
        html = pandoc_html(tools, md)[1] if has(tools, "pandoc") else html_without_pandoc(md)
        peers["weasyprint html->pdf"] = attempt([weasyprint_pdf(tools, html)])
    else:
        peers["weasyprint html->pdf"] = missing_note(tools, "weasyprint")
    if has(tools, "pandoc", "weasyprint"):
        peers["pandoc md->pdf (weasyprint)"] = attempt([pandoc_weasyprint_pdf(tools, md)])
    else:
        peers["pandoc md->pdf (weasyprint)"] = missing_note(tools, "pandoc", "weasyprint")
    return peers


# ------------------------------------------------------------ the scaled data

def yaml_scalar(value: object) -> str:
    """One value as YAML flow text; JSON strings are YAML double-quoted strings."""
    if isinstance(value, AmbiguousScalar):       # written unquoted in the seed: keep it so
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_scalar(k)}: {yaml_scalar(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def to_yaml(data: dict) -> str:
    """A brief as YAML: one top-level key a line, one section or row a line."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            lines.append(f"{key}:")
            lines.extend(f"  - {yaml_scalar(item)}" for item in value)
        else:
            lines.append(f"{key}: {yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def numbered_section(section: dict, copy: int) -> dict:
    """A copy of a section with unique section and table ids."""
    if copy == 1:
        return section
    tables = [{**t, "id": f"{t['id']}-{copy}"} for t in section.get("tables", [])]
    renamed = {**section, "title": f"{section['title']} ({copy})", "tables": tables}
    if "id" in section:
        renamed["id"] = f"{section['id']}-{copy}"
    return renamed


def scaled(data: dict, factor: int) -> dict:
    """The brief with its sections (points, tables and rows) repeated ``factor`` times."""
    sections = [numbered_section(s, copy) for copy in range(1, factor + 1)
                for s in data["sections"]]
    return {**data, "sections": sections}


def with_long_table(data: dict, rows: int) -> dict:
    """The brief with a ``rows``-row table in its first section (seen by every audience)."""
    statuses = list(data["statuses"])
    table = {"id": "long-table", "caption": f"A long table of {rows} rows",
             "sources": [data["sources"][0]["id"]],
             "columns": ["Item", "Detail", {"name": "Status", "status": True}],
             "rows": [[f"Item {n:05d}", f"Reported detail number {n} of the long table",
                       statuses[n % len(statuses)]] for n in range(1, rows + 1)]}
    first = data["sections"][0]
    sections = [{**first, "tables": [*first.get("tables", []), table]}, *data["sections"][1:]]
    return {**data, "sections": sections}


def write_brief(folder: Path, name: str, data: dict) -> Path:
    """Write a generated brief and check it with ``briefgen validate``."""
    path = folder / f"{name}.yaml"
    path.write_text(to_yaml(data), encoding="utf-8")
    out = subprocess.run([str(BRIEFGEN), "validate", str(path)], check=False, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"briefgen validate {path} failed:\n{out.stdout}{out.stderr}")
    return path


# ------------------------------------------------------------ briefgen itself

def bench_in_process(loaded, fmt: str, settings) -> dict:
    def render() -> bytes:
        return pipeline.render(loaded, AUDIENCE, fmt, settings)

    first = timed(render, 1)[0]                  # cold caches: fonts, templates
    warm = timed(render, 1)[0]
    seconds = timed(render, runs_for(warm, BUDGET_S, RUNS))
    return {**summary(seconds), "first_ms": first * 1000,
            "tracemalloc_peak_mib": traced_peak(render) / 2**20}


def briefgen_document(path: Path, fmt: str, out: Path) -> tuple[list[str], Path]:
    args = [str(BRIEFGEN), "build", str(path), "--audience", AUDIENCE, "--format", fmt,
            "--force", "--out", str(out)]
    return args, out / path.stem / f"{path.stem}-{AUDIENCE}.{fmt}"


def write_markdown(loaded, audience: str, settings, path: Path) -> Path:
    path.write_text(pipeline.markdown_for(loaded, audience, settings), encoding="utf-8")
    return path


def bench_size(factor: int, path: Path, tools: dict, settings, work: Path) -> dict:
    """briefgen and every peer on one size of the brief, analytical audience."""
    load = summary(timed(lambda: briefgen.load_brief(path), 3))
    loaded = briefgen.load_brief(path)
    md = write_markdown(loaded, AUDIENCE, settings, work / f"{path.stem}-{AUDIENCE}.md")
    in_process = {fmt: bench_in_process(loaded, fmt, settings) for fmt in FORMATS}
    process = {fmt: measure_steps([briefgen_document(path, fmt, work / "briefgen")],
                                  BRIEFGEN_PROCESS_RUNS) for fmt in FORMATS}
    return {"factor": factor, "yaml_kib": path.stat().st_size / 1024,
            "markdown_kib": md.stat().st_size / 1024, "load_ms": load["median_ms"],
            "in_process": in_process, "process": process,
            "peers": bench_peers(tools, md, work.parent / "lo-profile")}


def bench_sizes(tools: dict, settings, work: Path) -> dict:
    data = read_yaml(SEED).value
    sizes = {}
    for factor in SCALES:
        path = SEED if factor == 1 else write_brief(work, f"seed-x{factor}", scaled(data, factor))
        folder = work / f"x{factor}"
        folder.mkdir()
        print(f"  measuring the {factor}x brief ...", file=sys.stderr, flush=True)
        sizes[f"{factor}x"] = bench_size(factor, path, tools, settings, folder)
    return sizes


def bench_long_table(settings, work: Path) -> dict:
    """PDF of the seed with a long table, in process: the cost per row."""
    data = read_yaml(SEED).value
    results = {}
    for rows in LONG_ROWS:
        print(f"  measuring the {rows}-row table ...", file=sys.stderr, flush=True)
        path = write_brief(work, f"long-{rows}", with_long_table(data, rows))
        results[str(rows)] = bench_in_process(briefgen.load_brief(path), "pdf", settings)
    return results


# ------------------------------------------------------- the whole-build race

def bench_build(tools: dict, settings, work: Path) -> dict:
    """The seed's 6 documents: one briefgen process against one peer process each."""
    out = work / "build"
    loaded = briefgen.load_brief(SEED)
    mds = [write_markdown(loaded, a, settings, work / f"seed-{a}.md") for a in AUDIENCES]
    whole = [str(BRIEFGEN), "build", str(SEED), "--force", "--out", str(out)]
    outputs = out / SEED.stem / f"{SEED.stem}-{AUDIENCE}.pdf"
    build = {"briefgen build --force": measure_steps([(whole, outputs)], BRIEFGEN_PROCESS_RUNS),
             "briefgen build --force --jobs 1": measure_steps(
                 [([*whole, "--jobs", "1"], outputs)], BRIEFGEN_PROCESS_RUNS),
             # a machine's first run: nothing in the user cache (see briefgen/cache.py)
             "briefgen build --force, cache off": measure_steps(
                 [(["env", "BRIEFGEN_CACHE_DIR=off", *whole], outputs)], BRIEFGEN_PROCESS_RUNS),
             "python + briefgen imports only": measure_steps(
                 [([sys.executable, "-c", IMPORT_PROBE], None)], BRIEFGEN_PROCESS_RUNS)}
    if has(tools, "pandoc", "soffice"):
        docx = [pandoc_docx(tools, md) for md in mds]
        pdf = [soffice_pdf(tools, out, work / "lo-profile") for _, out in docx]
        build["pandoc + libreoffice"] = attempt(docx + pdf, BRIEFGEN_PROCESS_RUNS)
    else:
        build["pandoc + libreoffice"] = missing_note(tools, "pandoc", "soffice")
    if has(tools, "pandoc", "weasyprint"):
        docx = [pandoc_docx(tools, md) for md in mds]
        pdf = [pandoc_weasyprint_pdf(tools, md) for md in mds]
        build["pandoc + weasyprint"] = attempt(docx + pdf, BRIEFGEN_PROCESS_RUNS)
    else:
        build["pandoc + weasyprint"] = missing_note(tools, "pandoc", "weasyprint")
    return build


# ---------------------------------------------------------------- comparisons

def ms(entry: dict) -> float | None:
    return entry.get("median_ms")


def ratio(top: float | None, bottom: float | None) -> float | None:
    return None if top is None or not bottom else top / bottom


def check(name: str, value: float | None, target: str, met, note: str = "") -> dict:
    verdict = "skipped" if value is None else ("met" if met(value) else "MISSED")
    return {"comparison": name, "value": value, "target": target, "verdict": verdict,
            "note": note}


def comparisons(sizes: dict, build: dict) -> list[dict]:
    seed, big = sizes["1x"], sizes["50x"]
    bg_build = ms(build["briefgen build --force"])
    pandoc = seed["peers"]["pandoc md->docx"]
    out = [check(f"in-process {fmt.upper()}, seed ({AUDIENCE}), ms",
                 ms(seed["in_process"][fmt]), f"< {TARGETS['in_process_ms']:g} ms",
                 lambda v: v < TARGETS["in_process_ms"]) for fmt in FORMATS]
    for peer in ("pandoc + libreoffice", "pandoc + weasyprint"):
        out.append(check(f"cold build, seed, 6 documents: ({peer}) / briefgen",
                         ratio(ms(build[peer]), bg_build),
                         f">= {TARGETS['build_speedup']:g}x",
                         lambda v: v >= TARGETS["build_speedup"],
                         build[peer].get("skipped", "")))
    first_run = ms(build["briefgen build --force, cache off"])
    for peer in ("pandoc + libreoffice", "pandoc + weasyprint"):
        out.append(check(f"  the same, briefgen with its user cache off ({peer})",
                         ratio(ms(build[peer]), first_run), f">= {TARGETS['build_speedup']:g}x",
                         lambda v: v >= TARGETS["build_speedup"],
                         build[peer].get("skipped", "")))
    out.append(check("single cold DOCX: briefgen build / pandoc",
                     ratio(ms(seed["process"]["docx"]), ms(pandoc)),
                     f"<= {TARGETS['docx_vs_pandoc']:g}x",
                     lambda v: v <= TARGETS["docx_vs_pandoc"], pandoc.get("skipped", "")))
    out += [check(f"50x / 1x brief, in-process {fmt.upper()}",
                  ratio(ms(big["in_process"][fmt]), ms(seed["in_process"][fmt])),
                  f"< {TARGETS['scale_50x_vs_1x']:g}x",
                  lambda v: v < TARGETS["scale_50x_vs_1x"]) for fmt in FORMATS]
    return out


# ------------------------------------------------------------------ reporting

def cell(value: float | None, spec: str, width: int) -> str:
    return f"{'-' if value is None else format(value, spec):>{width}}"


def row(what: str, fmt: str, entry: dict, bg_process=None, bg_in_process=None,
        memory: str = "maxrss_mib") -> str:
    if "skipped" in entry:
        return f"  {what:<49} {fmt:<5} skipped: {entry['skipped']}"
    return (f"  {what:<49} {fmt:<5}{cell(ms(entry), '.1f', 10)}{cell(entry['runs'], 'd', 6)}"
            f"{cell(entry.get(memory), '.1f', 10)}"
            f"{cell(ratio(ms(entry), bg_process), '.2f', 11)}"
            f"{cell(ratio(ms(entry), bg_in_process), '.1f', 13)}")


def size_block(name: str, size: dict) -> list[str]:
    bg_in = {fmt: ms(size["in_process"][fmt]) for fmt in FORMATS}
    bg_proc = {fmt: ms(size["process"][fmt]) for fmt in FORMATS}
    peer_format = {"pandoc md->docx": "docx", "pandoc md->html": "html"}
    title = (f"{name} brief: YAML {size['yaml_kib']:.1f} KiB, {AUDIENCE} Markdown "
             f"{size['markdown_kib']:.1f} KiB, load+validate {size['load_ms']:.1f} ms")
    header = (f"  {'what':<49} {'fmt':<5}{'median ms':>10}{'runs':>6}{'peak MiB':>10}"
              f"{'/bg proc':>11}{'/bg in-proc':>13}")
    lines = [title, header]
    lines += [row("briefgen render() in process", fmt, size["in_process"][fmt], bg_proc[fmt],
                  bg_in[fmt], "tracemalloc_peak_mib") for fmt in FORMATS]
    lines += [row(f"briefgen build --audience {AUDIENCE} --format", fmt,
                  size["process"][fmt], bg_proc[fmt], bg_in[fmt]) for fmt in FORMATS]
    for what, entry in size["peers"].items():
        fmt = peer_format.get(what, "pdf")
        lines.append(row(what, fmt, entry, bg_proc.get(fmt), bg_in.get(fmt)))
    return lines


def long_table_block(long_table: dict, seed_pdf_ms: float) -> list[str]:
    title = (f"Long table in PDF, in process ({AUDIENCE}; added to the seed, whose PDF takes "
             f"{seed_pdf_ms:.1f} ms):")
    header = (f"  {'rows':>6}{'median ms':>11}{'runs':>6}{'ms/row':>9}{'ms/row added':>14}"
              f"{'tracemalloc MiB':>17}")
    lines = [title, header]
    for rows, entry in long_table.items():
        n = int(rows)
        lines.append(f"  {n:>6}{ms(entry):11.1f}{entry['runs']:6d}{ms(entry) / n:9.3f}"
                     f"{(ms(entry) - seed_pdf_ms) / n:14.3f}"
                     f"{entry['tracemalloc_peak_mib']:17.1f}")
    return lines


def build_block(build: dict) -> list[str]:
    bg = ms(build["briefgen build --force"])
    title = ("Cold build of the seed, 6 documents (3 audiences x DOCX+PDF), whole processes "
             "run one after another:")
    header = (f"  {'what':<44}{'procs':>6}{'median ms':>10}{'runs':>6}{'peak MiB':>10}"
              f"{'/briefgen':>11}")
    lines = [title, header]
    for what, entry in build.items():
        if "skipped" in entry:
            lines.append(f"  {what:<44} skipped: {entry['skipped']}")
            continue
        lines.append(f"  {what:<44}{entry['processes']:6d}{ms(entry):10.1f}{entry['runs']:6d}"
                     f"{entry['maxrss_mib']:10.1f}{cell(ratio(ms(entry), bg), '.2f', 11)}")
    return lines


def comparison_block(checks: list[dict]) -> list[str]:
    lines = ["Targets:"]
    for c in checks:
        value = "-" if c["value"] is None else f"{c['value']:.2f}"
        note = f"  ({c['note']})" if c["note"] else ""
        lines.append(f"  {c['comparison']:<64} {value:>8}  target {c['target']:<8} "
                     f"{c['verdict']}{note}")
    return lines


def tools_block(tools: dict) -> list[str]:
    return ["Peers: " + ";  ".join(
        f"{name} {t['version']}" if "path" in t else f"{name}: {t['skipped']}"
        for name, t in tools.items())]


def table(results: dict) -> str:
    sizes = results["sizes"]
    lines = [f"briefgen beside its peers  ({results['machine']['summary']})",
             *tools_block(results["tools"]), "",
             LEGEND, ""]
    for name, size in sizes.items():
        lines += [*size_block(name, size), ""]
    lines += [*long_table_block(results["long_table"], ms(sizes["1x"]["in_process"]["pdf"])), ""]
    lines += [*build_block(results["build"]), ""]
    lines += comparison_block(results["comparisons"])
    return "\n".join(lines)


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT,
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "briefgen": briefgen.__version__, "commit": git_commit(),
            "load_average": os.getloadavg()}
    info["summary"] = (f"briefgen {info['commit']}, Python {info['python']}, "
                       f"{info['platform']}, {info['cpus']} CPUs, load {info['load_average'][0]:.2f}"
                       f", {time.strftime('%Y-%m-%d %H:%M')}")
    return info


def main() -> None:
    compiled()
    tools = find_tools()
    settings = Project.at(ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        work = Path(tmp)
        try:
            results = {"machine": machine(), "tools": tools, "targets": TARGETS,
                       "sizes": bench_sizes(tools, settings, work),
                       "long_table": bench_long_table(settings, work),
                       "build": bench_build(tools, settings, work)}
        finally:
            stop_launcher()
    results["comparisons"] = comparisons(results["sizes"], results["build"])
    print(table(results))
    if git_commit() != results["machine"]["commit"]:
        print(f"\nwarning: the repository moved to {git_commit()} during the run; "
              "the processes may have run newer code than this one")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
