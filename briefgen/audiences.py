"""Audiences, and the selection of what each one may see.

Visibility is inherited: an item without its own ``audiences`` list takes
its section's, and a section without one takes the brief's
``default_audiences``.  Selection returns a new, smaller ``Brief``; the
templates never decide visibility themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Brief, Point, Section, Table


@dataclass(frozen=True)
class Audience:
    name: str
    label: str
    template: str
    description: str


BUILTIN_AUDIENCES: dict[str, Audience] = {
    audience.name: audience for audience in (
        Audience("executive", "Executive brief", "executive.md.j2",
                 "Summary, key findings and a recommendations table; about two pages."),
        Audience("analytical", "Analytical brief", "analytical.md.j2",
                 "Everything the audience may see, with sources."),
        Audience("public", "Public brief", "public.md.j2",
                 "Only what is marked for the public."),
    )
}


def select(brief: Brief, audience: str) -> Brief:
    """The brief as ``audience`` may see it: hidden sections, points and tables removed."""
    inherited = brief.default_audiences
    sections = tuple(_section(s, audience, inherited) for s in brief.sections
                     if s.shown_to(audience, inherited))
    cited = _cited_sources(sections)
    sources = tuple(s for s in brief.sources if s.id in cited)
    return brief.model_copy(update={"sections": sections, "sources": sources})


def _section(section: Section, audience: str, inherited: tuple) -> Section:
    own = section.audiences if section.audiences is not None else inherited
    points = _points(section.points, audience, own)
    tables = tuple(t for t in section.tables if t.shown_to(audience, own))
    return section.model_copy(update={"points": points, "tables": tables})


def _points(points: tuple[Point, ...], audience: str, inherited: tuple) -> tuple[Point, ...]:
    kept = []
    for point in points:
        if point.shown_to(audience, inherited):
            own = point.audiences if point.audiences is not None else inherited
            kept.append(point.model_copy(update={"points": _points(point.points, audience, own)}))
    return tuple(kept)


def _cited_sources(sections: tuple[Section, ...]) -> set[str]:
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
