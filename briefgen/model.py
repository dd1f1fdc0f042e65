"""The domain: a brief and everything in it, as typed, validated values.

The YAML a person edits is checked once, here, against these models.  After
that every stage works on typed values, never on dicts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field,
                      field_validator, model_validator, WithJsonSchema)
from pydantic_core import PydanticCustomError

from . import richtext

SECTION_KINDS = ("findings", "implications", "recommendations", "outlook")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
COLOUR_PATTERN = r"^#[0-9A-Fa-f]{6}$"


def _one_line(value: str) -> str:
    """Titles, names and captions are one line: any run of whitespace reads as a space."""
    return " ".join(value.split())


PlainText = Annotated[str, BeforeValidator(richtext.reject_ambiguous),
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
                     WithJsonSchema(RICH_TEXT_SCHEMA)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
Colour = Annotated[str, Field(pattern=COLOUR_PATTERN)]


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

    audiences: tuple[Identifier, ...] | None = None
    level: Identifier | None = None


class Point(Visible):
    text: RichText
    sources: tuple[Identifier, ...] = ()
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


def _column(value: object) -> object:
    """A column is written as its name, or as a mapping when it needs options."""
    return {"name": value} if isinstance(value, str) else value


class Table(Visible):
    id: Identifier
    caption: PlainText
    columns: tuple[Annotated[Column, BeforeValidator(_column), WithJsonSchema(COLUMN_SCHEMA)], ...] = Field(min_length=1)
    rows: tuple[tuple[RichText, ...], ...] = Field(min_length=1)
    sources: tuple[Identifier, ...] = ()
    note: RichText | None = None

    @model_validator(mode="after")
    def _rows_fit_columns(self) -> "Table":
        width = len(self.columns)
        for index, row in enumerate(self.rows):
            if len(row) != width:
                raise PydanticCustomError(
                    "row_width",
                    "row {index} has {found} cells, expected {width} (one per column)",
                    {"index": index + 1, "found": len(row), "width": width})
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


class Brief(Strict):
    id: Identifier
    title: PlainText
    subtitle: PlainText | None = None
    edition: dt.date
    organisation: PlainText
    authors: tuple[Author, ...] = Field(min_length=1)
    marking: PlainText
    markings: dict[Identifier, PlainText] = {}
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en-GB"
    keywords: tuple[PlainText, ...] = ()
    default_audiences: tuple[Identifier, ...] = Field(min_length=1)
    default_level: Identifier | None = None
    summary: tuple[RichText, ...] = Field(min_length=1)
    statuses: dict[PlainText, Colour] = {}
    sources: tuple[Source, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)

    @field_validator("statuses")
    @classmethod
    def _statuses_are_named(cls, value: dict) -> dict:
        return dict(value)

    def marking_for(self, audience: str) -> str:
        return self.markings.get(audience, self.marking)


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
