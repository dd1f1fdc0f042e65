"""The one Jinja environment: sandboxed, StrictUndefined, escaping values for Markdown.

Escaping works the way HTML autoescaping does.  Every ``{{ value }}`` passes
through ``_finalize``, which backslash-escapes the value's Markdown
punctuation unless it is already ``Markup`` (template text, macro output, a
filter that builds Markdown on purpose).  A ``Rich`` value from the data
becomes emphasis and links with its own text escaped.  So data can never add
a heading, a table cell, a list or a tag to the document.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from ..data.characters import described, first_unsafe, line_and_column
from ..data.richtext import Rich, escape_markdown
from ..errors import Location, Problem, TemplateError
from ..files import read_bounded
from ..hashing import digest
from ..limits import DEFAULT_LIMITS, OutOfMemory, release
from ..resources import BUILTIN_TEMPLATES
from .sandbox import BriefSandbox, refuse_over
from .templateshape import references, refuse_cycles


def _finalize(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    if hasattr(value, "__markdown__"):
        return Markup(value.__markdown__())
    if isinstance(value, dt.date):
        return Markup(escape_markdown(long_date(value)))
    # Leading spaces would make an indented code block; values never need them.
    return Markup(escape_markdown(str(value)).strip())


def long_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def status_span(value: object) -> Markup:
    """A status value as a span the block tree turns into a coloured ``Status``; a
    portion mark the value carries (the first cell of a marked row) stays outside it,
    so the status is still one of the declared ones."""
    if isinstance(value, Rich) and value.mark:
        return Markup(f"{escape_markdown(value.mark)} {status_span(value.marked(''))}")
    return Markup(f"[{_finalize(value)}]{{.status}}")


def column_widths(columns) -> Markup:
    """The widths a table's columns set and the columns that head their rows, as the
    attribute line that goes before the table's header row (``{widths="40 auto 20"
    rowheaders="0"}`` and a line break); nothing where no column sets either, so the
    Markdown of such a table is as it always was."""
    widths = [getattr(column, "width", None) for column in columns]
    heads = [str(i) for i, column in enumerate(columns) if getattr(column, "row_header", False)]
    attributes = []
    if any(width is not None for width in widths):
        words = ["auto" if width is None else _width(width) for width in widths]
        attributes.append('widths="' + " ".join(words) + '"')
    if heads:
        attributes.append('rowheaders="' + " ".join(heads) + '"')
    return Markup("{" + " ".join(attributes) + "}\n" if attributes else "")


def _width(width: object) -> str:
    if isinstance(width, bool) or not isinstance(width, (int, float)):
        raise ValueError(f"|widths: found the width {str(width)[:40]!r}, expected a number")
    return format(width, ".10g")


def join(values, separator: str = "", attribute: str | None = None) -> Markup:
    """Jinja's ``join``, escaping each item for Markdown instead of for HTML."""
    items = [getattr(v, attribute) if attribute else v for v in values]
    refuse_over(len(str(separator)) * len(items), "|join")
    return Markup(escape_markdown(separator).join(_finalize(item) for item in items))


def citation(ids: tuple, numbers: dict) -> Markup:
    """Source ids as citation numbers, ``[1, 3]`` in a citation span; nothing when there
    are none."""
    cited = sorted({numbers[i] for i in ids if i in numbers})
    if not cited:
        return Markup("")
    return Markup("[\\[" + ", ".join(map(str, cited)) + "\\]]{.cite}")


BUILTIN_PREFIX = "builtin/"
MAX_TEMPLATE_BYTES = 2_000_000     # one template file


def _loader(search_path: tuple[str, ...]) -> jinja2.BaseLoader:
    """The project's templates override the built-in ones by name; ``builtin/NAME``
    always names the built-in one, so an override can extend what it replaces."""
    builtin = ConfinedLoader(str(BUILTIN_TEMPLATES))
    return jinja2.ChoiceLoader([
        jinja2.PrefixLoader({BUILTIN_PREFIX.rstrip("/"): builtin}),
        ConfinedLoader(list(search_path)),
    ])


class ConfinedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, where templates are files at the trust boundary: a template
    is read only if it is a regular file inside its search-path folder once links are
    resolved, and never beyond ``MAX_TEMPLATE_BYTES`` (a FIFO or a device is refused,
    not read).  Whatever a folder holds under the name is that folder's template: a
    name that is there but cannot be read is an error, never the next folder's file."""

    def get_source(self, environment, template: str):
        pieces = split_template_path(template)     # refuses '..'
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if os.path.lexists(path):
                return _read_template(path, Path(folder)), os.path.normpath(path), _current
        raise jinja2.TemplateNotFound(template)


def _read_template(path: Path, folder: Path) -> str:
    data = read_bounded(path, MAX_TEMPLATE_BYTES, root=folder, error=TemplateError,
                        limit_name="a template's fixed bound")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as failure:
        raise TemplateError.at(str(path), f"found bytes that are not UTF-8 at offset "
                                          f"{failure.start}, expected UTF-8 text") from None
    found = first_unsafe(source, allowed="\r")       # a line may end in CR LF
    if found is not None:
        line, column = line_and_column(source, found[0])
        raise TemplateError.at(str(path), described(found[1]), line=line, column=column)
    return source


def _current() -> bool:
    return True      # templates are read once per process (auto_reload is off)


def environment(search_path: tuple[str, ...]) -> BriefSandbox:
    """A new environment for a template search path.  Each project's settings own one
    (``pipeline.Settings.environment``): it holds that project's compiled templates."""
    env = BriefSandbox(
        loader=_loader(search_path),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(status=status_span, cite=citation, long_date=long_date, join=join,
                       widths=column_widths)
    env.globals.pop("lipsum", None)   # placeholder text has no place in a brief, nor its cost
    env.search_path = search_path
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates in the user's cache, in a folder per version of briefgen's code
    (Jinja itself keys each entry by the template's source and the Python version)."""
    from .. import cache

    folder = cache.folder("jinja")
    return _QuietBytecodeCache(str(folder)) if folder is not None else None


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache, where a folder that cannot be read or written, or a damaged
    entry, is a miss rather than a failed build."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError):
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


def closure(env: BriefSandbox, name: str) -> list[tuple[str, str | None, str | None]]:
    """(name, file, source) of a template and of every template it extends, includes or
    imports; the source is None for one that does not exist."""
    return reachable(env, name)


def reachable(env: jinja2.Environment, name: str) -> list[tuple[str, str | None, str | None]]:
    """``closure`` in ``env``: every reference must be a literal name, and the references
    may form no cycle (``templateshape``); refused at the line of the reference."""
    found: dict[str, tuple[str, str | None, str | None]] = {}
    edges: dict[str, list[tuple[str, int]]] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        try:
            source, filename, _ = env.loader.get_source(env, current)
        except jinja2.TemplateNotFound:
            found[current] = (current, None, None)
            continue
        found[current] = (current, filename, source)
        edges[current] = _referenced(env, current, filename, source)
        pending.extend(target for target, _ in reversed(edges[current]))
    refuse_cycles(edges, {n: f or n for n, f, _ in found.values()}, name)
    return list(found.values())


def _referenced(env, name: str, filename: str | None, source: str) -> list[tuple[str, int]]:
    """(name, line) of the templates a source names; kept in the user's cache by content,
    since finding them means parsing the template."""
    import json

    from .. import cache

    entry = cache.key("template-refs", source)
    stored = cache.get("template-refs", entry)
    if stored is not None:
        return [(target, line) for target, line in json.loads(stored)]
    try:
        tree = env.parse(source, name, filename)
    except jinja2.TemplateSyntaxError:
        return []   # the template check reports it, at its line
    found = references(tree, filename or name)
    cache.put("template-refs", entry, json.dumps(found).encode())
    return found


def search_path(project_templates: Path | None) -> tuple[str, ...]:
    """The project's templates first, then the built-in ones."""
    paths = [str(project_templates)] if project_templates and project_templates.is_dir() else []
    builtin = str(BUILTIN_TEMPLATES)
    return tuple(dict.fromkeys(paths + [builtin]))


def templates_in_effect(project_templates: Path | None) -> list[tuple[str, Path, str]]:
    """Every template by name, the file used, and where it comes from."""
    builtin = {p.name: p for p in BUILTIN_TEMPLATES.glob("*.j2")}
    found = {name: (path, "built-in") for name, path in builtin.items()}
    if project_templates and project_templates.is_dir() and \
            project_templates.resolve() != BUILTIN_TEMPLATES.resolve():
        for path in sorted(project_templates.rglob("*.j2")):
            name = path.relative_to(project_templates).as_posix()
            found[name] = (path, "project, overrides built-in" if name in builtin else "project")
    return [(name, path, origin) for name, (path, origin) in sorted(found.items())]


class _TooLong(Exception):
    """Raised into a template that has produced more Markdown than it may: Jinja then
    reports it at the template line that was writing."""


def render(env: BriefSandbox, name: str, context: dict,
           max_chars: int = DEFAULT_LIMITS.max_markdown_chars) -> str:
    """Render template ``name`` to Markdown, or raise ``TemplateError`` at file:line.

    The Markdown is bounded as it is produced: the render stops as soon as it passes
    ``max_chars`` characters (limits: max_markdown_chars), not after it has all been
    made.  A MemoryError becomes ``OutOfMemory`` at the failing line, for the memory
    bound around the render to report.  Errors are raised outside the handler, so that
    nothing of the failed render (its traceback, and with it the memory it took)
    outlives it."""
    try:
        return _produce(env.get_template(name), context, name, max_chars)
    except MemoryError as error:     # the memory bound reports it, with this line
        failure = OutOfMemory(_failing_line(error, name, env))
        release(error)
    except (jinja2.TemplateError, ArithmeticError, AttributeError, TypeError, ValueError,
            KeyError, IndexError, RecursionError, _TooLong) as error:
        failure = _failure(error, env, name, env.search_path)
    raise failure


def _produce(template: jinja2.Template, context: dict, name: str, max_chars: int) -> str:
    stream = template.generate(context)
    pieces, made = [], 0
    for piece in stream:
        made += len(piece)
        if made > max_chars:
            too_long = _TooLong(f"{name} produced more than {max_chars} characters of "
                                "Markdown (limits: max_markdown_chars); a loop may run "
                                "more often than it should")
            stream.throw(too_long)
            raise too_long
        pieces.append(piece)
    return "".join(pieces)


def _failure(error: BaseException, env, name: str, paths: tuple) -> TemplateError:
    if isinstance(error, jinja2.TemplateSyntaxError):
        return TemplateError(Problem(Location(_template_file(env, error.name or name),
                                              error.lineno), "",
                                     f"template syntax: {error.message}"))
    if isinstance(error, jinja2.TemplateNotFound):
        return TemplateError(Problem(Location(name), "", f"no template named '{error.name}' "
                                     f"in {', '.join(paths)}"))
    message = str(error) if isinstance(error, _TooLong) else _describe(error)
    return TemplateError(Problem(_failing_line(error, name, env), "", message))


def _template_file(env: BriefSandbox, name: str) -> str:
    try:
        return env.loader.get_source(env, name)[1] or name
    except jinja2.TemplateNotFound:
        return name


def _failing_line(error: BaseException, name: str, env: BriefSandbox) -> Location:
    """The innermost template frame of the traceback (Jinja rewrites frames to template
    lines), found without reading any file: memory may be short."""
    found = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(".j2"):
            found = Location(trace.tb_frame.f_code.co_filename, trace.tb_lineno)
        trace = trace.tb_next
    return found or Location(_template_file(env, name))


def _describe(error: BaseException) -> str:
    kind = {"UndefinedError": "undefined value", "SecurityError": "unsafe operation refused"}
    label = kind.get(type(error).__name__, type(error).__name__)
    hint = "; a macro may call itself without end" if isinstance(error, RecursionError) else ""
    return f"{label}: {error}{hint}"


def templates_fingerprint(env, name: str) -> str:
    """The sources of a template and of every template it reaches."""
    return digest(*(f"{n}:{'missing' if source is None else digest(filename or n, source)}"
                     for n, filename, source in sorted(closure(env, name))))
