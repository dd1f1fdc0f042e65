"""YAML text -> the safe loader's node graph, bounded in depth, and every syntax error
of a file in words a person can act on.

PyYAML's composer recurses once per level of nesting, so depth is counted while
composing: a file nested deeper than ``max_depth`` stops there, long before Python's
stack could run out, however deep the file goes.

A syntax error is explained by its likely cause (an unquoted ': ' inside a value, a
value starting with a character YAML reserves, a quote never closed) and the fix.
Then its line is neutralised (its value replaced by an empty one, or the line
blanked) and the text read again, so one run reports every error a file has, each
line once, until an error cannot be stepped over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

MAX_SYNTAX_PROBLEMS = 20
REREAD_BUDGET = 2_000_000      # characters read again while looking for further errors
QUOTE_IT = "put the value in quotes"
_LONG_QUOTE = re.compile(r"'([^'\n]{40})[^'\n]+'")
_BREAKS = "\r\n\x85\u2028\u2029"     # the line breaks YAML knows

# The start of a line that holds one entry: indentation, list dashes, and a plain or
# quoted key followed by ': ' (or ':' at the end of the line).
_ENTRY = re.compile(r"""^(?P<lead>[ ]*(?:-[ ]+)*)
                        (?P<key>(?:"[^"\n]*"|'[^'\n]*'|[^\s"'#&*!|>%@`\[\]{},?:-][^\n]*?|
                               -[^\s\n][^\n]*?)[ ]*:(?=[ \t]|$))?""", re.VERBOSE)


class TooDeep(Exception):
    """Nesting went deeper than the limit at ``mark``, at the field ``path``."""

    def __init__(self, mark: yaml.Mark, path: tuple):
        super().__init__(f"nesting deeper than the limit at line {mark.line + 1}")
        self.mark = mark
        self.path = path


class TooMany(Exception):
    """More nodes than the limit were written (before any alias is expanded)."""

    def __init__(self, mark: yaml.Mark):
        super().__init__(f"too many values by line {mark.line + 1}")
        self.mark = mark


class BoundedLoader(yaml.SafeLoader):
    """The safe loader, stopping at ``max_depth`` levels and at ``max_nodes`` nodes while
    it composes, with the field path of the node it is composing."""

    def __init__(self, text: str, max_depth: int, max_nodes: int | None = None):
        super().__init__(text)
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.nodes = 0
        self.path: list = []

    def compose_node(self, parent, index):
        self.nodes += 1
        if self.max_nodes is not None and self.nodes > self.max_nodes:
            raise TooMany(self.peek_event().start_mark)
        if parent is None:
            return super().compose_node(parent, index)
        self.path.append(_path_part(index))
        try:
            if len(self.path) > self.max_depth and not self._plain_key(index):
                raise TooDeep(self.peek_event().start_mark,
                              tuple(part for part in self.path if part is not None))
            return super().compose_node(parent, index)
        finally:
            self.path.pop()

    def _plain_key(self, index) -> bool:
        """A scalar key is a name, not a level: levels are the values below it."""
        return index is None and self.check_event(yaml.ScalarEvent)


def _path_part(index: object) -> object:
    """A list index, a mapping key's text, or None while a key itself is composed."""
    if isinstance(index, yaml.ScalarNode):
        return index.value
    return index if isinstance(index, int) else None


def compose(text: str, max_depth: int, max_nodes: int | None = None) -> yaml.Node | None:
    """The one document of ``text`` as nodes; raises PyYAML's errors, ``TooDeep`` or
    ``TooMany``."""
    loader = BoundedLoader(text, max_depth, max_nodes)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


# ------------------------------------------------------------ explaining

@dataclass(frozen=True)
class Explained:
    """A syntax error in words: where to report it, and which line to neutralise to
    step over it (None: it cannot be stepped over)."""

    line: int          # 1-based, as reported
    column: int
    message: str
    fix: int | None    # 0-based index of the line to neutralise; None: stop here
    span: int = 0      # how many lines after it to blank with it


def explain(error: yaml.MarkedYAMLError, lines: list[str]) -> Explained:
    problem = (error.problem or "malformed YAML").strip()
    context = (error.context or "").strip()
    quote = _quote_left_open(lines, error.problem_mark)
    if quote is not None:
        return _closed_late(quote, error, lines)
    for test, explainer in _EXPLAINERS:
        if test(problem, context):
            return explainer(error, problem, lines)
    return _at(error.problem_mark or error.context_mark, problem, "")


def _at(mark: yaml.Mark | None, words: str, hint: str, fix: int | None = -1,
        span: int = 0) -> Explained:
    """Reported at ``mark``; stepped over by neutralising line ``fix`` (-1: the line of
    ``mark``).  A long name PyYAML quotes is shortened: a message never echoes a file."""
    line, column = (mark.line, mark.column) if mark else (0, 0)
    words = _LONG_QUOTE.sub(r"'\1...'", words)
    joint = " " if hint.startswith("(") else "; "
    message = f"YAML syntax: {words}" + (joint + hint if hint else "")
    return Explained(line + 1, column + 1, message, line if fix == -1 else fix, span)


def _char_at(mark: yaml.Mark | None, lines: list[str]) -> str:
    if mark is None or mark.line >= len(lines):
        return ""
    return lines[mark.line][mark.column:mark.column + 1]


def _colon_in_value(error, problem: str, lines: list[str]) -> Explained:
    mark = error.problem_mark
    before = lines[mark.line][:mark.column] if mark.line < len(lines) else ""
    entry = _ENTRY.match(before)
    if entry and entry.group("key"):
        hint = ("the value holds ': ', which YAML reads as the start of another key: "
                f"{QUOTE_IT}")
    else:
        hint = ("this line's key is read as part of the value above (it is indented deeper "
                "than the keys beside it, or continues an unquoted value): line it up with "
                "its neighbours, or quote that value")
    return _at(mark, problem, hint)


def _reserved_start(error, problem: str, lines: list[str]) -> Explained:
    char = _char_at(error.problem_mark, lines)
    if char == "\t":
        return _at(error.problem_mark, problem, "(YAML indentation must use spaces, not tabs)")
    return _at(error.problem_mark, problem,
               f"YAML reserves {char!r} at the start of a value: {QUOTE_IT}")


def _block_scalar(error, problem: str, lines: list[str]) -> Explained:
    char = _char_at(error.context_mark, lines) or ">"
    return _at(error.context_mark, problem,
               f"{char!r} at the start of a value begins a block of text on the lines "
               f"below it in YAML: {QUOTE_IT}")


def _anchor_or_alias(error, problem: str, lines: list[str]) -> Explained:
    char = _char_at(error.context_mark or error.problem_mark, lines) or "&"
    meaning = "refers to an anchor" if char == "*" else "names an anchor"
    return _at(error.context_mark or error.problem_mark, problem,
               f"{char!r} at the start of a value {meaning} in YAML: {QUOTE_IT}")


def _undefined_alias(error, problem: str, lines: list[str]) -> Explained:
    return _at(error.problem_mark, problem,
               "'*' at the start of a value refers to an anchor in YAML, and none has that "
               f"name: {QUOTE_IT}")


def _duplicate_anchor(error, problem: str, lines: list[str]) -> Explained:
    return _at(error.problem_mark, "found the same anchor name twice",
               f"'&' at the start of a value names an anchor in YAML: {QUOTE_IT}")


def _unknown_escape(error, problem: str, lines: list[str]) -> Explained:
    return _at(error.problem_mark, problem,
               "a backslash inside double quotes starts an escape: write '\\\\' for a "
               "backslash, or use single quotes")


def _unclosed_quote(error, problem: str, lines: list[str]) -> Explained:
    quote = _char_at(error.context_mark, lines) or '"'
    return _at(error.context_mark, f"found a value opened with {quote} that is never closed",
               "close the quote (a quote inside single quotes is written '', inside double "
               "quotes \\\")")


def _quote_left_open(lines: list[str], mark: yaml.Mark | None) -> yaml.ScalarToken | None:
    """The quoted value just before an error on its closing line, if it runs over
    several lines: most often a quote left open, closed only by the next quote."""
    if mark is None or mark.line >= len(lines) or \
            not set(lines[mark.line][:mark.column + 1]) & {'"', "'"}:
        return None          # the quote that closed it would be on this line, before here
    last = None
    try:
        for token in yaml.scan("".join(lines[:mark.line + 1]), Loader=yaml.SafeLoader):
            if token.end_mark.index > mark.index:
                break
            last = token
    except yaml.YAMLError:
        pass
    if isinstance(last, yaml.ScalarToken) and last.style in ('"', "'") and \
            last.start_mark.line < last.end_mark.line == mark.line:
        return last
    return None


def _closed_late(quote: yaml.ScalarToken, error, lines: list[str]) -> Explained:
    start, end = quote.start_mark, quote.end_mark
    return _at(start, f"found a value opened with {quote.style} that is closed only at line "
                      f"{end.line + 1}, column {end.column}",
               f"close the quote on line {start.line + 1} (a quote inside single quotes is "
               "written '', inside double quotes \\\")")


def _line_without_key(error, problem: str, lines: list[str]) -> Explained:
    return _at(error.context_mark, "found a line that is neither 'key: value' nor '- item'",
               "give it a key, indent it under the value it continues, or put that value in "
               "quotes")


def _unclosed_flow(error, problem: str, lines: list[str]) -> Explained:
    opened = error.context_mark
    bracket = _char_at(opened, lines)
    if bracket not in ("[", "{"):
        return _at(error.problem_mark, problem, "")
    closing = "]" if bracket == "[" else "}"
    return _at(error.problem_mark, problem,
               f"the {bracket!r} at line {opened.line + 1}, column {opened.column + 1} is not "
               f"closed with {closing!r} before this: close it, or {QUOTE_IT} if it is text "
               f"that starts with {bracket!r}", fix=opened.line,
               span=max(0, error.problem_mark.line - opened.line - 1))


def _after_quote(error, problem: str, lines: list[str]) -> Explained:
    return _at(error.problem_mark, problem,
               "text follows the closing quote of a quoted value: put the whole value inside "
               "the quotes (inside single quotes a quote is written '')")


def _misaligned(error, problem: str, lines: list[str]) -> Explained:
    if "'-'" in problem:
        hint = "found a list item where a key was expected: indent it under its key"
    else:
        hint = ("this line is not lined up with the lines above it: indent it like its "
                "neighbours (the same number of spaces for each level)")
    return _at(error.problem_mark, problem, hint)


def _second_document(error, problem: str, lines: list[str]) -> Explained:
    return _at(error.problem_mark or error.context_mark,
               "found a second YAML document, expected one document per file", "", fix=None)


_EXPLAINERS = (
    (lambda p, c: "another document" in p or "single document" in c, _second_document),
    (lambda p, c: p.startswith("mapping values are not allowed"), _colon_in_value),
    (lambda p, c: p.startswith("mapping keys are not allowed"),
     lambda e, p, lines: _at(e.problem_mark, p, f"'?' at the start of a value marks a key "
                                                f"in YAML: {QUOTE_IT}")),
    (lambda p, c: "that cannot start any token" in p, _reserved_start),
    (lambda p, c: c.startswith("while scanning a block scalar"), _block_scalar),
    (lambda p, c: c.startswith(("while scanning an anchor", "while scanning an alias")),
     _anchor_or_alias),
    (lambda p, c: p.startswith("found undefined alias"), _undefined_alias),
    (lambda p, c: c.startswith("found duplicate anchor"), _duplicate_anchor),
    (lambda p, c: p.startswith("found unknown escape character"), _unknown_escape),
    (lambda p, c: "quoted scalar" in c, _unclosed_quote),
    (lambda p, c: c.startswith("while scanning a simple key"), _line_without_key),
    (lambda p, c: c.startswith(("while parsing a flow sequence",
                                 "while parsing a flow mapping")), _unclosed_flow),
    (lambda p, c: "found '<scalar>'" in p, _after_quote),
    (lambda p, c: c.startswith("while parsing a block") or "expected key" in p, _misaligned),
)


# ------------------------------------------------------------ every error of a file

def every_error(error: yaml.MarkedYAMLError, text: str, max_depth: int) -> list[Explained]:
    """``error`` explained, then each further error found by stepping over the ones
    before it: at most ``MAX_SYNTAX_PROBLEMS``, each line once, never a cascade of
    the neutralising (a further error must lie after the line stepped over)."""
    recovery = _Recovery(text.splitlines(keepends=True), max_depth)
    found = [explain(error, recovery.lines)]
    while len(found) < MAX_SYNTAX_PROBLEMS and found[-1].fix is not None:
        explained = recovery.step_over(found[-1].fix, found[-1].span)
        if explained is None or any(explained.line == earlier.line for earlier in found):
            break
        found.append(explained)
    return found


class _Recovery:
    def __init__(self, lines: list[str], max_depth: int):
        self.lines = lines
        self.max_depth = max_depth
        self.budget = REREAD_BUDGET

    def step_over(self, index: int, span: int) -> Explained | None:
        """Neutralise line ``index`` so that reading gets past it: the next syntax error,
        or None if there is none or no way past this one was found."""
        for candidate in _neutralised(self.lines, index, span):
            if self.budget < 0:
                return None
            text = "".join(candidate)
            error = _first_error(text, self.max_depth)
            # read up to the error, and scanned once more to explain it
            self.budget -= 2 * error.problem_mark.index if error and error.problem_mark \
                else len(text)
            explained = error and explain(error, candidate)
            if error is None or explained.line - 1 > index + span:
                self.lines = candidate
                return explained
        return None


def _first_error(text: str, max_depth: int) -> yaml.MarkedYAMLError | None:
    try:
        compose(text, max_depth)
    except yaml.MarkedYAMLError as error:
        return error
    except (TooDeep, yaml.YAMLError):
        pass   # not a syntax error: it is reported once the syntax is right
    return None


def _neutralised(lines: list[str], index: int, span: int):
    """The ways to step over line ``index`` (and the ``span`` lines after it, which are
    blanked), mildest first: its value replaced by "", its list item by "", the line
    blanked.  When a value is replaced, the lines indented under its key (what the value
    went on to hold) go with it."""
    if index >= len(lines):
        return
    body = lines[index].rstrip(_BREAKS)
    ending = lines[index][len(body):] or "\n"
    entry = _ENTRY.match(body)
    lead, key = entry.group("lead"), entry.group("key")
    if key:
        yield _with_line(lines, index, span, f'{lead}{key} ""{ending}', len(lead))
    if "-" in lead:
        yield _with_line(lines, index, span, f'{lead}""{ending}', len(lead))
    yield _with_line(lines, index, span, ending, None)


def _with_line(lines: list[str], index: int, span: int, replacement: str,
               column: int | None) -> list[str]:
    """``lines`` with line ``index`` replaced, the ``span`` lines after it blanked, and
    then, with a ``column``, the lines just after indented deeper than it."""
    result = lines[:index] + [replacement] + ["\n"] * span
    rest = min(index + 1 + span, len(lines))
    while column is not None and rest < len(lines) and _under(lines[rest], column) is not False:
        result.append("\n" if _under(lines[rest], column) else lines[rest])
        rest += 1
    return result + lines[rest:]


def _under(line: str, column: int) -> bool | None:
    """Whether ``line`` is indented deeper than ``column``; None for a blank line."""
    stripped = line.lstrip(" ")
    if not stripped.strip(" \t" + _BREAKS):
        return None
    return len(line) - len(stripped) > column
