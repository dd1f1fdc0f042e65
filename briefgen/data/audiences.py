"""Audience selection: what each audience may see, decided once, before templates.

An item is shown when both its audience list and its visibility level allow
it.  Both are inherited: an item without ``audiences`` takes its section's,
and a section without one takes the brief's ``default_audiences``; an item
without ``level`` takes its section's, then the brief's ``default_level``,
then the lowest level declared.  An audience then sees the levels up to its
own, and only the section kinds and fields its configuration shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import SECTION_KINDS, Brief, Point, Section

__all__ = ["Audience", "BUILTIN_AUDIENCES", "select", "source_numbers", "walk_points"]

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
class _Rule:
    """Who may see an item, as inherited down to it."""

    audience: Audience
    levels: tuple

    def allows(self, item, audiences: tuple, level: str) -> tuple[bool, tuple, str]:
        audiences = item.audiences if item.audiences is not None else audiences
        level = item.level or level
        rank = self.levels.index
        shown = self.audience.name in audiences and rank(level) <= rank(self.audience.level)
        return shown, audiences, level


def select(brief: Brief, audience: Audience, levels: tuple = DEFAULT_LEVELS) -> Brief:
    """The brief as ``audience`` may see it: hidden sections, points, tables and fields removed."""
    rule = _Rule(audience, levels)
    inherited = (brief.default_audiences, brief.default_level or levels[0])
    sections = []
    for section in brief.sections:
        shown, *own = rule.allows(section, *inherited)
        if shown and section.kind in audience.sections:
            sections.append(_section(section, rule, tuple(own)))
    cited = _cited_sources(sections)
    sources = tuple(s for s in brief.sources if s.id in cited) if audience.shows("sources") else ()
    summary = brief.summary if audience.shows("summary") else ()
    return brief.model_copy(update={"sections": tuple(sections), "sources": sources,
                                    "summary": summary})


def _section(section: Section, rule: _Rule, inherited: tuple) -> Section:
    shows = rule.audience.shows
    points = _points(section.points, rule, inherited) if shows("points") else ()
    tables = tuple(t for t in section.tables if rule.allows(t, *inherited)[0]) \
        if shows("tables") else ()
    body = section.body if shows("body") else ()
    return section.model_copy(update={"points": points, "tables": tables, "body": body})


def _points(points: tuple[Point, ...], rule: _Rule, inherited: tuple) -> tuple[Point, ...]:
    kept = []
    for point in points:
        shown, *own = rule.allows(point, *inherited)
        if shown:
            kept.append(point.model_copy(update={"points": _points(point.points, rule,
                                                                   tuple(own))}))
    return tuple(kept)


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
