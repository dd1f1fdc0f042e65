"""What a template sees: the brief as one audience may see it, its labels, and helpers,
with the type of each name for the template check."""

from __future__ import annotations

from ..data.audiences import Audience, source_numbers
from ..data.changes import Changes
from ..data.model import Brief, Source


def context(brief: Brief, audience: Audience, labels: dict,
            changes: Changes | None = None) -> dict:
    """What a template sees: the brief as this audience may see it, and helpers."""
    numbers = source_numbers(brief)
    tables = [t for section in brief.sections for t in section.tables]
    return {
        "brief": brief,
        "audience": audience,
        "labels": labels,
        "numbers": numbers,
        "sources": sorted(((numbers[s.id], s) for s in brief.sources), key=lambda p: p[0]),
        "table_numbers": {t.id: n for n, t in enumerate(tables, start=1)},
        "cite": True,
        "changes": changes,
    }



def context_types(labels: frozenset) -> dict:
    """The type of each name ``context`` gives templates, for the template check."""
    from .templatecheck import UNKNOWN, Mapping, Pair, Record, Seq

    return {"brief": Record(Brief), "audience": Record(Audience),
            "labels": Mapping(UNKNOWN, labels), "numbers": Mapping(UNKNOWN),
            "sources": Seq(Pair((UNKNOWN, Record(Source)))), "table_numbers": Mapping(UNKNOWN),
            "cite": UNKNOWN, "changes": Record(Changes)}
