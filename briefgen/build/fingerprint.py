"""Input keys: the content hash of everything an output is built from.

An output's key covers its data file, every template its audience uses
(through extends, includes and imports), the audience's resolved settings
and visibility levels, the theme file with its logo, reference document and
font files, the format with the package and version that provides it, and
briefgen's own code with the versions of the libraries that render.
Decisions come from these hashes, never from file times.
"""

from __future__ import annotations

from ..compose.templating import templates_fingerprint
from ..hashing import code_fingerprint, digest
from ..project.theme import theme_fingerprint
from ..renderers.registry import installed


class Fingerprints:
    """The per-audience, per-format part of the keys, computed once per build: every
    file it hashes is read again by the next build, never remembered by a module."""

    def __init__(self, project):
        self.project = project
        self._shared: dict[tuple[str, str], str] = {}
        self._themes: dict[int, str] = {}

    def key(self, data_hash: str, audience: str, fmt: str) -> str:
        if (audience, fmt) not in self._shared:
            self._shared[(audience, fmt)] = self._compute(audience, fmt)
        return digest(data_hash, self._shared[(audience, fmt)])

    def _compute(self, name: str, fmt: str) -> str:
        audience = self.project.audience(name)
        theme = self.project.theme_for(audience)
        settings = {k: v for k, v in vars(audience).items() if k != "origins"}
        if id(theme) not in self._themes:
            self._themes[id(theme)] = theme_fingerprint(theme)
        # What the data is validated against (the audiences it may name, the levels, the
        # limits) is in every key: a change there can make a current output's data wrong.
        return digest(code_fingerprint(), repr(sorted(settings.items())),
                       repr(sorted(a.name for a in self.project.audiences)),
                       repr(self.project.levels), repr(self.project.limits),
                       templates_fingerprint(self.project.environment(), audience.template),
                       self._themes[id(theme)], fmt, installed().origin(fmt))
