"""What tagging and pagination cost, in process: the seed's PDFs, and long tables.

Run on demand: ``.venv/bin/python benchmarks/bench_pages.py [--tree DIR]``.  With
``--tree`` the briefgen of another checkout is measured instead (for a before-and-after
figure, run it against a checkout of the commit before, in turns with this one).  It
prints, and writes to ``benchmarks/results/bench_pages.json``:

* the seed's PDF per audience: median and min of 20 renders after a warm-up, the
  document composed once (the renderer alone is timed);
* with ``--untagged``, the same renders with the tagger's work taken out (its text,
  link, figure and tree-writing steps made no-ops), so that the cost of tagging is
  the difference between two runs of one checkout;
* a table of 500, 2,000 and 5,000 rows (three columns of short text) in an otherwise
  empty brief: median of 5 renders, and the cost per row.

Nothing is asserted; the targets are printed beside the figures: tagging at most 15%
of the render, and the cost per row at 5,000 rows within 1.2x of that at 500.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = (500, 2000, 5000)
AUDIENCES = ("analytical", "executive", "public")

BRIEF = """\
title: A long table
edition: 2026-11-24
organisation: Benchmark Institute
authors: [{{name: Desk}}]
marking: OFFICIAL
default_audiences: [analytical]
summary: ["One table of {rows} rows."]
statuses: {{Confirmed: "#1A1A1A"}}
sections:
  - kind: findings
    title: Rows
    body: ["The table follows."]
    tables:
      - id: rows
        caption: Every row
        columns: [Name, Description, {{name: Status, status: true}}]
        rows:
{lines}
"""


def long_brief(rows: int) -> str:
    lines = "\n".join(f'          - ["Item {n}", "A description of item {n} in a few words",'
                      ' "Confirmed"]' for n in range(rows))
    return BRIEF.format(rows=rows, lines=lines)


def timed(call, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def renderer_call(project, loaded, audience: str):
    from briefgen.build import stages
    document = stages.document_for(loaded, audience, project)
    theme = project.theme_for(project.audience(audience))
    renderer = stages.renderer_for("pdf")
    return lambda: renderer(theme).render(document)


def bench_seed(root: Path) -> dict:
    from briefgen.data.load import load_brief
    from briefgen.project import Project
    project = Project.at(root)
    loaded = load_brief(root / "data" / "russia-china-taiwan.yaml")
    results = {}
    for audience in AUDIENCES:
        call = renderer_call(project, loaded, audience)
        call()
        seconds = timed(call, 20)
        results[audience] = {"median_ms": statistics.median(seconds) * 1000,
                             "min_ms": min(seconds) * 1000}
    return results


def bench_rows(root: Path) -> dict:
    from briefgen.data.load import load_brief
    from briefgen.project import Project
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        project_dir = Path(tmp)
        shutil.copytree(root / "templates", project_dir / "templates")
        (project_dir / "data").mkdir()
        project = Project.at(project_dir)
        for rows in ROWS:
            path = project_dir / "data" / f"rows-{rows}.yaml"
            path.write_text(long_brief(rows), encoding="utf-8")
            call = renderer_call(project, load_brief(path), "analytical")
            call()
            median = statistics.median(timed(call, 5))
            results[rows] = {"median_ms": median * 1000, "ms_per_row": median * 1000 / rows}
    return results


def untagged() -> None:
    """Take the tagger's work out of this process's renders (for the cost of tagging):
    what each flowable's drawing, text objects, figures and annotations ask of it, and
    the writing of the tree."""
    from briefgen.renderers.pdf import tagging
    from contextlib import nullcontext
    tagger = tagging.Tagger
    tagger.drawing = lambda self, flowable: nullcontext()
    tagger.text_begun = lambda self, text: setattr(self, "open", None)
    tagger.text_ended = lambda self, code: False
    tagger.write = lambda self, doc, pages, meta: None
    tagger.figure = lambda self, code, element, draw, resume=None: draw()
    tagger.annotated = lambda self, element, name, description: None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE.parent,
                        help="the checkout whose briefgen is measured")
    parser.add_argument("--only", choices=("seed", "rows"))
    parser.add_argument("--untagged", action="store_true",
                        help="measure with the tagger's work taken out")
    args = parser.parse_args()
    root = args.tree.resolve()
    sys.path.insert(0, str(root))
    import briefgen
    if args.untagged:
        untagged()
    print(f"briefgen from {Path(briefgen.__file__).parent}"
          + (" (untagged)" if args.untagged else ""))
    report: dict = {"tree": str(root), "untagged": args.untagged}
    if args.only != "rows":
        report["seed_pdf"] = bench_seed(root)
        for audience, figures in report["seed_pdf"].items():
            print(f"seed {audience:11} pdf  {figures['median_ms']:7.1f} ms median, "
                  f"{figures['min_ms']:.1f} min")
    if args.only != "seed":
        report["long_table"] = bench_rows(root)
        for rows, figures in report["long_table"].items():
            print(f"table of {rows:5} rows  {figures['median_ms']:8.0f} ms, "
                  f"{figures['ms_per_row']:.3f} ms per row")
        per_row = report["long_table"]
        print(f"per row at 5,000 / at 500: {per_row[5000]['ms_per_row'] / per_row[500]['ms_per_row']:.2f}x"
              " (target: at most 1.2x)")
    out = HERE / "results" / "bench_pages.json"
    if root == HERE.parent and not args.untagged:
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
