"""Input keys: the content hash of everything an output is built from.

An output's key covers its data file, every template its audience uses
(through extends, includes and imports), the audience's resolved settings
and visibility levels, the theme file with its logo, reference document and
font files, the format, and briefgen's own code with the versions of the
libraries that render.  Decisions come from these hashes, never from file
times.
"""

from __future__ import annotations

import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path

from . import fonts, templating
from .errors import BriefgenError
from .files import read_bounded
from .theme import Theme

PACKAGE = Path(__file__).parent
LIBRARIES = ("python-docx", "reportlab", "pillow", "jinja2", "markdown-it-py", "mdit-py-plugins",
             "pydantic", "lxml", "pyyaml")


class Fingerprints:
    """The per-audience, per-format part of the keys, computed once per build: every
    file it hashes is read again by the next build, never remembered by a module."""

    def __init__(self, settings):
        self.settings = settings
        self._shared: dict[tuple[str, str], str] = {}
        self._themes: dict[int, str] = {}

    def key(self, data_hash: str, audience: str, fmt: str) -> str:
        if (audience, fmt) not in self._shared:
            self._shared[(audience, fmt)] = self._compute(audience, fmt)
        return _digest(data_hash, self._shared[(audience, fmt)])

    def _compute(self, name: str, fmt: str) -> str:
        audience = self.settings.audience(name)
        theme = self.settings.theme_for(audience)
        settings = {k: v for k, v in vars(audience).items() if k != "origins"}
        if id(theme) not in self._themes:
            self._themes[id(theme)] = theme_fingerprint(theme)
        return _digest(code_fingerprint(), repr(sorted(settings.items())),
                       repr(self.settings.levels),
                       templates_fingerprint(self.settings.environment(), audience.template),
                       self._themes[id(theme)], fmt)


def _digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()


MAX_HASHED_BYTES = 256_000_000


def file_hash(path: str) -> str:
    """The content hash of a regular file (never waiting on a FIFO, never reading past a
    bound); "missing" for anything else, which the stage that reads it reports."""
    try:
        return hashlib.sha256(read_bounded(path, MAX_HASHED_BYTES)).hexdigest()
    except BriefgenError:
        return "missing"


def font_file_hash(path: str) -> str:
    """The hash of a font file, kept in the user's cache under the file's path, size,
    inode and change times, as git's index does: fonts are large, installed by the
    system and hashed by every build."""
    from . import cache

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


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """briefgen's own code, templates and themes, and the renderers' versions."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in
                   (".py", ".j2", ".yaml"))
    files += sorted(templating.BUILTIN_TEMPLATES.glob("*.j2"))
    return _digest(*(file_hash(str(p)) for p in files), *map(_version, LIBRARIES))


def _version(distribution: str) -> str:
    """A rendering library's installed version, from its package metadata: importing
    python-docx or ReportLab only to ask would cost a DOCX or a no-op build 40-100 ms."""
    from importlib import metadata

    try:
        return f"{distribution}={metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return f"{distribution}=?"


def templates_fingerprint(env, name: str) -> str:
    """The sources of a template and of every template it reaches."""
    return _digest(*(f"{n}:{'missing' if source is None else _digest(filename or n, source)}"
                     for n, filename, source in sorted(templating.closure(env, name))))


def theme_fingerprint(theme: Theme) -> str:
    """The theme file, its logo and reference document, and the font files it sets text
    in, from its own font book (so a family the theme declares counts by its own file)."""
    files = [theme.source, theme.logo, theme.reference_docx]
    book = theme.families
    font_files = [_font_path(book, family, style)
                  for family in (*book.roles, *fonts.FALLBACKS) for style in fonts.STYLES]
    return _digest(*(file_hash(str(f)) if f else "-" for f in files),
                   *(font_file_hash(f) if f else "-" for f in font_files))


def _font_path(book: fonts.FontBook, family: str, style: str) -> str | None:
    """The font file of one style of a family, if it is a regular file of a size fonts
    read (hashing a named pipe would wait for ever); rendering reports one that is not."""
    try:
        path = book.path(family, style)
        info = os.stat(path)
    except (OSError, BriefgenError):
        return None
    usable = stat.S_ISREG(info.st_mode) and info.st_size <= fonts.MAX_FONT_BYTES
    return str(path) if usable else None
