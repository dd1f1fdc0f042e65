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
import sys
from array import array
from bisect import bisect_right
from itertools import groupby
from functools import lru_cache
from pathlib import Path

from .errors import GlyphError

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


STYLES = ("regular", "bold", "italic", "bold_italic")
SUFFIXES = {"regular": "", "bold": " Bold", "italic": " Italic", "bold_italic": " Bold Italic"}

# The families briefgen knows by name: the font files of each style, by file name.
FAMILIES: dict[str, dict[str, str]] = {
    "DejaVu Serif": {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf",
                     "italic": "DejaVuSerif-Italic.ttf",
                     "bold_italic": "DejaVuSerif-BoldItalic.ttf"},
    "DejaVu Sans": {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf",
                    "italic": "DejaVuSans-Oblique.ttf",
                    "bold_italic": "DejaVuSans-BoldOblique.ttf"},
    "DejaVu Serif Condensed": {"regular": "DejaVuSerifCondensed.ttf",
                               "bold": "DejaVuSerifCondensed-Bold.ttf",
                               "italic": "DejaVuSerifCondensed-Italic.ttf",
                               "bold_italic": "DejaVuSerifCondensed-BoldItalic.ttf"},
    "DejaVu Sans Condensed": {"regular": "DejaVuSansCondensed.ttf",
                              "bold": "DejaVuSansCondensed-Bold.ttf",
                              "italic": "DejaVuSansCondensed-Oblique.ttf",
                              "bold_italic": "DejaVuSansCondensed-BoldOblique.ttf"},
    "WenQuanYi Micro Hei": {style: "wqy-microhei.ttc" for style in STYLES},
}
CJK_FAMILY = "WenQuanYi Micro Hei"
FALLBACKS = (CJK_FAMILY,)


def add_family(name: str, files: dict[str, str]) -> None:
    """Make a family from font files known by path (a theme's own fonts)."""
    regular = files["regular"]
    FAMILIES[name] = {style: files.get(style, regular) for style in STYLES}


def face_name(family: str, bold: bool = False, italic: bool = False) -> str:
    """The ReportLab name of one face of a family, registered on first use."""
    return registered(family + SUFFIXES[_style(bold, italic)])


def search_dirs() -> list[Path]:
    extra = [d for d in os.environ.get("BRIEFGEN_FONT_DIRS", "").split(os.pathsep) if d]
    found = []
    for folder in (*extra, *FONT_DIRS):
        try:
            found.append(Path(folder).expanduser())
        except RuntimeError:      # "~" with no home folder: the system folders still serve
            continue
    return found


@lru_cache(maxsize=None)
def find(file_name: str) -> Path:
    """The path of a font file: as given if it is a path, else looked up by name."""
    if os.sep in file_name and Path(file_name).is_file():
        return Path(file_name)
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


def _split(name: str) -> tuple[str, str]:
    for style in ("bold_italic", "bold", "italic"):
        if name.endswith(SUFFIXES[style]) and name[: -len(SUFFIXES[style])] in FAMILIES:
            return name[: -len(SUFFIXES[style])], style
    return name, "regular"


@lru_cache(maxsize=None)
def split_face(name: str) -> tuple[str, bool, bool]:
    """("DejaVu Sans", bold, italic) of a face name such as "DejaVu Sans Bold"."""
    family, style = _split(name)
    return family, "bold" in style, "italic" in style


@lru_cache(maxsize=None)
def registered(name: str) -> str:
    """Register a face ("DejaVu Sans Bold") with ReportLab once per process; return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    family, style = _split(name)
    if family not in FAMILIES:
        raise GlyphError.at("fonts", f"unknown font family '{family}', expected one of "
                                     f"{', '.join(sorted(FAMILIES))}")
    files = FAMILIES[family]
    if style != "regular" and files[style] == files["regular"]:
        return registered(family)   # one file for every style (CJK): parse it once
    path = find(files[style])
    try:
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    except Exception as error:  # noqa: BLE001 - ReportLab's errors for unreadable fonts vary
        raise GlyphError.at(str(path), f"the font file for {name} cannot be used: "
                                       f"{error}; expected a TrueType (.ttf or .ttc) font") \
            from None
    return name


def coverage(name: str) -> frozenset:
    """The characters a face has glyphs for."""
    family, style = _split(name)
    if family not in FAMILIES:
        registered(name)   # the error naming the unknown family
    file_name = FAMILIES[family][style]
    if file_name not in _COVERAGE:
        _COVERAGE[file_name] = _file_coverage(file_name, name)
    return _COVERAGE[file_name]


_COVERAGE: dict[str, frozenset] = {}   # by font file: the styles of a .ttc share one


def forget_coverage() -> None:
    """Forget the coverage read so far (a font file may have been replaced since)."""
    _COVERAGE.clear()
    family_coverage.cache_clear()
    _drawable.cache_clear()


def _file_coverage(file_name: str, name: str) -> frozenset:
    """The characters of one font file, kept in the user's cache by the file's hash:
    checking a brief's glyphs then parses no font, and rendering parses only the faces
    it sets text in."""
    from . import cache
    from .fingerprint import font_file_hash

    entry = cache.key("font-coverage", font_file_hash(str(find(file_name))), sys.byteorder)
    stored = cache.get("font-coverage", entry)
    if stored is not None:
        return frozenset(map(chr, array("I", stored)))
    from reportlab.pdfbase import pdfmetrics

    characters = array("I", sorted(pdfmetrics.getFont(registered(name)).face.charToGlyph))
    cache.put("font-coverage", entry, characters.tobytes())
    return frozenset(map(chr, characters))


@lru_cache(maxsize=None)
def family_coverage(family: str) -> frozenset:
    """The characters every face of a family has: text in it may be bold or italic."""
    return frozenset.intersection(*(coverage(family + SUFFIXES[style]) for style in STYLES))


@lru_cache(maxsize=None)
def register_family(family: str) -> str:
    """Tell ReportLab the names of a family's four faces (each face is parsed only
    when text is set in it)."""
    from reportlab.lib.fonts import addMapping

    files = FAMILIES[family]
    for style in STYLES:
        same = style != "regular" and files[style] == files["regular"]
        addMapping(family, "bold" in style, "italic" in style,
                   family if same else family + SUFFIXES[style])
    return family


def runs(text: str, primary: str, families: tuple[str, ...] = (), bold: bool = False,
         italic: bool = False) -> list[tuple[str | None, str]]:
    """Split ``text``, set in one face of ``primary``, into (family or None for
    ``primary``, text) runs by that face's glyphs.

    A character the face lacks goes to the first of ``families``, then of the CJK
    fallbacks, whose same face has it.  Only the faces text is set in are read.
    """
    style = _style(bold, italic)
    primary_glyphs = coverage(primary + SUFFIXES[style])
    if primary_glyphs.issuperset(text):
        return [(None, text)]
    order = tuple(f for f in families if f != primary) + FALLBACKS
    out: list[tuple[str | None, str]] = []
    for char in text:
        chosen = None if (char in primary_glyphs or char.isspace()) else \
            _fallback(char, order, style)
        if out and out[-1][0] == chosen:
            out[-1] = (chosen, out[-1][1] + char)
        else:
            out.append((chosen, char))
    return out


def _style(bold: bool, italic: bool) -> str:
    return {(False, False): "regular", (True, False): "bold", (False, True): "italic",
            (True, True): "bold_italic"}[(bold, italic)]


def _fallback(char: str, order: tuple[str, ...], style: str) -> str:
    for family in order:
        if char in coverage(family + SUFFIXES[style]):
            register_family(family)
            return family
    raise GlyphError.at("fonts", f"no font has a glyph for {char!r} (U+{ord(char):04X})")


@lru_cache(maxsize=16)
def _drawable(families: tuple[str, ...]) -> frozenset:
    return frozenset().union(*(family_coverage(f) for f in families))


def missing_glyphs(text: str, families: tuple[str, ...]) -> list[str]:
    """Characters of ``text`` that no face of ``families`` or the fallbacks can draw."""
    drawable = _drawable(families)
    if drawable.issuperset(text):
        return []
    missing = [c for c in dict.fromkeys(text) if c not in drawable and not c.isspace()]
    return [c for c in missing if not any(c in family_coverage(name) for name in FALLBACKS)]


EAST_ASIAN_RANGES = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF),
                     (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_STARTS = tuple(low for low, _ in EAST_ASIAN_RANGES)


def is_east_asian(char: str) -> bool:
    """Whether Word should set ``char`` in the East Asian font slot."""
    code = ord(char)
    index = bisect_right(_STARTS, code) - 1
    return index >= 0 and code <= EAST_ASIAN_RANGES[index][1]


def script_runs(text: str) -> list[tuple[bool, str]]:
    """(is East Asian, text) runs of ``text``; most text has none and stays one run.
    (A range check, not a regular expression: compiling one over these ranges costs
    every process 10 ms.)"""
    if text.isascii():
        return [(False, text)]
    return [(east_asian, "".join(chars)) for east_asian, chars in groupby(text, is_east_asian)]
