"""The formats in effect: every class registered under the entry-point group
``briefgen.formats``, briefgen's own DOCX, PDF and HTML the same way as any other package's.

A format is found by name without being imported (a DOCX build never loads ReportLab),
and its class is loaded on first use and checked: a ``Renderer`` whose ``format`` is the
name it is registered under.  A name two packages register is refused, naming both, so
no package can silently take the place of another's format.  A format's name is its file extension (``txt`` writes
``.txt``), so where an output goes is known without importing its renderer.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

from ..errors import INTERRUPTS, UsageError
from .base import Renderer

GROUP = "briefgen.formats"
NAME = re.compile(r"^[a-z][a-z0-9]{0,15}$")


class Formats:
    """Formats by name, from entry points; each class loaded once, when first asked for."""

    def __init__(self, entries):
        self.entries: dict = {}
        self.twice: dict[str, list] = {}    # names two packages register: refused by name
        self.misnamed: list = []            # names that are no file extension: refused
        for entry in sorted(entries, key=lambda e: (e.name, e.value)):
            if not NAME.fullmatch(entry.name):
                self.misnamed.append(entry)
                continue
            if entry.name in self.entries and self.entries[entry.name].value != entry.value:
                self.twice.setdefault(entry.name, [self.entries[entry.name]]).append(entry)
            self.entries.setdefault(entry.name, entry)
        self.loaded: dict[str, type] = {}
        self.origins: dict[str, str] = {}

    def names(self) -> tuple[str, ...]:
        return tuple(self.entries)

    def renderer(self, name: str) -> type:
        """The renderer class of format ``name``, loaded and checked."""
        if name not in self.loaded:
            self.loaded[name] = self._load(self._entry(name))
        return self.loaded[name]

    def extension(self, name: str) -> str:
        self._entry(name)
        return f".{name}"

    def origin(self, name: str) -> str:
        """Where a format comes from: its distribution and the class it names (read from
        the package's metadata once)."""
        if name not in self.origins:
            self.origins[name] = self.described(self._entry(name))
        return self.origins[name]

    @staticmethod
    def described(entry) -> str:
        dist = entry.dist
        package = f"{dist.name} {dist.version}" if dist is not None else "unknown package"
        return f"{package} ({entry.value})"

    def _entry(self, name: str):
        if name in self.twice:
            raise UsageError(f"the format '{name}' is registered by more than one package ("
                             f"{'; '.join(self.described(e) for e in self.twice[name])}); "
                             "expected one: uninstall the other")
        try:
            return self.entries[name]
        except KeyError:
            raise UsageError(f"unknown format '{name}', expected one of "
                             f"{', '.join(self.entries) or 'none (is briefgen installed?)'}"
                             ) from None

    def _load(self, entry) -> type:
        try:
            cls = entry.load()
        except INTERRUPTS:
            raise
        except BaseException as error:  # noqa: BLE001 - a third party's import can fail
            # anyhow, sys.exit included
            raise UsageError(f"the format '{entry.name}' ({entry.value}) cannot be loaded: "
                             f"{type(error).__name__}: {error}") from None
        if not (isinstance(cls, type) and issubclass(cls, Renderer)) or \
                cls.format != entry.name:
            raise UsageError(f"the format '{entry.name}' names {entry.value}, which is not a "
                             f"briefgen Renderer whose format is '{entry.name}'")
        return cls


@cache
def installed() -> Formats:
    """The formats the installed packages register (read once per process)."""
    return Formats(metadata.entry_points(group=GROUP))
