"""The domain: a brief and everything in it, as typed, validated values.

The YAML a person edits is checked once, here, against these models.  After
that every stage works on typed values, never on dicts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import richtext
from .yamlsource import excerpt, listing

SECTION_KINDS = ("findings", "implications", "recommendations", "outlook")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
COLOUR_PATTERN = r"^#[0-9A-Fa-f]{6}$"


def _one_line(value: str) -> str:
    """Titles, names and captions are one line: any run of whitespace reads as a space."""
    return " ".join(value.split())


def _within_limit(value, info: ValidationInfo):
    """No text field may be longer than the project's limit (limits: max_text_chars)."""
    limits = (info.context or {}).get("limits")
    length = len(value.plain()) if isinstance(value, richtext.Rich) else len(value)
    if limits is not None and length > limits.max_text_chars:
        raise PydanticCustomError(
            "too_large", "found {length} characters, expected at most {limit} "
            "(limits: max_text_chars)", {"length": length, "limit": limits.max_text_chars})
    return value


PlainText = Annotated[str, BeforeValidator(richtext.reject_ambiguous), AfterValidator(_within_limit),
                      AfterValidator(richtext.reject_unsafe_characters), AfterValidator(_one_line),
                      Field(min_length=1)]
RICH_TEXT_SCHEMA = {
    "description": "Text; or a list of text, {em: ...}, {strong: ...} and {link: ..., url: ...}",
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"anyOf": [
            {"type": "string"},
            {"type": "object", "properties": {"em": {"type": "string"}},
             "required": ["em"], "additionalProperties": False},
            {"type": "object", "properties": {"strong": {"type": "string"}},
             "required": ["strong"], "additionalProperties": False},
            {"type": "object", "properties": {"link": {"type": "string"},
                                              "url": {"type": "string", "format": "uri"}},
             "required": ["link", "url"], "additionalProperties": False},
        ]}},
    ],
}
RichText = Annotated[richtext.Rich, BeforeValidator(richtext.parse),
                     AfterValidator(_within_limit), WithJsonSchema(RICH_TEXT_SCHEMA)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
Colour = Annotated[str, Field(pattern=COLOUR_PATTERN)]


def _declared(kind: str, what: str, where: str):
    """A validator: the value must be one of the ``kind`` names the validation context
    lists (the brief's source ids, the project's audiences and levels)."""

    def check(value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get(kind)
        if known is not None and value not in known:
            raise PydanticCustomError(
                f"unknown_{kind}", "found the unknown {what} '{value}', expected one of "
                "{where}: {known}{hint}", {"what": what, "value": value, "where": where,
                                           "known": listing(sorted(known)),
                                           "hint": _builtin_hint(kind, value)})
        return value

    return AfterValidator(check)


BUILTIN_AUDIENCE_NAMES = ("executive", "analytical", "public")


def _builtin_hint(kind: str, value: str) -> str:
    """A built-in audience a project file's own audiences replaced: say how to keep it."""
    if kind != "audiences" or value not in BUILTIN_AUDIENCE_NAMES:
        return ""
    return (f" (the audiences declared in briefgen.yaml replace the built-in ones; to keep "
            f"the built-in {value}, add '{value}: {{}}' under audiences:)")


SourceRef = Annotated[Identifier, _declared("sources", "source id", "the ids under sources")]
AudienceRef = Annotated[Identifier, _declared("audiences", "audience", "the project's audiences")]
LevelRef = Annotated[Identifier, _declared("levels", "level", "the project's levels")]


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Author(Strict):
    name: PlainText
    role: PlainText | None = None


class Source(Strict):
    id: Identifier
    title: PlainText
    publisher: PlainText
    date: dt.date | None = None
    url: Annotated[str, Field(pattern=richtext.URL_PATTERN.pattern)] | None = None


class Visible(Strict):
    """Anything that may be shown to some audiences and hidden from others."""

    audiences: tuple[AudienceRef, ...] | None = None
    level: LevelRef | None = None
    review_by: dt.date | None = None


class Point(Visible):
    text: RichText
    sources: tuple[SourceRef, ...] = ()
    points: tuple["Point", ...] = ()


class Column(Strict):
    name: PlainText
    status: bool = False
    align: Literal["left", "right", "centre"] = "left"


COLUMN_SCHEMA = {"anyOf": [
    {"type": "string", "minLength": 1, "description": "The column's name"},
    {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 1},
        "status": {"type": "boolean", "description": "Values come from `statuses`"},
        "align": {"enum": ["left", "right", "centre"]}}},
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
                     "at": [r_index, c_index]})


def _column(value: object) -> object:
    """A column is written as its name, or as a mapping when it needs options."""
    return {"name": value} if isinstance(value, str) else value


class Table(Visible):
    id: Identifier
    caption: PlainText
    columns: tuple[Annotated[Column, BeforeValidator(_column), WithJsonSchema(COLUMN_SCHEMA)], ...] = Field(min_length=1)
    rows: tuple[tuple[RichText, ...], ...] = Field(min_length=1)
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
                    {"found": len(row), "width": len(columns), "at": [index]})
        _check_statuses(rows, columns, (info.context or {}).get("statuses"))
        return rows

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


class Section(Visible):
    kind: Literal[SECTION_KINDS]  # type: ignore[valid-type]
    title: PlainText
    id: Identifier | None = None
    body: tuple[RichText, ...] = ()
    points: tuple[Point, ...] = ()
    tables: tuple[Table, ...] = ()
    points_intro: RichText | None = None


RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)),
                            *(f"lpt{n}" for n in range(1, 10))})


def _usable_as_file_name(brief_id: str) -> str:
    """A brief's id names its folder and files: never a device name some systems reserve."""
    if brief_id in RESERVED_NAMES:
        raise PydanticCustomError("reserved_name", "found '{value}', a name some systems "
                                  "reserve for devices; expected another id", {"value": brief_id})
    return brief_id


class Brief(Strict):
    id: Annotated[Identifier, AfterValidator(_usable_as_file_name)]
    title: PlainText
    subtitle: PlainText | None = None
    edition: dt.date
    organisation: PlainText
    authors: tuple[Author, ...] = Field(min_length=1)
    marking: PlainText
    markings: dict[AudienceRef, PlainText] = {}
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en-GB"
    keywords: tuple[PlainText, ...] = ()
    default_audiences: tuple[AudienceRef, ...] = Field(min_length=1)
    default_level: LevelRef | None = None
    summary: tuple[RichText, ...] = Field(min_length=1)
    statuses: dict[PlainText, Colour] = {}
    sources: tuple[Source, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)

    @field_validator("sources")
    @classmethod
    def _source_ids_unique(cls, sources: tuple) -> tuple:
        _unique([s.id for s in sources], lambda i: [i, "id"])
        return sources

    @model_validator(mode="after")
    def _table_ids_unique(self) -> "Brief":
        places = [(s, t) for s, section in enumerate(self.sections)
                  for t in range(len(section.tables))]
        ids = [self.sections[s].tables[t].id for s, t in places]
        _unique(ids, lambda i: ["sections", places[i][0], "tables", places[i][1], "id"])
        return self

    def marking_for(self, audience: str) -> str:
        return self.markings.get(audience, self.marking)


def _unique(ids: list[str], where) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise PydanticCustomError(
                "duplicate_id", "found the id '{ident}' a second time, expected every id to be "
                "unique", {"ident": ident, "at": where(index)})
        seen.add(ident)


Point.model_rebuild()

__all__ = ["Author", "Brief", "Column", "Point", "Section", "Source", "Table",
           "SECTION_KINDS"]


def json_schema() -> dict:
    """The JSON Schema of a brief file, for editors that check YAML as it is typed."""
    schema = Brief.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "briefgen brief"
    schema["properties"]["id"]["description"] = "Defaults to the file name without .yaml"
    schema["required"] = [name for name in schema.get("required", []) if name != "id"]
    return schema
