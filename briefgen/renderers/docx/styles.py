"""Named Word styles for a brief, made from the theme.

Briefs use styles, never direct formatting: the built-in Title, Subtitle,
Heading 1-3, List Bullet and Caption (so the navigation pane and
accessibility checkers work) are restyled from the theme, and briefgen adds
its own: Brief Meta, Organisation, Table Heading, Table Text, Callout,
Marking, Hyperlink, a "Brief Table" table style, and one "Status <value>"
character style per declared status.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
from functools import lru_cache

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from docx.styles import BabelFish

from ... import cache
from ...project import fonts
from ...project.theme import Theme
from . import reference

PARAGRAPH, CHARACTER, TABLE = WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE
CJK_FAMILY = fonts.CJK_FAMILY


def rgb(hex_value: str) -> RGBColor:
    return RGBColor.from_string(hex_value.lstrip("#").upper())


@lru_cache(maxsize=1)
def _default_template() -> bytes:
    """python-docx's own default.docx, read from disk once per process."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


USED_STYLES = frozenset({
    "Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption",
    "List Bullet", "List Bullet 2", "List Bullet 3", "List Number", "List Number 2",
    "List Number 3", "List Continue", "List Continue 2", "List Continue 3", "Header", "Footer",
    "Strong", "Emphasis", "Default Paragraph Font", "Normal Table", "No List", "Table Grid",
    "Brief Meta", "Organisation", "Table Heading", "Table Text", "Callout", "Marking",
    "Page Header", "Page Footer", "Hyperlink", "Brief Table", "Table Spacer", "Separator",
    "Table Heading Centre", "Table Heading Right", "Table Text Centre", "Table Text Right",
    "Strong Emphasis"})
UNUSED_PARTS = ("/stylesWithEffects", "/customXml", "/webSettings", "/thumbnail")


@lru_cache(maxsize=8)
def _styled_template(theme: Theme) -> tuple[bytes, dict[str, str]]:
    """The template with the theme's styles, and its style ids by name; once per theme,
    and kept in the user's cache (it depends only on the theme and briefgen's code)."""
    entry = cache.key("docx-template", repr(theme), *map(_file_hash, (theme.logo,
                                                                      theme.reference_docx)))
    stored = cache.get("docx-template", entry)
    if stored is not None:
        ids, _, template = stored.partition(b"\n")
        return template, json.loads(ids)
    template, ids = _build_template(theme)
    cache.put("docx-template", entry, json.dumps(ids).encode() + b"\n" + template)
    return template, ids


def _file_hash(path) -> str:
    from ...hashing import file_hash

    return file_hash(str(path)) if path is not None else "-"


def _build_template(theme: Theme) -> tuple[bytes, dict[str, str]]:
    """With a reference document, its styles and section win and ours fill the gaps."""
    document = docx.Document(io.BytesIO(_default_template()))
    apply_styles(document, theme)
    _prune(document)
    buffer = io.BytesIO()
    document.save(buffer)
    if theme.reference_docx is not None:
        return reference.merged_template(theme.reference_docx, buffer.getvalue(), USED_STYLES)
    return buffer.getvalue(), {style.name: style.style_id for style in document.styles}


def new_document(theme: Theme, statuses: dict[str, str]):
    """A fresh document with the theme's styles; returns it and its style ids by name."""
    document, ids = _pristine(theme, tuple(statuses.items()))
    return copy.deepcopy(document), dict(ids)   # a copy: cheaper than reading the zip again


@lru_cache(maxsize=16)
def _pristine(theme: Theme, statuses: tuple[tuple[str, str], ...]):
    """The styled template, opened, with one character style per declared status."""
    template, ids = _styled_template(theme)
    document = docx.Document(io.BytesIO(template))
    ids = dict(ids)
    for number, (value, hex_colour) in enumerate(statuses, start=1):
        style = _fresh_style(document, status_style_name(value), CHARACTER)
        style.style_id = _free_id(document, f"BriefStatus{number}")   # "On track"/"Ontrack"
        style.base_style = document.styles["Default Paragraph Font"]
        style.font.bold = True
        style.font.color.rgb = rgb(hex_colour)
        ids[style.name] = style.style_id
    return document, ids


def status_style_name(value: str) -> str:
    return f"Status {value}"


def _fresh_style(document, name: str, kind):
    """A new style ``name``, replacing one a reference document has (a brief of ours used
    as one has our status styles): the brief's declared colours win."""
    styles = document.styles
    if name in styles:
        old = styles[name].element
        old.getparent().remove(old)
    return styles.add_style(name, kind)


def _free_id(document, wanted: str) -> str:
    """``wanted``, or it with a number after it, whichever no style of the document has."""
    taken = {s.get(qn("w:styleId")) for s in document.styles.element.iterchildren(qn("w:style"))}
    candidates = itertools.chain((wanted,), (f"{wanted}-{n}" for n in itertools.count(2)))
    return next(candidate for candidate in candidates if candidate not in taken)


def _prune(document) -> None:
    """Keep only the styles and parts briefs use: smaller files, faster to open and save."""
    for owner in (document.part, document.part.package):
        for rel in list(owner.rels.values()):
            if rel.reltype.endswith(UNUSED_PARTS):
                owner.rels.pop(rel.rId)
    styles = document.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
    keep = _with_references(by_id, {i for i, s in by_id.items() if _name(s) in USED_STYLES})
    for style_id, element in by_id.items():
        if style_id not in keep:
            styles.remove(element)


def _name(style_element) -> str:
    """The name Word shows ("Heading 1"), not the stored one ("heading 1")."""
    name = style_element.find(qn("w:name"))
    return BabelFish.internal2ui(name.get(qn("w:val"))) if name is not None else ""


def _with_references(by_id: dict, keep: set) -> set:
    """``keep`` and every style those styles are based on, followed by or linked to."""
    pending, kept = list(keep), set(keep)
    while pending:
        element = by_id[pending.pop()]
        for tag in ("w:basedOn", "w:next", "w:link"):
            ref = element.find(qn(tag))
            target = ref.get(qn("w:val")) if ref is not None else None
            if target in by_id and target not in kept:
                kept.add(target)
                pending.append(target)
    return kept


def set_fonts(rpr_owner, name: str) -> None:
    """Name one family for every script slot, with the CJK face for East Asian text."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attribute in list(rfonts.attrib):
        if attribute.endswith("Theme"):
            del rfonts.attrib[attribute]
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(slot), name)
    rfonts.set(qn("w:eastAsia"), CJK_FAMILY)


def apply_styles(document, theme: Theme) -> None:
    styles = document.styles
    _paragraph(styles["Normal"], theme, theme.body_font, theme.body_size, theme.text_colour,
               after=6, line=theme.leading_ratio)
    _doc_defaults(document, theme)
    _paragraph(styles["Title"], theme, theme.heading_font, theme.title_size,
               theme.heading_colour, bold=True, after=4)
    _plain(styles["Title"])
    _paragraph(styles["Subtitle"], theme, theme.body_font, 13, theme.muted_colour,
               italic=True, after=10)
    _plain(styles["Subtitle"])
    for level, size in enumerate(theme.heading_sizes, start=1):
        _paragraph(styles[f"Heading {level}"], theme, theme.heading_font, size,
                   theme.heading_colour, bold=True, before=14 if level == 1 else 10, after=5)
    _paragraph(styles["Caption"], theme, theme.heading_font, 8.5, theme.heading_colour,
               bold=True, italic=False, before=6, after=4)
    styles["Caption"].paragraph_format.keep_with_next = True
    for name in ("List Bullet", "List Bullet 2", "List Bullet 3", "List Number",
                 "List Number 2", "List Number 3"):
        styles[name].paragraph_format.space_after = Pt(3)
    _custom(document, theme)


def _custom(document, theme: Theme) -> None:
    styles = document.styles
    add = styles.add_style
    meta = add("Brief Meta", PARAGRAPH)
    _paragraph(meta, theme, theme.heading_font, 8.5, theme.muted_colour, after=2, base="Normal")
    org = add("Organisation", PARAGRAPH)
    _paragraph(org, theme, theme.heading_font, 8.5, theme.heading_colour, bold=True, after=10,
               base="Normal")
    org.font.all_caps = True
    head = add("Table Heading", PARAGRAPH)
    _paragraph(head, theme, theme.table_font, theme.table_size, theme.table_header_text,
               bold=True, after=0, base="Normal", line=1.15)
    cell = add("Table Text", PARAGRAPH)
    _paragraph(cell, theme, theme.table_font, theme.table_size, theme.text_colour, after=0,
               base="Normal", line=1.15)
    for name in ("Table Heading", "Table Text"):
        for align, value in (("Centre", 1), ("Right", 2)):
            aligned = add(f"{name} {align}", PARAGRAPH)
            aligned.base_style = styles[name]
            aligned.paragraph_format.alignment = value
    both = add("Strong Emphasis", CHARACTER)
    both.base_style = styles["Default Paragraph Font"]
    both.font.bold, both.font.italic = True, True
    callout = add("Callout", PARAGRAPH)
    _paragraph(callout, theme, theme.body_font, theme.body_size, theme.text_colour, after=4,
               base="Normal", line=theme.leading_ratio)
    _callout_box(callout, theme)
    callout.paragraph_format.keep_together = True   # a box is never split across pages
    for name, base in (("Page Header", "Header"), ("Page Footer", "Footer")):
        style = add(name, PARAGRAPH)
        _paragraph(style, theme, theme.heading_font, 7.5, theme.muted_colour, after=0,
                   base=base)
        _furniture_tabs(style, theme)
    marking = add("Marking", CHARACTER)
    marking.base_style = styles["Default Paragraph Font"]
    marking.font.bold = True
    marking.font.size = Pt(8)
    marking.font.color.rgb = rgb(marking_colour(theme))
    spacer = add("Table Spacer", PARAGRAPH)
    _paragraph(spacer, theme, theme.body_font, 4, theme.text_colour, after=0, base="Normal",
               line=1.0)
    separator = add("Separator", PARAGRAPH)
    _paragraph(separator, theme, theme.body_font, theme.body_size, theme.muted_colour,
               before=6, after=6, base="Normal")
    separator.paragraph_format.alignment = 1
    link = add("Hyperlink", CHARACTER)
    link.base_style = styles["Default Paragraph Font"]
    link.font.color.rgb = rgb(link_colour(theme))
    link.font.underline = True
    _table_style(document, theme)


def marking_colour(theme: Theme) -> str:
    """The colour of the marking: the theme's own, or its accent colour (themes made
    before markings had a colour of their own)."""
    return getattr(theme, "marking_colour", None) or theme.accent_colour


def link_colour(theme: Theme) -> str:
    """The colour of links: the theme's own, or its accent colour."""
    return getattr(theme, "link_colour", None) or theme.accent_colour


def _furniture_tabs(style, theme: Theme) -> None:
    """Tab stops for left, centre and right parts of a header or footer line."""
    from docx.enum.text import WD_TAB_ALIGNMENT

    from ..page import frame_width

    stops = style.paragraph_format.tab_stops
    stops.clear_all()
    width = frame_width(theme)
    stops.add_tab_stop(Pt(width / 2), WD_TAB_ALIGNMENT.CENTER)
    stops.add_tab_stop(Pt(width), WD_TAB_ALIGNMENT.RIGHT)


def _paragraph(style, theme: Theme, font: str, size: float, hex_colour: str, *,
               bold: bool = False, italic: bool = False, before: float = 0, after: float = 0,
               line: float | None = None, base: str | None = None) -> None:
    if base:
        style.base_style = _styles_of(style)[base]
    set_fonts(style.element, font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    style.font.color.rgb = rgb(hex_colour)
    layout = style.paragraph_format
    layout.space_before, layout.space_after = Pt(before), Pt(after)
    if line:
        layout.line_spacing = line
    style.quick_style = True


def _styles_of(style):
    from docx.styles.styles import Styles

    return Styles(style.element.getparent())


def _doc_defaults(document, theme: Theme) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.attrib.clear()
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(slot), theme.body_font)
    rfonts.set(qn("w:eastAsia"), CJK_FAMILY)


def _plain(style) -> None:
    """Drop the default template's borders, numbering and letter spacing from a style."""
    ppr = style.element.get_or_add_pPr()
    for child in ppr.findall(qn("w:pBdr")) + ppr.findall(qn("w:numPr")):
        ppr.remove(child)
    rpr = style.element.get_or_add_rPr()
    for child in rpr.findall(qn("w:spacing")):
        rpr.remove(child)


# The order WordprocessingML requires for the children of w:pPr that briefgen adds.
PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
             "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
             "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
             "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
             "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
             "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
             "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
             "w:sectPr", "w:pPrChange")


def insert_ordered(ppr, element) -> None:
    """Insert a child of w:pPr where the schema wants it, not at the end."""
    tag = element.tag.replace(qn("w:"), "w:")
    ppr.insert_element_before(element, *PPR_ORDER[PPR_ORDER.index(tag) + 1:])


def _callout_box(style, theme: Theme) -> None:
    fill, accent = theme.callout_fill.lstrip("#"), theme.accent_colour.lstrip("#")
    ppr = style.element.get_or_add_pPr()
    insert_ordered(ppr, parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="24" w:space="8" '
        f'w:color="{accent}"/></w:pBdr>'))
    insert_ordered(ppr, parse_xml(
        f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))
    indent = ppr.get_or_add_ind()
    indent.left, indent.right = Pt(10), Pt(10)


def _table_style(document, theme: Theme) -> None:
    """A table style whose first row is the theme's header band, with striped rows."""
    header, stripe = theme.table_header_fill.lstrip("#"), theme.table_stripe_fill.lstrip("#")
    rule = theme.rule_colour.lstrip("#")
    text = theme.table_header_text.lstrip("#")
    element = parse_xml(f'''
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="BriefTable">
  <w:name w:val="Brief Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:tblPr><w:tblStyleRowBandSize w:val="1"/>
    <w:tblBorders><w:bottom w:val="single" w:sz="4" w:space="0" w:color="{rule}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{rule}"/></w:tblBorders>
    <w:tblCellMar><w:top w:w="70" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
      <w:bottom w:w="70" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:color w:val="{text}"/></w:rPr>
    <w:tblPr/><w:trPr><w:tblHeader/></w:trPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{header}"/></w:tcPr></w:tblStylePr>
  <w:tblStylePr w:type="band2Horz"><w:tblPr/>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{stripe}"/></w:tcPr></w:tblStylePr>
</w:style>''')
    document.styles.element.append(element)

