"""The characters no text of a project may hold, wherever it is written.

Any printable character, tab and newline may appear in a brief; these may not:

* controls (Unicode category Cc), surrogates (Cs), private-use characters (Co) and
  non-characters: they break XML, PDF text and a reader's tools, or mean nothing;
* the embedding, override and isolate controls: one left open reverses the text after
  it, up to what briefgen writes next to the value (a citation, a cell's neighbour, the
  edition date).  A language's direction is the renderer's to apply, from ``lang``.

One rule, applied where text enters: every scalar of every YAML file (``yamlsource``),
every template's source, and the Markdown the templates produce (``compose.markup``),
so a value from the data, a project file, a theme or a template's own words is held to
it alike.
"""

from __future__ import annotations

import re
import unicodedata

BIDI_RANGES = "\u202a-\u202e\u2066-\u2069"    # for character classes (addresses too)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}-{chr(plane * 0x10000 + 0xFFFF)}"
                         for plane in range(17))
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"           # controls but tab and newline
    "\ud800-\udfff"                          # surrogates
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"   # private use
    "\ufdd0-\ufdef" + _NONCHARACTERS + BIDI_RANGES + "]")


def first_unsafe(text: str, allowed: str = "") -> tuple[int, str] | None:
    """The offset and character of the first character ``text`` may not hold (beyond
    ``allowed``), or None."""
    for match in _UNSAFE.finditer(text):
        if match.group() not in allowed:
            return match.start(), match.group()
    return None


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """Where ``offset`` falls in ``text``, both counted from 1."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def kind_of(char: str) -> str:
    return "bidi_control" if char in BIDI_CONTROLS else "unsafe_character"


def described(char: str, offset: int | None = None) -> str:
    """What is wrong, in the words every layer uses; ``offset`` into the value, unless
    the message's location points at the character itself."""
    code = f"{ord(char):04X}"
    where = "" if offset is None else f" at offset {offset}"
    if char in BIDI_CONTROLS:
        return (f"found the bidirectional control U+{code}{where}, which "
                "reorders the text around it; expected text without embedding, override "
                "or isolate controls")
    return f"found the control or non-character U+{code}{where}, expected printable text"


# Characters that take no room and show nothing: fillers of Hangul and Braille, the
# combining grapheme joiner (format characters, Cf, are found by their category).
_BLANK_FILLERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only spaces, format characters (zero-width space,
    joiners, word joiner, soft hyphen, byte-order mark) and blank fillers."""
    return all(char.isspace() or char in _BLANK_FILLERS or unicodedata.category(char) == "Cf"
               for char in text)
