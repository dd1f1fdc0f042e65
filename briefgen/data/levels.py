"""Visibility levels, lowest first, with the marking and the portion mark of each.

The project file declares them (``levels: [public, {name: restricted, marking:
RESTRICTED, portion: "(R)"}]``).  A level is its name wherever a name is expected (it
compares, hashes and prints as the name), so the visibility rules and everything that
lists levels by name read them as before; its ``marking`` is the banner of a document
whose highest level it is, its ``portion`` the mark shown before each point, paragraph,
caption and row at that level.
"""

from __future__ import annotations

from dataclasses import dataclass


class Level(str):
    """A level's name, with its marking and portion mark (either may be None)."""

    marking: str | None = None
    portion: str | None = None

    def __new__(cls, name: str, marking: str | None = None,
                portion: str | None = None) -> "Level":
        level = super().__new__(cls, name)
        level.marking = marking
        level.portion = portion
        return level

    def __reduce__(self):
        return Level, (str(self), self.marking, self.portion)

    def __repr__(self) -> str:
        # Build keys hash the levels' repr: a changed marking or mark rebuilds the outputs.
        return f"Level({str(self)!r}, marking={self.marking!r}, portion={self.portion!r})"


def as_level(value: str) -> Level:
    """``value`` as a level: a plain name is a level without a marking or a mark."""
    return value if isinstance(value, Level) else Level(value)


@dataclass(frozen=True)
class LevelScale:
    """A project's levels in order, for ranking them and finding their marks."""

    levels: tuple

    @classmethod
    def of(cls, levels) -> "LevelScale":
        return levels if isinstance(levels, LevelScale) else cls(tuple(map(as_level, levels)))

    @property
    def lowest(self) -> Level:
        return self.levels[0]

    def rank(self, name: str) -> int:
        return self.levels.index(name)

    def level(self, name: str) -> Level:
        return self.levels[self.rank(name)]

    def portion(self, name: str) -> str:
        """The mark shown before each portion at level ``name``; '' for none."""
        return self.level(name).portion or ""

    def marking(self, name: str) -> str | None:
        return self.level(name).marking

    def declares_markings(self) -> bool:
        return any(level.marking for level in self.levels)

    def markings(self) -> list[str]:
        """The markings the levels declare, lowest first, each once."""
        return list(dict.fromkeys(level.marking for level in self.levels if level.marking))

    def rank_of_marking(self, marking: str) -> int | None:
        """The rank of the highest level whose marking is ``marking``; None if none is."""
        ranks = [rank for rank, level in enumerate(self.levels) if level.marking == marking]
        return max(ranks) if ranks else None
