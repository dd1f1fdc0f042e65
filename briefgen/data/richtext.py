"""Text fields as data: plain strings, or lists of segments with emphasis and links.

A plain string is always literal: ``*``, ``#``, ``|``, ``<b>`` or ``{{ }}`` in
it are characters to print, never markup.  Emphasis and links are written as
data instead::

    text:
      - "Russia is "
      - em: reportedly
      - " assisting China; see "
      - link: the report
        url: https://example.org/report
      - text: 台湾海峡          # text in another language than the brief's
        lang: zh-CN

Any segment written as a mapping may carry ``lang``.  Templates print a ``Rich``
value, and the template environment turns it into Markdown with every character
of the data escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pydantic_core import PydanticCustomError

from .characters import BIDI_RANGES, described, first_unsafe, is_blank, kind_of
from .yamlsource import AmbiguousScalar, excerpt

SEGMENT_KINDS = ("text", "em", "strong", "link")
FORMATTED_KINDS = SEGMENT_KINDS[1:]
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")   # a BCP 47 tag: en-GB, zh-CN, ru
# The languages of those tags written right to left, in the script CLDR gives each by
# default (Arabic, Divehi, Persian, Hebrew, Kashmiri, Pashto, Sindhi, Uyghur, Urdu,
# Yiddish; iw and ji are Hebrew's and Yiddish's older codes).
RIGHT_TO_LEFT = frozenset({"ar", "dv", "fa", "he", "iw", "ji", "ks", "ps", "sd", "ug", "ur",
                           "yi"})
# An address: http(s) with a host, or mailto; no space, quote, angle bracket, backslash
# or bidi control.
_URL_CHAR = r"[^\s<>\"'`\\" + BIDI_RANGES + "]"
_URL_HOST_START = r"[^\s<>\"'`\\/" + BIDI_RANGES + "]"    # http:/// has no host
URL_PATTERN = re.compile(rf"^(https?://{_URL_HOST_START}{_URL_CHAR}*|mailto:{_URL_CHAR}+)$")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_WHITESPACE = re.compile(r"[\t\r\n]")


def reject_unsafe_characters(value: str) -> str:
    """Text may hold any printable character, tab and newline; nothing else, and no
    bidirectional control (``characters``: the one rule for all text)."""
    found = first_unsafe(value)
    if found is not None:
        offset, char = found
        raise PydanticCustomError(kind_of(char), "{why}", {"why": described(char, offset)})
    return value


def reject_ambiguous(value: object) -> object:
    """Refuse an unquoted scalar that YAML 1.1 reads as a boolean or a number."""
    if isinstance(value, AmbiguousScalar):
        raise PydanticCustomError("ambiguous_scalar", "found unquoted {text}, which YAML reads "
                                  "as {reading}, expected text: put it in quotes",
                                  {"text": excerpt(value), "reading": value.reading})
    return value


def direction(tag: str) -> str:
    """``rtl`` for a language written right to left, else ``ltr``."""
    return "rtl" if tag.partition("-")[0] in RIGHT_TO_LEFT else "ltr"


def escape_markdown(text: str) -> str:
    """Backslash-escape every ASCII punctuation mark; tabs and newlines become spaces.

    CommonMark lets any ASCII punctuation be escaped, so the result is always
    read back as exactly the characters of ``text`` (line breaks as spaces).
    """
    text = _WHITESPACE.sub(" ", text)
    return "".join("\\" + c if c in _ASCII_PUNCTUATION else c for c in text)


def link_destination(url: str) -> str:
    """``url`` as a Markdown link destination in angle brackets, read back as exactly
    ``url``: the parser undoes backslash escapes and nothing else (see markup.py)."""
    return "".join("\\" + c if c in "\\<>" else c for c in url)


@dataclass(frozen=True)
class Segment:
    kind: str
    text: str
    url: str | None = None
    lang: str | None = None      # the language of this segment, when not the brief's

    def __markdown__(self) -> str:
        """Emphasis is written as a span, ``[text]{.em}``: unlike ``*text*`` it cannot be
        undone or merged by CommonMark's flanking rules, whatever the text holds.  A
        segment in another language is wrapped in a span of its own, ``[...]{lang=zh-CN}``
        (the tag matched ``LANGUAGE_PATTERN``, so it holds nothing Markdown reads)."""
        body = self._formatted(escape_markdown(self.text))
        return f"[{body}]{{lang={self.lang}}}" if self.lang else body

    def _formatted(self, body: str) -> str:
        if self.kind in ("em", "strong"):
            return f"[{body}]{{.{self.kind}}}"
        if self.kind == "link":
            return f"[{body}](<{link_destination(self.url)}>)"
        return body


def _with_mark(mark: str, markdown: str) -> str:
    """A portion mark before a text: literal characters, escaped like the text."""
    return f"{escape_markdown(mark)} {markdown}" if mark and markdown else markdown


@dataclass(frozen=True)
class Rich:
    """A run of text with optional emphasis and links, printed safely as Markdown.

    ``level`` is the visibility level a paragraph declares (``{text: ..., level: ...}``);
    ``mark`` is the portion mark its audience's selection found for it, printed before
    the text but no part of it: ``plain()`` is the text as written."""

    segments: tuple
    level: str | None = None
    mark: str = ""

    def __markdown__(self) -> str:
        body = "".join(segment.__markdown__() for segment in self.segments).strip()
        return _with_mark(self.mark, body)

    def plain(self) -> str:
        return "".join(segment.text for segment in self.segments).strip()

    def marked(self, mark: str, level: str | None = None) -> "Rich":
        """The same text shown with ``mark`` before it (replacing any mark it had), at
        ``level`` if one is given."""
        return replace(self, mark=mark, level=level or self.level)

    def __str__(self) -> str:
        return self.plain()


class MarkedText(str):
    """A one-line text (a table's caption) shown with a portion mark before it.  It is
    still the text as written, for every use but printing in a template."""

    mark: str = ""

    def __new__(cls, text: str, mark: str) -> "MarkedText":
        value = super().__new__(cls, text)
        value.mark = mark
        return value

    def __markdown__(self) -> str:
        return _with_mark(self.mark, escape_markdown(str(self)).strip())

    def __reduce__(self):
        return MarkedText, (str(self), self.mark)


def marked_text(text: str, mark: str) -> str:
    """``text`` with ``mark`` before it when printed; the plain text without a mark."""
    return MarkedText(str(text), mark) if mark else str(text)


def parse(value: object) -> Rich:
    """Turn the YAML value of a text field into a ``Rich``, or explain what is wrong."""
    if isinstance(value, Rich):
        return value
    if isinstance(value, str):
        reject_ambiguous(value)
        return _nonempty(Rich((Segment("text", _spaced(reject_unsafe_characters(value))),)))
    if isinstance(value, list):
        return _nonempty(Rich(tuple(_segment(item, i) for i, item in enumerate(value))))
    raise PydanticCustomError(
        "rich_text", "found {found}, expected text or a list of text segments",
        {"found": _describe(value)})


def _spaced(text: str) -> str:
    """Line breaks and tabs inside a value read as spaces, in every format."""
    return _WHITESPACE.sub(" ", text)


def _nonempty(rich: Rich) -> Rich:
    if is_blank(rich.plain()):
        raise PydanticCustomError("rich_text", "found empty text, expected some words", {})
    return rich


def _segment(item: object, index: int) -> Segment:
    if isinstance(item, str):
        reject_ambiguous(item)
        return Segment("text", _spaced(reject_unsafe_characters(item)))
    if isinstance(item, dict):
        kinds = [k for k in SEGMENT_KINDS if k in item]
        extra = set(item) - {*SEGMENT_KINDS, "url", "lang"}
        if len(kinds) == 1 and not extra and isinstance(item[kinds[0]], str):
            return _formatted(kinds[0], item, index)
    raise PydanticCustomError(
        "rich_text",
        "segment {index} is {found}, expected text or a mapping with one of the keys "
        "text, em, strong or link (a link also has url; any of them may have lang)",
        {"index": index + 1, "found": _describe(item)})


def _formatted(kind: str, item: dict, index: int) -> Segment:
    text = _spaced(reject_unsafe_characters(item[kind]))
    url = item.get("url")
    if kind == "link":
        if not isinstance(url, str) or not URL_PATTERN.fullmatch(url):
            raise PydanticCustomError(
                "rich_text", "segment {index} has url {url}, expected an http(s) or mailto "
                "address without spaces or quotes",
                {"index": index + 1, "url": repr(excerpt(url)) if isinstance(url, str)
                 else _describe(url)})
    elif url is not None:
        raise PydanticCustomError(
            "rich_text", "segment {index} has a url but is not a link", {"index": index + 1})
    if is_blank(text):
        raise PydanticCustomError(
            "rich_text", "segment {index} is empty, expected some words", {"index": index + 1})
    return Segment(kind, text, url if kind == "link" else None, _language(item, index))


def _language(item: dict, index: int) -> str | None:
    """A segment's ``lang``: a BCP 47 tag of the form the brief's ``language`` has."""
    if "lang" not in item:
        return None
    lang = item["lang"]
    if not isinstance(lang, str) or not LANGUAGE_PATTERN.fullmatch(lang):
        raise PydanticCustomError(
            "rich_text", "segment {index} has lang {lang}, expected a language tag such as "
            "zh-CN or ru (two lowercase letters, then optionally '-' and two capitals)",
            {"index": index + 1, "lang": repr(excerpt(lang)) if isinstance(lang, str)
             else _describe(lang)})
    return lang


def _describe(item: object) -> str:
    if isinstance(item, dict):
        return "a mapping with keys " + excerpt(", ".join(map(str, item)))
    return "nothing" if item is None else f"a {type(item).__name__}"
