"""What changed between two editions of a brief, computed from the data.

Points added and removed, table rows added, removed or changed (matched by
the table's ``key`` column, else its first column), status values that moved
(Underway to Confirmed), and recommendations added.  Templates get it as
``changes``; ``briefgen diff BRIEF`` prints it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .audiences import walk_points
from .model import Brief, Table


@dataclass(frozen=True)
class RowChange:
    table: str
    key: str
    before: tuple = ()
    after: tuple = ()


@dataclass(frozen=True)
class StatusMove:
    table: str
    key: str
    column: str
    before: str
    after: str


@dataclass(frozen=True)
class Changes:
    since: dt.date | None = None
    points_added: tuple = ()
    points_removed: tuple = ()
    rows_added: tuple = ()
    rows_removed: tuple = ()
    rows_changed: tuple = ()
    statuses_moved: tuple = ()
    recommendations_added: tuple = ()

    @property
    def empty(self) -> bool:
        return not any((self.points_added, self.points_removed, self.rows_added,
                        self.rows_removed, self.rows_changed, self.statuses_moved,
                        self.recommendations_added))

    def lines(self) -> list[str]:
        """The changes as plain lines for a terminal."""
        out = [f"status moved: {m.table}: {m.key}: {m.before} -> {m.after}"
               for m in self.statuses_moved]
        out += [f"recommendation added: {text}" for text in self.recommendations_added]
        out += [f"point added: {text}" for text in self.points_added]
        out += [f"point removed: {text}" for text in self.points_removed]
        out += [f"row added: {r.table}: {_cells(r.after)}" for r in self.rows_added]
        out += [f"row removed: {r.table}: {_cells(r.before)}" for r in self.rows_removed]
        out += [f"row changed: {r.table}: {_cells(r.before)} -> {_cells(r.after)}"
                for r in self.rows_changed]
        return out


def _cells(cells: tuple) -> str:
    return " | ".join(map(str, cells))


def compare(previous: Brief, current: Brief) -> Changes:
    """The changes from ``previous`` to ``current``, matched by their text as written.
    Texts and cells are kept as the briefs hold them, so that a template prints the
    portion marks an audience's selection gave them."""
    old_points, new_points = _points(previous, False), _points(current, False)
    old_recs, new_recs = _points(previous, True), _points(current, True)
    rows = _rows(previous, current)
    return Changes(
        since=previous.edition,
        points_added=_missing(new_points, old_points),
        points_removed=_missing(old_points, new_points),
        recommendations_added=_missing(new_recs, old_recs),
        **rows)


def _points(brief: Brief, recommendations: bool) -> list:
    return [point.text for section in brief.sections
            if (section.kind == "recommendations") == recommendations
            for point in walk_points(section.points)]


def _missing(texts: list, others: list) -> tuple:
    """The texts of ``texts`` that ``others`` does not hold, by their words."""
    known = {text.plain() for text in others}
    return tuple(text for text in texts if text.plain() not in known)


def _tables(brief: Brief) -> dict[str, Table]:
    return {table.id: table for section in brief.sections for table in section.tables}


def _keyed(table: Table) -> dict[str, tuple]:
    names = [column.name for column in table.columns]
    index = names.index(table.key) if table.key in names else 0
    return {row[index].plain(): tuple(row) for row in table.rows}


def _plain(cells: tuple) -> tuple:
    return tuple(cell.plain() for cell in cells)


def _rows(previous: Brief, current: Brief) -> dict:
    added, removed, changed, moved = [], [], [], []
    old_tables = _tables(previous)
    for table_id, table in _tables(current).items():
        new = _keyed(table)
        old = _keyed(old_tables[table_id]) if table_id in old_tables else {}
        added += [RowChange(table.caption, k, (), v) for k, v in new.items() if k not in old]
        removed += [RowChange(table.caption, k, v, ()) for k, v in old.items() if k not in new]
        for key in (k for k in new if k in old and _plain(new[k]) != _plain(old[k])):
            moves, other = _split_change(table, key, _plain(old[key]), _plain(new[key]))
            moved += moves
            if other:
                changed.append(RowChange(table.caption, key, old[key], new[key]))
    return {"rows_added": tuple(added), "rows_removed": tuple(removed),
            "rows_changed": tuple(changed), "statuses_moved": tuple(moved)}


def _split_change(table: Table, key: str, before: tuple, after: tuple) -> tuple[list, bool]:
    """Status moves in a changed row, and whether anything else in it changed."""
    status = set(table.status_columns())
    moves = [StatusMove(table.caption, key, table.columns[i].name, before[i], after[i])
             for i in status if i < len(before) and before[i] != after[i]]
    other = any(before[i] != after[i] for i in range(len(after))
                if i not in status and i < len(before))
    return moves, other
