"""YAML file -> validated ``Brief``, every problem collected with its location."""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass
from pathlib import Path

import pydantic

from ..errors import DataError, Location, Problem
from ..files import decoded, read_text
from ..limits import DEFAULT_LIMITS, Limits
from . import markings, yamlsource
from .audiences import BUILTIN_AUDIENCES, DEFAULT_LEVELS, Audience
from .forms import EitherForm
from .model import Brief
from .yamlsource import Located, dotted, excerpt

PATTERN_MEANINGS = {
    "^[a-z0-9]": "an id of lowercase letters, digits and hyphens",
    "^#[0-9A-Fa-f]{6}$": 'a colour written "#RRGGBB" (in quotes)',
    "^(https?://|mailto:)": "an http(s) or mailto address without spaces",
    "^[a-z]{2}": "a language tag such as en-GB",
}


M = typing.TypeVar("M", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class LoadedBrief:
    """A validated brief and where each of its values was written."""

    path: Path
    brief: Brief
    located: Located

    def locate(self, path: tuple) -> Location:
        return self.located.locate(path)


def load_brief(path: str | Path, *,
               audiences: typing.Iterable[str | Audience] = BUILTIN_AUDIENCES,
               levels: tuple[str, ...] = DEFAULT_LEVELS, default_id: str | None = None,
               limits: Limits = DEFAULT_LIMITS, root: Path | None = None,
               data: bytes | None = None) -> LoadedBrief:
    """Read and validate one brief file; raise ``DataError`` listing every problem.
    ``audiences``: the project's, or their names (a built-in audience's name stands for
    it); each audience given as itself, or built in, gets its banner marking resolved from
    the ``levels`` its document holds (``markings``).  With ``root``, the file must lie
    inside it once links are resolved; with ``data``, those are the file's bytes, already
    read (by the build that hashed them)."""
    path = Path(path)
    located = read_yaml(path, limits, root, data)
    if isinstance(located.value, dict):
        located.value.setdefault("id", default_id or path.stem)
    audiences = list(audiences)
    names = {str(getattr(a, "name", a)) for a in audiences}
    context = {"audiences": names, "levels": set(levels), "limits": limits,
               **_declared(located.value)}
    brief = validate(located, Brief, context)
    brief = markings.resolve(brief, located, _resolvable(audiences), levels)
    return LoadedBrief(path, brief, located)


def _resolvable(audiences: list) -> list[Audience]:
    """The audiences whose documents are known well enough to mark: those given as
    themselves, and the built-in ones given by name."""
    found = [a if isinstance(a, Audience) else BUILTIN_AUDIENCES.get(a) for a in audiences]
    return [audience for audience in found if audience is not None]


def _declared(data: object) -> dict:
    """The source ids and statuses a brief declares, for checking the places that use them."""
    if not isinstance(data, dict):
        return {}
    sources = data.get("sources") if isinstance(data.get("sources"), list) else []
    statuses = data.get("statuses")
    return {"sources": {s.get("id") for s in sources if isinstance(s, dict)} - {None},
            "statuses": set(statuses) if isinstance(statuses, dict) else set()}


def read_yaml(path: Path, limits: Limits = DEFAULT_LIMITS, root: Path | None = None,
              data: bytes | None = None) -> Located:
    """A YAML file's values with their places, or ``DataError`` naming what is wrong."""
    if data is not None and len(data) > limits.max_input_bytes:
        raise DataError.at(str(path), f"is {len(data)} bytes, more than the limit of "
                                      f"{limits.max_input_bytes} (limits: max_input_bytes)")
    text = read_text(path, limits.max_input_bytes, root=root) if data is None \
        else decoded(data, path)
    try:
        return yamlsource.load(text, str(path),
                               max_nodes=limits.max_yaml_values, max_depth=limits.max_depth)
    except yamlsource.YamlProblems as error:
        raise DataError(error.problems) from None


def validate_file(path: Path, model: type[M], context: dict | None = None,
                  limits: Limits = DEFAULT_LIMITS, root: Path | None = None) -> M:
    """Read and validate any YAML file of briefgen's (theme, project file) into ``model``;
    with ``root``, the file must lie inside it once links are resolved."""
    return validate(read_yaml(Path(path), limits, root), model, context)


def _by_place(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.location.line or 0, p.location.column or 0))


def validate(located: Located, model: type[M], context: dict | None = None) -> M:
    """Validate loaded values into ``model``; every problem at its file:line:col."""
    if not isinstance(located.value, dict):
        raise DataError([Problem(located.locate(()), "",
                                 "found a single value, expected a mapping of fields")])
    try:
        return model.model_validate(located.value, context=context)
    except pydantic.ValidationError as error:
        problems = [_problem(located, e, model) for e in error.errors() if not _consequence(e)]
        raise DataError(_by_place(problems)) from None


def _problem(located: Located, error: dict, model: type) -> Problem:
    path = tuple(p for p in error["loc"] if not _is_branch_label(p))
    path += tuple((error.get("ctx") or {}).get("at", ()))   # a check that names its place
    kind = error["type"]
    if path and path[-1] == "[key]":                      # a bad key of a mapping
        return Problem(located.locate(path[:-1], prefer_key=True), dotted(path[:-1]),
                       _message(kind, error))
    if kind == "extra_forbidden":
        return Problem(located.locate(path, prefer_key=True), dotted(path),
                       f"found the unknown key {excerpt(path[-1])!r}, expected "
                       f"{_known_keys(model, path)}")
    return Problem(located.locate(path), dotted(path), _message(kind, error))


def _consequence(error: dict) -> bool:
    """A list that is only too short because its items failed: those failures say it all."""
    value = error.get("input")
    return error["type"] == "too_short" and isinstance(value, (list, tuple)) and bool(value)


def _is_branch_label(part: object) -> bool:
    """Pydantic names union and validator branches in ``loc``; they are not fields."""
    return isinstance(part, str) and (part.startswith(("function-", "tuple[")) or
                                      part in ("str", "list", "dict", "Rich"))


def _message(kind: str, error: dict) -> str:
    found = _describe(error.get("input"))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "found nothing, expected a value (this field is required)"
    if kind == "string_pattern_mismatch":
        return f"found {found}, expected {_pattern_meaning(ctx.get('pattern', ''))}"
    if kind == "literal_error":
        return f"found {found}, expected one of {ctx.get('expected')}"
    if kind == "too_short":
        return f"found {found}, expected at least {ctx.get('min_length')}"
    if kind == "too_long":
        return f"found {found}, expected at most {ctx.get('max_length')}"
    if kind.startswith("date"):
        return f"found {found}, expected a date written YYYY-MM-DD"
    if kind in ("string_type", "model_type", "dict_type", "tuple_type", "list_type"):
        expected = {"string_type": "text", "model_type": "a mapping", "dict_type": "a mapping"}
        return f"found {found}, expected {expected.get(kind, 'a list')}"
    if kind in ("unsafe_character", "bidi_control", "rich_text", "row_width", "duplicate_id",
                "too_large", "too_wide", "reserved_name", "ambiguous_scalar") or \
            kind.startswith("unknown_"):
        return error["msg"]
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    return f"found {found}, expected: {error['msg']}"


def _pattern_meaning(pattern: str) -> str:
    for prefix, meaning in PATTERN_MEANINGS.items():
        if pattern.startswith(prefix):
            return meaning
    return f"text matching {pattern}"


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "an empty list" if not value else f"a list of {len(value)}"
    return repr(excerpt(value))


def _known_keys(root: type, path: tuple) -> str:
    """The keys the model allows where an unknown one was found."""
    model = _model_at(root, path[:-1])
    if model is None:
        return "no such key"
    names = list(model.model_fields)
    close = difflib.get_close_matches(str(path[-1]), names, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"one of {', '.join(names)}{hint}"


def _model_at(model: type, path: tuple) -> type | None:
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
        if model is None:
            return None
    return model


def _inner_model(annotation: object) -> type | None:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    if isinstance(annotation, EitherForm):       # a row or paragraph written as a mapping
        return annotation.mapping_form
    for argument in typing.get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None
