"""briefgen's Jinja sandbox: Jinja's own, which also refuses to build huge values and
templates too deeply nested to read.

Two rules, each enforced where Jinja does the work:

* **No one operation makes more than ``MAX_REPEAT`` characters or items.**  The
  operations a template can use to ask for a lot with a few characters are checked
  before they run, from their arguments: ``*`` and ``**``, printf ``%`` and
  ``str.format`` widths and precisions (and ``str.format``'s whole result), the str
  methods that pad, expand or repeat, and the filters that do the same.  A refusal is
  a ``SecurityError``, which the render reports as "unsafe operation refused" at the
  template line.  Everything else a template might build (a string doubled in a loop,
  a list extended by itself) is stopped by the memory bound every render runs under
  (``limits.memory_limit``).
* **A template is read only if it nests within fixed bounds** (``templateshape``),
  checked on the tokens before Jinja's recursive parser sees them; what Jinja's
  parser, code generator or Python's compiler would still find too deep becomes a
  located ``TemplateError``, never a RecursionError.
"""

from __future__ import annotations

import re
import types
from contextlib import contextmanager
from functools import update_wrapper

from jinja2 import filters, pass_environment, pass_eval_context
from jinja2.sandbox import (
    SandboxedEnvironment,
    SandboxedEscapeFormatter,
    SandboxedFormatter,
    SecurityError,
)
from markupsafe import Markup

from ..errors import TemplateError
from .templateshape import refuse_deep_nesting

MAX_REPEAT = 1_000_000     # characters or items one operation may make
MAX_EXPONENT = 1_000


def refuse_over(size: object, what: str) -> None:
    """A ``SecurityError`` if ``what`` would make more than ``MAX_REPEAT`` characters or
    items (a size that is not a number is left to the operation to refuse)."""
    if isinstance(size, int) and size > MAX_REPEAT:
        raise SecurityError(f"{what} would make {size} characters or items, over the "
                            f"limit of {MAX_REPEAT} for one operation")


class BriefSandbox(SandboxedEnvironment):
    """Jinja's sandbox, which also refuses to build huge strings, lists or numbers
    (``'a' * 10**8``, ``'x'.ljust(10**9)``, ``'%09999999d' % 1``) and to read templates
    nested too deeply for Jinja's parser."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.update(BOUNDED_FILTERS)

    # ------------------------------------------------------------- operations

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            _refuse_repetition(left, right)
        elif operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"an exponent of {right} is over the limit of {MAX_EXPONENT}")
        elif operator == "%" and isinstance(left, str):
            _refuse_wide_printf(left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own names
        _refuse_amplifying_method(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        """Jinja's sandboxed ``str.format``/``format_map``, with a formatter that bounds
        each field and the whole result (Jinja builds its formatter inside this method,
        so the method is Jinja's, formatter aside)."""
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) or \
                value.__name__ not in ("format", "format_map") or \
                not isinstance(value.__self__, str):
            return None
        text = value.__self__
        formatter = _BoundedEscapeFormatter(self, escape=text.escape) \
            if isinstance(text, Markup) else _BoundedFormatter(self)

        def formatted(*args, **kwargs):
            if value.__name__ == "format_map":
                args, kwargs = _format_map_arguments(args, kwargs)
            return type(text)(formatter.vformat(text, args, kwargs))

        return update_wrapper(formatted, value)

    # --------------------------------------------------------------- reading

    def _parse(self, source, name, filename):
        refuse_deep_nesting(self.lexer.tokeniter(source, name, filename), filename or name)
        with _within_reach(filename or name):
            return super()._parse(source, name, filename)

    def _generate(self, source, name, filename, defer_init=False):
        with _within_reach(filename or name):
            return super()._generate(source, name, filename, defer_init=defer_init)

    def _compile(self, source, filename):
        with _within_reach(filename):
            return super()._compile(source, filename)


@contextmanager
def _within_reach(file: str):
    """Jinja's parser and code generator recurse, and Python's compiler has fixed limits
    on nesting: a template the nesting bounds let through should never reach them, and
    if one does it is this error, not a RecursionError or Python's SyntaxError."""
    try:
        yield
    except (RecursionError, SyntaxError):
        raise TemplateError.at(file, "found a template nested too deeply to compile; "
                                     "expected fewer blocks, brackets or operators inside "
                                     "one another") from None


# -------------------------------------------------------------- operators

def _refuse_repetition(left: object, right: object) -> None:
    for text, times in ((left, right), (right, left)):
        if isinstance(text, (str, list, tuple)) and isinstance(times, int) and \
                len(text) * times > MAX_REPEAT:
            raise SecurityError(f"a repetition of {len(text) * times} items is over the "
                                f"limit of {MAX_REPEAT}")


# A printf conversion: mapping key, flags, width, precision, length, conversion.
_PRINTF = re.compile(r"%(\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)", re.S)


def _refuse_wide_printf(text: str, values: object) -> None:
    """Refuse a printf format whose widths or precisions (written, or taken by ``*``
    from ``values``) would pad beyond ``MAX_REPEAT`` characters."""
    positional = values if isinstance(values, tuple) else (values,)
    index = 0
    for match in _PRINTF.finditer(text):
        for size in match.group(2, 3):
            if size == "*":
                size = positional[index] if index < len(positional) else 0
                index += 1
            refuse_over(_number(size), "a width or precision in a % format")
        takes_a_value = match.group(4) != "%" and match.group(1) is None
        index += 1 if takes_a_value else 0


def _number(size: object) -> object:
    """A width as a number: digits (the first 13 tell whether it is over the limit) or
    an int's magnitude (a negative width pads too, on the other side)."""
    if isinstance(size, str):
        return int(size[:13]) if size.isdigit() else 0
    return abs(size) if isinstance(size, int) else size


class _BoundedFormatter(SandboxedFormatter):
    """``str.format`` in the sandbox: no field wider than ``MAX_REPEAT``, and no more
    than ``MAX_REPEAT`` characters made in all (``('{0}' * 9999).format(long_text)``)."""

    made = 0

    def vformat(self, format_string, args, kwargs):
        self.made = 0
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value, format_spec):
        for digits in re.findall(r"\d+", format_spec):
            refuse_over(_number(digits), "a width or precision in a format")
        text = super().format_field(value, format_spec)
        self.made += len(text)
        refuse_over(self.made, "str.format")
        return text


class _BoundedEscapeFormatter(_BoundedFormatter, SandboxedEscapeFormatter):
    """The same for ``Markup.format``, which escapes what it puts in."""


def _format_map_arguments(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if kwargs:
        raise TypeError("format_map() takes no keyword arguments")
    if len(args) != 1:
        raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
    return (), args[0]


# ------------------------------------------------------------ str methods

def _replaced_size(text: str, old: object, new: object, count: object = -1) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return 0
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


def _joined_size(separator: str, items: object) -> int:
    return len(separator) * len(items) if hasattr(items, "__len__") else 0


def _padded_size(text: str, width: object, *_fill) -> object:
    return width


def _expanded_size(text: str, tabsize: object = 8) -> object:
    return len(text) + text.count("\t") * tabsize if isinstance(tabsize, int) else 0


# What each str method called on ``text`` would make, from its arguments.
_METHOD_SIZES = {"ljust": _padded_size, "rjust": _padded_size, "center": _padded_size,
                 "zfill": _padded_size, "expandtabs": _expanded_size,
                 "replace": _replaced_size, "join": _joined_size}


_JINJA_KEYWORDS = ("_loop_vars", "_block_vars")    # what Jinja passes every call in a loop


def _refuse_amplifying_method(method: object, args: tuple, kwargs: dict) -> None:
    text = getattr(method, "__self__", None)
    size = _METHOD_SIZES.get(getattr(method, "__name__", ""))
    if size is None or not isinstance(text, str) or \
            not isinstance(method, (types.BuiltinMethodType, types.MethodType)):
        return
    arguments = {k: v for k, v in kwargs.items() if k not in _JINJA_KEYWORDS}
    try:
        made = size(text, *args, **arguments)
    except TypeError:
        return           # wrong arguments: the call itself says so
    refuse_over(made, f"str.{method.__name__}()")


# ---------------------------------------------------------------- filters

def _lines(text: object) -> int:
    return str(text).count("\n") + 1


def indent(s, width=4, first=False, blank=False):
    step = len(width) if isinstance(width, str) else width
    refuse_over(step * _lines(s) if isinstance(step, int) else step, "|indent")
    return filters.do_indent(s, width, first, blank)


def center(value, width=80):
    refuse_over(width, "|center")
    return filters.do_center(value, width)


def batch(value, linecount, fill_with=None):
    refuse_over(linecount, "|batch")
    return filters.do_batch(value, linecount, fill_with)


def slice_(value, slices, fill_with=None):
    refuse_over(slices, "|slice")
    return filters.sync_do_slice(value, slices, fill_with)


@pass_environment
def wordwrap(environment, s, width=79, break_long_words=True, wrapstring=None,
             break_on_hyphens=True):
    refuse_over(width, "|wordwrap")
    if isinstance(width, int) and isinstance(wrapstring, str):
        lines = 2 * len(str(s)) // max(width, 1) + _lines(s)
        refuse_over(len(str(s)) + len(wrapstring) * lines, "|wordwrap")
    return filters.do_wordwrap(environment, s, width, break_long_words, wrapstring,
                               break_on_hyphens)


@pass_environment
def truncate(environment, s, length=255, killwords=False, end="...", leeway=None):
    refuse_over(length, "|truncate")
    return filters.do_truncate(environment, s, length, killwords, end, leeway)


def format_(value, *args, **kwargs):
    _refuse_wide_printf(str(value), kwargs or args)
    return filters.do_format(value, *args, **kwargs)


@pass_eval_context
def replace(eval_ctx, s, old, new, count=None):
    refuse_over(_replaced_size(str(s), old, new, -1 if count is None else count), "|replace")
    return filters.do_replace(eval_ctx, s, old, new, count)


BOUNDED_FILTERS = {"indent": indent, "center": center, "batch": batch, "slice": slice_,
                   "wordwrap": wordwrap, "truncate": truncate, "format": format_,
                   "replace": replace}
