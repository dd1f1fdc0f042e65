"""The fonts briefs are set in, found on the machine without configuration.

Latin and Cyrillic come from DejaVu (Debian's fonts-dejavu-core and
fonts-dejavu-extra), Chinese, Japanese and Korean from WenQuanYi Micro Hei
(fonts-wqy-microhei): all TrueType, so ReportLab embeds them.  The set-up in
the README and ``.ci/run`` installs them.  ``BRIEFGEN_FONT_DIRS`` (a
``os.pathsep``-separated list) adds folders to search first.

Text is split into runs by script: each character goes to the first face of
the family that has a glyph for it.  A character no face has is an error
naming it, never a silent box.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import GlyphError

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


@dataclass(frozen=True)
class Face:
    """One font file registered with ReportLab under ``name``."""

    name: str
    family: str
    file: str
    subfont: int = 0


FACES = {
    # name: (family name Word and LibreOffice know, file name, sub-font index)
    "Serif": ("DejaVu Serif", "DejaVuSerif.ttf", 0),
    "Serif-Bold": ("DejaVu Serif", "DejaVuSerif-Bold.ttf", 0),
    "Serif-Italic": ("DejaVu Serif", "DejaVuSerif-Italic.ttf", 0),
    "Serif-BoldItalic": ("DejaVu Serif", "DejaVuSerif-BoldItalic.ttf", 0),
    "Sans": ("DejaVu Sans", "DejaVuSans.ttf", 0),
    "Sans-Bold": ("DejaVu Sans", "DejaVuSans-Bold.ttf", 0),
    "Sans-Italic": ("DejaVu Sans", "DejaVuSans-Oblique.ttf", 0),
    "Sans-BoldItalic": ("DejaVu Sans", "DejaVuSans-BoldOblique.ttf", 0),
    "CJK": ("WenQuanYi Micro Hei", "wqy-microhei.ttc", 0),
}
FAMILY_NAMES = {"serif": "DejaVu Serif", "sans": "DejaVu Sans", "cjk": "WenQuanYi Micro Hei"}
FAMILIES = ("Serif", "Sans")   # regular faces that stand in for each other
FALLBACKS = ("CJK",)


def search_dirs() -> list[Path]:
    extra = [d for d in os.environ.get("BRIEFGEN_FONT_DIRS", "").split(os.pathsep) if d]
    return [Path(d).expanduser() for d in (*extra, *FONT_DIRS)]


@lru_cache(maxsize=None)
def find(file_name: str) -> Path:
    """The path of a font file, looked up by name under the font folders."""
    for folder in search_dirs():
        if folder.is_dir():
            for candidate in (folder / file_name, *folder.glob(f"*/{file_name}"),
                              *folder.glob(f"*/*/{file_name}")):
                if candidate.is_file():
                    return candidate
    raise GlyphError.at("fonts", f"the font file {file_name} was not found in "
                                 f"{', '.join(map(str, search_dirs()))}; install Debian's "
                                 "fonts-dejavu-core, fonts-dejavu-extra and fonts-wqy-microhei "
                                 "(the README's set-up does) or set BRIEFGEN_FONT_DIRS")


def face(name: str) -> Face:
    family, file_name, subfont = FACES[name]
    return Face(name, family, str(find(file_name)), subfont)


@lru_cache(maxsize=None)
def registered(name: str) -> str:
    """Register a face with ReportLab once per process; return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    spec = face(name)
    pdfmetrics.registerFont(TTFont(name, spec.file, subfontIndex=spec.subfont))
    return name


@lru_cache(maxsize=None)
def coverage(name: str) -> frozenset:
    """The characters a face has glyphs for."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(registered(name))
    return frozenset(map(chr, font.face.charToGlyph))


def _base(name: str) -> str:
    return name.split("-", 1)[0]


def register_family(base: str) -> str:
    """Register a family's four faces so <b> and <i> pick the right files."""
    from reportlab.lib.fonts import addMapping

    for bold in (0, 1):
        for italic in (0, 1):
            suffix = {(0, 0): "", (1, 0): "-Bold", (0, 1): "-Italic", (1, 1): "-BoldItalic"}
            addMapping(base, bold, italic, registered(base + suffix[(bold, italic)]))
    return base


def runs(text: str, primary: str) -> list[tuple[str | None, str]]:
    """Split ``text`` into (face or None for the primary, text) runs by glyph coverage."""
    primary_glyphs = coverage(primary)
    if primary_glyphs.issuperset(text):
        return [(None, text)]
    out: list[tuple[str | None, str]] = []
    for char in text:
        chosen = None if (char in primary_glyphs or char.isspace()) else fallback_for(char, primary)
        if out and out[-1][0] == chosen:
            out[-1] = (chosen, out[-1][1] + char)
        else:
            out.append((chosen, char))
    return out


def fallback_order(primary: str) -> tuple[str, ...]:
    """Where to look for a glyph ``primary`` lacks: the other family, then CJK."""
    return tuple(f for f in FAMILIES if f != _base(primary)) + FALLBACKS


def fallback_for(char: str, primary: str) -> str:
    for name in fallback_order(primary):
        if char in coverage(name):
            if name in FALLBACKS:
                _map_styles(name)
            return name
    raise GlyphError.at("fonts", f"no font has a glyph for {char!r} (U+{ord(char):04X})")


@lru_cache(maxsize=None)
def _map_styles(name: str) -> None:
    """A fallback face has one style: let <b> and <i> inside it map to itself."""
    from reportlab.lib.fonts import addMapping

    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, registered(name))


@lru_cache(maxsize=1)
def _family_glyphs() -> frozenset:
    return coverage("Serif").union(coverage("Sans"))


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that no face can draw."""
    drawable = _family_glyphs()
    if drawable.issuperset(text):
        return []
    missing = [c for c in dict.fromkeys(text) if c not in drawable and not c.isspace()]
    return [c for c in missing if not any(c in coverage(name) for name in FALLBACKS)]


EAST_ASIAN_RANGES = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF),
                     (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in EAST_ASIAN_RANGES)
EAST_ASIAN = re.compile(f"[{_CLASS}]")
EAST_ASIAN_RUN = re.compile(f"([{_CLASS}]+)")


def is_east_asian(char: str) -> bool:
    """Whether Word should set ``char`` in the East Asian font slot."""
    return EAST_ASIAN.match(char) is not None
