"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 1 data or template errors, 2 usage errors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import BriefgenError


def _fail(error: BriefgenError) -> None:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    sys.exit(error.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefgen")
def main() -> None:
    """Turn curated YAML data into DOCX and PDF policy briefs, one per audience."""


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
@click.option("--strict", is_flag=True, help="Treat warnings (a page budget overrun) as errors.")
def build(files, audiences, fmts, out, project, strict) -> None:
    """Render briefs into OUT/<brief>/<brief>-<audience>.docx and .pdf."""
    import gc

    from .build import Project, build as run_build

    gc.freeze()   # the imported modules live to the end: keep the collector off them
    try:
        report = run_build(Project.at(project, out), list(files) or None,
                           list(audiences) or None, list(fmts) or None, strict=strict)
    except BriefgenError as error:
        _fail(error)
    for output in report.written:
        click.echo(f"wrote {output.path} ({output.seconds * 1000:.0f} ms)")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for failure in report.failures:
        for problem in failure.problems:
            click.echo(str(problem), err=True)
    if not report.ok:
        click.echo(f"{len(report.failures)} brief(s) failed; their previous outputs are "
                   "untouched", err=True)
        sys.exit(1)


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
