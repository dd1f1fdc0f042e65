"""Renderers: one class per output format, one method per block-tree node.

A format is a class registered with ``@register``; nothing else in briefgen
branches on the format's name.  ``Renderer.dispatch`` calls
``render_<node type>`` and refuses a node type the class has no method for,
so content can never silently disappear from one format.
"""

from __future__ import annotations

import re

from ..blocks import Document, Table, plain_text
from ..errors import RenderError, UsageError
from ..theme import Theme

RENDERERS: dict[str, type["Renderer"]] = {}


def register(cls: type["Renderer"]) -> type["Renderer"]:
    RENDERERS[cls.format] = cls
    return cls


def renderer_for(fmt: str) -> type["Renderer"]:
    _load_builtin_renderers()
    try:
        return RENDERERS[fmt]
    except KeyError:
        known = ", ".join(sorted(RENDERERS))
        raise UsageError(f"unknown format '{fmt}', expected one of {known}") from None


def formats() -> tuple[str, ...]:
    _load_builtin_renderers()
    return tuple(sorted(RENDERERS))


def _load_builtin_renderers() -> None:
    from . import docx, pdf  # noqa: F401  (importing registers them)


def method_name(node_type: type) -> str:
    return "render_" + re.sub(r"(?<!^)(?=[A-Z])", "_", node_type.__name__).lower()


class Renderer:
    """Turns a ``Document`` into the bytes of one file format."""

    format = ""
    extension = ""
    embeds_fonts = False

    def __init__(self, theme: Theme):
        self.theme = theme

    def render(self, document: Document) -> bytes:
        raise NotImplementedError

    def dispatch(self, node, *args):
        method = getattr(self, method_name(type(node)), None)
        if method is None:
            raise RenderError(f"the {self.format} renderer cannot draw a {type(node).__name__}")
        return method(node, *args)


def column_shares(table: Table) -> list[float]:
    """Each column's share of the text width, from its typical and longest text."""
    weights = []
    for index in range(table.columns):
        texts = [plain_text(row[index].children) for row in (table.header, *table.rows)]
        longest = max(len(text) for text in texts)
        average = sum(len(text) for text in texts) / len(texts)
        longest_word = max((len(word) for text in texts for word in text.split()), default=1)
        weights.append(max(1.15 * min(longest_word, 30) + 2, 0.6 * average + 0.4 * min(longest, 80)))
    total = sum(weights)
    return [weight / total for weight in weights]
