"""Renderers: one class per output format, one method per block-tree node.

A format is a ``Renderer`` subclass registered under the entry-point group
``briefgen.formats`` (``registry``); briefgen's own DOCX, PDF and HTML register the same
way as any other package's, and nothing else in briefgen branches on a format's name.
"""

from __future__ import annotations

from .base import Renderer, method_name
from .registry import installed

__all__ = ["Renderer", "embeds_fonts", "extension_for", "formats", "method_name",
           "renderer_for"]


def renderer_for(fmt: str) -> type[Renderer]:
    """The renderer class of a format in effect (a ``UsageError`` naming them if unknown)."""
    return installed().renderer(fmt)


def formats() -> tuple[str, ...]:
    """The names of the formats in effect, sorted."""
    return installed().names()


def extension_for(fmt: str) -> str:
    """A format's file extension: its name, known without importing its renderer."""
    return installed().extension(fmt)


def embeds_fonts(fmt: str) -> bool:
    """Whether a format embeds fonts (its text then needs the glyph check)."""
    return renderer_for(fmt).embeds_fonts
