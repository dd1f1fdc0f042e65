"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 data, template, theme or file-system errors, 2 usage
errors, 3 the output folder is locked by another build, 130 interrupted (Ctrl-C),
143 stopped (SIGTERM).  Whatever fails, the user gets one line per problem, never
a traceback (``BRIEFGEN_DEBUG=1`` shows one for a failure briefgen did not foresee).
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import BriefgenError, Location, Problem, Stopped

# The command line loads no pydantic plugins: looking for them scans every installed
# package's metadata, 15 ms of each run.  (The library, imported by others, does not do this.)
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _fail(error: BriefgenError) -> None:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    sys.exit(error.exit_code)


class _Guarded(click.Group):
    """Every command's failures as messages and exit codes, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BriefgenError as error:
            _fail(error)
        except BrokenPipeError:          # the reader went away (`| head`): nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as error:
            from ..files import os_problem

            _fail(os_problem(error, ctx.invoked_subcommand or "briefgen"))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - a bug: one line, then exit 1
            from ..build.work import internal_error

            _fail(BriefgenError(internal_error(Path("briefgen"), error)))


class _Finite(click.FloatRange):
    """A number of seconds: ``nan`` and ``inf`` are usage errors, not waits."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return number


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"],
                                             "max_content_width": 100})
@click.version_option(package_name="briefgen")
def main() -> None:
    """Turn curated YAML data into DOCX, PDF and HTML policy briefs, one per audience."""
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGINT, _terminated)


def _terminated(signum, frame) -> None:
    """A scheduler's stop (SIGTERM) or Ctrl-C (SIGINT) unwinds the build: temporary files are
    removed, queued work is cancelled, workers end, then the output lock is released;
    outputs stay whole.  A second signal while unwinding is ignored, so the unwinding
    finishes.  Exit 128 + the signal: 143 and 130, as shells report them."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    context = click.get_current_context(silent=True)
    if context is not None:      # for commands a library turns the signal into a return
        context.find_root().meta["briefgen.stopped_by"] = signum
    raise Stopped(128 + signum)


def _exit_if_stopped() -> None:
    """Exit 130 or 143 if a signal stopped the command (``watch``'s file watcher reports
    a signal by returning or by KeyboardInterrupt, whatever the handler raised)."""
    signum = click.get_current_context().find_root().meta.get("briefgen.stopped_by")
    sys.exit(128 + signum if signum else 130)


@main.command(short_help="Render what is outdated into DOCX, PDF and HTML.")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--audience", "audiences", multiple=True, metavar="NAME",
              help="Build only this audience (repeatable).")
@click.option("--format", "fmts", multiple=True, metavar="FORMAT",
              help="Build only this format (repeatable); briefgen formats lists them.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: out/ in the project).")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root holding data/ and templates/.")
@click.option("--strict", is_flag=True, help="Treat warnings (page budget, stale items) as errors.")
@click.option("--force", is_flag=True, help="Rebuild every output, even those up to date.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--executor", metavar="URL", default=None,
              help="Run the work elsewhere: dask://HOST:PORT, a Dask cluster's scheduler "
                   "(needs briefgen[dask]).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option("--wait", type=_Finite(min=0), default=0.0, show_default=True,
              help="Seconds to wait for another build holding the lock on the output folder.")
def build(files, audiences, fmts, out, project, strict, force, jobs, executor, as_json,
          wait) -> None:
    """Render what is outdated into OUT/<brief>/<brief>-<audience>.docx, .pdf and .html
    (every format in effect, or those --format names)."""
    import gc
    import os

    from ..build.builder import build as run_build
    from ..project import Project
    from . import report as show

    gc.freeze()   # the imported modules live to the end: keep the collector off them
    try:
        with show.progress_for(quiet=as_json) as progress:
            report = run_build(Project.at(project, out), list(files) or None,
                               list(audiences) or None, list(fmts) or None, strict=strict,
                               force=force, jobs=jobs or os.cpu_count() or 1, wait=wait,
                               progress=progress, executor=executor)
    except BriefgenError as error:
        _fail(error)
    if as_json:
        click.echo(show.summary_json(report))
    else:
        show.print_summary(report)
    sys.exit(0 if report.ok else 1)


@main.command(short_help="Check brief files and report every problem.")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root holding briefgen.yaml and data/.")
def validate(files, project) -> None:
    """Check brief files (default: every file in data/) as a build would, short of writing
    anything: the project's audiences, levels and limits, its templates, the Markdown and
    the glyphs each audience's fonts must draw; report every problem."""
    from ..build import stages
    from ..project import Project

    resolved = Project.at(project)
    paths = list(files) or resolved.brief_files()
    audiences, template_problems = stages.checked_audiences(resolved)
    for problem in template_problems:
        click.echo(str(problem), err=True)
    problems, ids = len(template_problems), {}
    for path in paths:
        try:
            loaded = stages.check_brief(resolved, path, audiences)
            ids.setdefault(loaded.brief.id, []).append(path)
            click.echo(f"{path}: ok")
        except BriefgenError as error:
            problems += len(error.problems)
            for problem in error.problems:
                click.echo(str(problem), err=True)
    for brief_id, owners in ids.items():
        for path in owners[1:]:
            problems += 1
            click.echo(str(Problem(Location(str(path)), "id", f"found the brief id '{brief_id}', "
                                   f"which {owners[0]} also has; expected every brief id once "
                                   "in the project")), err=True)
    if problems:
        click.echo(f"{problems} problem(s) found", err=True)
        sys.exit(1)


@main.command(short_help="Print the JSON Schema of the data format.")
def schema() -> None:
    """Print the JSON Schema of the brief data format."""
    from ..data.model import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command(short_help="Print the resolved configuration and its origins.")
@click.option("--audience", "audience_name", metavar="NAME", help="Show only this audience.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
def config(audience_name, project) -> None:
    """Print the resolved configuration, each value with where it came from."""
    from ..project import Project
    from .configview import describe

    try:
        resolved = Project.at(project)
        click.echo(describe(resolved, audience_name))
    except BriefgenError as error:
        _fail(error)


@main.command(short_help="List the templates in effect and where each comes from.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
def templates(project) -> None:
    """List the templates in effect and where each comes from."""
    from ..compose.templating import BUILTIN_TEMPLATES, templates_in_effect
    from ..project import Project

    try:
        resolved = Project.at(project)
    except BriefgenError as error:
        _fail(error)
    users: dict[str, list[str]] = {}
    for audience in resolved.audiences:
        users.setdefault(audience.template.removeprefix("builtin/"), []).append(audience.name)
    own = resolved.templates.is_dir() and \
        resolved.templates.resolve() == BUILTIN_TEMPLATES.resolve()
    for name, path, origin in templates_in_effect(resolved.templates):
        if own:      # briefgen's own checkout: its templates/ is the project's and built-in
            origin = "project (briefgen's built-in set)"
        used = f"  used by {', '.join(users[name])}" if name in users else ""
        click.echo(f"{name:<24} {origin:<34} {path}{used}")


@main.command(short_help="List the output formats and executors in effect.")
def formats() -> None:
    """List the output formats in effect (each writes files of its name's extension) and
    the executors a build can run on, each with the package that registers it."""
    from ..build.executors import executors
    from ..renderers.registry import installed

    found = installed()
    for name in found.names():
        try:
            click.echo(f"{name:<8} .{name:<7} {found.origin(name)}")
        except BriefgenError as error:     # a name two packages register
            click.echo(f"{name:<8} refused: {error.problems[0].message}")
    for entry in found.misnamed:
        click.echo(f"{entry.name[:40]!r} refused: {found.described(entry)} registers a name "
                   "that is no file extension (expected a to z and digits, at most 16)")
    for scheme, origin in sorted(executors().items()):
        click.echo(f"executor {scheme}:// {origin}")


@main.command(short_help="Create a new project that builds at once.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory) -> None:
    """Create a new brief project in DIRECTORY that `briefgen build` can build at once."""
    from ..project.scaffold import create

    try:
        for path in create(directory):
            click.echo(f"created {path}")
    except BriefgenError as error:
        _fail(error)


@main.command(name="cache", short_help="Show or clear the user cache.")
@click.option("--clear", is_flag=True, help="Delete the cache (always safe).")
def cache_command(clear) -> None:
    """Show where the user cache is and how big it is, or clear it."""
    from .. import cache

    folder = cache.directory()
    if folder is None:
        click.echo("the user cache is off (BRIEFGEN_CACHE_DIR, or a folder that is not "
                   "private to this user)")
        return
    if clear:
        if not cache.is_briefgens(folder):
            click.echo(f"{folder} is not marked as briefgen's cache (no {cache.TAG}); "
                       "nothing was removed")
            return
        count, size = cache.clear()
        click.echo(f"removed {count} entries ({size / 2**20:.1f} MiB) from {folder}")
        return
    count, size = cache.usage()
    click.echo(f"{folder}: {count} entries, {size / 2**20:.1f} MiB")


def _build_once(project: Path, jobs: int | None, strict: bool,
                executor: str | None = None) -> Callable[[], int]:
    """A build to run again and again: failures are shown, never fatal; returns the exit
    code the build alone would have had."""
    import os

    from ..build.builder import build as run_build
    from ..project import Project
    from . import report as show

    def run() -> int:
        try:
            with show.progress_for(quiet=False) as progress:
                report = run_build(Project.at(project), jobs=jobs or os.cpu_count() or 1,
                                   strict=strict, progress=progress, executor=executor)
            show.print_summary(report)
            return 0 if report.ok else 1
        except BriefgenError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            return error.exit_code

    return run


@main.command(short_help="Rebuild on every save of the project's inputs.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes.")
def watch(project, jobs) -> None:
    """Rebuild whenever data, templates, themes or the project file change."""
    from ..build.schedule import watch as run_watch
    from ..project import Project

    resolved = Project.at(project)
    click.echo("watching for changes; Ctrl-C stops", err=True)
    try:
        run_watch(resolved, _build_once(project, jobs, strict=False))
    except KeyboardInterrupt:
        pass
    _exit_if_stopped()


@main.command(short_help="Build on a cron schedule, in the foreground.")
@click.argument("cron")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--executor", metavar="URL", default=None,
              help="Run each build's work on dask://HOST:PORT (needs briefgen[dask]).")
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Stop after this many builds, exiting with the last one's code "
                   "(default: run until stopped).")
def schedule(cron, project, jobs, strict, executor, runs) -> None:
    """Run the build in the foreground on a CRON expression, e.g. "0 6 * * 1-5"."""
    from ..build.schedule import next_run
    from ..build.schedule import schedule as run_schedule

    next_run(cron, __import__("datetime").datetime.now())
    try:
        code = run_schedule(cron, _build_once(project, jobs, strict, executor), runs,
                            announce=lambda when: click.echo(
                                f"next build at {when:%Y-%m-%d %H:%M:%S}", err=True))
    except KeyboardInterrupt:
        _exit_if_stopped()
    sys.exit(code)


@main.command(short_help="Print what changed since the last edition.")
@click.argument("brief", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root.")
def diff(brief, project) -> None:
    """Print what changed in BRIEF since its last archived edition."""
    from ..build.editions import previous_snapshot
    from ..data.changes import compare
    from ..project import Project

    resolved = Project.at(project)
    current = resolved.load(brief)
    snapshot = previous_snapshot(resolved.out, current.brief.id, current.brief.edition)
    if snapshot is None:
        click.echo(f"no earlier edition of {current.brief.id} in "
                   f"{resolved.out / current.brief.id / 'editions'}")
        return
    previous = resolved.load(snapshot, default_id=current.brief.id)
    changes = compare(previous.brief, current.brief)
    click.echo(f"{current.brief.id}: edition {current.brief.edition} against "
               f"{previous.brief.edition}")
    for line in changes.lines() or ["no changes"]:
        click.echo(f"  {line}")


@main.command(short_help="Serve a live preview of every brief in a browser.")
@click.option("--project", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Project root.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but a loopback address lets others on the "
                   "network read the briefs.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 takes any free port.")
@click.option("--write", is_flag=True,
              help="Also build into the output folder on every change, as build does.")
def preview(project, host, port, write) -> None:
    """Serve every brief and audience as HTML, its PDF and DOCX a click away, rendered in
    memory and again on every save of the data, templates, themes or project file; the
    open page reloads by itself.  Nothing is written unless --write is given.  Ctrl-C
    stops it (exit 130)."""
    from ..preview import serve

    signum = serve(project, host=host, port=port, write=write,
                   say=lambda line: click.echo(line, err=True))
    sys.exit(128 + signum if signum else 0)
