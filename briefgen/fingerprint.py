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
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import meta

from . import fonts, templating
from .theme import Theme

PACKAGE = Path(__file__).parent
LIBRARIES = ("docx", "reportlab", "jinja2", "markdown_it", "mdit_py_plugins", "pydantic")


class Fingerprints:
    """The per-audience, per-format part of the keys, computed once per build."""

    def __init__(self, settings):
        self.settings = settings
        self._shared: dict[tuple[str, str], str] = {}

    def key(self, data_hash: str, audience: str, fmt: str) -> str:
        if (audience, fmt) not in self._shared:
            self._shared[(audience, fmt)] = self._compute(audience, fmt)
        return _digest(data_hash, self._shared[(audience, fmt)])

    def _compute(self, name: str, fmt: str) -> str:
        audience = self.settings.audience(name)
        theme = self.settings.theme_for(audience)
        paths = templating.search_path(self.settings.templates)
        settings = {k: v for k, v in vars(audience).items() if k != "origins"}
        return _digest(code_fingerprint(), repr(sorted(settings.items())),
                       repr(self.settings.levels), templates_fingerprint(paths, audience.template),
                       theme_fingerprint(theme), fmt)


def _digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()


@lru_cache(maxsize=None)
def file_hash(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """briefgen's own code, templates and themes, and the renderers' versions."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in
                   (".py", ".j2", ".yaml"))
    files += sorted(templating.BUILTIN_TEMPLATES.glob("*.j2"))
    return _digest(*(file_hash(str(p)) for p in files), *map(_version, LIBRARIES))


def _version(module: str) -> str:
    """A rendering library's version, from the module itself (already imported, no
    package metadata to scan)."""
    import importlib

    loaded = importlib.import_module(module)
    found = getattr(loaded, "__version__", None) or getattr(loaded, "Version", None) or \
        getattr(loaded, "VERSION", "?")
    return f"{module}={found}"


@lru_cache(maxsize=64)
def templates_fingerprint(paths: tuple[str, ...], name: str) -> str:
    """The sources of a template and of every template it reaches."""
    env = templating.environment(paths)
    seen: dict[str, str] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        try:
            source, filename, _ = env.loader.get_source(env, current)
        except jinja2.TemplateNotFound:
            seen[current] = "missing"
            continue
        seen[current] = _digest(filename or current, source)
        pending.extend(n for n in meta.find_referenced_templates(env.parse(source)) if n)
    return _digest(*(f"{n}:{h}" for n, h in sorted(seen.items())))


@lru_cache(maxsize=16)
def theme_fingerprint(theme: Theme) -> str:
    """The theme file, its logo and reference document, and the font files it sets text in."""
    files = [theme.source, theme.logo, theme.reference_docx]
    for family in (*theme.families, *fonts.FALLBACKS):
        for style in fonts.STYLES:
            files.append(_font_path(fonts.FAMILIES.get(family, {}).get(style)))
    return _digest(*(file_hash(str(f)) if f else "-" for f in files))


def _font_path(file_name: str | None) -> str | None:
    if file_name is None:
        return None
    try:
        return str(fonts.find(file_name))
    except Exception:  # noqa: BLE001 - a missing font is reported when rendering
        return None
