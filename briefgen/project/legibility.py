"""Readable colours: every colour a theme sets text in, at the sizes it sets it, on each
fill that text sits on, must reach the contrast WCAG 2.1 AA asks (``contrast``); a theme
that misses it is refused at the key to blame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import contrast
from ..data.yamlsource import Located, dotted
from ..errors import Problem

Theme = Any   # a project.theme.Theme, not imported here: that module imports this one

PAGE_COLOUR = "#FFFFFF"      # briefs are set on white: no theme colours the page
FILLS = {"page": "the page", "callout_fill": "the callout fill",
         "table_stripe_fill": "the table stripe fill",
         "table_header_fill": "the table header fill"}
TEXT_COLOURS = {"heading": "heading_colour", "text": "text_colour", "muted": "muted_colour",
                "marking": "marking_colour", "link": "link_colour",
                "table_header_text": "table_header_text"}
INHERITED = {"marking": "heading", "link": "heading"}   # a key left out takes this one's


@dataclass(frozen=True)
class TextUse:
    """Text a brief sets in one of the theme's colours: its size, and the fills under it."""

    key: str            # a key of TEXT_COLOURS, or "status" for every status colour
    size: float         # points
    bold: bool
    fills: tuple        # keys of FILLS


def text_uses(theme: Theme) -> tuple[TextUse, ...]:
    """Every kind of text the renderers set in a theme colour, as their styles set it
    (the PDF stylesheet and page furniture, the DOCX styles): a new use belongs here."""
    body, table, page = theme.body_size, theme.table_size, ("page",)
    boxed, cells = ("page", "callout_fill"), ("page", "table_stripe_fill")
    return (*(TextUse("heading", size, True, page)
              for size in (theme.title_size, *theme.heading_sizes)),
            TextUse("heading", 8.5, True, page),        # captions, the organisation line
            TextUse("text", body, False, boxed), TextUse("text", table, False, cells),
            TextUse("muted", 7.5, False, page),         # meta line, footer, page numbers
            TextUse("marking", 8.0, True, page),
            TextUse("link", body, False, boxed), TextUse("link", table, False, cells),
            TextUse("table_header_text", table, True, ("table_header_fill",)),
            TextUse("status", body, True, page),        # statuses named in running text
            TextUse("status", table, True, cells))


def contrast_needed(theme: Theme, key: str) -> dict[str, float]:
    """The contrast text in ``key``'s colour needs on each fill it sits on: the least
    large of its uses there decides."""
    needed: dict[str, float] = {}
    for use in text_uses(theme):
        for fill in use.fills if use.key == key else ():
            needed[fill] = max(needed.get(fill, 0.0), contrast.required_ratio(use.size, use.bold))
    return needed


def fill_colour(theme: Theme, fill: str) -> str:
    return PAGE_COLOUR if fill == "page" else getattr(theme, fill)


def fill_named(theme: Theme, fill: str) -> str:
    """A fill as messages name it, with its colour: "the page #FFFFFF"."""
    return f"{FILLS[fill]} {fill_colour(theme, fill)}"


def shortfalls(theme: Theme, key: str, colour: str) -> list[tuple[str, contrast.Shortfall]]:
    """Each fill on which ``colour``, set as ``key``'s text, misses the contrast it needs."""
    found = ((fill, contrast.shortfall(colour, fill_colour(theme, fill), needed))
             for fill, needed in contrast_needed(theme, key).items())
    return [(fill, short) for fill, short in found if short is not None]


def contrast_problems(theme: Theme, written: set, located: Located) -> list[Problem]:
    """Each unreadable text colour of a theme, at the key the theme file wrote (the
    text's own, or the fill that made a default unreadable): once per key and colour, on
    the first fill it fails on, with the same text's other fills."""
    found: dict[tuple, list] = {}
    for path, key, colour in _text_colours(theme):
        for fill, short in shortfalls(theme, key, colour):
            blamed, text = _blamed(path, fill, written, colour)
            found.setdefault((blamed, colour), []).append((path != blamed, text, fill, short))
    problems = [_problem(theme, blamed, sorted(entries, key=lambda e: e[0]), located)
                for (blamed, _), entries in found.items()]
    return sorted(problems, key=lambda p: (p.location.line or 0, p.location.column or 0))


def _problem(theme: Theme, blamed: tuple, entries: list, located: Located) -> Problem:
    """One key's shortfall: its own text first (a colour it lends out comes after)."""
    _, text, fill, short = entries[0]
    also = tuple((other, fill_named(theme, where)) for _, same, where, other in entries[1:]
                 if same == text)
    return Problem(located.locate(("colours", *blamed)), dotted(("colours", *blamed)),
                   short.describe(text, fill_named(theme, fill), also))


def _text_colours(theme: Theme):
    """Each text colour of the theme: its path under ``colours``, its use, its colour."""
    for key, attribute in TEXT_COLOURS.items():
        yield (key,), key, getattr(theme, attribute)
    for value, colour in theme.status_colours.items():
        yield ("status", value), "status", colour


def _blamed(path: tuple, fill: str, written: set, colour: str) -> tuple[tuple, str]:
    """The key to point at for ``path``'s colour on ``fill``, and how to name the colour:
    the text's own key if written; else the fill, if written; else the key it inherits."""
    if path in written:
        return path, colour
    key, source = path[0], INHERITED.get(path[0])
    inherited = source is not None and (source,) in written
    origin = f"taken from colours.{source}, as colours.{key} is not set" if inherited \
        else "the default"
    text = f"the {key.replace('_', ' ')} colour {colour} ({origin})"
    if (fill,) in written:
        return (fill,), text
    return ((source,) if inherited else path), text
