"""What an executor runs: one job's documents rendered to bytes, nothing written.

``run`` is submitted to whichever executor the build uses (this process, a pool of
worker processes, a cluster).  It loads the brief from the bytes the planner read,
takes each outdated document through ``stages``, and returns the bytes with the
warnings; failures of whatever kind are returned, never raised, so one brief's failure
stops no other.  Writing, editions and the manifest stay with the build.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..data.load import LoadedBrief
from ..errors import INTERRUPTS, BriefgenError, Location, Problem
from ..project import Project
from ..renderers import renderer_for
from . import stages
from .plan import Job
from .reviews import review_items, stale_reviews


@dataclass(frozen=True)
class Work:
    """One job, or the part of it in some of its formats (a brief's formats may be
    rendered by several workers at once when there are fewer briefs than workers)."""

    job: Job
    formats: tuple
    strict: bool = False


@dataclass
class Done:
    """What a worker made of one ``Work``."""

    work: Work
    rendered: dict = field(default_factory=dict)    # slot -> stages.Rendered
    warnings: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    brief_id: str | None = None
    edition: str | None = None
    reviews: list = field(default_factory=list)     # review dates, for the manifest


def run_elsewhere(project: Project, work: Work) -> Done:
    """``run`` in a worker process or on a cluster, keeping what the build it serves has
    read (its themes, templates and checks) from one job to the next."""
    return run(_served(project), work)


def prepare_elsewhere(project: Project, names, fmts) -> None:
    """Ready a worker for ``fmts`` while the build plans: import their renderers, read the
    fonts and build the styles of each audience's theme (a failure waits for the render
    that meets it)."""
    project = _served(project)
    try:
        for fmt in fmts:
            renderer = renderer_for(fmt)
            for name in names:
                renderer.prepare(project.theme_for(project.audience(name)))
    except BriefgenError:
        pass


def run(project: Project, work: Work) -> Done:
    """Render ``work``; every failure is returned as problems of its data file."""
    done = Done(work)
    path = work.job.path
    try:
        _render(project, work, done)
    except BriefgenError as error:
        done.problems = error.relocated(str(path)).problems
    except OSError as error:
        from ..files import os_problem

        done.problems = os_problem(error, "building it", str(path)).problems
    except MemoryError:
        done.problems = [Problem(Location(str(path)), "", "ran out of memory while "
                                 "building it (limits: max_render_memory)")]
    except INTERRUPTS:
        raise
    except BaseException as error:  # noqa: BLE001 - a bug, or a format's sys.exit, stops
        done.problems = [internal_error(path, error)]   # no other brief
    if done.problems:
        done.rendered = {}
    return done


def _render(project: Project, work: Work, done: Done) -> None:
    job = work.job
    loaded = project.load(job.path, data=job.data)
    if loaded.brief.id != job.brief_id:
        raise BriefgenError.at(str(job.path), "changed while the build was running; "
                                              "build again", field="id")
    done.brief_id, done.edition = loaded.brief.id, loaded.brief.edition.isoformat()
    done.reviews = review_items(loaded)
    done.warnings.extend(stale_reviews(done.reviews))
    previous = _previous(project, job, loaded, done.warnings)
    for name in job.audiences(work.formats):
        fmts = [f for f in work.formats if f"{name}/{f}" in job.slots]
        made = stages.make(project, loaded, name, fmts, previous)
        done.warnings.extend(made.warnings)
        for fmt, rendered in made.outputs.items():
            done.rendered[f"{name}/{fmt}"] = rendered
            done.warnings.extend(rendered.warnings)
    if work.strict and done.warnings:
        strict, done.warnings = done.warnings, []     # a verdict now, not also a warning
        raise BriefgenError(strict)


def _previous(project: Project, job: Job, loaded: LoadedBrief,
              warnings: list) -> LoadedBrief | None:
    """The last edition's data, for the "what changed" section; one that no longer loads
    is a warning, and the section is left out."""
    if job.snapshot is None:
        return None
    try:
        return project.load(job.snapshot.path, default_id=loaded.brief.id,
                            data=job.snapshot.data)
    except BriefgenError as error:
        warnings.append(Problem(Location(str(job.snapshot.path)), "", "the previous edition's "
                                "data no longer loads, so the \"what changed\" section is left "
                                f"out ({error.problems[0]})"))
        return None


def internal_error(path, error: BaseException) -> Problem:
    """A failure briefgen did not foresee, as one line (the traceback with BRIEFGEN_DEBUG=1)."""
    if os.environ.get("BRIEFGEN_DEBUG"):
        import traceback

        traceback.print_exception(error)
    return Problem(Location(str(path)), "", f"briefgen failed on it unexpectedly "
                   f"({type(error).__name__}: {str(error)[:200]}); this is a bug in briefgen: "
                   "please report it (BRIEFGEN_DEBUG=1 shows the details)")


# A worker process serves one build at a time: the project of the build it last served,
# with what that build read (themes, templates), so that its next job reads them again
# only if it belongs to another build.
_SERVING: dict = {}


@contextmanager
def serving(project: Project):
    """While a build runs its work elsewhere: worker processes forked from this one start
    with ``project`` as the build they serve, with everything it has read."""
    _SERVING.clear()
    _SERVING[project.state.token] = project
    try:
        yield
    finally:
        _SERVING.clear()


def _served(project: Project) -> Project:
    token = project.state.token
    if token not in _SERVING:
        _SERVING.clear()
        _SERVING[token] = project
    return _SERVING[token]
