"""The kinds of value a brief's fields hold, checked as they are read: one-line text,
rich text, ids, colours, and names that must be declared (sources, audiences, levels);
and the bases of every model.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from . import richtext
from .characters import is_blank
from .yamlsource import listing

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


def _visible(value: str) -> str:
    """A title, name or caption must show something: zero-width and other invisible
    characters alone would make a heading or a column a screen reader announces empty."""
    if value and is_blank(value):
        raise ValueError(f"found {value!r}, which shows nothing, expected some words")
    return value


PlainText = Annotated[str, BeforeValidator(richtext.reject_ambiguous), AfterValidator(_within_limit),
                      AfterValidator(richtext.reject_unsafe_characters), AfterValidator(_one_line),
                      Field(min_length=1), AfterValidator(_visible)]
LANGUAGE_SCHEMA = {"type": "string", "pattern": richtext.LANGUAGE_PATTERN.pattern,
                   "description": "A BCP 47 language tag such as zh-CN"}


def _segment_schema(kind: str, **more: dict) -> dict:
    return {"type": "object", "properties": {kind: {"type": "string"}, **more,
                                              "lang": LANGUAGE_SCHEMA},
            "required": [kind, *more], "additionalProperties": False}


RICH_TEXT_SCHEMA = {
    "description": "Text; or a list of text, {text: ...}, {em: ...}, {strong: ...} and "
                   "{link: ..., url: ...}, each mapping with an optional lang",
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"anyOf": [
            {"type": "string"}, _segment_schema("text"), _segment_schema("em"),
            _segment_schema("strong"),
            _segment_schema("link", url={"type": "string", "format": "uri"}),
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


class Visible(Strict):
    """Anything that may be shown to some audiences and hidden from others."""

    audiences: tuple[AudienceRef, ...] | None = None
    level: LevelRef | None = None
    review_by: dt.date | None = None
