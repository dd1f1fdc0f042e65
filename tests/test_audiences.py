"""Audience selection: what each audience may see, decided once, before templates."""

from __future__ import annotations

from briefgen.data.audiences import BUILTIN_AUDIENCES, select, walk_points
from briefgen.data.load import load_brief

from .conftest import SEED


def visible_text(brief) -> str:
    parts = []
    for section in brief.sections:
        parts.append(section.title)
        parts.extend(point.text.plain() for point in walk_points(section.points))
        parts.extend(table.caption for table in section.tables)
    return "\n".join(parts)


def test_the_public_sees_only_what_is_marked_for_the_public():
    brief = select(load_brief(SEED).brief, BUILTIN_AUDIENCES["public"])
    assert [s.kind for s in brief.sections] == ["findings", "outlook"]
    text = visible_text(brief)
    assert "Supply of precision-guided munitions" in text
    assert "Joint cyber warfare" not in text
    assert "Министерство" not in text
    assert [t.id for s in brief.sections for t in s.tables] == ["support-types"]


def test_the_analytical_audience_sees_everything_but_nothing_more():
    full = load_brief(SEED).brief
    brief = select(full, BUILTIN_AUDIENCES["analytical"])
    assert len(brief.sections) == 4
    assert [t.id for s in brief.sections for t in s.tables] == [
        "support-types", "regional-impact", "policy-actions"]
    assert "Министерство" in visible_text(brief)


def test_sources_are_limited_to_those_cited_by_visible_items():
    full = load_brief(SEED).brief
    assert [s.id for s in select(full, BUILTIN_AUDIENCES["public"]).sources] == ["think-tank-assessment"]
    assert [s.id for s in select(full, BUILTIN_AUDIENCES["analytical"]).sources] == [
        "think-tank-assessment", "news-report"]
