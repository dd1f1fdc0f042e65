"""Values a brief may write in a short form or, when they need options, as a mapping.

A table row is a list of cells, or ``{cells: [...], level: restricted}``; a paragraph
is text, or ``{text: ..., level: restricted}``.  ``EitherForm`` validates whichever
form was written, and only that one (so an error names the form the writer chose),
then turns both into one value; the annotation keeps naming that value's type, so
templates are checked against it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Discriminator, Tag
from pydantic_core import core_schema

# The labels pydantic puts in an error's place for the form chosen; the loader drops
# them, since they are not keys of the YAML (see load._is_branch_label).
SHORT, MAPPING = "list", "dict"


class EitherForm:
    """Annotation metadata: validate the short form or the mapping form, by what was
    written, and make one value of either with ``convert``."""

    def __init__(self, short: object, mapping_form: type, convert) -> None:
        self.short = short
        self.mapping_form = mapping_form      # the model of the mapping form, for messages
        self.convert = convert

    def __get_pydantic_core_schema__(self, source: object, handler):
        union = Annotated[Annotated[self.short, Tag(SHORT)] |
                          Annotated[self.mapping_form, Tag(MAPPING)], Discriminator(_form)]
        return core_schema.no_info_after_validator_function(self.convert,
                                                            handler.generate_schema(union))


def _form(value: object) -> str:
    return MAPPING if isinstance(value, dict) else SHORT


class Row(tuple):
    """A table row: a tuple of its cells, so it is read like the list it was written as,
    with the visibility ``level`` it declares (None: the table's) and ``cells_at``, where
    its cells were written inside it (``()`` for a list, ``("cells",)`` for a mapping)."""

    level: str | None
    cells_at: tuple

    def __new__(cls, cells=(), level: str | None = None, cells_at: tuple = ()) -> "Row":
        row = super().__new__(cls, cells)
        row.level = level
        row.cells_at = cells_at
        return row

    @property
    def cells(self) -> tuple:
        return tuple(self)

    def at_level(self, level: str | None, cells: tuple | None = None) -> "Row":
        """The row at ``level`` (resolved by selection), with ``cells`` if given."""
        return Row(self if cells is None else cells, level, self.cells_at)

    def __reduce__(self):
        return Row, (tuple(self), self.level, self.cells_at)

    def __repr__(self) -> str:
        return f"Row({tuple(self)!r}, level={self.level!r})"
