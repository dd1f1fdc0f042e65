"""Plain text: a brief as UTF-8 text a reader can take in at a terminal or in an email.

A format is a ``Renderer`` with one ``render_<node>`` method per node of the block
tree.  Here a block method returns the lines of its block, each starting with
``indent`` (what a list or a callout puts before its children), and an inline method
returns its text.  A text file is one page: the furniture becomes a header line and a
footer line, and the page label reads "Page 1 of 1".
"""

from __future__ import annotations

import textwrap
import unicodedata

from briefgen.compose import blocks as b
from briefgen.renderers import Renderer

WIDTH = 78                                  # columns a paragraph is wrapped to
UNDERLINES = {1: "=", 2: "-", 3: "~"}       # what a heading of each level is underlined with
BULLETS = ("•", "◦", "-")                   # by list depth


class TextRenderer(Renderer):
    format = "txt"

    def render(self, document: b.Document) -> bytes:
        header, footer = self.dispatch(document.furniture)
        lines = [header, "", *self.dispatch(document.title), "",
                 *self.blocks(document.blocks), "", footer]
        return "".join(line.rstrip() + "\n" for line in lines).encode("utf-8")

    def blocks(self, nodes: tuple, indent: str = "") -> list[str]:
        """Blocks one after another, a blank line (within the indent's bar) between them."""
        lines: list[str] = []
        for node in nodes:
            if lines:
                lines.append(indent.rstrip())
            lines.extend(self.dispatch(node, indent))
        return lines

    # ------------------------------------------------- title and furniture

    def render_title_block(self, node: b.TitleBlock) -> list[str]:
        rule = "=" * display_width(node.title)
        lines = [node.organisation.upper(), "", rule, node.title, rule]
        return lines + [text for text in (node.subtitle, node.details) if text]

    def render_page_furniture(self, node: b.PageFurniture) -> tuple[str, str]:
        """The header line (the marking; the running title shows from a second page on,
        which a text file never has) and the footer line, with the page label."""
        texts = node.texts()
        label = "".join(self.dispatch(part) for part in node.page_label)
        header = spread("", texts["header_centre"], "")
        return header, spread(texts["footer_left"], texts["footer_centre"], label)

    def render_page_number(self, node: b.PageNumber) -> str:
        return "1"

    def render_page_count(self, node: b.PageCount) -> str:
        return "1"

    # ------------------------------------------------------------- blocks

    def render_heading(self, node: b.Heading, indent: str = "") -> list[str]:
        text = self.inlines(node.children).replace("\n", " ")
        return [indent + text, indent + UNDERLINES[node.level] * display_width(text)]

    def render_paragraph(self, node: b.Paragraph, indent: str = "",
                         first: str | None = None) -> list[str]:
        return wrapped(self.inlines(node.children), indent, indent if first is None else first)

    def render_caption(self, node: b.Caption, indent: str = "") -> list[str]:
        return wrapped(self.inlines(node.children), indent, indent)

    def render_bullet_list(self, node: b.BulletList, indent: str = "",
                           depth: int = 0) -> list[str]:
        marker = BULLETS[depth % len(BULLETS)]
        return [line for item in node.items
                for line in self.render_list_item(item, indent, marker, depth)]

    def render_ordered_list(self, node: b.OrderedList, indent: str = "",
                            depth: int = 0) -> list[str]:
        return [line for number, item in enumerate(node.items, start=node.start)
                for line in self.render_list_item(item, indent, f"{number}.", depth)]

    def render_list_item(self, node: b.ListItem, indent: str = "", marker: str = BULLETS[0],
                         depth: int = 0) -> list[str]:
        """The marker before the item's first line, its other lines under the text."""
        hanging = indent + " " * (len(marker) + 1)
        starts_with_text = bool(node.children) and isinstance(node.children[0], b.Paragraph)
        lines = [] if starts_with_text else [indent + marker]
        for child in node.children:
            if isinstance(child, (b.BulletList, b.OrderedList)):
                lines.extend(self.dispatch(child, hanging, depth + 1))
            elif isinstance(child, b.Paragraph):
                first = f"{indent}{marker} " if not lines else hanging
                lines.extend(self.render_paragraph(child, hanging, first))
            else:
                lines.extend(self.dispatch(child, hanging))
        return lines

    def render_table(self, node: b.Table, indent: str = "") -> list[str]:
        """Aligned columns, a rule under the header row."""
        rows = [[self.inlines(cell.children).replace("\n", " ") for cell in row]
                for row in (node.header, *node.rows)]
        widths = [max(display_width(row[i]) for row in rows) for i in range(node.columns)]
        aligns = node.aligns or ("left",) * node.columns
        rule = ["-" * width for width in widths]
        lines = [[pad(text, width, align) for text, width, align in zip(row, widths, aligns)]
                 for row in rows]
        return [indent + "  ".join(cells) for cells in (lines[0], rule, *lines[1:])]

    def render_callout(self, node: b.Callout, indent: str = "") -> list[str]:
        """The callout's kind as a label, its blocks after a bar."""
        inner = indent + "| "
        return [inner + node.kind.capitalize(), inner.rstrip(),
                *self.blocks(node.children, inner)]

    def render_thematic_break(self, node: b.ThematicBreak, indent: str = "") -> list[str]:
        return [indent + "* * *".center(WIDTH - len(indent)).rstrip()]

    # ------------------------------------------------------------ inlines

    def inlines(self, nodes: tuple) -> str:
        return "".join(self.dispatch(node) for node in nodes)

    def render_text(self, node: b.Text) -> str:
        return node.text

    def render_line_break(self, node: b.LineBreak) -> str:
        return "\n"

    def render_citation(self, node: b.Citation) -> str:
        return node.label

    def render_code(self, node: b.Code) -> str:
        return f"`{node.text}`"

    def render_strong(self, node: b.Strong) -> str:
        return f"*{self.inlines(node.children)}*"

    def render_emph(self, node: b.Emph) -> str:
        return f"_{self.inlines(node.children)}_"

    def render_link(self, node: b.Link) -> str:
        text = self.inlines(node.children)
        return f"<{node.url}>" if text in ("", node.url) else f"{text} <{node.url}>"

    def render_status(self, node: b.Status) -> str:
        return node.value

    def render_language(self, node: b.Language) -> str:
        """Text in another language reads as it is: a terminal needs no tag for it."""
        return self.inlines(node.children)


def wrapped(text: str, indent: str, first: str) -> list[str]:
    """``text`` wrapped to ``WIDTH``, its first line after ``first``, the others after
    ``indent``; a line break in the text starts a new line."""
    lines: list[str] = []
    for part in text.split("\n"):
        lines.extend(textwrap.wrap(part, WIDTH, initial_indent=first if not lines else indent,
                                   subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False) or [indent])
    return lines


def display_width(text: str) -> int:
    """How many columns ``text`` takes in a terminal: Chinese, Japanese and Korean
    characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int, align: str) -> str:
    room = width - display_width(text)
    left = {"left": 0, "center": room // 2, "right": room}[align]
    return " " * left + text + " " * (room - left)


def spread(left: str, centre: str, right: str) -> str:
    """One line: ``left`` at the start, ``centre`` in the middle, ``right`` at the end
    (two spaces apart at least, where the line is too short for them)."""
    middle = (WIDTH - display_width(centre)) // 2
    line = left + " " * max(middle - display_width(left), 2 if left else 0) + centre
    gap = WIDTH - display_width(line) - display_width(right)
    return line + " " * max(gap, 2) + right if right else line
