"""The fonts briefs are set in, found on the machine without configuration.

Latin and Cyrillic come from DejaVu (Debian's fonts-dejavu-core and
fonts-dejavu-extra), Chinese, Japanese and Korean from WenQuanYi Micro Hei
(fonts-wqy-microhei): all TrueType, so ReportLab embeds them.  The set-up in
the README and ``.ci/run`` installs them.  ``BRIEFGEN_FONT_DIRS`` (a
``os.pathsep``-separated list) adds folders to search first.

Each theme has its own ``FontBook``: the built-in families plus the ones the
theme declares (which may reuse a built-in name).  Nothing here is shared
between themes but what depends on a font file's content alone: ReportLab's
registry is process-wide and keyed by name, so a face a theme declares is
registered under a name made of its family and its file's content hash, and
glyph coverage is kept by that hash.  One theme's fonts can never reach
another theme's documents, whatever is built together and in whatever order.

Text is split into runs by script: each character goes to the first face of
the family that has a glyph for it.  A character no face has is an error
naming it, never a silent box.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import sys
from array import array
from bisect import bisect_right
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from types import MappingProxyType

from ..errors import BriefgenError, GlyphError
from ..hashing import file_hash

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
MAX_FONT_BYTES = 64 * 1024 * 1024   # a theme's own font file (the largest CJK fonts: ~20 MB)
DIGEST_CHARS = 12                   # of a content hash, in the names of a theme's own faces

STYLES = ("regular", "bold", "italic", "bold_italic")
SUFFIXES = {"regular": "", "bold": " Bold", "italic": " Italic", "bold_italic": " Bold Italic"}


def _builtin(regular: str, bold: str, italic: str, bold_italic: str) -> MappingProxyType:
    return MappingProxyType(dict(zip(STYLES, (regular, bold, italic, bold_italic))))


# The families briefgen knows by name: the font files of each style, by file name.
BUILTIN_FAMILIES = MappingProxyType({
    "DejaVu Serif": _builtin("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
                             "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf"),
    "DejaVu Sans": _builtin("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
                            "DejaVuSans-BoldOblique.ttf"),
    "DejaVu Serif Condensed": _builtin(
        "DejaVuSerifCondensed.ttf", "DejaVuSerifCondensed-Bold.ttf",
        "DejaVuSerifCondensed-Italic.ttf", "DejaVuSerifCondensed-BoldItalic.ttf"),
    "DejaVu Sans Condensed": _builtin(
        "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf",
        "DejaVuSansCondensed-Oblique.ttf", "DejaVuSansCondensed-BoldOblique.ttf"),
    "WenQuanYi Micro Hei": _builtin(*("wqy-microhei.ttc",) * 4),
})
CJK_FAMILY = "WenQuanYi Micro Hei"
FALLBACKS = (CJK_FAMILY,)


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
    """The path of a built-in family's font file, looked up by name in the font folders."""
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


class FontBook:
    """The font families one theme sets text in, and their ReportLab faces.

    ``own`` holds the families the theme declares, as (family, ((style, resolved path),
    ...)) with at least a regular style; they are added to, or replace, the built-in
    ones in this book only.  ``roles`` are the theme's body, heading and table families:
    text a face of one lacks goes to the others, then to the CJK fallback.

    A book reads each font file once, when first needed (a theme is loaded again for
    each build); what it learns from a file is shared with other books by the file's
    content hash alone.
    """

    def __init__(self, own: tuple = (), roles: tuple[str, ...] = ()):
        self.families = {**BUILTIN_FAMILIES, **{name: _styles(dict(files)) for name, files in own}}
        self.own = frozenset(name for name, _ in own)
        self.roles = tuple(dict.fromkeys(roles))
        self._faces: dict[tuple[str, str], str] = {}               # (family, style): name
        self._split: dict[str, tuple[str, bool, bool]] = {}        # name: (family, b, i)
        self._digests: dict[tuple[str, str], str] = {}             # (family, style): hash
        self._coverage: dict[tuple[str, str], frozenset] = {}      # (family, style): chars
        self._drawable: frozenset | None = None                    # by any role's family

    # ---------------------------------------------------------------- faces
    def face(self, family: str, bold: bool = False, italic: bool = False) -> str:
        """The ReportLab name of one face of a family, registered on first use."""
        style = _style(bold, italic)
        if (family, style) not in self._faces:
            self._faces[family, style] = self._registered(family, style)
        return self._faces[family, style]

    def split(self, face: str) -> tuple[str, bool, bool]:
        """(family, bold, italic) of a face name this book made."""
        return self._split.get(face, (face, False, False))

    def path(self, family: str, style: str = "regular") -> Path:
        """The font file of one style of a family."""
        file = self._files(family)[style]
        return Path(file) if family in self.own else find(file)

    def _files(self, family: str) -> dict[str, str]:
        if family not in self.families:
            raise GlyphError.at("fonts", f"unknown font family '{family}', expected one of "
                                         f"{', '.join(sorted(self.families))}")
        return self.families[family]

    def _registered(self, family: str, style: str) -> str:
        files = self._files(family)
        if style != "regular" and files[style] == files["regular"]:
            return self.face(family)   # one file for every style (CJK): parse it once
        name = family + SUFFIXES[style]
        if family in self.own:
            name += f" #{self.digest(family, style)[:DIGEST_CHARS]}"
        if name not in _registered_names():
            _register(self._font(name, family, style))
        self._split.setdefault(name, (family, "bold" in style, "italic" in style))
        return name

    def _font(self, name: str, family: str, style: str):
        """The parsed font file of a face; a theme's own gets a PostScript name of its
        content too, as ReportLab shares one parsed font between faces of one name."""
        path = self.path(family, style)
        if family not in self.own:
            return _parsed(name, str(path), path, family, style)
        data = _read_own(path)
        digest = hashlib.sha256(data).hexdigest()
        if digest != self.digest(family, style):
            raise GlyphError.at(str(path), "the font file changed while it was read; build "
                                           "again")
        font = _parsed(name, io.BytesIO(data), path, family, style)
        font.face.name += b"-" + digest[:DIGEST_CHARS].encode("ascii")
        return font

    def digest(self, family: str, style: str) -> str:
        """The content hash of one style's font file."""
        if (family, style) not in self._digests:
            path = self.path(family, style)
            self._digests[family, style] = (hashlib.sha256(_read_own(path)).hexdigest()
                                            if family in self.own else _system_file_hash(path))
        return self._digests[family, style]

    # -------------------------------------------------------------- glyphs
    def coverage(self, family: str, style: str = "regular") -> frozenset:
        """The characters one face of a family has glyphs for."""
        if (family, style) not in self._coverage:
            self._coverage[family, style] = self._shared_coverage(family, style)
        return self._coverage[family, style]

    def _shared_coverage(self, family: str, style: str) -> frozenset:
        """What any book learnt of this file's content, else read now."""
        digest = self.digest(family, style)
        if digest not in _COVERAGE:
            _COVERAGE[digest] = _file_coverage(digest, lambda: self.face(
                family, "bold" in style, "italic" in style))
        return _COVERAGE[digest]

    def family_coverage(self, family: str) -> frozenset:
        """The characters every face of a family has: text in it may be bold or italic."""
        key = tuple(self.digest(family, style) for style in STYLES)
        if key not in _FAMILY_COVERAGE:
            _FAMILY_COVERAGE[key] = frozenset.intersection(
                *(self.coverage(family, style) for style in STYLES))
        return _FAMILY_COVERAGE[key]

    def runs(self, text: str, primary: str, bold: bool = False,
             italic: bool = False) -> list[tuple[str | None, str]]:
        """Split ``text``, set in one face of ``primary``, into (family or None for
        ``primary``, text) runs by that face's glyphs.

        A character the face lacks goes to the first of the other roles' families, then
        of the CJK fallbacks, whose same face has it.  Only the faces text is set in are
        read.
        """
        style = _style(bold, italic)
        primary_glyphs = self.coverage(primary, style)
        if primary_glyphs.issuperset(text):
            return [(None, text)]
        order = tuple(f for f in self.roles if f != primary) + FALLBACKS
        out: list[tuple[str | None, str]] = []
        for char in text:
            chosen = None if (char in primary_glyphs or char.isspace()) else \
                self._fallback(char, order, style, text)
            if out and out[-1][0] == chosen:
                out[-1] = (chosen, out[-1][1] + char)
            else:
                out.append((chosen, char))
        return out

    def _fallback(self, char: str, order: tuple[str, ...], style: str, text: str) -> str:
        for family in order:
            if char in self.coverage(family, style):
                return family
        shown = text if len(text) <= 60 else text[:60] + "…"
        # The brief's own text was checked before rendering (naming its field): this
        # came from a label, the theme's furniture or a template.
        raise GlyphError(f"found the character {char!r} (U+{ord(char):04X}) in \"{shown}\", "
                         "which no installed font can draw; it comes from a label, the "
                         "theme or a template: expected text the fonts cover")

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` that no face of the roles or the fallbacks can draw."""
        if self._drawable is None:
            self._drawable = frozenset().union(*(self.family_coverage(f) for f in self.roles))
        drawable = self._drawable
        if drawable.issuperset(text):
            return []
        missing = [c for c in dict.fromkeys(text) if c not in drawable and not c.isspace()]
        return [c for c in missing
                if not any(c in self.family_coverage(name) for name in FALLBACKS)]


def missing_glyphs(text: str, families: FontBook) -> list[str]:
    """Characters of ``text`` that no family of a theme's book (``Theme.families``) or
    the fallbacks can draw."""
    return families.missing(text)


def _styles(files: dict[str, str]) -> dict[str, str]:
    return {style: files.get(style, files["regular"]) for style in STYLES}


def _style(bold: bool, italic: bool) -> str:
    return {(False, False): "regular", (True, False): "bold", (False, True): "italic",
            (True, True): "bold_italic"}[(bool(bold), bool(italic))]


# --------------------------------------------------------------- font files

def _read_own(path: Path) -> bytes:
    """A theme's own font file: a regular file, never more than MAX_FONT_BYTES."""
    from ..files import read_bounded

    return read_bounded(path, MAX_FONT_BYTES, error=GlyphError,
                        limit_name="the largest font file briefgen reads")


def _system_file_hash(path: Path) -> str:

    digest = font_file_hash(str(path))
    if digest == "missing":
        raise GlyphError.at(str(path), "the font file cannot be read")
    return digest


def _parsed(name: str, source, path: Path, family: str, style: str):
    """The font file of one style of ``family`` parsed, registered as ``name``; a file
    that is no usable font is named by the family and style as the theme writes them
    (``name`` is briefgen's own, with a content hash)."""
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        return TTFont(name, source, subfontIndex=0)
    except Exception as error:  # noqa: BLE001 - ReportLab's errors for unreadable fonts vary
        raise GlyphError.at(str(path), f"the font file for {family} ({style.replace('_', ' ')}) "
                                       f"cannot be used: {_font_fault(error)}; expected a "
                                       "TrueType (.ttf or .ttc) font") from None


def _font_fault(error: Exception) -> str:
    """What is wrong with a font file, in words: ReportLab's own message without the name
    it read from (a placeholder for a buffer), or what its low-level failures mean."""
    from reportlab.pdfbase.ttfonts import TTFError

    if isinstance(error, TTFError) and str(error).strip():
        return re.sub(r'^"[^"]*"\s*', "it ", str(error).splitlines()[0])[:160]
    if isinstance(error, KeyError) and error.args and isinstance(error.args[0], str):
        return f"it has no '{error.args[0][:20]}' table"
    if isinstance(error, (struct.error, EOFError, IndexError)):
        return "it ends before its tables do"
    return "its tables are damaged"


def _registered_names() -> list[str]:
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.getRegisteredFontNames()


def _register(font) -> None:
    """ReportLab keeps one parsed font per PostScript name and gives it to any later face
    of that name: a theme's own faces carry their content hash in theirs (``_font``), so
    one name always means the same bytes."""
    from reportlab.pdfbase import pdfmetrics

    pdfmetrics.registerFont(font)


# By content hash, never by name: the same bytes have the same glyphs, in any theme.
_COVERAGE: dict[str, frozenset] = {}
_FAMILY_COVERAGE: dict[tuple[str, ...], frozenset] = {}


def _file_coverage(digest: str, face) -> frozenset:
    """The characters of one font file, kept in the user's cache by the file's hash:
    checking a brief's glyphs then parses no font, and rendering parses only the faces
    it sets text in.  ``face`` registers the face and returns its name, if needed."""
    from .. import cache

    entry = cache.key("font-coverage", digest, sys.byteorder)
    stored = cache.get("font-coverage", entry)
    if stored is not None and len(stored) % 4 == 0:
        characters = array("I", stored)
        if max(characters, default=0) <= sys.maxunicode:
            return frozenset(map(chr, characters))
    from reportlab.pdfbase import pdfmetrics

    characters = array("I", sorted(pdfmetrics.getFont(face()).face.charToGlyph))
    cache.put("font-coverage", entry, characters.tobytes())
    return frozenset(map(chr, characters))


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


def font_file_hash(path: str) -> str:
    """The hash of a font file, kept in the user's cache under the file's path, size,
    inode and change times, as git's index does: fonts are large, installed by the
    system and hashed by every build."""
    from .. import cache

    try:
        stat = os.stat(path)
    except OSError:
        return "missing"
    entry = cache.key("file-hash", os.path.realpath(path), *map(str, (
        stat.st_size, stat.st_ino, stat.st_dev, stat.st_mtime_ns, stat.st_ctime_ns)))
    stored = cache.get("file-hash", entry)
    if stored is not None:
        return stored.decode()
    value = file_hash(path)
    cache.put("file-hash", entry, value.encode())
    return value



def font_path(book: FontBook, family: str, style: str) -> str | None:
    """The font file of one style of a family, if it is a regular file of a size fonts
    read (hashing a named pipe would wait for ever); rendering reports one that is not."""
    try:
        path = book.path(family, style)
        info = os.stat(path)
    except (OSError, BriefgenError):
        return None
    usable = stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FONT_BYTES
    return str(path) if usable else None
