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
import traceback
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from .errors import Location, Problem, TemplateError
from .richtext import escape_markdown

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # a source checkout: the project's own templates/
    BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
    """A status value as a span the block tree turns into a coloured ``Status``."""
    return Markup(f"[{_finalize(value)}]{{.status}}")


def join(values, separator: str = "", attribute: str | None = None) -> Markup:
    """Jinja's ``join``, escaping each item for Markdown instead of for HTML."""
    items = [getattr(v, attribute) if attribute else v for v in values]
    return Markup(escape_markdown(separator).join(_finalize(item) for item in items))


def citation(ids: tuple, numbers: dict) -> Markup:
    """Source ids as citation numbers, ``[1, 3]``; nothing when there are none."""
    cited = sorted({numbers[i] for i in ids if i in numbers})
    if not cited:
        return Markup("")
    return Markup("\\[" + ", ".join(map(str, cited)) + "\\]")


BUILTIN_PREFIX = "builtin/"


def _loader(search_path: tuple[str, ...]) -> jinja2.BaseLoader:
    """The project's templates override the built-in ones by name; ``builtin/NAME``
    always names the built-in one, so an override can extend what it replaces."""
    builtin = jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))
    return jinja2.ChoiceLoader([
        jinja2.PrefixLoader({BUILTIN_PREFIX.rstrip("/"): builtin}),
        jinja2.FileSystemLoader(list(search_path)),
    ])


MAX_REPEAT = 1_000_000     # characters or items one multiplication may make
MAX_EXPONENT = 1_000


class BriefSandbox(SandboxedEnvironment):
    """Jinja's sandbox, which also refuses to build huge strings, lists or numbers with
    ``*`` and ``**`` (``'a' * 10**8`` would otherwise take the memory of the machine)."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for text, times in ((left, right), (right, left)):
                if isinstance(text, (str, list, tuple)) and isinstance(times, int) and \
                        len(text) * times > MAX_REPEAT:
                    raise SecurityError(f"a repetition of {len(text) * times} items is over "
                                        f"the limit of {MAX_REPEAT}")
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"an exponent of {right} is over the limit of {MAX_EXPONENT}")
        return super().call_binop(context, operator, left, right)


@lru_cache(maxsize=8)
def environment(search_path: tuple[str, ...]) -> SandboxedEnvironment:
    """The environment for a template search path, built once per process."""
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
    env.filters.update(status=status_span, cite=citation, long_date=long_date, join=join)
    env.globals.pop("lipsum", None)   # placeholder text has no place in a brief, nor its cost
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates in the user's cache, in a folder per version of briefgen's code
    (Jinja itself keys each entry by the template's source and the Python version)."""
    from . import cache

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


def closure(paths: tuple[str, ...], name: str) -> list[tuple[str, str | None, str | None]]:
    """(name, file, source) of a template and of every template it extends, includes or
    imports; the source is None for one that does not exist."""
    env = environment(paths)
    found: dict[str, tuple[str, str | None, str | None]] = {}
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
        pending.extend(_referenced(env, source))
    return list(found.values())


def _referenced(env, source: str) -> list[str]:
    """The templates a source names; kept in the user's cache by content, since finding
    them means parsing the template."""
    import json

    from jinja2 import meta

    from . import cache

    entry = cache.key("template-refs", source)
    stored = cache.get("template-refs", entry)
    if stored is not None:
        return json.loads(stored)
    try:
        names = [n for n in meta.find_referenced_templates(env.parse(source)) if n]
    except jinja2.TemplateSyntaxError:
        return []   # the template check reports it, at its line
    cache.put("template-refs", entry, json.dumps(names).encode())
    return names


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


def render(paths: tuple[str, ...], name: str, context: dict) -> str:
    """Render template ``name`` to Markdown, or raise ``TemplateError`` at file:line."""
    env = environment(paths)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(Problem(Location(_template_file(env, error.name or name),
                                             error.lineno), "", f"template syntax: {error.message}")) \
            from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(Problem(Location(name), "", f"no template named '{error.name}' "
                                    f"in {', '.join(paths)}")) from None
    except (jinja2.TemplateError, ArithmeticError, AttributeError, TypeError, ValueError,
            KeyError, IndexError, RecursionError, MemoryError) as error:
        raise TemplateError(Problem(_failing_line(error, name, env), "",
                                    _describe(error))) from None


def _template_file(env: SandboxedEnvironment, name: str) -> str:
    try:
        return env.loader.get_source(env, name)[1] or name
    except jinja2.TemplateNotFound:
        return name


def _failing_line(error: BaseException, name: str, env: SandboxedEnvironment) -> Location:
    """The innermost template frame of the traceback (Jinja rewrites frames to template lines)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(".j2"):
            return Location(frame.filename, frame.lineno)
    return Location(_template_file(env, name))


def _describe(error: BaseException) -> str:
    kind = {"UndefinedError": "undefined value", "SecurityError": "unsafe operation refused"}
    label = kind.get(type(error).__name__, type(error).__name__)
    return f"{label}: {error}"
