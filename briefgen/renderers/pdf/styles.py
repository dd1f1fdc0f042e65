"""The PDF stylesheet: named ParagraphStyles built once per theme."""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from ...project.theme import Theme

ALIGNMENTS = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


def colour(hex_value: str) -> colors.Color:
    return colors.HexColor(hex_value)


@lru_cache(maxsize=8)
def stylesheet(theme: Theme) -> dict[str, ParagraphStyle]:
    """Every paragraph style a brief uses, by name."""
    face = theme.families.face
    body, sans, table = (face(f) for f in (theme.body_font, theme.heading_font,
                                            theme.table_font))
    body_italic = face(theme.body_font, italic=True)
    sans_bold, table_bold = (face(f, bold=True) for f in (theme.heading_font, theme.table_font))
    lead = theme.leading_ratio
    text, muted, accent = colour(theme.text_colour), colour(theme.muted_colour), \
        colour(theme.heading_colour)
    base = ParagraphStyle("Body", fontName=body, fontSize=theme.body_size,
                          leading=theme.body_size * lead, textColor=text, spaceAfter=6,
                          allowWidows=0, allowOrphans=0)
    styles = {
        "Body": base,
        "Title": ParagraphStyle("Title", base, fontName=sans_bold, fontSize=theme.title_size,
                                leading=theme.title_size * 1.18, textColor=accent, spaceAfter=6),
        "Subtitle": ParagraphStyle("Subtitle", base, fontName=body_italic, fontSize=13,
                                   leading=17, textColor=muted, spaceAfter=10),
        "Organisation": ParagraphStyle("Organisation", base, fontName=sans_bold, fontSize=8.5,
                                       leading=11, textColor=accent, spaceAfter=10),
        "Meta": ParagraphStyle("Meta", base, fontName=sans, fontSize=8.5, leading=12,
                               textColor=muted, spaceAfter=2),
        "Caption": ParagraphStyle("Caption", base, fontName=sans_bold, fontSize=8.5,
                                  leading=11, textColor=accent, spaceBefore=6, spaceAfter=4,
                                  keepWithNext=1),
        "TableHeader": ParagraphStyle("TableHeader", base, fontName=table_bold,
                                      fontSize=theme.table_size,
                                      leading=theme.table_size * 1.3,
                                      textColor=colour(theme.table_header_text), spaceAfter=0),
        "TableCell": ParagraphStyle("TableCell", base, fontName=table, fontSize=theme.table_size,
                                    leading=theme.table_size * 1.3, spaceAfter=0),
        "Callout": ParagraphStyle("Callout", base, spaceAfter=4),
        "Footer": ParagraphStyle("Footer", base, fontName=sans, fontSize=7.5, textColor=muted),
    }
    for level in (1, 2, 3):
        styles[f"List{level}"] = ParagraphStyle(
            f"List{level}", base, leftIndent=16 * level, bulletIndent=16 * level - 12,
            bulletFontName=body, bulletFontSize=theme.body_size, spaceAfter=3)
    for level, size in enumerate(theme.heading_sizes, start=1):
        styles[f"Heading{level}"] = ParagraphStyle(
            f"Heading{level}", base, fontName=sans_bold, fontSize=size,
            leading=size * 1.25, textColor=accent, spaceBefore=14 if level == 1 else 10,
            spaceAfter=5)   # kept with what follows by the renderer's RoomFor, not keepWithNext:
            # that moves a heading with a whole table or paragraph that could have split
    return styles


def aligned(style: ParagraphStyle, align: str) -> ParagraphStyle:
    if align == "left":
        return style
    return _aligned(style, align)


@lru_cache(maxsize=64)
def _aligned(style: ParagraphStyle, align: str) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-{align}", style, alignment=ALIGNMENTS[align])


def sized(style: ParagraphStyle, size: float) -> ParagraphStyle:
    """``style`` in ``size`` points, its leading in proportion (a table too wide for the
    theme's table size)."""
    if size == style.fontSize:
        return style
    return _sized(style, size)


@lru_cache(maxsize=64)
def _sized(style: ParagraphStyle, size: float) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-{size:g}pt", style, fontSize=size,
                          leading=style.leading * size / style.fontSize)
