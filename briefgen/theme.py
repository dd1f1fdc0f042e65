"""The house style both renderers draw on, so DOCX and PDF look like one publication."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)  # compared and cached by identity
class Theme:
    name: str = "sober"
    body_font: str = "Serif"          # a family in fonts.FACES
    heading_font: str = "Sans"
    table_font: str = "Sans"
    body_size: float = 10.0
    table_size: float = 8.5
    title_size: float = 22.0
    heading_sizes: tuple = (15.0, 12.5, 11.0)
    leading_ratio: float = 1.38
    heading_colour: str = "#1F3A5F"
    accent_colour: str = "#1F3A5F"
    text_colour: str = "#1A1A1A"
    muted_colour: str = "#5A5A5A"
    table_header_fill: str = "#1F3A5F"
    table_header_text: str = "#FFFFFF"
    table_stripe_fill: str = "#F2F5F9"
    rule_colour: str = "#B8C4D4"
    callout_fill: str = "#EEF2F7"
    page_size: str = "A4"
    margins_mm: tuple = (22.0, 20.0, 22.0, 20.0)   # top, right, bottom, left
    labels: dict = field(default_factory=lambda: dict(DEFAULT_LABELS))


DEFAULT_LABELS = {
    "summary": "Summary",
    "key_findings": "Key findings",
    "recommendations": "Recommendations",
    "outlook": "Outlook",
    "sources": "Sources",
    "public_notice": ("This public edition contains only material cleared for general "
                      "release. Restricted detail is available in the analytical brief."),
    "page": "Page {page} of {pages}",
    "edition": "Edition of {date}",
}

DEFAULT_THEME = Theme()
