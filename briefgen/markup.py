"""Markdown -> typed block tree, with markdown-it-py.

CommonMark with GFM tables, ``::: kind`` containers for callouts, ``{.caption}``
on the paragraph before a table, and ``[value]{.status}`` spans for status
values.  Raw HTML is off, so ``<b>`` is text.  Anything outside the closed
block set (code blocks, images, deeper headings) is a ``MarkupError`` that
names the line of the generated Markdown, so a template cannot make content
silently disappear.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin

from . import blocks as b
from .errors import Location, MarkupError, Problem


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(attrs_block_plugin).use(attrs_plugin, spans=True)
    for kind in b.CALLOUT_KINDS:
        md.use(container_plugin, name=kind)
    return md


def parse(markdown: str, origin: str = "<markdown>") -> tuple:
    """The block tree of a Markdown text."""
    root = SyntaxTreeNode(parser().parse(markdown))
    return _Builder(origin).blocks(root.children)


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
        return b.OrderedList(tuple(self.block_list_item(item) for item in node.children), start)

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
        return b.Table(self.row(header_row), rows, aligns)

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
            return b.Link(str(node.attrs.get("href", "")), self.inlines(node))
        if kind == "span":
            return self.span(node)
        raise self.fail(node, f"an inline {kind.replace('_', ' ')}")

    def span(self, node: SyntaxTreeNode):
        """``[text]{.status}``, ``{.em}`` and ``{.strong}``; other classes are errors."""
        classes = str(node.attrs.get("class", "")).split()
        children = self.inlines(node)
        if classes == ["status"]:
            return b.Status(b.plain_text(children))
        if classes == ["em"]:
            return b.Emph(children)
        if classes == ["strong"]:
            return b.Strong(children)
        raise self.fail(node, f"a span of class {' '.join(classes) or '(none)'} "
                              "(expected status, em or strong)")


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


def _align(cell: SyntaxTreeNode) -> str:
    style = str(cell.attrs.get("style", ""))
    for name in ("left", "center", "right"):
        if f"text-align:{name}" in style:
            return name
    return "left"
