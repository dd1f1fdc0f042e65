"""Cross-references the model alone cannot check, read from the loaded data itself.

They are checked on the plain loaded values, not on the model, so a file with
a type error and a misspelt source id gets both reported in one run.  Each
check skips what is malformed: the model's validation reports that.
"""

from __future__ import annotations

from collections import Counter

from .errors import Problem
from .yamlsource import Located, dotted


def check(located: Located, audiences: set[str], levels: tuple[str, ...]) -> list[Problem]:
    data = located.value if isinstance(located.value, dict) else {}
    problems: list[Problem] = []

    def report(path: tuple, message: str) -> None:
        problems.append(Problem(located.locate(path), dotted(path), message))

    source_ids = {s.get("id") for s in _dicts(data.get("sources"))}
    for path, value in _lists_of(data, "sources", skip_top=True):
        if isinstance(value, str) and value not in source_ids:
            report(path, f"found the unknown source id '{value}', expected one of the ids "
                         f"under sources: {_listing(source_ids)}")
    for path, value in _audience_values(data):
        if isinstance(value, str) and value not in audiences:
            report(path, f"found the unknown audience '{value}', expected one of "
                         f"{_listing(audiences)}")
    for path, value in _level_values(data):
        if isinstance(value, str) and value not in levels:
            report(path, f"found the unknown level '{value}', expected one of the levels "
                         f"of the project: {', '.join(levels)}")
    for path, ident in _duplicate_ids(data):
        report(path, f"found the id '{ident}' a second time, expected every id to be unique")
    declared = set(data["statuses"]) if isinstance(data.get("statuses"), dict) else set()
    for path, value in _status_cells(data):
        if value not in declared:
            report(path, f"found the status '{value}', expected one of the statuses declared "
                         f"at the top: {_listing(declared)}")
    return problems


def _dicts(value: object):
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _indexed(value: object):
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] \
        if isinstance(value, list) else []


def _listing(names: set) -> str:
    return ", ".join(sorted(str(n) for n in names if n is not None)) or "(none declared)"


def _items(data: dict):
    """Every section, point (at any depth) and table, with its path."""
    for s_index, section in _indexed(data.get("sections")):
        base = ("sections", s_index)
        yield base, section
        yield from _points(section.get("points"), base + ("points",))
        for t_index, table in _indexed(section.get("tables")):
            yield base + ("tables", t_index), table


def _points(points: object, path: tuple):
    for index, point in _indexed(points):
        yield path + (index,), point
        yield from _points(point.get("points"), path + (index, "points"))


def _lists_of(data: dict, key: str, skip_top: bool = False):
    """The values of list field ``key`` on every item, with their paths."""
    holders = list(_items(data)) if skip_top else [((), data), *_items(data)]
    for path, holder in holders:
        values = holder.get(key)
        if isinstance(values, list):
            for index, value in enumerate(values):
                yield path + (key, index), value


def _audience_values(data: dict):
    yield from _lists_of({"default_audiences": data.get("default_audiences")},
                         "default_audiences")
    yield from _lists_of(data, "audiences", skip_top=True)
    if isinstance(data.get("markings"), dict):
        for name in data["markings"]:
            yield ("markings", name), name


def _level_values(data: dict):
    if "default_level" in data:
        yield ("default_level",), data["default_level"]
    for path, item in _items(data):
        if "level" in item:
            yield path + ("level",), item["level"]


def _duplicate_ids(data: dict):
    seen: Counter = Counter()
    places = [(("sources", i, "id"), s.get("id")) for i, s in _indexed(data.get("sources"))]
    places += [(path + ("id",), item.get("id")) for path, item in _items(data)
               if "tables" in path]
    for path, ident in places:
        if isinstance(ident, str):
            seen[ident] += 1
            if seen[ident] == 2:
                yield path, ident


def _status_cells(data: dict):
    for path, table in _items(data):
        if "tables" not in path:
            continue
        columns = table.get("columns") if isinstance(table.get("columns"), list) else []
        status = [i for i, c in enumerate(columns)
                  if isinstance(c, dict) and str(c.get("status")).lower() in ("true", "yes")]
        rows = table.get("rows") if isinstance(table.get("rows"), list) else []
        for r_index, row in enumerate(rows):
            for c_index in status:
                if isinstance(row, list) and c_index < len(row) and isinstance(row[c_index], str):
                    yield path + ("rows", r_index, c_index), row[c_index].strip()
