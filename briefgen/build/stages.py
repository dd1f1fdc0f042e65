"""The stages of one document: a loaded brief -> Markdown -> the block tree -> bytes.

``make`` takes one audience's document through all of them, within the project's limits;
the API, the build and its worker processes all go this way.  ``check_brief`` takes a
brief through every stage but the renderers' bytes, for ``validate``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from .. import cache
from ..compose import blocks, frame, markup, templating
from ..compose.context import context, context_types
from ..data.audiences import Audience, select
from ..data.changes import compare
from ..data.load import LoadedBrief
from ..data.model import Brief
from ..data.yamlsource import dotted
from ..errors import (
    INTERRUPTS,
    BriefgenError,
    DataError,
    GlyphError,
    Location,
    MarkupError,
    Problem,
    RenderError,
)
from ..limits import bounded
from ..project import Project, fonts
from ..project.legibility import fill_named, shortfalls
from ..project.theme import DEFAULT_THEME, Theme
from ..renderers import embeds_fonts, formats, renderer_for


def check_templates(project: Project, audience: Audience) -> None:
    """Check every template the audience uses against the model, once per build.

    Templates that passed are remembered by content in the user's cache: the check reads
    them all as typed syntax trees, a fixed cost of every fresh process."""
    from .fingerprint import templates_fingerprint

    labels = frozenset(project.theme_for(audience).labels)
    if (audience.template, labels) in project.state.checked:
        return
    env = project.environment()
    entry = cache.key("template-check", templates_fingerprint(env, audience.template),
                      repr(sorted(labels)))
    if cache.get("template-check", entry) != b"passed":
        from ..compose import templatecheck

        templatecheck.check_templates(env, audience.template, context_types(labels))
        cache.put("template-check", entry, b"passed")
    project.state.checked.add((audience.template, labels))


def check_formats(project: Project, audience: Audience, fmts) -> None:
    """Each format's own check of the audience's theme (a reference document the DOCX
    cannot hold a brief in, say), once per build, before anything renders."""
    theme = project.theme_for(audience)
    for fmt in fmts:
        if (fmt, id(theme)) not in project.state.checked:
            renderer_for(fmt).check_theme(theme)
            project.state.checked.add((fmt, id(theme)))


def markdown_for(loaded: LoadedBrief, audience_name: str, project: Project | None = None,
                 previous: LoadedBrief | None = None, selected: Brief | None = None) -> str:
    """The Markdown a template makes of the brief for one audience (``previous``: the
    last edition, for the "what changed" section; ``selected``: the brief as the audience
    sees it, if the caller has it already)."""
    project = project or Project.builtin()
    audience = project.audience(audience_name)
    check_templates(project, audience)
    brief = selected or select(loaded.brief, audience, project.levels)
    changes = None
    if previous is not None:
        changes = compare(select(previous.brief, audience, project.levels), brief)
    theme = project.theme_for(audience)
    from ..limits import memory_limit

    # The template is where a few characters can ask for gigabytes: it runs under the
    # memory bound even where no caller bounds the whole document (a bound only tightens).
    with memory_limit(project.limits.max_render_memory, str(loaded.path),
                      f"the {audience_name} brief's template"):
        return templating.render(project.environment(), audience.template,
                                 context(brief, audience, theme.labels, changes),
                                 max_chars=project.limits.max_markdown_chars)


def document_for(loaded: LoadedBrief, audience_name: str, project: Project | None = None,
                 previous: LoadedBrief | None = None,
                 selected: Brief | None = None) -> blocks.Document:
    """The typed block tree of one audience's brief."""
    project = project or Project.builtin()
    audience = project.audience(audience_name)
    text = markdown_for(loaded, audience_name, project, previous, selected)
    try:
        tree = markup.parse(text, f"{loaded.path} ({audience.template})")
    except MarkupError as error:
        raise _in_template(error, text, project.environment(),
                           audience.template) from None
    brief = loaded.brief
    meta = blocks.DocumentMeta(
        title=brief.title, subtitle=brief.subtitle or "", organisation=brief.organisation,
        authors=tuple(a.name for a in brief.authors), edition=brief.edition,
        marking=brief.marking_for(audience.name), audience_label=audience.label,
        subject=f"{audience.label}: {brief.subtitle or brief.title}",
        keywords=brief.keywords, language=brief.language)
    theme = project.theme_for(audience)
    colours = {**brief.statuses, **theme.status_colours}
    texts = {slot: getattr(theme, slot) for slot in frame.FURNITURE_SLOTS}
    return blocks.Document(meta, tree, {v: colours[v] for v in brief.statuses},
                           title=frame.title_block(meta, theme.labels),
                           furniture=frame.page_furniture(meta, texts, theme.labels))


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


@dataclass(frozen=True)
class Composed:
    """One audience's block tree, with what its template stage took and warned of."""

    audience: str
    document: blocks.Document
    seconds: float
    warnings: tuple = ()


@dataclass(frozen=True)
class Rendered:
    """One document in one format."""

    data: bytes
    seconds: float                 # the template stage and this render together
    pages: int | None = None       # for formats that paginate
    warnings: tuple = ()


@dataclass(frozen=True)
class Made:
    """One audience's document in each format asked for, and what composing it warned of."""

    outputs: dict                  # format -> Rendered
    warnings: tuple = ()


def make(project: Project, loaded: LoadedBrief, audience_name: str, fmts,
         previous: LoadedBrief | None = None) -> Made:
    """Every stage of one audience's document, in each of ``fmts``: the one way from a
    loaded brief to bytes, taken by the API, the build and its workers alike."""
    audience = project.audience(audience_name)
    check_templates(project, audience)
    check_formats(project, audience, fmts)
    check_glyphs_for(project, loaded, audience_name, fmts)
    composed = compose(project, loaded, audience_name, previous)
    return Made({fmt: render_composed(project, composed, fmt, str(loaded.path)) for fmt in fmts},
                composed.warnings)


def compose(project: Project, loaded: LoadedBrief, audience_name: str,
            previous: LoadedBrief | None = None) -> Composed:
    """The template stage, within the limits: data to Markdown to the block tree."""
    started = time.perf_counter()
    audience = project.audience(audience_name)
    check_status_contrast(loaded, project.theme_for(audience))
    with bounded(project.limits, str(loaded.path), f"the {audience_name} brief"):
        selected = select(loaded.brief, audience, project.levels)
        document = document_for(loaded, audience_name, project, previous, selected)
    warnings = nothing_but_summary(loaded, audience, selected) + \
        bare_address_links(loaded, audience, document)
    return Composed(audience_name, document, time.perf_counter() - started, tuple(warnings))


def render_composed(project: Project, composed: Composed, fmt: str, file: str) -> Rendered:
    """One format of a composed document; the document, template to bytes, gets
    ``max_render_seconds`` in all, so the render has what the template stage left."""
    audience = project.audience(composed.audience)
    started = time.perf_counter()
    renderer = renderer_for(fmt)(project.theme_for(audience))
    limit = project.limits.max_render_seconds
    left = max(limit - composed.seconds, 0.001) if limit > 0 else 0   # 0: no limit
    with bounded(project.limits, file, f"the {audience.name} {fmt.upper()}", left):
        data = _rendered(renderer, composed.document, fmt)
    _check_contract(renderer, data, fmt)
    _check_size(data, audience.name, fmt, project.limits.max_output_bytes)
    return Rendered(data, composed.seconds + time.perf_counter() - started, renderer.pages,
                    tuple(over_budget(file, audience, fmt, renderer.pages)))


def render(loaded: LoadedBrief, audience_name: str, fmt: str,
           project: Project | None = None) -> bytes:
    """The bytes of one brief for one audience in one format."""
    return make(project or Project.builtin(), loaded, audience_name, (fmt,)).outputs[fmt].data


def check_glyphs_for(project: Project, loaded: LoadedBrief, audience_name: str, fmts) -> None:
    """The glyph check, where any of ``fmts`` embeds fonts (its text must be drawable)."""
    if any(embeds_fonts(fmt) for fmt in fmts):
        check_glyphs(loaded, project.theme_for(project.audience(audience_name)))


def _rendered(renderer, document: blocks.Document, fmt: str):
    """The renderer's output; a failure of a format from another package is that format's,
    named with its package (briefgen's own failures are briefgen's bugs)."""
    from ..renderers.registry import installed

    origin = installed().origin(fmt)
    try:
        return renderer.render(document)
    except (BriefgenError, MemoryError, *INTERRUPTS):
        raise
    except BaseException as error:  # noqa: BLE001 - whatever a third party raises
        if origin.startswith("briefgen "):
            raise
        raise RenderError(f"the {fmt} format ({origin}) failed: {type(error).__name__}: "
                          f"{str(error)[:200]}") from None


def _check_contract(renderer, data, fmt: str) -> None:
    """A format gives bytes, and a page count that is a whole number or None."""
    pages = renderer.pages
    if not isinstance(data, bytes) or not (pages is None or type(pages) is int):
        from ..renderers.registry import installed

        raise RenderError(f"the {fmt} format ({installed().origin(fmt)}) returned "
                          f"{type(data).__name__} with pages={str(pages)[:40]}; expected "
                          "bytes, and pages a whole number or None: a fault of that format")


def _check_size(data: bytes, name: str, fmt: str, limit: int) -> None:
    if len(data) > limit:
        raise RenderError(f"the {name} {fmt} is {len(data)} bytes, more than the limit "
                          f"of {limit} (limits: max_output_bytes)")


def nothing_but_summary(loaded: LoadedBrief, audience: Audience,
                        selected: Brief) -> list[Problem]:
    """A warning when no section is visible to an audience: its brief would be a summary
    and nothing else, which is almost always a mistake in audiences, levels or kinds."""
    name = audience.name
    if selected.sections:
        return []
    return [Problem(Location(str(loaded.path)), f"audience {name}",
                    f"no section is visible to the {name} audience (it shows the kinds "
                    f"{', '.join(audience.sections)} up to level {audience.level}), so its "
                    "brief holds only the summary")]


def check_status_contrast(loaded: LoadedBrief, theme: Theme) -> None:
    """The brief's own status colours must be readable where this theme sets status values
    (the page, its table stripes); a status the theme colours itself is the theme's."""
    problems = []
    for value, colour in loaded.brief.statuses.items():
        found = [] if value in theme.status_colours else shortfalls(theme, "status", colour)
        if found:
            named = [(short, _theme_fill(theme, fill)) for fill, short in found]
            (short, where), also = named[0], tuple(named[1:])
            problems.append(Problem(loaded.locate(("statuses", value)),
                                    dotted(("statuses", value)),
                                    short.describe(colour, where, also)))
    if problems:
        raise DataError(problems)


def _theme_fill(theme: Theme, fill: str) -> str:
    """A fill as a brief's message names it: a theme's own fill says whose it is."""
    return fill_named(theme, fill) + ("" if fill == "page" else f" of the theme {theme.name}")


BARE_ADDRESS = re.compile(r"^(https?://|mailto:|www\.)\S+$", re.IGNORECASE)


def bare_address_links(loaded: LoadedBrief, audience: Audience,
                       document: blocks.Document) -> list[Problem]:
    """A warning for each link whose visible text is an address: a reader who hears or
    skims the links learns only where they point, not what they lead to."""
    problems, seen = [], set()
    for link in links_in(document.blocks):
        text = blocks.plain_text(link.children).strip()
        if BARE_ADDRESS.fullmatch(text) and text not in seen:
            seen.add(text)
            problems.append(_bare_address(loaded, audience, text))
    return problems


def _bare_address(loaded: LoadedBrief, audience: Audience, text: str) -> Problem:
    """The warning for one link shown as its address, at the data that wrote it if the
    data did (a ``link:`` segment), else naming the template that did."""
    path = _link_segment(loaded.located.value, text)
    maker = "" if path is not None else f" (written by the template {audience.template})"
    return Problem(loaded.locate(path) if path is not None else Location(str(loaded.path)),
                   f"audience {audience.name}",
                   f"the link text {text!r}{maker} is a bare URL; link text should say "
                   "where it goes (the title of the page it opens, say)")


def _link_segment(value: object, text: str, path: tuple = ()) -> tuple | None:
    """The path of the first ``link:`` segment of the data whose text is ``text``."""
    if isinstance(value, dict):
        if isinstance(value.get("link"), str) and value["link"].strip() == text:
            return path + ("link",)
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _link_segment(item, text, path + (key,))
        if found is not None:
            return found
    return None


def links_in(nodes: tuple):
    """Every link among block or inline nodes, at any depth."""
    for node in nodes:
        if isinstance(node, blocks.Link):
            yield node
        for name in ("children", "items", "header"):
            yield from links_in(getattr(node, name, ()))
        for row in getattr(node, "rows", ()):
            yield from links_in(row)


def over_budget(file: str, audience: Audience, fmt: str, pages: int | None) -> list[Problem]:
    """A warning when a paginated output runs past its audience's length budget."""
    if pages is None or audience.pages is None or pages <= audience.pages:
        return []
    over = pages - audience.pages
    return [Problem(Location(file), f"audience {audience.name}",
                    f"the {fmt.upper()} has {pages} pages, {over} over its budget of {audience.pages} "
                    f"(pages: in {audience.origins.get('pages', 'the audience defaults')})")]


def check_brief(project: Project, path: Path, audiences) -> LoadedBrief:
    """A brief loaded, then taken through every stage a build takes it through short of
    the renderers' bytes (templates, Markdown, blocks, glyphs) for ``audiences``: what
    ``validate`` accepts, ``build`` accepts."""
    loaded = project.load(path)
    problems: list[Problem] = []
    for name in audiences:
        try:
            check_glyphs_for(project, loaded, name, formats())
            compose(project, loaded, name)
        except BriefgenError as error:
            problems.extend(p for p in error.relocated(str(path)).problems
                            if p not in problems)
    if problems:
        raise BriefgenError(problems)
    return loaded


def checked_audiences(project: Project) -> tuple[list[str], list[Problem]]:
    """The audiences whose templates and themes pass their checks, and the problems of
    the others (for ``validate``: a template's problems once, not once per brief)."""
    passed, problems = [], []
    for audience in project.audiences:
        try:
            check_templates(project, audience)
            check_formats(project, audience, formats())
            passed.append(audience.name)
        except BriefgenError as error:
            problems.extend(p for p in error.problems if p not in problems)
    return passed, problems


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


__all__ = ["render", "document_for", "markdown_for"]
