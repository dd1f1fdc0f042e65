"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 data or template errors, 2 usage errors.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import click

from .errors import BriefgenError

# The command line loads no pydantic plugins: looking for them scans every installed
# package's metadata, 15 ms of each run.  (The library, imported by others, does not do this.)
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _fail(error: BriefgenError) -> None:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    sys.exit(error.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefgen")
def main() -> None:
    """Turn curated YAML data into DOCX and PDF policy briefs, one per audience."""
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum, frame) -> None:
    """A scheduler's stop (SIGTERM) unwinds like an interrupt: temporary files are removed,
    queued work is cancelled, workers end, then the output lock is released; outputs stay
    whole.  A second stop while unwinding is ignored, so the unwinding finishes."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--audience", "audiences", multiple=True, metavar="NAME",
              help="Build only this audience (repeatable).")
@click.option("--format", "fmts", multiple=True, metavar="FORMAT",
              help="Build only this format: docx or pdf (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: out/ in the project).")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root holding data/ and templates/.")
@click.option("--strict", is_flag=True, help="Treat warnings (page budget, stale items) as errors.")
@click.option("--force", is_flag=True, help="Rebuild every output, even those up to date.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait for another build holding the lock on the output folder.")
def build(files, audiences, fmts, out, project, strict, force, jobs, as_json, wait) -> None:
    """Render what is outdated into OUT/<brief>/<brief>-<audience>.docx and .pdf."""
    import gc
    import os

    from . import report as show
    from .build import Project, build as run_build

    gc.freeze()   # the imported modules live to the end: keep the collector off them
    try:
        with show.progress_for(quiet=as_json) as progress:
            report = run_build(Project.at(project, out), list(files) or None,
                               list(audiences) or None, list(fmts) or None, strict=strict,
                               force=force, jobs=jobs or os.cpu_count() or 1, wait=wait,
                               progress=progress)
    except BriefgenError as error:
        _fail(error)
    if as_json:
        click.echo(show.summary_json(report))
    else:
        show.print_summary(report)
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root holding data/.")
def validate(files, project) -> None:
    """Check brief files (default: every file in data/) and report every problem."""
    from .build import Project
    from .load import load_brief

    try:
        paths = list(files) or Project.at(project).brief_files()
    except BriefgenError as error:
        _fail(error)
    problems = 0
    for path in paths:
        try:
            load_brief(path)
            click.echo(f"{path}: ok")
        except BriefgenError as error:
            problems += len(error.problems)
            for problem in error.problems:
                click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{problems} problem(s) found", err=True)
        sys.exit(1)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the brief data format."""
    from .model import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command()
@click.option("--audience", "audience_name", metavar="NAME", help="Show only this audience.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
def config(audience_name, project) -> None:
    """Print the resolved configuration, each value with where it came from."""
    from .config import load_config
    from .configview import describe

    try:
        resolved = load_config(project)
        click.echo(describe(resolved, audience_name))
    except BriefgenError as error:
        _fail(error)


@main.command()
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
def templates(project) -> None:
    """List the templates in effect and where each comes from."""
    from .config import load_config
    from .templating import templates_in_effect

    try:
        resolved = load_config(project)
    except BriefgenError as error:
        _fail(error)
    users: dict[str, list[str]] = {}
    for audience in resolved.audiences:
        users.setdefault(audience.template, []).append(audience.name)
    for name, path, origin in templates_in_effect(resolved.templates):
        used = f"  used by {', '.join(users[name])}" if name in users else ""
        click.echo(f"{name:<24} {origin:<28} {path}{used}")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory) -> None:
    """Create a new brief project in DIRECTORY that `briefgen build` can build at once."""
    from .scaffold import create

    try:
        for path in create(directory):
            click.echo(f"created {path}")
    except BriefgenError as error:
        _fail(error)


@main.command(name="cache")
@click.option("--clear", is_flag=True, help="Delete the cache (always safe).")
def cache_command(clear) -> None:
    """Show where the user cache is and how big it is, or clear it."""
    from . import cache

    folder = cache.directory()
    if folder is None:
        click.echo("the user cache is off (BRIEFGEN_CACHE_DIR, or a folder that is not "
                   "private to this user)")
        return
    if clear:
        count, size = cache.clear()
        click.echo(f"removed {count} entries ({size / 2**20:.1f} MiB) from {folder}")
        return
    count, size = cache.usage()
    click.echo(f"{folder}: {count} entries, {size / 2**20:.1f} MiB")


def _build_once(project: Path, jobs: int | None, strict: bool) -> Callable[[], None]:
    """A build to run again and again: failures are shown, never fatal."""
    import os

    from . import report as show
    from .build import Project, build as run_build

    def run() -> None:
        try:
            with show.progress_for(quiet=False) as progress:
                report = run_build(Project.at(project), jobs=jobs or os.cpu_count() or 1,
                                   strict=strict, progress=progress)
            show.print_summary(report)
        except BriefgenError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)

    return run


@main.command()
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes.")
def watch(project, jobs) -> None:
    """Rebuild whenever data, templates, themes or the project file change."""
    from .build import Project
    from .schedule import watch as run_watch

    try:
        resolved = Project.at(project)
    except BriefgenError as error:
        _fail(error)
    click.echo("watching for changes; Ctrl-C stops", err=True)
    try:
        run_watch(resolved, _build_once(project, jobs, strict=False))
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("cron")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Stop after this many builds (default: run until stopped).")
def schedule(cron, project, jobs, strict, runs) -> None:
    """Run the build in the foreground on a CRON expression, e.g. "0 6 * * 1-5"."""
    from .schedule import next_run, schedule as run_schedule

    try:
        next_run(cron, __import__("datetime").datetime.now())
        run_schedule(cron, _build_once(project, jobs, strict), runs,
                     announce=lambda when: click.echo(f"next build at {when:%Y-%m-%d %H:%M:%S}",
                                                      err=True))
    except BriefgenError as error:
        _fail(error)
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("brief", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
def diff(brief, project) -> None:
    """Print what changed in BRIEF since its last archived edition."""
    from .build import Project
    from .changes import compare
    from .editions import previous_snapshot
    from .load import load_brief

    try:
        resolved = Project.at(project)
        names = [a.name for a in resolved.settings.audiences]
        current = load_brief(brief, audiences=names, levels=resolved.settings.levels)
        snapshot = previous_snapshot(resolved.out, current.brief.id, current.brief.edition)
        if snapshot is None:
            click.echo(f"no earlier edition of {current.brief.id} in "
                       f"{resolved.out / current.brief.id / 'editions'}")
            return
        previous = load_brief(snapshot, audiences=names, levels=resolved.settings.levels,
                              default_id=current.brief.id)
    except BriefgenError as error:
        _fail(error)
    changes = compare(previous.brief, current.brief)
    click.echo(f"{current.brief.id}: edition {current.brief.edition} against "
               f"{previous.brief.edition}")
    for line in changes.lines() or ["no changes"]:
        click.echo(f"  {line}")
