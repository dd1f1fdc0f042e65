"""Markdown -> typed block tree, with markdown-it-py.

CommonMark with GFM tables, ``::: kind`` containers for callouts, ``{.caption}``
on the paragraph before a table, ``{widths="40 auto 20"}`` on a table for its
columns' widths, ``[value]{.status}`` spans for status values and
``[text]{lang=zh-CN}`` spans for text in another language, ``[\\[1, 3\\]]{.cite}``
spans for citations and ``{.sources}`` on the numbered list they cite.  Raw HTML is off, so
``<b>`` is text.  Anything outside the closed block set (code blocks, images,
deeper headings, nesting past ``MAX_NESTING``) is a ``MarkupError`` that names the
line of the generated Markdown, so a template cannot make content silently
disappear.

A link's target is its destination exactly as written (only backslash escapes are
undone): no entity is decoded and nothing is percent-encoded, so a url from the data
is the url in the document, byte for byte.  It must be an http(s) or mailto address,
whether the data or a template wrote it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from types import SimpleNamespace

from markdown_it import MarkdownIt, helpers
from markdown_it.common.utils import stripEscape
from markdown_it.parser_block import ParserBlock
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin

from ..data.characters import described, first_unsafe, line_and_column
from ..data.richtext import LANGUAGE_PATTERN, URL_PATTERN
from ..data.yamlsource import excerpt
from ..errors import Location, MarkupError, Problem
from . import blocks as b

CITATION = re.compile(r"^\[(\d{1,6}(?:, ?\d{1,6})*)\]$")
MAX_NESTING = 100    # lists and quotes inside each other: beyond it, an error, never a cut


class _Parser(MarkdownIt):
    """CommonMark whose link targets are the destinations as written, and whose block
    parser refuses to nest deeper than ``MAX_NESTING`` instead of dropping the rest."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "linkify": False, "typographer": False,
                                        "maxNesting": MAX_NESTING})
        self.helpers = SimpleNamespace(parseLinkLabel=helpers.parseLinkLabel,
                                       parseLinkTitle=helpers.parseLinkTitle,
                                       parseLinkDestination=_destination_as_written)
        bounded = _BoundedBlocks()
        bounded.ruler = self.block.ruler
        self.block = bounded

    def normalizeLink(self, url: str) -> str:
        return url

    def validateLink(self, url: str) -> bool:
        return True          # every link reaches the builder, which refuses a bad one by name


def _destination_as_written(string: str, pos: int, maximum: int):
    """markdown-it's link destination, with only its backslash escapes undone: an entity
    such as ``&amp;`` stays the characters written."""
    result = helpers.parseLinkDestination(string, pos, maximum)
    if result.ok:
        written = string[pos:result.pos]
        if written.startswith("<"):
            written = written[1:-1]
        result.str = stripEscape(written)
    return result


class _BoundedBlocks(ParserBlock):
    def tokenize(self, state, startLine: int, endLine: int) -> None:
        if state.level >= state.md.options.maxNesting:
            line = state.skipEmptyLines(startLine)
            if line < endLine and state.sCount[line] >= state.blkIndent:
                raise _TooDeep(line)
        super().tokenize(state, startLine, endLine)


class _TooDeep(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = _Parser()
    md.enable("table")
    md.use(attrs_block_plugin).use(attrs_plugin, spans=True)
    for kind in b.CALLOUT_KINDS:
        md.use(container_plugin, name=kind)
    return md


def parse(markdown: str, origin: str = "<markdown>") -> tuple:
    """The block tree of a Markdown text: only of characters text may hold, as the data
    and the templates' sources are (a template's expression can still compute another)."""
    refuse_unsafe(markdown, origin)
    try:
        tokens = parser().parse(markdown)
    except _TooDeep as error:
        raise MarkupError(Problem(Location(origin, error.line + 1), "",
                                  f"the generated Markdown nests lists or quotes deeper than "
                                  f"{MAX_NESTING} levels, which briefs do not support")) from None
    return _Builder(origin).blocks(SyntaxTreeNode(tokens).children)


def refuse_unsafe(markdown: str, origin: str) -> None:
    found = first_unsafe(markdown)
    if found is not None:
        offset, char = found
        raise MarkupError(Problem(Location(origin, *line_and_column(markdown, offset)), "",
                                  f"{described(char)} (the generated Markdown has it: a "
                                  "template's expression wrote it)"))


class _Builder:
    def __init__(self, origin: str):
        self.origin = origin
        self.line: int | None = None   # the line of the block being built

    def fail(self, node: SyntaxTreeNode, what: str) -> MarkupError:
        line = node.map[0] + 1 if node.map else self.line
        return MarkupError(Problem(Location(self.origin, line), "",
                                   f"the generated Markdown has {what}, which briefs do not support"))

    def blocks(self, nodes) -> tuple:
        return tuple(self.block(node) for node in nodes)

    def block(self, node: SyntaxTreeNode):
        if node.map:
            self.line = node.map[0] + 1
        if node.type.startswith("container_"):
            return b.Callout(node.type.removeprefix("container_"), self.blocks(node.children))
        method = getattr(self, "block_" + node.type, None)
        if method is None:
            raise self.fail(node, f"a {node.type.replace('_', ' ')}")
        return method(node)

    def block_heading(self, node: SyntaxTreeNode) -> b.Heading:
        level = int(node.tag[1])
        if level > 3:
            raise self.fail(node, f"a level-{level} heading (use levels 1 to 3)")
        return b.Heading(level, self.inlines(node.children[0]))

    def block_paragraph(self, node: SyntaxTreeNode):
        inlines = self.inlines(node.children[0])
        if "caption" in str(node.attrs.get("class", "")).split():
            return b.Caption(inlines)
        return b.Paragraph(inlines)

    def block_bullet_list(self, node: SyntaxTreeNode) -> b.BulletList:
        return b.BulletList(tuple(self.block_list_item(item) for item in node.children))

    def block_ordered_list(self, node: SyntaxTreeNode) -> b.OrderedList:
        start = int(node.attrs.get("start", 1))
        classes = str(node.attrs.get("class", "")).split()
        if classes not in ([], ["sources"]):
            raise self.fail(node, f"a numbered list of class {' '.join(classes)} (expected "
                                  "sources or none)")
        return b.OrderedList(tuple(self.block_list_item(item) for item in node.children), start,
                             sources=bool(classes))

    def block_list_item(self, node: SyntaxTreeNode) -> b.ListItem:
        return b.ListItem(self.blocks(node.children))

    def block_blockquote(self, node: SyntaxTreeNode) -> b.Callout:
        return b.Callout("note", self.blocks(node.children))

    def block_hr(self, node: SyntaxTreeNode) -> b.ThematicBreak:
        return b.ThematicBreak()

    def block_table(self, node: SyntaxTreeNode) -> b.Table:
        head, *body = node.children
        header_row = head.children[0]
        aligns = tuple(_align(cell) for cell in header_row.children)
        rows = tuple(self.row(tr) for section in body for tr in section.children)
        widths = self.widths(node, len(header_row.children))
        heads = self.row_headers(node, len(header_row.children))
        return b.Table(self.row(header_row), rows, aligns, widths, heads)

    def row_headers(self, node: SyntaxTreeNode, columns: int) -> tuple:
        """``{rowheaders="0"}`` before a table: the columns whose cells head their rows."""
        written = node.attrs.get("rowheaders")
        if written is None:
            return ()
        words = str(written).split()
        if not all(w.isdigit() and int(w) < columns for w in words) or len(set(words)) < len(words):
            raise self.fail(node, f"row-header columns {excerpt(str(written))!r} for {columns} "
                                  "columns (expected distinct column numbers from 0)")
        return tuple(sorted(int(w) for w in words))

    def widths(self, node: SyntaxTreeNode, columns: int) -> tuple:
        """``{widths="40 auto 20"}`` before a table: a percentage or ``auto`` per column,
        adding up to at most 100; anything else is refused by name."""
        written = node.attrs.get("widths")
        if written is None:
            return ()
        try:
            widths = tuple(_width(word) for word in str(written).split())
        except ValueError:
            widths = ()
        if len(widths) != columns or sum(w for w in widths if w) > 100 + 1e-9:
            raise self.fail(node, f"column widths {excerpt(str(written))!r} for {columns} "
                                  "columns (expected a percentage from 1 to 100 or auto for "
                                  "each, adding up to at most 100)")
        return widths

    def row(self, tr: SyntaxTreeNode) -> tuple:
        return tuple(b.TableCell(self.inlines(cell.children[0]) if cell.children else ())
                     for cell in tr.children)

    # ------------------------------------------------------------ inlines

    def inlines(self, inline: SyntaxTreeNode) -> tuple:
        return _merge_text(tuple(self.inline(child) for child in inline.children))

    def inline(self, node: SyntaxTreeNode):
        kind = node.type
        if kind == "text":
            return b.Text(node.content)
        if kind == "softbreak":
            return b.Text(" ")
        if kind == "hardbreak":
            return b.LineBreak()
        if kind == "code_inline":
            return b.Code(node.content)
        if kind == "em":
            return b.Emph(self.inlines(node))
        if kind == "strong":
            return b.Strong(self.inlines(node))
        if kind == "link":
            return self.link(node)
        if kind == "span":
            return self.span(node)
        raise self.fail(node, f"an inline {kind.replace('_', ' ')}")

    def link(self, node: SyntaxTreeNode) -> b.Link:
        """A link to an http(s) or mailto address; any other target is refused by name,
        never linked nor dropped."""
        url = str(node.attrs.get("href", ""))
        if not URL_PATTERN.fullmatch(url):
            raise self.fail(node, f"a link to {excerpt(url)!r} (expected an http(s) or mailto "
                                  "address without spaces or quotes)")
        return b.Link(url, self.inlines(node))

    def span(self, node: SyntaxTreeNode):
        """``[text]{.status}``, ``{.em}`` and ``{.strong}``, and ``{lang=zh-CN}`` around
        any of them or alone; other classes and languages are errors."""
        classes = str(node.attrs.get("class", "")).split()
        children = self.inlines(node)
        lang = node.attrs.get("lang")
        if lang is None:
            return self.styled(node, classes, children)
        inner = (self.styled(node, classes, children),) if classes else children
        return self.language(node, str(lang), inner)

    def styled(self, node: SyntaxTreeNode, classes: list, children: tuple):
        if classes == ["status"]:
            return b.Status(b.plain_text(children))
        if classes == ["em"]:
            return b.Emph(children)
        if classes == ["strong"]:
            return b.Strong(children)
        if classes == ["cite"]:
            return self.citation(node, b.plain_text(children))
        raise self.fail(node, f"a span of class {' '.join(classes) or '(none)'} "
                              "(expected status, em, strong or cite, or a lang)")

    def citation(self, node: SyntaxTreeNode, text: str) -> b.Citation:
        """``[\\[1, 3\\]]{.cite}``: source numbers from 1, ascending, in brackets."""
        match = CITATION.fullmatch(text)
        numbers = tuple(int(n) for n in match.group(1).split(",")) if match else ()
        if not numbers or list(numbers) != sorted(set(numbers)) or 0 in numbers:
            raise self.fail(node, f"a citation {excerpt(text)!r} (expected source numbers "
                                  "from 1 in brackets, ascending, such as [1, 3])")
        return b.Citation(numbers)

    def language(self, node: SyntaxTreeNode, lang: str, children: tuple) -> b.Language:
        """Text in another language: its tag must be one a brief's ``language`` could be."""
        if not LANGUAGE_PATTERN.fullmatch(lang):
            raise self.fail(node, f"a span in the language {excerpt(lang)!r} (expected a "
                                  "language tag such as zh-CN)")
        return b.Language(lang, children)


def _merge_text(nodes: tuple) -> tuple:
    """Adjacent text nodes joined, empty ones dropped."""
    out: list = []
    for node in nodes:
        if isinstance(node, b.Text) and not node.text:
            continue
        if out and isinstance(node, b.Text) and isinstance(out[-1], b.Text):
            out[-1] = b.Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)


def _width(word: str) -> float | None:
    """One column's width as the Markdown writes it: ``auto`` (None) or a percentage from
    1 to 100; ``ValueError`` for anything else."""
    if word == "auto":
        return None
    width = float(word)
    if not 1 <= width <= 100:
        raise ValueError(word)
    return width


def _align(cell: SyntaxTreeNode) -> str:
    style = str(cell.attrs.get("style", ""))
    for name in ("left", "center", "right"):
        if f"text-align:{name}" in style:
            return name
    return "left"
