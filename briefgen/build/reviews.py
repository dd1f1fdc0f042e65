"""Review dates: every point and table that says when it must be looked at again, kept
in the manifest so that a skipped brief still warns when one of them goes stale."""

from __future__ import annotations

import datetime as dt

from ..data.load import LoadedBrief
from ..data.yamlsource import dotted
from ..errors import Location, Problem


def review_items(loaded: LoadedBrief) -> list[list]:
    """[review_by, file, line, column, field, label] of every point and table with a review
    date."""
    items = []
    for s_index, section in enumerate(loaded.brief.sections):
        base = ("sections", s_index)
        for path, point in _point_paths(section.points, base + ("points",)):
            if point.review_by:
                items.append(_review(loaded, path, point.review_by, f"point '{_short(point)}'"))
        for t_index, table in enumerate(section.tables):
            if table.review_by:
                items.append(_review(loaded, base + ("tables", t_index), table.review_by,
                                     f"table '{table.caption}'"))
    return items


def _review(loaded: LoadedBrief, path: tuple, when: dt.date, label: str) -> list:
    place = loaded.locate(path + ("review_by",))
    return [when.isoformat(), place.file, place.line, place.column, dotted(path), label]


def _point_paths(points, path: tuple):
    for index, point in enumerate(points):
        yield path + (index,), point
        yield from _point_paths(point.points, path + (index, "points"))


def _short(point) -> str:
    text = point.text.plain()
    return text if len(text) <= 60 else text[:57] + "..."


def stale_reviews(reviews: list, today: dt.date | None = None) -> list[Problem]:
    today = today or dt.date.today()
    return [Problem(Location(file, line, column), field,
                    f"the {label} was due for review by {when} and is stale")
            for when, file, line, column, field, label in reviews
            if dt.date.fromisoformat(when) < today]
