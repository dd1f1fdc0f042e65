"""A per-user cache of work that depends only on content.

What is kept: the styled DOCX template of each theme, the verdict of the template
check, Jinja's compiled templates, the glyph coverage of each font file, and the
hashes of font files.  These are the fixed costs of a fresh process; a scheduled
build that starts a new process every morning pays them once, not every time.

Every key is a content hash that includes briefgen's own code fingerprint, so an
entry can never be stale: a changed input is a different key.  Each entry carries
the SHA-256 of its bytes and a damaged one is ignored.  The cache only speeds
things up: when it cannot be read or written, the work is done again and the
outputs are byte-identical either way.

Location: ``$BRIEFGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/briefgen``, else
``~/.cache/briefgen``.  ``BRIEFGEN_CACHE_DIR=off`` turns it off.  Like any folder
of compiled code, it must be writable only by the user who runs briefgen: briefgen
makes it owner-only (mode 0700) when it creates it, and does not use a folder that
others can write to, that belongs to someone else or is a link, or that lies under a
folder another user could change.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

OFF = ("off", "none", "0", "false")


KINDS = ("docx-template", "template-check", "template-refs", "font-coverage", "file-hash",
         "jinja")   # the only folders briefgen makes in the cache, and clears


TAG = "CACHEDIR.TAG"      # the Cache Directory Tagging convention's file
TAG_TEXT = b"Signature: 8a477f597d28d172789f06886806bc55\n# made by briefgen's user cache\n"


def directory() -> Path | None:
    """The cache folder, or None when the cache is off or not safe to use.  A folder
    briefgen makes for it is tagged as briefgen's: only a tagged one is ever cleared."""
    chosen = _chosen()
    if chosen is None:
        return None
    ours = not os.path.lexists(chosen) or "BRIEFGEN_CACHE_DIR" not in os.environ
    if not _private(chosen):
        return None
    if ours and not is_briefgens(chosen):    # made now, or briefgen's own default place
        _tag(chosen)
    return chosen


def _tag(folder: Path) -> None:
    try:
        (folder / TAG).write_bytes(TAG_TEXT)
    except OSError:
        pass


def is_briefgens(folder: Path) -> bool:
    """Whether ``folder`` carries the tag briefgen writes in a cache folder it made."""
    try:
        return (folder / TAG).read_bytes()[:len(TAG_TEXT)] == TAG_TEXT
    except OSError:
        return False


def _chosen() -> Path | None:
    try:
        chosen = os.environ.get("BRIEFGEN_CACHE_DIR")
        if chosen is not None:
            if chosen.strip().lower() in (*OFF, ""):
                return None
            return Path(os.path.abspath(Path(chosen).expanduser()))
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:     # "~" with no home folder (some service accounts): no cache
        return None
    return Path(os.path.abspath(base)) / "briefgen"


def _private(folder: Path) -> bool:
    """Whether only this user can change the folder (made owner-only if missing).

    The cache holds compiled templates, which are code: the folder must be a real folder
    of this user's that others cannot write to, and every folder above it must belong to
    this user or root and be closed to others' writes (or sticky, as /tmp is).
    """
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or \
                info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
        return all(_closed(os.lstat(parent)) for parent in folder.parents)
    except OSError:
        return False


def _closed(info: os.stat_result) -> bool:
    if stat.S_ISLNK(info.st_mode) or info.st_uid not in (0, os.geteuid()):
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or bool(info.st_mode & stat.S_ISVTX)


def key(*parts: str) -> str:
    """A key from the parts an entry depends on (with briefgen's code among them)."""
    from .hashing import code_fingerprint

    hasher = hashlib.sha256()
    for part in (code_fingerprint(), *parts):
        hasher.update(part.encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def _entry(kind: str, entry_key: str) -> Path | None:
    folder = directory()
    return None if folder is None else folder / kind / entry_key[:2] / entry_key


def get(kind: str, entry_key: str) -> bytes | None:
    """The bytes stored under ``kind``/``entry_key``, or None (missing, damaged or off)."""
    path = _entry(kind, entry_key)
    try:
        stored = path.read_bytes() if path is not None else b""
    except OSError:
        return None
    digest, data = stored[:32], stored[32:]
    return data if len(digest) == 32 and hashlib.sha256(data).digest() == digest else None


def put(kind: str, entry_key: str, data: bytes) -> None:
    """Store ``data`` atomically; a cache that cannot be written is silently skipped."""
    path = _entry(kind, entry_key)
    if path is None:
        return
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(hashlib.sha256(data).digest() + data)
        os.replace(temporary, path)
    except BaseException as error:      # a stop (SIGTERM) too: leave no temporary file
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if not isinstance(error, OSError):
            raise


def folder(kind: str) -> Path | None:
    """A folder of the cache for a library that keeps its own files (Jinja's bytecode)."""
    path = _entry(kind, key("folder"))
    if path is None:
        return None
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path


def usage() -> tuple[int, int]:
    """(entries, bytes) briefgen keeps in the cache."""
    count = size = 0
    for path in _entries():
        try:
            size += path.lstat().st_size
            count += 1
        except OSError:          # removed meanwhile by a build
            continue
    return count, size


def clear() -> tuple[int, int]:
    """Delete briefgen's own folders in the cache, nothing else (briefgen's code changes
    leave old entries behind); (entries, bytes) removed."""
    import shutil

    folder = directory()
    if folder is None or not is_briefgens(folder):
        return 0, 0             # a folder briefgen did not make is never emptied
    found = usage()
    for kind in KINDS:
        path = folder / kind
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    return found


def _entries():
    folder = directory()
    for kind in KINDS if folder is not None else ():
        path = folder / kind
        if path.is_dir() and not path.is_symlink():
            yield from (p for p in path.rglob("*") if p.is_file())
