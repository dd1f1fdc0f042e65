"""Banner markings: each audience's document carries the marking of the highest level
it holds.

Where the project's levels declare markings, a brief need not write one: each
audience's banner is the marking of the highest level among what that audience sees
(after selection).  A marking the brief writes (``marking:``, or ``markings:`` for one
audience) may raise the banner, never lower it: one below a level the document holds
is an error at the ``level:`` that put that level there, and one that no level
declares is an error at the marking, since it cannot be ranked.  Where no level
declares a marking, the brief's own marking is required and printed as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError, Problem
from .audiences import Audience, highest_level
from .levels import Level, LevelScale
from .model import Brief
from .yamlsource import Located, dotted, excerpt, listing

TO_TAKE_THE_LEVELS = "leave it out to take the marking of the highest level the brief holds"


@dataclass(frozen=True)
class _Written:
    """The marking a brief writes for one audience, and the field it is written in."""

    text: str | None
    path: tuple

    @classmethod
    def of(cls, brief: Brief, audience: str) -> "_Written":
        if audience in brief.markings:
            return cls(brief.markings[audience], ("markings", audience))
        return cls(brief.marking, ("marking",))

    @property
    def field(self) -> str:
        return dotted(self.path)


def resolve(brief: Brief, located: Located, audiences, levels) -> Brief:
    """``brief`` with each of ``audiences``' banner markings resolved; ``DataError``
    listing every marking that is missing, lower than what its document holds, or that
    no level declares."""
    check = _Check(brief, located, LevelScale.of(levels))
    banners = {audience.name: check.banner(audience) for audience in audiences}
    if check.problems:
        raise DataError(sorted(check.problems.values(), key=_place))
    return brief.with_banners(banners)


def _place(problem: Problem) -> tuple:
    return problem.location.line or 0, problem.location.column or 0, problem.field


class _Check:
    """The banners of one brief, and the problems found on the way (one per place and
    cause, naming every audience it concerns)."""

    def __init__(self, brief: Brief, located: Located, scale: LevelScale) -> None:
        self.brief = brief
        self.located = located
        self.scale = scale
        self.problems: dict[tuple, Problem] = {}
        self._audiences: dict[tuple, list[str]] = {}
        if brief.marking is None and not scale.declares_markings():
            self.report(("marking",), ("marking",), "",
                        lambda whose: "found nothing, expected a value (this field is required)")

    def banner(self, audience: Audience) -> str:
        level, origin = highest_level(self.brief, audience, self.scale)
        written = _Written.of(self.brief, audience.name)
        if written.text is None:
            return level.marking or self.unmarked(level, audience)
        rank = self.scale.rank_of_marking(written.text)
        if rank is not None and rank < self.scale.rank(level):
            self.too_low(written, level, origin, audience)   # even if the level has no marking
        elif rank is None and level.marking is not None:
            self.undeclared(written)
        return written.text

    def unmarked(self, level: Level, audience: Audience) -> str:
        if self.scale.declares_markings():
            self.report(("marking",), ("marking",), audience.name,
                        lambda briefs: f"found nothing, expected a marking: {briefs.subject} "
                                       f"{briefs.verb('hold')} the level '{level}', which "
                                       "declares no marking (levels: in briefgen.yaml)")
        return ""

    def undeclared(self, written: _Written) -> None:
        self.report(written.path, written.path, "",
                    lambda briefs: f"found the marking {excerpt(written.text)!r}, which none "
                                   "of the project's levels declares; expected one of "
                                   f"{listing(self.scale.markings())} (the levels' marking: "
                                   f"in briefgen.yaml), or {TO_TAKE_THE_LEVELS}")

    def too_low(self, written: _Written, level: Level, origin: tuple, audience: Audience) -> None:
        line = self.located.locate(written.path).line
        self.report(origin, (origin, written.path), audience.name,
                    lambda briefs: f"found the level '{level}'{_marked(level)} in "
                                   f"what {briefs.subject} {briefs.verb('show')}, above the "
                                   f"marking {excerpt(written.text)!r} of {written.field} at "
                                   f"line {line}; expected {written.field} to be "
                                   f"{_at_least(level)}, or {TO_TAKE_THE_LEVELS}")

    def report(self, path: tuple, key: tuple, audience: str, message) -> None:
        """One problem at ``path`` per ``key``: ``message`` is given the briefs it
        concerns, every audience's that met it ("the executive and analytical briefs")."""
        names = self._audiences.setdefault(key, [])
        if audience and audience not in names:
            names.append(audience)
        self.problems[key] = Problem(self.located.locate(path), dotted(path),
                                     message(_Briefs(tuple(names))))


def _marked(level: Level) -> str:
    return f" (marking {level.marking!r})" if level.marking is not None else ""


def _at_least(level: Level) -> str:
    if level.marking is not None:
        return f"at least {level.marking!r}"
    return (f"a marking at least as high as the level '{level}' (which declares none: give "
            "it a marking under levels: in briefgen.yaml)")


@dataclass(frozen=True)
class _Briefs:
    """The audiences' briefs a problem concerns, as a message names them."""

    names: tuple

    @property
    def subject(self) -> str:
        if len(self.names) == 1:
            return f"the {self.names[0]} brief"
        return f"the {', '.join(self.names[:-1])} and {self.names[-1]} briefs"

    def verb(self, verb: str) -> str:
        return verb + "s" if len(self.names) == 1 else verb
