"""How a build reports itself: a progress bar on a terminal, log lines otherwise,
and a JSON summary for cron and CI."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager

import click

from ..build.builder import BuildReport
from ..build.publish import BriefResult


def _log(result: BriefResult) -> None:
    for output in result.written:
        click.echo(f"wrote {output.path} ({output.seconds * 1000:.0f} ms)")


@contextmanager
def progress_for(quiet: bool):
    """A progress callback for ``build``: a rich bar on a terminal, plain lines elsewhere."""
    if quiet:
        yield None
    elif sys.stderr.isatty():
        with _bar() as callback:
            yield callback
    else:
        yield lambda event, payload: _log(payload) if event == "done" else None


@contextmanager
def _bar():
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("", total=0)

        def callback(event, payload):
            if event == "start":
                bar.update(task, total=payload)
            else:
                bar.update(task, advance=1, description=payload.job.path.name)
        yield callback


def print_summary(report: BuildReport) -> None:
    for failure in report.failures:
        for problem in failure.problems:
            click.echo(str(problem), err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    built = len({o.path.parent for o in report.written})
    click.echo(f"{len(report.written)} file(s) of {built} brief(s) built, "
               f"{len(report.skipped)} brief(s) up to date, {len(report.failures)} failed "
               f"({report.seconds:.2f} s)", err=True)
    if not report.written and not report.failures:
        click.echo("nothing to do: every output is up to date", err=True)
    elif report.failures:
        click.echo("the failed briefs' previous outputs are untouched", err=True)


def summary_json(report: BuildReport) -> str:
    return json.dumps({
        "ok": report.ok,
        "built": [{"path": str(o.path), "seconds": round(o.seconds, 4)} for o in report.written],
        "skipped": [str(p) for p in report.skipped],
        "failed": [[str(p) for p in failure.problems] for failure in report.failures],
        "warnings": [str(w) for w in report.warnings],
        "seconds": round(report.seconds, 4),
    }, indent=2)
