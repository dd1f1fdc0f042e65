"""The types the template check gives the names a template sees.

Each is a frozen, hashable value: the check keys what it has already walked by them
(a template by the types of its scope, a macro by those of its arguments).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel

from ..data.richtext import Rich


@dataclass(frozen=True)
class Unknown:
    """A value whose shape the checker does not know: nothing is checked on it."""


@dataclass(frozen=True)
class Seq:
    item: object


@dataclass(frozen=True)
class Pair:
    items: tuple


@dataclass(frozen=True)
class Mapping:
    value: object
    keys: frozenset | None = None      # the keys a template may name, when known


@dataclass(frozen=True)
class Record:
    """A model, dataclass or class whose attributes are known."""

    cls: type

    @property
    def label(self) -> str:
        return self.cls.__name__

    def attributes(self) -> dict[str, object]:
        return _attributes(self.cls)


@lru_cache(maxsize=64)
def _attributes(cls: type) -> dict[str, object]:
    """The fields, properties and methods a template may use on an instance of ``cls``."""
    if issubclass(cls, BaseModel):
        fields = {n: f.annotation for n, f in cls.model_fields.items()}
    elif dataclasses.is_dataclass(cls):
        fields = {f.name: f.type for f in dataclasses.fields(cls)}
    else:
        fields = {}
    hints = _hints(cls)
    fields = {n: hints.get(n, a) for n, a in fields.items()}
    methods = {n: Unknown() for n, v in vars(cls).items()
               if not n.startswith("_") and callable(v) or isinstance(v, property)}
    return {**methods, **fields}


UNKNOWN = Unknown()


def _hints(cls: type) -> dict:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - forward references we cannot resolve stay unknown
        return {}


def from_annotation(annotation: object) -> object:
    """The checker's type for a Python annotation."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return from_annotation(args[0])
    if origin in (tuple, list) and args:
        return Seq(from_annotation(args[0]))
    if origin is dict and len(args) == 2:
        return Mapping(from_annotation(args[1]))
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return from_annotation(rest[0]) if len(rest) == 1 else UNKNOWN
    if isinstance(annotation, type) and (issubclass(annotation, (BaseModel, Rich)) or
                                         dataclasses.is_dataclass(annotation)):
        return Record(annotation)
    return UNKNOWN
