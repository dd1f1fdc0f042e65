"""One brief, one audience, one format: data -> Markdown -> blocks -> bytes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import BaseModel

from . import blocks, cache, fonts, markup, templating
from .audiences import BUILTIN_AUDIENCES, Audience, select, source_numbers
from .changes import compare
from .context import context, context_types
from .audiences import DEFAULT_LEVELS
from .config import Config
from .errors import GlyphError, Location, MarkupError, Problem, UsageError
from .limits import DEFAULT_LIMITS, Limits, bounded
from .load import LoadedBrief
from .model import Brief, Source
from .renderers import renderer_for
from .theme import DEFAULT_THEME, Theme, load_theme
from .yamlsource import dotted


class ProjectState:
    """What one project's build has read and made: its themes, its template environment
    (with the compiled templates), the templates already checked.  Owned by one
    ``Settings``, never by a module, so two projects, or two builds of one project,
    never see each other's; a copy sent to a worker process starts empty."""

    def __init__(self):
        self.themes: dict = {}
        self.environment = None
        self.checked: set = set()

    def __reduce__(self):
        return ProjectState, ()


@dataclass(frozen=True)
class Settings:
    """Where templates and themes come from, the audiences, and the visibility levels."""

    templates: Path | None = None
    themes: Path | None = None
    audiences: tuple = tuple(BUILTIN_AUDIENCES.values())
    levels: tuple = DEFAULT_LEVELS
    theme: Theme | None = None      # one theme for every audience, overriding theirs
    limits: Limits = DEFAULT_LIMITS
    root: Path | None = None        # the project's folder: themes name files only inside it
    state: ProjectState = field(default_factory=ProjectState, compare=False, repr=False)

    @classmethod
    def from_config(cls, config: Config) -> "Settings":
        return cls(templates=config.templates, themes=config.themes,
                   audiences=config.audiences, levels=config.levels, limits=config.limits,
                   root=config.root)

    def audience(self, name: str) -> Audience:
        for audience in self.audiences:
            if audience.name == name:
                return audience
        known = ", ".join(a.name for a in self.audiences)
        raise UsageError(f"unknown audience '{name}', expected one of {known}")

    def fresh(self) -> "Settings":
        """The same settings with nothing read yet: what each build starts from, so that
        a file changed since the last build (``watch``, ``schedule``) is read again."""
        return replace(self, state=ProjectState())

    def theme_for(self, audience: Audience) -> Theme:
        """The audience's theme with its labels, read once per build (renderers cache
        their styles per theme object)."""
        if self.theme is not None:
            return self.theme.with_labels(audience.labels)
        key = (audience.theme, tuple(sorted(audience.labels.items())))
        if key not in self.state.themes:
            theme = load_theme(audience.theme, self.themes, limits=self.limits, root=self.root)
            self.state.themes[key] = theme.with_labels(audience.labels)
        return self.state.themes[key]

    def environment(self):
        """The project's one Jinja environment (its templates, then the built-in ones)."""
        if self.state.environment is None:
            self.state.environment = templating.environment(
                templating.search_path(self.templates))
        return self.state.environment






def check_templates(settings: Settings, audience: Audience) -> None:
    """Check every template the audience uses against the model, once per build.

    Templates that passed are remembered by content in the user's cache: the check reads
    them all as typed syntax trees, a fixed cost of every fresh process."""
    from .fingerprint import templates_fingerprint

    labels = frozenset(settings.theme_for(audience).labels)
    if (audience.template, labels) in settings.state.checked:
        return
    env = settings.environment()
    entry = cache.key("template-check", templates_fingerprint(env, audience.template),
                      repr(sorted(labels)))
    if cache.get("template-check", entry) != b"passed":
        from . import templatecheck   # only when the cache has no verdict: 20 ms of imports

        templatecheck.check_templates(env, audience.template, context_types(labels))
        cache.put("template-check", entry, b"passed")
    settings.state.checked.add((audience.template, labels))


def check_formats(settings: Settings, audience: Audience, fmts) -> None:
    """Each format's own check of the audience's theme (a reference document the DOCX
    cannot hold a brief in, say), once per build, before anything renders."""
    theme = settings.theme_for(audience)
    for fmt in fmts:
        if (fmt, id(theme)) not in settings.state.checked:
            renderer_for(fmt).check_theme(theme)
            settings.state.checked.add((fmt, id(theme)))


def markdown_for(loaded: LoadedBrief, audience_name: str, settings: Settings | None = None,
                 previous: LoadedBrief | None = None) -> str:
    """The Markdown a template makes of the brief for one audience (``previous``: the
    last edition, for the "what changed" section)."""
    settings = settings or Settings()
    audience = settings.audience(audience_name)
    check_templates(settings, audience)
    brief = select(loaded.brief, audience, settings.levels)
    changes = None
    if previous is not None:
        changes = compare(select(previous.brief, audience, settings.levels), brief)
    theme = settings.theme_for(audience)
    from .limits import memory_limit

    # The template is where a few characters can ask for gigabytes: it runs under the
    # memory bound even where no caller bounds the whole document (a bound only tightens).
    with memory_limit(settings.limits.max_render_memory, str(loaded.path),
                      f"the {audience_name} brief's template"):
        return templating.render(settings.environment(), audience.template,
                                 context(brief, audience, theme.labels, changes),
                                 max_chars=settings.limits.max_markdown_chars)


def document_for(loaded: LoadedBrief, audience_name: str, settings: Settings | None = None,
                 previous: LoadedBrief | None = None) -> blocks.Document:
    """The typed block tree of one audience's brief."""
    settings = settings or Settings()
    audience = settings.audience(audience_name)
    text = markdown_for(loaded, audience_name, settings, previous)
    try:
        tree = markup.parse(text, f"{loaded.path} ({audience.template})")
    except MarkupError as error:
        raise _in_template(error, text, settings.environment(),
                           audience.template) from None
    brief = loaded.brief
    meta = blocks.DocumentMeta(
        title=brief.title, subtitle=brief.subtitle or "", organisation=brief.organisation,
        authors=tuple(a.name for a in brief.authors), edition=brief.edition,
        marking=brief.marking_for(audience.name), audience_label=audience.label,
        subject=f"{audience.label}: {brief.subtitle or brief.title}",
        keywords=brief.keywords, language=brief.language)
    colours = {**brief.statuses, **settings.theme_for(audience).status_colours}
    return blocks.Document(meta, tree, {v: colours[v] for v in brief.statuses})


def _in_template(error: MarkupError, text: str, env, template: str) -> MarkupError:
    """The error at the template line that wrote the offending Markdown, when exactly one
    line of the audience's templates holds that text (data cannot make Markdown: it is
    escaped); else as it was, at the line of the Markdown."""
    problem = error.problems[0]
    lines = text.splitlines()
    line = problem.location.line
    wanted = lines[line - 1].strip() if line and line <= len(lines) else ""
    if len(wanted) < 3:
        return error
    found = [(filename or name, number)
             for name, filename, source in templating.closure(env, template)
             if source is not None
             for number, written in enumerate(source.splitlines(), start=1)
             if wanted in written]
    if len(found) != 1:
        return error
    filename, number = found[0]
    return MarkupError(Problem(Location(filename, number), problem.field,
                               f"{problem.message} (line {line} of the Markdown made for "
                               f"{problem.location.file})"))


def render(loaded: LoadedBrief, audience_name: str, fmt: str,
           settings: Settings | None = None) -> bytes:
    """The bytes of one brief for one audience in one format."""
    settings = settings or Settings()
    theme = settings.theme_for(settings.audience(audience_name))
    if renderer_for(fmt).embeds_fonts:
        check_glyphs(loaded, theme)
    with bounded(settings.limits, str(loaded.path), f"the {audience_name} {fmt.upper()}"):
        return render_document(document_for(loaded, audience_name, settings), fmt, theme)


def render_document(document: blocks.Document, fmt: str, theme: Theme = DEFAULT_THEME):
    """The bytes of a block tree in one format (the data's glyphs already checked)."""
    return renderer_for(fmt)(theme).render(document)


def check_glyphs(loaded: LoadedBrief, theme: Theme = DEFAULT_THEME) -> None:
    """Every character of the data must be drawable: name the field of one that is not."""
    problems = []
    for path, text in text_fields(loaded.brief):
        for char in fonts.missing_glyphs(text, theme.families):
            problems.append(Problem(loaded.locate(path), dotted(path),
                                    f"found the character {char!r} (U+{ord(char):04X}), which "
                                    "no installed font can draw; expected text the fonts "
                                    "cover (Latin, Cyrillic, Greek, CJK)"))
    if problems:
        raise GlyphError(problems)


def text_fields(value: object, path: tuple = ()):
    """Every piece of text in a model, with its field path."""
    if isinstance(value, str):
        yield path, value
    elif hasattr(value, "plain") and hasattr(value, "segments"):
        yield path, value.plain()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from text_fields(getattr(value, name), path + (name,))
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from text_fields(item, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_fields(key, path + (key,))
            yield from text_fields(item, path + (key,))


__all__ = ["Settings", "render", "document_for", "markdown_for"]
