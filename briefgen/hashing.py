"""Content hashes: of parts, of files, and of briefgen's own code and libraries."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from .errors import BriefgenError
from .files import read_bounded
from .resources import BUILTIN_TEMPLATES, PACKAGE

LIBRARIES = ("python-docx", "reportlab", "pillow", "jinja2", "markdown-it-py", "mdit-py-plugins",
             "pydantic", "lxml", "pyyaml")


def digest(*parts: str) -> str:
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



@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """briefgen's own code, templates and themes, and the renderers' versions."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in
                   (".py", ".j2", ".yaml"))
    files += sorted(BUILTIN_TEMPLATES.glob("*.j2"))
    return digest(*(file_hash(str(p)) for p in files), *map(_version, LIBRARIES))



def _version(distribution: str) -> str:
    """A rendering library's installed version, from its package metadata: importing
    python-docx or ReportLab only to ask would cost a DOCX or a no-op build 40-100 ms."""
    from importlib import metadata

    try:
        return f"{distribution}={metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return f"{distribution}=?"
