"""HTML renderer: the block tree as one self-contained, accessible web page.

Elements are built with lxml and serialised by it, so every value from the data is
text or an attribute value that lxml escapes: no markup is ever written by joining
strings, and nothing from the data can open an element, an attribute or a script.
The page carries its stylesheet (allowed by its hash) and its logo (a ``data:`` image);
its Content-Security-Policy forbids every script and every fetch, so it reads the same
from a file, a web server or an e-mail.

The structure is what a screen reader navigates by: ``header`` (the marking's banner and
the title block with the one ``h1``), ``main`` (sections from ``h2``, never skipping a
level), ``footer``; lists as lists; tables with their caption, column headers
(``scope="col"``) and row headers (``scope="row"``); citations linked to their sources
and the sources back to each place that cites them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from lxml import etree

from ...compose import blocks as b
from ...compose.frame import DETAILS_SEPARATOR
from ...compose.labels import fill
from ...data.richtext import direction
from ..base import Renderer
from ..headings import HeadingOutline
from ..page import KEEP_WHOLE
from . import stylesheet as css
from .links import Citations, linkable

LONG_WORD = 24          # characters: a word longer may break where a printed page ends
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DOCTYPE = b"<!DOCTYPE html>\n"


def element(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    """A child element; attribute names ending in ``_`` lose it (``class_``)."""
    node = etree.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): v
                                          for k, v in attributes.items() if v is not None})
    if text:
        node.text = text
    return node


def append_text(parent, text: str) -> None:
    """Text after the parent's last child (or as its text, if it has none)."""
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def occurrence_mark(occurrence: int) -> str:
    """a, b, ... z, aa, ab ...: which citation of a source a link back returns to."""
    mark = ""
    while occurrence:
        occurrence, rest = divmod(occurrence - 1, 26)
        mark = chr(ord("a") + rest) + mark
    return mark


@dataclass(frozen=True)
class Furniture:
    """The page furniture as the page shows it: the banner above the title block, the
    footer below the text, and the print pages' margin boxes."""

    banner: str
    footer: tuple
    boxes: dict


class HtmlRenderer(Renderer):
    format = "html"

    @classmethod
    def prepare(cls, theme) -> None:
        css.base_css(theme)

    def render(self, document: b.Document) -> bytes:
        self.labels = self.theme.labels
        self.outline = HeadingOutline()
        self.citations = Citations(document.blocks)
        self.statuses = {value: f"status-{index}"
                         for index, value in enumerate(sorted(document.status_colours))}
        self.rules: list[str] = []          # the document's own rules: table widths
        self.tables = 0
        self.in_link = False
        self.direction = direction(document.meta.language)
        root = etree.Element("html", lang=document.meta.language, dir=self.direction)
        head = etree.SubElement(root, "head")
        body = etree.SubElement(root, "body")
        furniture = self.dispatch(document.furniture)
        self.page_header(body, document, furniture)
        main = element(element(body, "main", id="content"), "div", class_="page")
        self.blocks(main, document.blocks)
        self.page_footer(body, furniture)
        self.head(head, document, self.stylesheet(document, furniture))
        return DOCTYPE + etree.tostring(root, method="html", encoding="utf-8")

    # ------------------------------------------------------------ the page

    def head(self, head, document: b.Document, style: str) -> None:
        meta = document.meta
        element(head, "meta", charset="utf-8")
        digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
        element(head, "meta", http_equiv="Content-Security-Policy",
                content=f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
                        "base-uri 'none'; form-action 'none'")
        element(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
        element(head, "title", meta.title)
        for name, value in (("author", ", ".join(meta.authors)), ("description", meta.subject),
                            ("keywords", ", ".join(meta.keywords)), ("generator", "briefgen")):
            if value:
                element(head, "meta", name=name, content=value)
        element(head, "style", style)

    def stylesheet(self, document: b.Document, furniture: Furniture) -> str:
        colours = {name: colour if COLOUR.fullmatch(colour) else self.theme.muted_colour
                   for value, name in self.statuses.items()
                   for colour in (document.status_colours[value],)}
        return "\n".join(part for part in (
            css.base_css(self.theme), css.furniture_css(self.theme, furniture.boxes),
            css.status_css(colours), *self.rules) if part) + "\n"

    def page_header(self, body, document: b.Document, furniture: Furniture) -> None:
        header = element(body, "header")
        if furniture.banner:
            banner = element(header, "p", class_="banner")
            element(banner, "span", furniture.banner, class_="marking")
        self.dispatch(document.title, element(header, "div", class_="page"))

    def page_footer(self, body, furniture: Furniture) -> None:
        if not furniture.footer:
            return
        inner = element(element(body, "footer", class_="furniture"), "div", class_="page")
        for text, kind in furniture.footer:
            element(inner, "p", text, class_=kind)

    # ------------------------------------------------- title and furniture

    def render_title_block(self, node: b.TitleBlock, parent) -> None:
        block = element(parent, "div", class_="title-block")
        if self.theme.logo_png is not None:
            picture = base64.b64encode(self.theme.logo_png).decode("ascii")
            element(block, "img", src=f"data:image/png;base64,{picture}", class_="logo",
                    alt=f"{node.organisation} logo" if node.organisation.strip() else "Logo")
        if node.organisation:
            element(block, "p", node.organisation, class_="organisation")
        element(block, "h1", node.title)
        details = node.details.replace(DETAILS_SEPARATOR, "\u00a0\u00b7 ")  # no line starts "·"
        for text, kind in ((node.subtitle, "subtitle"), (details, "details")):
            if text:
                element(block, "p", text, class_=kind)

    def render_page_furniture(self, node: b.PageFurniture) -> Furniture:
        """The banner (the header's centre: the marking), the footer's texts, and for
        print every slot in its margin box, with the page label's numbers as counters."""
        texts = node.texts()
        footer = tuple((texts[slot], kind) for slot, kind in
                       (("footer_left", "footer-text"), ("footer_centre", "marking"))
                       if texts[slot].strip())
        boxes = {box: css.css_string(texts[slot]) for box, slot in
                 (("top-left", "header_left"), ("top-center", "header_centre"),
                  ("bottom-left", "footer_left"), ("bottom-center", "footer_centre"))
                 if texts[slot].strip()}
        if node.page_label:
            boxes["bottom-right"] = " ".join(
                css.css_string(part.text) if isinstance(part, b.Text) else self.dispatch(part)
                for part in node.page_label)
        return Furniture(texts["header_centre"].strip(), footer, boxes)

    def render_page_number(self, node: b.PageNumber) -> str:
        return "counter(page)"

    def render_page_count(self, node: b.PageCount) -> str:
        return "counter(pages)"

    # ------------------------------------------------------------- blocks

    def blocks(self, parent, nodes: tuple) -> None:
        """Blocks in order; a caption goes into the table that follows it."""
        index = 0
        while index < len(nodes):
            node = nodes[index]
            following = nodes[index + 1] if index + 1 < len(nodes) else None
            if isinstance(node, b.Caption) and isinstance(following, b.Table):
                self.render_table(following, parent, node)
                index += 2
                continue
            self.dispatch(node, parent)
            index += 1

    def render_heading(self, node: b.Heading, parent) -> None:
        level = min(self.outline.place(node.level) + 1, 6)
        self.inlines(element(parent, f"h{level}"), node.children)

    def render_paragraph(self, node: b.Paragraph, parent) -> None:
        self.inlines(element(parent, "p"), node.children)

    def render_caption(self, node: b.Caption, parent) -> None:
        """A caption with no table after it: a paragraph set as a caption."""
        self.inlines(element(parent, "p", class_="caption"), node.children)

    def render_bullet_list(self, node: b.BulletList, parent) -> None:
        self.items(element(parent, "ul"), node.items)

    def render_ordered_list(self, node: b.OrderedList, parent) -> None:
        start = str(node.start) if node.start != 1 else None
        if not self.citations.is_sources(node):
            self.items(element(parent, "ol", start=start), node.items)
            return
        listing = element(parent, "ol", start=start, class_="sources")
        for number, item in enumerate(node.items, start=node.start):
            entry = self.render_list_item(item, listing, id=f"source-{number}")
            self.backlinks(entry, number)

    def items(self, listing, items: tuple) -> None:
        for item in items:
            self.render_list_item(item, listing)

    def render_list_item(self, node: b.ListItem, parent, **attributes):
        """An item; one that is a single paragraph holds its text directly."""
        entry = element(parent, "li", **attributes)
        if len(node.children) == 1 and isinstance(node.children[0], b.Paragraph):
            self.inlines(entry, node.children[0].children)
        else:
            self.blocks(entry, node.children)
        return entry

    def backlinks(self, entry, number: int) -> None:
        """After a source, a link back to each place that cites it."""
        count = self.citations.count(number)
        if not count:
            return
        links = element(entry, "span", class_="backlinks")
        for occurrence in range(1, count + 1):
            # Several links show letters, and each one's name holds its letter: a voice
            # user says what is seen ("Back to citation b of source 1").
            shown = "\u21a9" if count == 1 else occurrence_mark(occurrence)
            label = fill(self.labels["back_to_citation"], number=number,
                         occurrence=occurrence if count == 1 else shown)
            element(links, "a", shown, href=f"#{Citations.anchor(number, occurrence)}",
                    aria_label=label)

    def render_table(self, node: b.Table, parent, caption: b.Caption | None = None) -> None:
        self.tables += 1
        table_id = f"table-{self.tables}"
        frame = element(parent, "div", class_="table", tabindex="0")
        whole = "whole" if len(node.rows) <= KEEP_WHOLE else None
        table = element(frame, "table", id=table_id, class_=whole)
        if caption is not None:
            self.inlines(element(table, "caption", id=f"{table_id}-caption"), caption.children)
            frame.set("role", "region")
            frame.set("aria-labelledby", f"{table_id}-caption")
        if any(width is not None for width in node.widths):
            group = element(table, "colgroup")
            for _ in node.widths:
                element(group, "col")
            self.rules.append(css.width_css(table_id, node.widths))
        aligns = node.aligns or ("left",) * node.columns
        self.row(element(element(table, "thead"), "tr"), node.header, aligns, "col")
        body = element(table, "tbody")
        for row in node.rows:
            self.row(element(body, "tr"), row, aligns, None, node.row_headers)

    def row(self, tr, cells: tuple, aligns: tuple, scope: str | None,
            row_headers: tuple = ()) -> None:
        for index, (cell, align) in enumerate(zip(cells, aligns)):
            heads = scope or ("row" if index in row_headers else None)
            classes = [] if align == "left" else [f"align-{align}"]
            if any(len(word) > LONG_WORD for word in b.plain_text(cell.children).split()):
                classes.append("long-words")     # a printed page breaks it to fit
            self.dispatch(cell, element(tr, "th" if heads else "td", scope=heads,
                                        class_=" ".join(classes) or None))

    def render_table_cell(self, node: b.TableCell, parent) -> None:
        self.inlines(parent, node.children)

    def render_callout(self, node: b.Callout, parent) -> None:
        self.blocks(element(parent, "div", class_=f"callout callout-{node.kind}"),
                    node.children)

    def render_thematic_break(self, node: b.ThematicBreak, parent) -> None:
        element(parent, "hr")

    # ------------------------------------------------------------ inlines

    def inlines(self, parent, nodes: tuple) -> None:
        for node in nodes:
            self.dispatch(node, parent)

    def render_text(self, node: b.Text, parent) -> None:
        append_text(parent, node.text)

    def render_line_break(self, node: b.LineBreak, parent) -> None:
        element(parent, "br")

    def render_code(self, node: b.Code, parent) -> None:
        element(parent, "code", node.text)

    def render_strong(self, node: b.Strong, parent) -> None:
        self.inlines(element(parent, "strong"), node.children)

    def render_emph(self, node: b.Emph, parent) -> None:
        self.inlines(element(parent, "em"), node.children)

    def render_link(self, node: b.Link, parent) -> None:
        """A link to an http(s) or mailto address; any other target keeps its text only.
        A link's text holds no link of its own (a citation inside it is its text)."""
        if not linkable(node.url) or self.in_link:
            self.inlines(parent, node.children)
            return
        self.in_link = True
        try:
            self.inlines(element(parent, "a", href=node.url), node.children)
        finally:
            self.in_link = False

    def render_status(self, node: b.Status, parent) -> None:
        name = self.statuses.get(node.value)
        element(parent, "span", node.value, class_=f"status {name}" if name else "status")

    def render_language(self, node: b.Language, parent) -> None:
        """A span in its language; in a language written the other way, with its
        direction too, which also isolates it from the text around it."""
        around, self.direction = self.direction, direction(node.lang)
        span = element(parent, "span", lang=node.lang,
                       dir=self.direction if self.direction != around else None)
        self.inlines(span, node.children)
        self.direction = around

    def render_citation(self, node: b.Citation, parent) -> None:
        """``[1, 3]``: each number that the sources list holds links to its entry."""
        append_text(parent, "[")
        for position, number in enumerate(node.numbers):
            if position:
                append_text(parent, ", ")
            if self.in_link or not self.citations.listed(number):
                append_text(parent, str(number))
                continue
            element(parent, "a", str(number), href=f"#source-{number}", class_="citation",
                    id=self.citations.cite(number),
                    aria_label=fill(self.labels["cited_source"], number=number))
        append_text(parent, "]")
