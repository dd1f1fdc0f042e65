"""Audience selection: what each audience may see, decided once, before templates.

An item is shown when both its audience list and its visibility level allow
it.  Both are inherited: an item without ``audiences`` takes its section's,
and a section without one takes the brief's ``default_audiences``; an item
without ``level`` takes its section's (a nested point its parent's, a row its
table's), then the brief's ``default_level``, then the lowest level declared.
An audience then sees the levels up to its own, and only the section kinds and
fields its configuration shows.  The summary is seen by every audience that
shows it, as it always was: only a summary paragraph that declares a level is
kept from the audiences below it.

What it sees is marked: each point, paragraph, caption and row whose level has
a portion mark shows it before its text, so every template prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .forms import Row
from .levels import LevelScale
from .model import SECTION_KINDS, Brief, Point, Section, Table
from .richtext import Rich, marked_text

__all__ = ["Audience", "BUILTIN_AUDIENCES", "highest_level", "select", "source_numbers",
           "walk_points"]

FIELDS = ("summary", "body", "points", "tables", "sources")
DEFAULT_LEVELS = ("public", "restricted")


@dataclass(frozen=True)
class Audience:
    """One audience, resolved: its values and, for each, where it came from."""

    name: str
    label: str
    template: str
    theme: str = "sober"
    level: str = "restricted"
    sections: tuple = SECTION_KINDS
    fields: tuple = FIELDS
    labels: dict = field(default_factory=dict)
    pages: int | None = None
    description: str = ""
    origins: dict = field(default_factory=dict, compare=False)

    def shows(self, what: str) -> bool:
        return what in self.fields


BUILTIN_AUDIENCES: dict[str, Audience] = {
    audience.name: audience for audience in (
        Audience("executive", "Executive brief", "executive.md.j2", pages=2,
                 description="Summary, key findings and a recommendations table; about two "
                             "pages."),
        Audience("analytical", "Analytical brief", "analytical.md.j2",
                 description="Everything the audience may see, with sources."),
        Audience("public", "Public brief", "public.md.j2", level="public",
                 description="Only what is marked for the public."),
    )
}


@dataclass(frozen=True)
class _Inherited:
    """Who may see an item, as inherited down to it, and where its level was written
    (``origin``, the path of that ``level:``; None for the lowest level, by default)."""

    audiences: tuple
    level: str
    origin: tuple | None = None

    def own(self, item, path: tuple) -> "_Inherited":
        """What ``item`` (at ``path``) declares, over what it inherits."""
        audiences = getattr(item, "audiences", None)
        audiences = self.audiences if audiences is None else audiences
        level = getattr(item, "level", None)
        if level:
            return _Inherited(audiences, level, path + ("level",))
        return _Inherited(audiences, self.level, self.origin)


class _Selection:
    """One audience's view of a brief: the items it may see, each at its resolved level
    with its portion mark, and the level and origin of everything it keeps (``held``)."""

    def __init__(self, audience: Audience, levels) -> None:
        self.audience = audience
        self.scale = LevelScale.of(levels)
        self.held: list[tuple[int, tuple | None]] = []

    def sees(self, own: _Inherited, audiences: bool = True) -> bool:
        listed = self.audience.name in own.audiences or not audiences
        return listed and self.scale.rank(own.level) <= self.scale.rank(self.audience.level)

    def hold(self, own: _Inherited) -> None:
        self.held.append((self.scale.rank(own.level), own.origin))

    def mark(self, text: Rich, own: _Inherited) -> Rich:
        return text.marked(self.scale.portion(own.level), own.level)

    def brief(self, brief: Brief) -> Brief:
        top = _Inherited(brief.default_audiences, brief.default_level or self.scale.lowest,
                         ("default_level",) if brief.default_level else None)
        shows = self.audience.shows     # in the order of the file: what is held first, first
        everyone = _Inherited((), self.scale.lowest)
        summary = self.paragraphs(brief.summary, everyone, ("summary",)) \
            if shows("summary") else ()
        sections = [kept for index, section in enumerate(brief.sections)
                    if section.kind in self.audience.sections
                    and (kept := self.section(section, top, ("sections", index)))]
        cited = _cited_sources(sections)
        sources = tuple(s for s in brief.sources if s.id in cited) if shows("sources") else ()
        return brief.model_copy(update={"sections": tuple(sections), "sources": sources,
                                        "summary": summary})

    def section(self, section: Section, inherited: _Inherited, path: tuple) -> Section | None:
        own = inherited.own(section, path)
        if not self.sees(own):
            return None
        self.hold(own)
        shows = self.audience.shows
        intro = section.points_intro and self.mark(section.points_intro, own)
        return section.model_copy(update={
            "level": own.level, "points_intro": intro,
            "body": self.paragraphs(section.body, own, path + ("body",)) if shows("body") else (),
            "points": self.points(section.points, own, path + ("points",))
            if shows("points") else (),
            "tables": self.tables(section.tables, own, path + ("tables",))
            if shows("tables") else ()})

    def paragraphs(self, paragraphs: tuple, inherited: _Inherited, path: tuple) -> tuple:
        kept = []
        for index, paragraph in enumerate(paragraphs):
            own = inherited.own(paragraph, path + (index,))
            if self.sees(own, audiences=False):
                self.hold(own)
                kept.append(self.mark(paragraph, own))
        return tuple(kept)

    def points(self, points: tuple[Point, ...], inherited: _Inherited, path: tuple) -> tuple:
        kept = []
        for index, point in enumerate(points):
            own = inherited.own(point, path + (index,))
            if self.sees(own):
                self.hold(own)
                kept.append(point.model_copy(update={
                    "level": own.level, "text": self.mark(point.text, own),
                    "points": self.points(point.points, own, path + (index, "points"))}))
        return tuple(kept)

    def tables(self, tables: tuple, inherited: _Inherited, path: tuple) -> tuple:
        kept = (self.table(table, inherited.own(table, path + (index,)), path + (index,))
                for index, table in enumerate(tables))
        return tuple(table for table in kept if table is not None)

    def table(self, table: Table, own: _Inherited, path: tuple) -> Table | None:
        """A table it may see, with the rows it may see; none if it may see no row."""
        if not self.sees(own):
            return None
        held = len(self.held)
        rows = self.rows(table.rows, own, path + ("rows",))
        if not rows:
            del self.held[held:]
            return None
        self.hold(own)
        portion = self.scale.portion(own.level)
        return table.model_copy(update={
            "level": own.level, "rows": rows, "caption": marked_text(table.caption, portion),
            "note": table.note and self.mark(table.note, own)})

    def rows(self, rows: tuple[Row, ...], inherited: _Inherited, path: tuple) -> tuple:
        kept = []
        for index, row in enumerate(rows):
            own = inherited.own(row, path + (index,))
            if self.sees(own, audiences=False):
                self.hold(own)
                first, *rest = row
                kept.append(row.at_level(own.level, (self.mark(first, own), *rest)))
        return tuple(kept)


def select(brief: Brief, audience: Audience, levels=DEFAULT_LEVELS) -> Brief:
    """The brief as ``audience`` may see it: hidden sections, points, tables, rows,
    paragraphs and fields removed; every item left at its resolved level, and shown with
    its level's portion mark, if the level has one."""
    return _Selection(audience, levels).brief(brief)


def highest_level(brief: Brief, audience: Audience, levels=DEFAULT_LEVELS) -> tuple:
    """The highest level among what ``audience`` sees of ``brief`` (its document holds
    nothing above it), and the path of the ``level:`` that set it (None: the lowest
    level, which no ``level:`` needs to set)."""
    selection = _Selection(audience, levels)
    selection.brief(brief)
    rank, origin = max(selection.held, key=lambda held: held[0], default=(0, None))
    return selection.scale.levels[rank], origin


def _cited_sources(sections) -> set[str]:
    cited: set[str] = set()
    for section in sections:
        for table in section.tables:
            cited.update(table.sources)
        for point in walk_points(section.points):
            cited.update(point.sources)
    return cited


def walk_points(points: tuple[Point, ...]):
    for point in points:
        yield point
        yield from walk_points(point.points)


def source_numbers(brief: Brief) -> dict[str, int]:
    """Citation numbers, in the order sources first appear in the brief."""
    order: list[str] = []
    for section in brief.sections:
        for point in walk_points(section.points):
            order.extend(s for s in point.sources if s not in order)
        for table in section.tables:
            order.extend(s for s in table.sources if s not in order)
    return {source_id: number for number, source_id in enumerate(order, start=1)}
