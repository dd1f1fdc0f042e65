"""Tables: their columns (names, status columns, alignment and widths) and their rows,
each a list of cells or, with a level of its own, a mapping."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema, field_validator, \
    model_validator
from pydantic_core import PydanticCustomError

from .fields import (
    ID_PATTERN,
    RICH_TEXT_SCHEMA,
    Identifier,
    LevelRef,
    PlainText,
    RichText,
    SourceRef,
    Strict,
    Visible,
)
from .forms import EitherForm, Row
from .yamlsource import excerpt, listing


WIDTH_TEXT = r"^\s*[0-9]+(\.[0-9]+)?\s*%?\s*$"   # as the schema says it: 40, 40%, 12.5 %


def _percentage(value: object) -> object:
    """A column's width: a percentage of the table's width, written ``40%`` or ``40``
    (as text, only in the form the schema gives: no exponents, signs or words)."""
    written = (isinstance(value, (int, float)) and not isinstance(value, bool)
               or isinstance(value, str) and re.match(WIDTH_TEXT, value) is not None)
    number = _number(str(value).strip().removesuffix("%").strip()) if written else None
    if number is None or not 1 <= number <= 100:
        shown = isinstance(value, (str, int, float)) and not isinstance(value, bool)
        found = repr(excerpt(value)) if shown else "a " + type(value).__name__
        raise ValueError(f"found {found}, expected a percentage of the table's width from 1 "
                         "to 100, such as 40%")
    return number


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


Percentage = Annotated[float, BeforeValidator(_percentage)]


class Column(Strict):
    name: PlainText
    status: bool = False
    align: Literal["left", "right", "centre"] = "left"
    width: Percentage | None = None       # of the table's width; None: found by the format
    row_header: bool = False              # its cells name their rows (read with each cell)


WIDTH_SCHEMA = {"description": "A percentage of the table's width, 1 to 100 (40% or 40)",
                "anyOf": [{"type": "number", "minimum": 1, "maximum": 100},
                          {"type": "string", "pattern": WIDTH_TEXT}]}
COLUMN_SCHEMA = {"anyOf": [
    {"type": "string", "minLength": 1, "description": "The column's name"},
    {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 1},
        "status": {"type": "boolean", "description": "Values come from `statuses`"},
        "align": {"enum": ["left", "right", "centre"]},
        "width": WIDTH_SCHEMA,
        "row_header": {"type": "boolean", "description": "The column's cells name their "
                       "rows: screen readers announce each cell with its row's name"}}},
]}


def _check_statuses(rows: tuple, columns: tuple, declared: set | None) -> None:
    """Every value of a status column must be one of the brief's declared statuses."""
    if declared is None:
        return
    for r_index, row in enumerate(rows):
        for c_index, column in enumerate(columns):
            value = row[c_index].plain()
            if column.status and value not in declared:
                raise PydanticCustomError(
                    "unknown_status", "found the status {value}, expected one of the "
                    "statuses declared at the top: {known}",
                    {"value": repr(excerpt(value)), "known": listing(sorted(declared)) or "(none)",
                     "at": [r_index, *row.cells_at, c_index]})


def _check_widths(columns: tuple) -> None:
    """The widths set may add up to at most 100%, and to less while a column is left to
    the format (it needs some room)."""
    total, automatic = 0.0, sum(1 for column in columns if column.width is None)
    for index, column in enumerate(columns):
        total += column.width or 0
        over = total > 100 + 1e-9 or (automatic and total >= 100 - 1e-9)
        if column.width is not None and over:
            room = f", leaving nothing for the {automatic} column(s) without one" \
                if total <= 100 + 1e-9 else ""
            raise PydanticCustomError(
                "too_wide", "found widths adding up to {total}% by this column{room}; expected "
                "at most 100% in all, and less while a column has no width",
                {"total": f"{total:g}", "room": room, "at": [index, "width"]})


def _column(value: object) -> object:
    """A column is written as its name, or as a mapping when it needs options."""
    return {"name": value} if isinstance(value, str) else value


class RowEntry(Strict):
    """A table row written as a mapping: its cells, and a level of its own."""

    cells: tuple[RichText, ...] = Field(min_length=1)
    level: LevelRef | None = None


def _row(value: object) -> Row:
    if isinstance(value, RowEntry):
        return Row(value.cells, value.level, ("cells",))
    return Row(value)


ROW_SCHEMA = {"anyOf": [
    {"type": "array", "items": RICH_TEXT_SCHEMA, "minItems": 1, "description": "The row's cells"},
    {"type": "object", "additionalProperties": False, "required": ["cells"], "properties": {
        "cells": {"type": "array", "items": RICH_TEXT_SCHEMA, "minItems": 1},
        "level": {"type": "string", "pattern": ID_PATTERN,
                  "description": "The row's visibility level (default: its table's)"}}},
]}
TableRow = Annotated[Row, EitherForm(tuple[RichText, ...], RowEntry, _row),
                     WithJsonSchema(ROW_SCHEMA)]


class Table(Visible):
    id: Identifier
    caption: PlainText
    columns: tuple[Annotated[Column, BeforeValidator(_column), WithJsonSchema(COLUMN_SCHEMA)], ...] = Field(min_length=1)
    rows: tuple[TableRow, ...] = Field(min_length=1)
    sources: tuple[SourceRef, ...] = ()
    note: RichText | None = None
    key: PlainText | None = None      # the column that identifies a row across editions

    @field_validator("rows")
    @classmethod
    def _rows_fit_columns(cls, rows: tuple, info: ValidationInfo) -> tuple:
        columns = info.data.get("columns")
        limits = (info.context or {}).get("limits")
        if limits is not None and len(rows) > limits.max_table_rows:
            raise PydanticCustomError(
                "too_large", "found {count} rows, expected at most {limit} "
                "(limits: max_table_rows)", {"count": len(rows), "limit": limits.max_table_rows})
        if columns is None:
            return rows
        for index, row in enumerate(rows):
            if len(row) != len(columns):
                raise PydanticCustomError(
                    "row_width", "found {found} cells, expected {width} (one per column)",
                    {"found": len(row), "width": len(columns), "at": [index, *row.cells_at]})
        _check_statuses(rows, columns, (info.context or {}).get("statuses"))
        return rows

    @field_validator("columns")
    @classmethod
    def _widths_fit(cls, columns: tuple) -> tuple:
        _check_widths(columns)
        return columns

    @model_validator(mode="after")
    def _key_names_a_column(self) -> "Table":
        """``key`` identifies rows across editions: it must be one of the columns."""
        names = [column.name for column in self.columns]
        if self.key is not None and self.key not in names:
            raise PydanticCustomError(
                "unknown_column", "found the key column {key}, expected the name of one of "
                "this table's columns: {names}",
                {"key": repr(excerpt(self.key)), "names": listing(names, 20), "at": ["key"]})
        return self

    def status_columns(self) -> tuple[int, ...]:
        return tuple(i for i, column in enumerate(self.columns) if column.status)
