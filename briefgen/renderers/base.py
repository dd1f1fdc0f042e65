"""The base of every format: a class with one method per block-tree node, named after it.

``Renderer.dispatch`` calls ``render_<node type>`` and refuses a node type the class has
no method for, so content can never silently disappear from one format.
"""

from __future__ import annotations

import re

from ..compose.blocks import Document
from ..errors import RenderError
from ..project.theme import Theme


def method_name(node_type: type) -> str:
    return "render_" + re.sub(r"(?<!^)(?=[A-Z])", "_", node_type.__name__).lower()


class Renderer:
    """Turns a ``Document`` into the bytes of one file format."""

    format = ""            # the name it is registered under, and its file extension
    extension = ""         # set from ``format``
    embeds_fonts = False   # True: the data's text must pass the glyph check first

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.extension = f".{cls.format}"

    def __init__(self, theme: Theme):
        self.theme = theme
        self.pages: int | None = None   # set by renderers that paginate

    def render(self, document: Document) -> bytes:
        raise NotImplementedError

    @classmethod
    def prepare(cls, theme: Theme) -> None:
        """Do ahead what every document in ``theme`` needs (fonts, styles); optional."""

    @classmethod
    def check_theme(cls, theme: Theme) -> None:
        """Refuse, as a located ``BriefgenError``, a theme this format cannot draw with
        (a reference document it cannot use, say); called once per build and theme,
        before anything renders, and by ``validate``.  Optional."""

    def dispatch(self, node, *args):
        method = getattr(self, method_name(type(node)), None)
        if method is None:
            raise RenderError(f"the {self.format} renderer cannot draw a {type(node).__name__}")
        return method(node, *args)
