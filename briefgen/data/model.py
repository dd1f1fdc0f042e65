"""The domain: a brief and everything in it, as typed, validated values.

The YAML a person edits is checked once, here, against these models.  After
that every stage works on typed values, never on dicts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PrivateAttr, WithJsonSchema, field_validator, \
    model_validator
from pydantic_core import PydanticCustomError

from . import richtext
from .fields import (  # noqa: F401 - also named here, where callers have always found them
    BUILTIN_AUDIENCE_NAMES,
    ID_PATTERN,
    RICH_TEXT_SCHEMA,
    AudienceRef,
    Colour,
    Identifier,
    LevelRef,
    PlainText,
    RichText,
    SourceRef,
    Strict,
    Visible,
)
from .forms import EitherForm, Row
from .tables import Column, Table

SECTION_KINDS = ("findings", "implications", "recommendations", "outlook")


class Author(Strict):
    name: PlainText
    role: PlainText | None = None


class Source(Strict):
    id: Identifier
    title: PlainText
    publisher: PlainText
    date: dt.date | None = None
    url: Annotated[str, Field(pattern=richtext.URL_PATTERN.pattern)] | None = None


class Point(Visible):
    text: RichText
    sources: tuple[SourceRef, ...] = ()
    points: tuple["Point", ...] = ()


class ParagraphEntry(Strict):
    """A paragraph written as a mapping: its text, and a level of its own."""

    text: RichText
    level: LevelRef | None = None


def _paragraph(value: object) -> richtext.Rich:
    if isinstance(value, ParagraphEntry):
        return value.text.marked("", value.level)
    return value


PARAGRAPH_SCHEMA = {"anyOf": [
    RICH_TEXT_SCHEMA,
    {"type": "object", "additionalProperties": False, "required": ["text"], "properties": {
        "text": RICH_TEXT_SCHEMA,
        "level": {"type": "string", "pattern": ID_PATTERN,
                  "description": "The paragraph's visibility level"}}},
]}
# A paragraph is text whose ``level`` is the one it declares (None: inherited).
Paragraph = Annotated[richtext.Rich, EitherForm(RichText, ParagraphEntry, _paragraph),
                      WithJsonSchema(PARAGRAPH_SCHEMA)]


class Section(Visible):
    kind: Literal[SECTION_KINDS]  # type: ignore[valid-type]
    title: PlainText
    id: Identifier | None = None
    body: tuple[Paragraph, ...] = ()
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


MARKING_DESCRIPTION = ("The banner marking; optional where the project's levels declare "
                       "markings (each document then carries its highest level's), and never "
                       "below that")


class Brief(Strict):
    id: Annotated[Identifier, AfterValidator(_usable_as_file_name)]
    title: PlainText
    subtitle: PlainText | None = None
    edition: dt.date
    organisation: PlainText
    authors: tuple[Author, ...] = Field(min_length=1)
    marking: PlainText | None = Field(None, description=MARKING_DESCRIPTION)
    markings: dict[AudienceRef, PlainText] = Field({}, description="Per-audience markings")
    language: Annotated[str, Field(pattern=richtext.LANGUAGE_PATTERN.pattern)] = "en-GB"
    keywords: tuple[PlainText, ...] = ()
    default_audiences: tuple[AudienceRef, ...] = Field(min_length=1)
    default_level: LevelRef | None = None
    summary: tuple[Paragraph, ...] = Field(min_length=1)
    statuses: dict[PlainText, Colour] = {}
    sources: tuple[Source, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)
    # Each audience's banner marking, resolved from the levels its document holds when
    # the brief is loaded for a project (``markings.resolve``).
    _banners: dict = PrivateAttr(default_factory=dict)

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
        """The banner marking of ``audience``'s document: the one resolved from the levels
        it holds, where the brief was loaded for a project; else the one written."""
        return self._banners.get(audience) or self.markings.get(audience) or self.marking or ""

    def with_banners(self, banners: dict) -> "Brief":
        """The brief, its audiences' banner markings resolved (``markings.resolve``)."""
        brief = self.model_copy()
        brief._banners = dict(banners)
        return brief


def _unique(ids: list[str], where) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise PydanticCustomError(
                "duplicate_id", "found the id '{ident}' a second time, expected every id to be "
                "unique", {"ident": ident, "at": where(index)})
        seen.add(ident)


Point.model_rebuild()

__all__ = ["Author", "Brief", "Column", "Paragraph", "Point", "Row", "Section", "Source",
           "Table", "SECTION_KINDS"]


def json_schema() -> dict:
    """The JSON Schema of a brief file, for editors that check YAML as it is typed."""
    schema = Brief.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "briefgen brief"
    schema["properties"]["id"]["description"] = "Defaults to the file name without .yaml"
    schema["required"] = [name for name in schema.get("required", []) if name != "id"]
    return schema
