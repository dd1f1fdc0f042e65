"""The HTML's one stylesheet, made from the theme: the same faces, colours and
proportions as the DOCX and the PDF, a narrow-screen layout, and print pages (A4 or
Letter, the theme's margins) with the furniture, the marking among it, on every page.
Indents, bars and alignment are logical (``inline-start``, ``start``, ``end``), so a
right-to-left brief is laid out from the right.

Nothing from the data is written into CSS but strings made by ``css_string``, which
escapes every character that could end a string, a rule or the style element.
"""

from __future__ import annotations

from functools import lru_cache

from ...project.theme import Theme

# What a face falls back on, by the kind its name says it is; CJK faces before the
# generic family, so Chinese text keeps a face of the same weight wherever it is read.
FALLBACKS = {
    "serif": ('"DejaVu Serif"', '"Noto Serif"', "Georgia", '"Times New Roman"'),
    "sans-serif": ('"DejaVu Sans"', '"Noto Sans"', '"Helvetica Neue"', "Arial"),
    "monospace": ('"DejaVu Sans Mono"', '"Noto Sans Mono"', "Menlo", "Consolas"),
}
CJK = ('"WenQuanYi Micro Hei"', '"Noto Sans CJK SC"', '"Microsoft YaHei"', '"PingFang SC"')
SAFE = frozenset(" .,:-_()/+#%*!?'")
# Print margin boxes: a third of the line each (the marking's a little more); each wraps.
SHARES = {"top-left": " width: 33%;", "top-center": " width: 34%;", "top-right": " width: 33%;",
          "bottom-left": " width: 33%;", "bottom-center": " width: 34%;",
          "bottom-right": " width: 33%;"}
SCREEN_BODY_REM = 1.0625      # a 10 pt body is 17 px on screen, and others in proportion
READING_WIDTH_EM = 40


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: letters, digits and a few marks as written, any
    other character as a hexadecimal escape (quotes, backslashes, ``<``, line breaks)."""
    return '"' + "".join(c if c.isalnum() or c in SAFE else f"\\{ord(c):x} "
                         for c in text) + '"'


def font_stack(family: str) -> str:
    """A family, then faces of its kind, CJK faces and the generic family."""
    lowered = family.lower()
    kind = ("monospace" if "mono" in lowered else
            "sans-serif" if "sans" in lowered or "grotesk" in lowered else "serif")
    faces = [css_string(family)] + [f for f in FALLBACKS[kind] if f != f'"{family}"']
    return ", ".join([*faces, *CJK, kind])


def em(size: float, of: float) -> str:
    return f"{size / of:.4g}em"


@lru_cache(maxsize=64)
def base_css(theme: Theme) -> str:
    """The rules every document in ``theme`` shares (cached per theme object)."""
    return "\n".join((_page(theme), _title(theme), _text(theme), _tables(theme),
                      _narrow(), _print(theme)))


def _page(t: Theme) -> str:
    return f"""\
:root {{ color-scheme: light; }}
html {{ background: #FFFFFF; color: {t.text_colour}; -webkit-text-size-adjust: 100%; \
text-size-adjust: 100%; }}
body {{ margin: 0; font-family: {font_stack(t.body_font)}; \
font-size: {t.body_size / 10 * SCREEN_BODY_REM:.4g}rem; line-height: {t.leading_ratio:.3g}; }}
.page {{ max-width: {READING_WIDTH_EM}em; margin: 0 auto; padding: 0 1.25em; }}
.banner, .furniture p {{ font-family: {font_stack(t.heading_font)}; font-size: 0.8em; \
color: {t.muted_colour}; }}
.banner {{ margin: 0; padding: 0.6em 1.25em; text-align: center; border-bottom: 1px solid \
{t.rule_colour}; }}
.banner .marking, .furniture .marking {{ color: {t.marking_colour}; font-weight: bold; \
letter-spacing: 0.04em; }}
footer.furniture {{ margin-top: 3em; border-top: 1px solid {t.rule_colour}; }}
footer .page {{ display: flex; flex-wrap: wrap; gap: 0.5em 2em; justify-content: space-between; \
padding-top: 0.8em; padding-bottom: 1.5em; }}
footer p {{ margin: 0; min-width: 0; overflow-wrap: anywhere; }}"""


def _title(t: Theme) -> str:
    heading = font_stack(t.heading_font)
    return f"""\
.title-block {{ padding: 2em 0 1em; margin-bottom: 1.5em; border-bottom: 3px solid \
{t.accent_colour}; }}
.logo {{ display: block; height: {t.logo_height_mm:.4g}mm; width: auto; margin-bottom: 1em; }}
.organisation {{ margin: 0; font-family: {heading}; font-size: 0.85em; font-weight: bold; \
letter-spacing: 0.06em; text-transform: uppercase; color: {t.muted_colour}; }}
h1 {{ margin: 0.3em 0; font-family: {heading}; font-size: {em(t.title_size, t.body_size)}; \
line-height: 1.15; color: {t.heading_colour}; }}
.subtitle {{ margin: 0.2em 0; font-size: 1.2em; color: {t.muted_colour}; }}
.details {{ margin: 0.6em 0 0; font-size: 0.9em; color: {t.muted_colour}; }}"""


def _text(t: Theme) -> str:
    heading = font_stack(t.heading_font)
    sizes = "\n".join(f"h{level + 2} {{ font-size: {em(size, t.body_size)}; }}"
                      for level, size in enumerate(t.heading_sizes))
    return f"""\
h2, h3, h4 {{ margin: 1.6em 0 0.5em; font-family: {heading}; line-height: 1.25; \
color: {t.heading_colour}; }}
{sizes}
h5, h6 {{ margin: 1.4em 0 0.4em; font-family: {heading}; font-size: 1em; \
color: {t.heading_colour}; }}
p, li, h1, h2, h3, h4, h5, h6, caption {{ overflow-wrap: break-word; }}
p {{ margin: 0 0 0.8em; }}
ul, ol {{ margin: 0 0 0.8em; padding-inline-start: 1.6em; }}
li > ul, li > ol {{ margin: 0.3em 0 0; }}
li {{ margin-bottom: 0.3em; }}
li > p {{ margin-bottom: 0.3em; }}
a {{ color: {t.link_colour}; text-decoration: underline; text-underline-offset: 0.15em; }}
a:focus-visible, .table:focus-visible {{ outline: 2px solid {t.link_colour}; outline-offset: 2px; }}
code {{ font-family: {font_stack("DejaVu Sans Mono")}; font-size: 0.9em; }}
.status {{ font-weight: bold; color: {t.muted_colour}; }}
.callout {{ margin: 1.2em 0; padding: 0.8em 1em; background: {t.callout_fill}; \
border-inline-start: 4px solid {t.accent_colour}; }}
.callout > :first-child {{ margin-top: 0; }}
.callout > :last-child {{ margin-bottom: 0; }}
.caption {{ font-family: {heading}; font-weight: bold; }}
hr {{ margin: 2em 0; border: 0; border-top: 1px solid {t.accent_colour}; }}
.sources li:target, a.citation:target {{ background: {t.callout_fill}; }}
.backlinks {{ margin-inline-start: 0.4em; }}
.backlinks a {{ display: inline-block; min-width: 24px; min-height: 24px; \
margin-inline-start: 0.15em; text-align: center; }}"""


def _tables(t: Theme) -> str:
    return f"""\
.table {{ margin: 1.2em 0; overflow-x: auto; }}
table {{ width: 100%; border-collapse: collapse; font-family: {font_stack(t.table_font)}; \
font-size: {em(t.table_size, t.body_size)}; line-height: 1.3; }}
caption {{ padding-bottom: 0.5em; caption-side: top; text-align: start; \
font-family: {font_stack(t.heading_font)}; font-size: {em(t.body_size, t.table_size)}; \
font-weight: bold; color: {t.text_colour}; }}
th, td {{ padding: 0.4em 0.6em; text-align: start; vertical-align: top; \
border-bottom: 1px solid {t.rule_colour}; }}
thead th {{ background: {t.table_header_fill}; color: {t.table_header_text}; }}
tbody tr:nth-child(even) {{ background: {t.table_stripe_fill}; }}
.align-center {{ text-align: center; }}
.align-right {{ text-align: end; }}"""


def _narrow() -> str:
    return """\
@media (max-width: 36em) {
  body { font-size: 1rem; }
  h1 { font-size: 1.75em; }
  .page, .banner { padding-left: 1em; padding-right: 1em; }
  .title-block { padding-top: 1.2em; }
  th, td { padding: 0.35em 0.45em; }
}"""


def _print(t: Theme) -> str:
    top, right, bottom, left = t.margins_mm
    return f"""\
@media print {{
  body {{ font-size: {t.body_size:.4g}pt; }}
  .page {{ max-width: none; padding: 0; }}
  .banner, footer.furniture {{ display: none; }}
  a {{ color: {t.link_colour}; }}
  .table {{ overflow: visible; }}
  .long-words, h1, h2, h3, h4, h5, h6, caption {{ overflow-wrap: anywhere; }}
  thead {{ display: table-header-group; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  tr, .callout, .title-block, table.whole {{ break-inside: avoid; }}
  h2, h3, h4, h5, h6, caption {{ break-after: avoid; }}
  p, li {{ orphans: 2; widows: 2; }}
}}
@page {{ size: {t.page_size}; margin: {top:.4g}mm {right:.4g}mm {bottom:.4g}mm {left:.4g}mm; }}"""


def furniture_css(theme: Theme, boxes: dict[str, str]) -> str:
    """The print pages' margin boxes: ``boxes`` maps a box (``top-center``...) to its CSS
    content; the running title (``top-left``) shows from the second page on."""
    face = font_stack(theme.heading_font)
    rules = []
    for box, content in boxes.items():
        colour = theme.marking_colour if box in ("top-center", "bottom-center") else \
            theme.muted_colour
        weight = "bold" if box in ("top-center", "bottom-center") else "normal"
        rules.append(f"  @{box} {{ content: {content}; font-family: {face}; font-size: 8pt; "
                     f"font-weight: {weight}; color: {colour};{SHARES.get(box, '')} }}")
    first = "  @top-left { content: none; }" if "top-left" in boxes else ""
    return "@page {\n" + "\n".join(rules) + "\n}\n@page :first {\n" + first + "\n}"


def status_css(classes: dict[str, str]) -> str:
    """One rule per status colour: ``classes`` maps a class name to its colour."""
    return "\n".join(f".{name} {{ color: {colour}; }}" for name, colour in classes.items())


def width_css(table_id: str, widths: tuple) -> str:
    """The widths a table's columns are given, as percentages of the table."""
    return "\n".join(f"#{table_id} col:nth-child({index}) {{ width: {width:.4g}%; }}"
                     for index, width in enumerate(widths, start=1) if width is not None)
