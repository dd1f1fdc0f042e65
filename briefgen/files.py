"""Files at the trust boundary: what briefgen reads from a project and writes to out/.

Three rules, each in one function, so that no caller can forget them:

* ``read_bounded``: an input is read only if it is a regular file (never a FIFO, a
  device or a folder), never beyond its size limit, and, when a root is given, only
  if it lies inside that root once every link is resolved.
* ``inside``: a path that comes from the project or from out/ (a manifest entry, an
  edition folder) is used only if it stays inside its folder, by name and by links.
* ``write_atomic``: an output is written to a temporary file beside it, flushed and
  renamed; the temporary name carries a marker no other program uses, and
  ``remove_leftovers`` deletes only names that carry it.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from pathlib import Path

from .errors import BriefgenError, DataError

TEMP_MARKER = ".briefgen-tmp-"
_LEFTOVER = re.compile(r"^\..+" + re.escape(TEMP_MARKER) + r"[0-9a-f]{12}$")


# ------------------------------------------------------------------ reading

def read_bounded(path: Path | str, limit: int, *, root: Path | None = None,
                 error: type[BriefgenError] = DataError,
                 limit_name: str = "max_input_bytes") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them, or ``error``
    naming the file and what is wrong with it.  With ``root``, the file must lie inside
    ``root`` once links are resolved."""
    path = Path(path)
    if root is not None:
        inside(root, path, error=error, what="file")
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error.at(str(path), "no such file") from None
    except OSError as failure:
        raise error.at(str(path), f"cannot read the file: {describe(failure)}") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise error.at(str(path), f"found {_kind(info.st_mode)}, expected a regular file")
        if info.st_size > limit:
            raise error.at(str(path), f"found a file of {info.st_size} bytes, expected at "
                                      f"most {limit} (limits: {limit_name})")
        return _read_up_to(handle, path, limit, error, limit_name)
    finally:
        os.close(handle)


def _read_up_to(handle: int, path: Path, limit: int, error, limit_name: str) -> bytes:
    chunks, total = [], 0
    while True:
        try:
            chunk = os.read(handle, min(1 << 20, limit + 1 - total))
        except OSError as failure:
            raise error.at(str(path), f"cannot read the file: {describe(failure)}") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:        # it grew while being read
            raise error.at(str(path), f"found a file of more than {limit} bytes, expected "
                                      f"at most {limit} (limits: {limit_name})")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something that is not a file"


def read_text(path: Path | str, limit: int, *, root: Path | None = None,
              error: type[BriefgenError] = DataError) -> str:
    """``read_bounded`` decoded as UTF-8, or ``error`` at the first byte that is not."""
    return decoded(read_bounded(path, limit, root=root, error=error), path, error)


def decoded(data: bytes, path: Path | str, error: type[BriefgenError] = DataError) -> str:
    """The bytes read from ``path`` as UTF-8 text, or ``error`` at the first that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as failure:
        raise error.at(str(path), f"found bytes that are not UTF-8 at offset "
                                  f"{failure.start}, expected UTF-8 text") from None


# ---------------------------------------------------------------- confinement

def inside(root: Path, path: Path, *, error: type[BriefgenError] = DataError,
           what: str = "path") -> Path:
    """``path`` (absolute, or relative to the working folder) if it stays inside ``root``
    both by name and once links are resolved; else ``error`` naming it."""
    if not is_inside(root, path):
        raise error.at(str(path), f"found a {what} that leads outside {root} (by '..', an "
                                  f"absolute path or a link); expected one inside it")
    return path


def is_inside(root: Path, path: Path) -> bool:
    """Whether ``path`` stays inside ``root`` by name and after resolving every link."""
    named = Path(os.path.abspath(path))
    base = Path(os.path.abspath(root))
    if not named.is_relative_to(base):
        return False
    try:
        return Path(os.path.realpath(named)).is_relative_to(os.path.realpath(base))
    except (OSError, ValueError):
        return False


def child(root: Path, relative: str) -> Path | None:
    """``root / relative`` for a relative name read back from untrusted state (a
    manifest), or None if the name is absolute, climbs with '..', or passes through a
    link or anything but folders on its way."""
    if not isinstance(relative, str) or not relative or "\0" in relative or \
            "\\" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    current = root
    for part in parts[:-1]:
        current = current / part
        try:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                return None
        except FileNotFoundError:
            continue
        except OSError:
            return None
    target = current / parts[-1]
    try:
        if stat.S_ISLNK(os.lstat(target).st_mode):
            return None
    except OSError:
        pass
    return target


def real_folder(path: Path) -> bool:
    """Whether ``path`` is a folder and not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


# ------------------------------------------------------------------ writing

def temporary_name(path: Path) -> Path:
    """A temporary file beside ``path``, with the marker ``remove_leftovers`` knows."""
    return path.with_name(f".{path.name}{TEMP_MARKER}{secrets.token_hex(6)}")


def is_leftover(name: str) -> bool:
    return bool(_LEFTOVER.fullmatch(name))


def stage(path: Path, data: bytes) -> Path:
    """``data`` written in full (flushed to disk) to a temporary file beside ``path``,
    which is not touched yet; returns the temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(path)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                     getattr(os, "O_CLOEXEC", 0), 0o666)   # the umask applies
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never
    half of either."""
    temporary = stage(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_leftovers(folder: Path, depth: int = 3) -> None:
    """Delete the temporary files (and staging folders) a killed build left in ``folder``
    and below it, down to ``depth`` levels, without following links: only names that
    carry briefgen's marker, never anyone else's files."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink():
            continue
        if is_leftover(entry.name):
            _remove(Path(entry.path), entry.is_dir(follow_symlinks=False))
        elif depth > 0 and entry.is_dir(follow_symlinks=False):
            remove_leftovers(Path(entry.path), depth - 1)


def _remove(path: Path, folder: bool) -> None:
    try:
        if folder:
            for item in path.iterdir():
                if not item.is_symlink() and item.is_file():
                    item.unlink()
            path.rmdir()
        else:
            path.unlink()
    except OSError:
        pass


def describe(error: OSError) -> str:
    """An OS error in words, with the file it names, for a one-line message."""
    words = error.strerror or os.strerror(error.errno or 0) or type(error).__name__
    if error.errno == errno.ENOSPC:
        words = "no space left on the disk"
    return words.rstrip(".")


def os_problem(error: OSError, doing: str, default_file: str = "briefgen") -> BriefgenError:
    """An OS error while ``doing`` something ("writing the output") as one clean message
    at the file it names."""
    file = error.filename if isinstance(error.filename, str) else default_file
    return BriefgenError.at(final_name(file), f"{doing} failed: {describe(error)}")


def final_name(path: str) -> str:
    """The file a temporary file of briefgen's stands for (messages name that one)."""
    folder, _, name = path.rpartition("/")
    if TEMP_MARKER in name and name.startswith("."):
        name = name[1:name.rindex(TEMP_MARKER)]
    return f"{folder}/{name}" if folder else name
