"""Labels: the words briefgen's templates and renderers print around a brief's own.

A label, like a header or footer text, is filled in by ``fill``, never by
``str.format``: each brace must be part of ``{{``, ``}}`` or a placeholder briefgen
fills in for that text.  Any other placeholder, format spec, conversion, attribute
or index is refused where it is written (a theme or the project file), so nothing
in a label is ever evaluated.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from ..data.richtext import reject_unsafe_characters

DEFAULT_LABELS = {
    "summary": "Summary",
    "key_findings": "Key findings",
    "findings": "Findings",
    "implications": "Implications",
    "recommendations": "Recommendations",
    "outlook": "Outlook",
    "sources": "Sources",
    "changes": "What changed since the last edition",
    "public_notice": ("This public edition contains only material cleared for general "
                      "release. Restricted detail is available in the analytical brief."),
    "page": "Page {page} of {pages}",
    "edition": "Edition of {date}",
    "cited_source": "Source {number}",
    "back_to_citation": "Back to citation {occurrence} of source {number}",
}
# What each label names, for ``briefgen config`` and the README.
LABELS = {
    "summary": "the heading of the summary box that opens every brief",
    "key_findings": "the heading of the executive brief's key findings",
    "findings": "a heading for findings (for project templates; built-in ones use titles)",
    "implications": "a heading for implications (for project templates)",
    "recommendations": "the heading of the executive brief's recommendations table",
    "outlook": "the heading of the executive brief's outlook",
    "sources": "the heading of the numbered list of sources",
    "changes": "the heading of the analytical brief's changes since the last edition",
    "public_notice": "the closing notice of the public brief",
    "page": "the page number in the footer; may use {page} and {pages}",
    "edition": "the edition line under the title; may use {date}",
    "cited_source": "a citation's link to its source, as a screen reader reads it (HTML); "
                    "may use {number}",
    "back_to_citation": "a source's link back to a place that cites it (HTML); may use "
                        "{number} and {occurrence}",
}
# The placeholders a label may use: the ones briefgen fills in.  Others take none.
LABEL_PLACEHOLDERS = {"page": frozenset({"page", "pages"}), "edition": frozenset({"date"}),
                      "cited_source": frozenset({"number"}),
                      "back_to_citation": frozenset({"number", "occurrence"})}


_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*)\}")


def fill(text: str, **values: object) -> str:
    """``text`` with each ``{name}`` of ``values`` put in and ``{{``/``}}`` as braces;
    anything else is left as written.  Labels and furniture are never given to
    ``str.format``: no format spec, attribute or index of theirs is ever evaluated."""
    def put(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        return str(values[name]) if name in values else token

    return _FIELD.sub(put, text)


_BRACE = re.compile(r"\{\{|\}\}|\{[^{}]*\}|[{}]")


def placeholder_problem(text: str, allowed: frozenset) -> str | None:
    """Why ``fill`` cannot fill ``text`` with the ``allowed`` names, or None: every brace
    must be part of ``{{``, ``}}`` or a ``{name}`` of ``allowed``.  A format spec,
    conversion, attribute or index is refused, never evaluated."""
    for token in _BRACE.findall(text):
        if token not in ("{{", "}}") and token[1:-1] not in allowed:
            return f"found {token}, {_misplaced(token)}; expected {_placeholders(allowed)}"
    return None


def placeholders_in(text: str) -> list[str]:
    """The ``{name}`` placeholders of ``text``, in order (escaped braces are not)."""
    return [token for token in _BRACE.findall(text) if token not in ("{{", "}}")]


def _misplaced(token: str) -> str:
    inner = token[1:-1]
    if len(token) == 1:
        return "a lone brace"
    for marks, what in ((":", "a format spec"), ("!", "a conversion"),
                        (".[", "an attribute or index")):
        if any(mark in inner for mark in marks):
            return f"a placeholder with {what}"
    return "an unknown placeholder" if inner.strip() else "an empty placeholder"


def _placeholders(allowed: frozenset) -> str:
    braces = "{{ and }} for a brace"
    if not allowed:
        return f"text without placeholders (this text takes none; write {braces})"
    return f"only {', '.join(f'{{{name}}}' for name in sorted(allowed))} (write {braces})"


_LINE_BREAK = re.compile(r"[\t\r\n]")


def one_line(text: str) -> str:
    """Labels and furniture are printable text on one line: a line break reads as a
    space, as it does in the data."""
    reject_unsafe_characters(text)
    return _LINE_BREAK.sub(" ", text).strip() if _LINE_BREAK.search(text) else text


def _labels_fillable(labels: dict[str, str]) -> dict[str, str]:
    """Each label may use only the placeholders briefgen fills in for it."""
    for key, text in labels.items():
        why = placeholder_problem(text, LABEL_PLACEHOLDERS.get(key, frozenset()))
        if why:
            raise PydanticCustomError("unknown_placeholder", "{why}", {"why": why, "at": [key]})
    return labels


LabelText = Annotated[str, Field(max_length=1000), AfterValidator(one_line)]
# A theme's or an audience's ``labels:``, checked against what briefgen fills in.
Labels = Annotated[dict[str, LabelText], AfterValidator(_labels_fillable)]
