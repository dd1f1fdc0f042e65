"""Which links a page keeps, and the links between citations and the sources list.

Only http, https and mailto addresses become links.  A citation's number links to its
entry in the document's sources list (the first list marked as one), and the entry
links back to each place that cites it; a number the list does not hold, or a citation
inside a link's text, stays text, so no link ever points nowhere.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from ...compose import blocks as b

LINK_SCHEMES = ("http", "https", "mailto")
UNSAFE = frozenset("\r\n\t\\ \"'<>`")


def linkable(url: str) -> bool:
    """Whether a link's target is an http, https or mailto address."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    return scheme in LINK_SCHEMES and not UNSAFE.intersection(url)


class Citations:
    """The document's sources list and how often each of its entries is cited, found
    before the page is made, so that an entry's links back can precede or follow the
    citations they return to."""

    def __init__(self, nodes: tuple):
        self.sources: b.OrderedList | None = None
        self.counts: Counter = Counter()
        self._walk(nodes, linked=False)
        self.listed_numbers = frozenset(
            range(self.sources.start, self.sources.start + len(self.sources.items))
            if self.sources is not None else ())
        self.cited: Counter = Counter()       # citations made so far, by number

    def _walk(self, nodes, linked: bool) -> None:
        for node in nodes:
            if isinstance(node, b.OrderedList) and node.sources and self.sources is None:
                self.sources = node
            if isinstance(node, b.Citation) and not linked:
                self.counts.update(node.numbers)
            inside = linked or (isinstance(node, b.Link) and linkable(node.url))
            for name in ("children", "items", "header"):
                self._walk(getattr(node, name, ()), inside)
            for row in getattr(node, "rows", ()):
                self._walk(row, inside)

    def is_sources(self, node: b.OrderedList) -> bool:
        return node is self.sources

    def listed(self, number: int) -> bool:
        return number in self.listed_numbers

    def count(self, number: int) -> int:
        """How many citations link to entry ``number``."""
        return self.counts[number] if self.listed(number) else 0

    def cite(self, number: int) -> str:
        """The anchor of the next citation of ``number``."""
        self.cited[number] += 1
        return self.anchor(number, self.cited[number])

    @staticmethod
    def anchor(number: int, occurrence: int) -> str:
        return f"cite-{number}-{occurrence}"
