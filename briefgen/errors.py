"""One error hierarchy for every stage of the pipeline.

Every error a user can cause knows where it came from: the file, and where
there is one, the line, column and field path.  ``str(error)`` is the one
line the command line prints.
"""

from __future__ import annotations

from dataclasses import dataclass


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes: a message is one safe line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, which field, what and why."""

    location: Location
    field: str
    message: str

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return printable(f"{self.location}:{field} {self.message}")


MAX_PROBLEMS = 200     # one error's lines; past them, one line says how many more


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most ``MAX_PROBLEMS`` problems, the last saying how many more there were: a file
    of a hundred thousand mistakes is reported in a page, not a hundred thousand lines."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    last = problems[MAX_PROBLEMS - 1]
    more = Problem(Location(last.location.file), "", f"and {len(problems) - MAX_PROBLEMS + 1} "
                   "more problems in this file (fix these first)")
    return problems[:MAX_PROBLEMS - 1] + [more]


class BriefgenError(Exception):
    """Root of every error briefgen raises on purpose."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(Location("briefgen"), "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        problems = list(problems) or [
            Problem(Location("briefgen"), "", "failed without saying why (a bug: please report)")]
        self.problems: list[Problem] = _capped(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def relocated(self, file: str) -> "BriefgenError":
        """The same error, placed in ``file`` where it had no file of its own."""
        problems = [Problem(Location(file), p.field, p.message)
                    if p.location.file == "briefgen" else p for p in self.problems]
        return type(self)(problems)

    @classmethod
    def at(cls, file: str, message: str, *, line: int | None = None,
           column: int | None = None, field: str = "") -> "BriefgenError":
        return cls(Problem(Location(str(file), line, column), field, message))


class DataError(BriefgenError):
    """The YAML data is malformed or does not fit the model."""


class TemplateError(BriefgenError):
    """A template is missing, malformed, or failed while rendering."""


class MarkupError(BriefgenError):
    """The Markdown a template produced cannot become a block tree."""


class RenderError(BriefgenError):
    """A renderer cannot turn the block tree into a document."""


class GlyphError(RenderError):
    """The text uses a character that no configured font can draw."""


class BusyError(BriefgenError):
    """Another build holds the lock on the output folder."""

    exit_code = 3


class UsageError(BriefgenError):
    """The command line or API was called with arguments that make no sense."""

    exit_code = 2


class Stopped(SystemExit):
    """A signal stopped the run (SIGINT, SIGTERM): it unwinds through every guard that
    turns other failures into a brief's problem, and exits 128 + the signal."""


INTERRUPTS = (KeyboardInterrupt, Stopped)    # what no guard may swallow
