"""The preview's table: every brief and audience of the project, rendered in memory.

Each rebuild reads the project afresh (``Project.at``), plans every brief's HTML with
the build's own planner (``plan``, forced: every slot with its input key) and renders
again, through the build's one way to bytes (``work.run``), only the slots whose key
changed.  Other formats are planned and rendered when first asked for, and
the newest of each is kept with its input key.  The manifest is read back from the
output folder, as the build reads it, for the previous edition's data; nothing is ever
written.

Pages are found by name (``entry``, ``page``): a URL is looked up in this table, never
turned into a path.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, unquote

from ..build.manifest import Manifest
from ..build.plan import Job, plan
from ..build.publish import output_name
from ..build.work import Work, internal_error, run
from ..data.yamlsource import top_level_scalar
from ..errors import INTERRUPTS, BriefgenError, UsageError, printable
from ..project import Project
from ..renderers import formats as known_formats
from .guard import suspicious

SHOWN = "html"            # the format a page shows, rendered on every change
MAX_TITLE = 200


@dataclass
class Page:
    """One brief for one audience as the preview shows it."""

    audience: str
    key: str | None = None            # the input key of the HTML rendered last
    html: bytes | None = None         # None while the page has problems
    problems: tuple = ()
    last_good: bytes | None = None    # the HTML of the last render without problems


@dataclass
class Entry:
    """One brief file: its name in URLs, its title, its planned job and its pages."""

    name: str
    path: Path
    title: str
    job: Job | None = None            # None if the file could not even be planned
    problems: tuple = ()              # why it could not be planned
    pages: dict = field(default_factory=dict)      # audience -> Page


@dataclass(frozen=True)
class Rebuilt:
    """What one rebuild did: the pages whose content changed, the slots rendered
    ("name: audience/format"), whether the index changed, how long it took."""

    pages: tuple
    rendered: tuple
    index: bool
    seconds: float


class Table:
    """The project's briefs and audiences, their pages and downloads, in memory."""

    def __init__(self, root: Path, out: Path | None = None):
        self.root, self.out = root, out
        self.formats = known_formats()
        if SHOWN not in self.formats:
            raise UsageError("the preview shows briefs as HTML, but no html format is "
                             "installed (briefgen formats lists those that are)")
        self.project: Project | None = None
        self.manifest = Manifest()
        self.problems: tuple = ()          # the project's own: briefgen.yaml, its folders
        self.entries: dict[str, Entry] = {}
        self.audiences: dict[str, str] = {}    # name -> label
        self.downloads: dict = {}      # (name, audience, format) -> (input key, bytes)
        self.version = 0                   # counts the rebuilds that changed anything
        self.busy = False                  # while a render runs (a signal then ends it)

    # ------------------------------------------------------------ looking up

    def entry(self, name: str) -> Entry | None:
        return self.entries.get(name)

    def page(self, name: str, audience: str) -> Page | None:
        entry = self.entries.get(name)
        return entry.pages.get(audience) if entry is not None else None

    def problems_of(self, page: Page) -> tuple:
        """What keeps a page from showing: the project's problems, else its own."""
        return self.problems or page.problems

    # ------------------------------------------------------------ rebuilding

    def rebuild(self) -> Rebuilt:
        """Read the project again and render what changed; never raises for what a user
        can cause (it becomes the problems shown)."""
        started = time.perf_counter()
        before, index = self._shown(), self._index()
        rendered: list[str] = []
        try:
            self.busy = True
            self._replan()
            rendered = self._render_outdated()
        except BriefgenError as error:
            self.problems = tuple(error.problems)
        except INTERRUPTS:
            raise
        except Exception as error:  # noqa: BLE001 - a bug must not stop the preview
            self.problems = (internal_error(self.root, error),)
        finally:
            self.busy = False
        pages, changed = self._changed_since(before), self._index() != index
        if pages or changed:
            self.version += 1
        return Rebuilt(pages, tuple(rendered), changed, time.perf_counter() - started)

    def _changed_since(self, before: dict) -> tuple:
        """The pages that show something else now, those gone included."""
        after = self._shown()
        return tuple(key for key in dict.fromkeys([*before, *after])
                     if before.get(key) != after.get(key))

    def _replan(self) -> None:
        project = Project.at(self.root, self.out)
        paths = project.brief_files()
        audiences = {a.name: a.label for a in project.audiences}
        manifest = Manifest.load(project.out, recorded_path)     # read only
        planned = plan(project, manifest, paths, list(audiences), [SHOWN], force=True)
        self.project, self.manifest, self.problems = project, manifest, ()
        self.audiences = audiences
        self.entries = self._entries(planned, paths)
        self.downloads = {slot: kept for slot, kept in self.downloads.items()
                          if slot[0] in self.entries}

    def _entries(self, planned, paths: list[Path]) -> dict[str, Entry]:
        jobs = {job.path: job for job in planned.jobs}
        failures = failures_by_path(planned.failures, [p for p in paths if p not in jobs])
        entries = {}
        for path, name in url_names(paths).items():
            job = jobs.get(path)
            old = self.entries.get(name)
            title = brief_title(job) or (old.title if old is not None else name)
            entry = Entry(name, path, title, job, failures.get(path, ()))
            for audience in self.audiences:
                page = old.pages.get(audience) if old is not None else None
                entry.pages[audience] = page or Page(audience)
                if job is None:
                    show(entry.pages[audience], None, None, entry.problems)
            entries[name] = entry
        return entries

    def _render_outdated(self) -> list[str]:
        rendered = []
        for entry in self.entries.values():
            if entry.job is None:
                continue
            outdated = [a for a, page in entry.pages.items()
                        if page.key != entry.job.keys[f"{a}/{SHOWN}"]]
            if outdated:
                rendered.extend(self._render(entry, outdated))
        return rendered

    def _render(self, entry: Entry, audiences: list[str]) -> list[str]:
        """The HTML of ``audiences`` rendered together; if that fails, each on its own,
        so that one audience's problem (its template, say) blanks no other."""
        job = entry.job
        slots = tuple(f"{a}/{SHOWN}" for a in audiences)
        done = run(self.project, Work(replace(job, slots=slots), (SHOWN,)))
        if done.problems and len(audiences) > 1:
            return [made for a in audiences for made in self._render(entry, [a])]
        for audience, slot in zip(audiences, slots):
            page = entry.pages[audience]
            if done.problems:       # no key kept: the next change tries it again, as
                show(page, None, None, tuple(done.problems))   # its cause may lie elsewhere
            else:
                show(page, job.keys[slot], done.rendered[slot].data, ())
        return [f"{entry.path}: {slot}" for slot in slots]

    # ------------------------------------------------------------- downloads

    def download(self, entry: Entry, audience: str, fmt: str) -> bytes:
        """The brief in ``fmt``, rendered on first request and kept by its input key
        (planned now: a rebuild plans the HTML alone); a ``BriefgenError`` with the
        problems if it cannot be made."""
        if self.problems or entry.job is None:
            raise BriefgenError(list(self.problems or entry.problems))
        self.busy = True
        try:
            return self._download(entry, audience, fmt)
        finally:
            self.busy = False

    def _download(self, entry: Entry, audience: str, fmt: str) -> bytes:
        slot = f"{audience}/{fmt}"
        planned = plan(self.project, self.manifest, [entry.path], [audience], [fmt],
                       force=True)
        if planned.failures:
            raise BriefgenError([p for f in planned.failures for p in f.problems])
        job, held = planned.jobs[0], (entry.name, audience, fmt)
        key, data = self.downloads.get(held, (None, b""))
        if key != job.keys[slot]:
            done = run(self.project, Work(job, (fmt,)))
            if done.problems:
                raise BriefgenError(done.problems)
            key, data = job.keys[slot], done.rendered[slot].data
            self.downloads[held] = key, data      # the newest of each output only
        return data

    def file_name(self, entry: Entry, audience: str, fmt: str) -> str:
        """The name the build gives this output."""
        brief_id = entry.job.brief_id if entry.job is not None else entry.name
        return output_name(brief_id, f"{audience}/{fmt}").rpartition("/")[2]

    # ------------------------------------------------------------- comparing

    def _shown(self) -> dict:
        return {(e.name, a): (p.html, self.problems_of(p))
                for e in self.entries.values() for a, p in e.pages.items()}

    def _index(self) -> tuple:
        return (self.problems, tuple(self.audiences.items()),
                tuple((e.name, e.title, tuple(bool(self.problems_of(p)) for p in
                                               e.pages.values())) for e in self.entries.values()))


def show(page: Page, key: str | None, html: bytes | None, problems: tuple) -> None:
    page.key, page.html, page.problems = key, html, problems
    if html is not None:
        page.last_good = html


def url_names(paths: list[Path]) -> dict[Path, str]:
    """Each data file's name in URLs: its stem, or its whole name where two files share
    a stem (``a.yaml`` and ``a.yml``); a name that is no printable UTF-8 text (the file
    system allows any bytes) is named by its digest instead."""
    stems = Counter(path.stem for path in paths)
    names = {path: path.stem if stems[path.stem] == 1 else path.name for path in paths}
    return {path: name if printable_text(name) and servable(name) else
            "file-" + hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]
            for path, name in names.items()}


def servable(name: str) -> bool:
    """Whether a page's URL made of ``name`` passes the guard (a name with a backslash,
    or a dot part such as ``..``, would be listed and then refused), whoever decodes it
    once more (a name holding ``%`` is named by its digest too)."""
    path = f"/brief/{quote(name, safe='')}/x/"
    return "%" not in name and not suspicious(unquote(path), path.encode("ascii"))


def printable_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable()


def failures_by_path(failures: list[BriefgenError], unplanned: list[Path]) -> dict:
    """Each file's planning failures: those located in it, and for a file with none of
    its own, those located nowhere in particular (a theme's problem fails every file)."""
    named = {str(path): path for path in unplanned}
    found: dict[Path, tuple] = {}
    others: list = []
    for failure in failures:
        owner = next((named[p.location.file] for p in failure.problems
                      if p.location.file in named), None)
        if owner is None:
            others.extend(p for p in failure.problems if p not in others)
        else:
            found[owner] = found.get(owner, ()) + tuple(failure.problems)
    return {path: found.get(path) or tuple(others) for path in unplanned}


def brief_title(job: Job | None) -> str | None:
    """The title the data file declares, read from its bytes alone (None if it cannot
    be read so)."""
    title = top_level_scalar(job.data, "title") if job is not None else None
    return printable(title or "").strip()[:MAX_TITLE] or None


def recorded_path(brief_id: str, slot: str) -> str | None:
    """Where the build writes an output, for reading its manifest back (a record of a
    format no longer installed is still understood)."""
    try:
        return output_name(brief_id, slot)
    except (UsageError, ValueError):
        return None
