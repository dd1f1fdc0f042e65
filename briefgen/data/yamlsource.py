"""Safe YAML -> plain Python values, each remembered with its line and column.

Only the safe loader's node graph is used: no tag ever constructs an object.
Scalars stay the text that was written, so YAML 1.1 readings (``NO`` as
false, ``012345`` as octal, ``12:30`` as base 60) never reach the model
silently: a plain scalar whose reading would change its text is marked
``AmbiguousScalar`` and text fields refuse it with a hint to quote it (so is an
integer of more than 15 digits, which tools reading numbers as floating point change).
Composing, bounded in depth, and syntax errors in words are ``yamlsyntax``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from ..errors import Location, Problem
from . import yamlsyntax
from .characters import described, first_unsafe, line_and_column

STANDARD_TAGS = {f"tag:yaml.org,2002:{name}" for name in
                 ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
NULL_TAG = "tag:yaml.org,2002:null"
DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_MAX_NODES = 200_000
DEFAULT_MAX_DEPTH = 40
MAX_NUMBER_CHARS = 100                 # longer numbers are described, never converted
_DECIMAL = re.compile(r"^(0|-?[1-9][0-9]*)$")     # how Python writes an integer

Path = tuple


class AmbiguousScalar(str):
    """A plain scalar that YAML 1.1 would read as something other than its text."""

    reading: str = ""

    def __new__(cls, text: str, reading: str) -> "AmbiguousScalar":
        value = super().__new__(cls, text)
        value.reading = reading
        return value


@dataclass
class Located:
    """The loaded value and where each part of it was written."""

    file: str
    value: object
    values: dict = field(default_factory=dict)   # path -> (line, column) of the value
    keys: dict = field(default_factory=dict)     # path -> (line, column) of its key

    def locate(self, path: Path, *, prefer_key: bool = False) -> Location:
        """The closest known place for ``path`` (or its nearest ancestor)."""
        path = tuple(path)
        while True:
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for places in table:
                if path in places:
                    return Location(self.file, *places[path])
            if not path:
                return Location(self.file, 1, 1)
            path = path[:-1]


MAX_PROBLEMS = 200      # what one file reports; the errors module says how many more


class YamlProblems(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def load(text: str, file: str, *, max_nodes: int = DEFAULT_MAX_NODES,
         max_depth: int = DEFAULT_MAX_DEPTH) -> Located:
    """Parse one YAML document; raise ``YamlProblems`` listing everything wrong."""
    node = _compose(text, file, max_depth, max_nodes)
    if node is None:
        raise YamlProblems([Problem(Location(file, 1, 1), "",
                                    "found an empty file, expected a mapping of brief fields")])
    converter = _Converter(Located(file, None), max_nodes, max_depth)
    located = converter.run(node)
    if converter.problems:
        raise YamlProblems(converter.problems)
    return located


def _compose(text: str, file: str, max_depth: int, max_nodes: int) -> yaml.Node | None:
    try:
        return yamlsyntax.compose(text, max_depth, max_nodes)
    except yamlsyntax.TooDeep as error:
        raise YamlProblems([_too_deep(file, error.mark, error.path, max_depth)]) from None
    except yamlsyntax.TooMany as error:
        raise YamlProblems([Problem(Location(file, error.mark.line + 1, error.mark.column + 1),
                                    "", f"found more than {max_nodes} values, expected a "
                                        "smaller file (limits: max_yaml_values)")]) from None
    except yaml.MarkedYAMLError as error:
        raise YamlProblems([Problem(Location(file, e.line, e.column), "", e.message)
                            for e in yamlsyntax.every_error(error, text, max_depth)]) from None
    except yaml.reader.ReaderError as error:
        raise YamlProblems([_reader_problem(file, text, error)]) from None
    except yaml.YAMLError as error:
        raise YamlProblems([Problem(Location(file, 1, 1), "",
                                    f"YAML error: {excerpt(str(error))}")]) from None


def _too_deep(file: str, mark: yaml.Mark, path: Path, max_depth: int) -> Problem:
    return Problem(Location(file, mark.line + 1, mark.column + 1), dotted(path),
                   f"found nesting deeper than {max_depth} levels, expected at most "
                   f"{max_depth} (limits: max_depth)")


def _reader_problem(file: str, text: str, error) -> Problem:
    """A character YAML does not allow anywhere in a file, placed at its line and column."""
    line, column = line_and_column(text, error.position)
    code = error.character if isinstance(error.character, int) else ord(error.character)
    return Problem(Location(file, line, column), "",
                   f"found the control character U+{code:04X}, which YAML does not allow in a "
                   "file; expected printable text (write it as an escape in double quotes)")


class _Converter:
    def __init__(self, located: Located, max_nodes: int, max_depth: int):
        self.located = located
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.count = 0
        self.problems: list[Problem] = []
        self._resolver = yaml.SafeLoader("")

    def run(self, node: yaml.Node) -> Located:
        self.located.value = self.convert(node, ())
        return self.located

    def problem(self, node: yaml.Node, path: Path, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(Location(self.located.file, mark.line + 1, mark.column + 1),
                                     dotted(path), message))
        if len(self.problems) >= MAX_PROBLEMS:   # a file of nothing but mistakes: stop here
            raise YamlProblems(self.problems)

    def convert(self, node: yaml.Node, path: Path) -> object:
        self.count += 1
        if self.count > self.max_nodes:
            raise YamlProblems([Problem(Location(self.located.file, node.start_mark.line + 1,
                                                 node.start_mark.column + 1), dotted(path),
                                        f"found more than {self.max_nodes} values (aliases "
                                        "expand to copies), expected a smaller file")])
        if len(path) > self.max_depth:     # through aliases: composing saw each part alone
            raise YamlProblems([_too_deep(self.located.file, node.start_mark, path,
                                          self.max_depth)])
        self.located.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in STANDARD_TAGS:
            self.problem(node, path, f"found the tag {excerpt(node.tag)}, expected plain "
                                     "data (tags are not allowed); if this is text that "
                                     "starts with '!', put it in quotes")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.checked(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        result: dict = {}
        first_seen: dict = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and not self.safe(key_node, path):
                continue
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, path, "found a key that is not text, expected a field name")
                continue
            key = str(key)
            here = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in first_seen:
                self.problem(key_node, path + (key,),
                             f"found the key {excerpt(key)!r} a second time (first at line "
                             f"{first_seen[key][0]}), expected each key once")
                continue
            first_seen[key] = here
            self.located.keys[path + (key,)] = here
            result[key] = self.convert(value_node, path + (key,))
        return result

    def checked(self, node: yaml.ScalarNode, path: Path) -> object:
        return self.scalar(node) if self.safe(node, path) else None

    def safe(self, node: yaml.ScalarNode, path: Path) -> bool:
        """Whether a scalar holds only characters text may hold (``characters``): every
        value of every file, whatever field it is for, keys included; if not, a problem."""
        found = first_unsafe(node.value)
        if found is not None:
            self.problem(node, path, described(found[1], found[0]))
        return found is None

    def scalar(self, node: yaml.ScalarNode) -> object:
        text = node.value
        if node.style is not None or node.tag == "tag:yaml.org,2002:str":
            return text
        implicit = self._resolver.resolve(yaml.ScalarNode, text, (True, False))
        if implicit == NULL_TAG:
            return None
        reading = _yaml11_reading(self._resolver, node, implicit)
        return AmbiguousScalar(text, reading) if reading else text


def _yaml11_reading(resolver: yaml.SafeLoader, node: yaml.ScalarNode, tag: str) -> str:
    """How YAML 1.1 would read an unquoted scalar, if that differs from its text."""
    kind = tag.rsplit(":", 1)[-1]
    if kind == "bool":
        return f"a boolean ({str(resolver.construct_yaml_bool(node)).lower()})"
    if kind == "int" and _DECIMAL.fullmatch(node.value):
        return _long_decimal(node.value)
    if kind in ("int", "float"):
        return _number_reading(resolver, node, kind)
    return ""


def _long_decimal(text: str) -> str:
    """An integer written as Python writes it reads as written, up to 15 digits: past
    that, tools that read numbers as floating point (editors, schema checkers) change
    its digits, so it must be quoted to stay text."""
    digits = len(text.lstrip("-"))
    return "" if digits <= 15 else f"an integer of {digits} digits"


def _number_reading(resolver: yaml.SafeLoader, node: yaml.ScalarNode, kind: str) -> str:
    """``the number 10`` for ``012``.  A long one is never converted (base 60 costs time
    growing with the square of its length, and Python refuses decimals past 4300
    digits): it cannot read as written anyway, since no float is written in more than
    24 characters, and plain decimals never reach here."""
    if len(node.value) > MAX_NUMBER_CHARS:
        return "an integer" if kind == "int" else "a number"
    try:
        number = getattr(resolver, f"construct_yaml_{kind}")(node)
        written = str(number)
    except (ValueError, yaml.YAMLError):
        return "an integer" if kind == "int" else "a number"
    return "" if written == node.value else f"the number {excerpt(written)}"


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` as a message quotes a value: whole if short, else its start and '...'."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def listing(names, limit: int = 12) -> str:
    """Names as a message lists them: each shortened, at most ``limit`` of them."""
    names = list(map(str, names))
    shown = ", ".join(excerpt(name, 40) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def dotted(path: Path) -> str:
    """``('sections', 0, 'title')`` -> ``sections[0].title``."""
    out = ""
    for part in path:
        name = excerpt(part, 40)
        out += f"[{part}]" if isinstance(part, int) else (f".{name}" if out else name)
    return out


def _scalar(event, anchors: dict) -> str | None:
    """A scalar event's text, or an alias's: the scalar it names (keys and values alike)."""
    return event.value if isinstance(event, yaml.ScalarEvent) else anchors.get(event.anchor)


def top_level_scalar(data: bytes, key: str) -> str | None:
    """The text of ``key`` at the top level of a YAML mapping, read from the parser's
    events alone (no values built, no recursion): for a brief's id or edition before, or
    without, loading it.  An alias of a scalar reads as that scalar, as the loader reads
    it.  None if absent, not text, or malformed."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth, current, expecting_key, anchors = 0, None, True, {}
    try:
        for event in yaml.parse(data, Loader=loader):
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                anchors[event.anchor] = event.value
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                expecting_key = expecting_key or depth == 1    # a value that is a collection
                depth += 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif depth == 1 and isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                if not expecting_key and current == key:
                    return _scalar(event, anchors)
                current = _scalar(event, anchors) if expecting_key else None
                expecting_key = not expecting_key
    except yaml.YAMLError:
        pass
    return None
