"""A theme's reference document as the DOCX renderer uses it: tried with a brief holding
every kind of block, merged with briefgen's styles, and asked for its own furniture.

Its archive and parts were checked when the theme was read (``theme``'s reference check):
what is here meets only documents that passed it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ...errors import DataError, Location, Problem
from ...project.reference import Refused, UnusableReference, _reason, check
from ...project.theme import DEFAULT_THEME


def check_usable(renderer: type, theme) -> None:
    """The theme's reference document, tried with ``renderer``; one that fails is one
    message at the theme file's ``reference_docx``."""
    path = theme.reference_docx
    try:
        trial(renderer, path)
    except Refused as why:
        where = theme.reference_at or Location(theme.source)
        raise DataError([Problem(where, "reference_docx",
                                 f"the reference document {path} {why}")]) from None


def trial(renderer: type, path: Path) -> None:
    """Write a small brief holding every kind of block into the document: the merge and
    the renderer meet everything of it they ever will, here and not while building."""
    try:
        renderer(replace(DEFAULT_THEME, reference_docx=path)).render(probe())
    except UnusableReference as error:
        raise Refused(error.why) from None
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever python-docx or lxml meets in it
        raise Refused(f"cannot hold a brief: writing one into it failed "
                      f"({_reason(error)})") from None


def probe():
    """A brief with one of every block and inline the renderers draw."""
    from ...compose import blocks as b
    from ...compose import frame

    def para(*inlines):
        return b.Paragraph(inlines or (b.Text("Text."),))

    def items(depth: int) -> tuple:
        nested = (b.BulletList(items(depth - 1)),) if depth else ()
        return (b.ListItem((para(), *nested)), b.ListItem((para(), para())))

    cells = (b.TableCell((b.Text("Cell"),)),) * 3
    inlines = (b.Text("Plain "), b.Strong((b.Emph((b.Text("both"),)),)), b.LineBreak(),
               b.Code("code"), b.Link("https://example.org/", (b.Text("link"),)),
               b.Status("Confirmed"), *_spans(b))
    blocks = (b.Heading(1, (b.Text("One"),)), b.Heading(2, (b.Text("Two"),)),
              b.Heading(3, (b.Text("Three"),)), para(*inlines), b.BulletList(items(3)),
              b.OrderedList(items(1), start=3), b.Caption((b.Text("Table 1"),)),
              b.Table(cells, (cells,), ("left", "center", "right")),
              b.Callout("summary", (para(),)), b.ThematicBreak())
    meta = b.DocumentMeta(title="Probe", subtitle="Probe", organisation="Probe",
                          authors=("Probe",), marking="PROBE", audience_label="Probe")
    texts = {slot: getattr(DEFAULT_THEME, slot) for slot in frame.FURNITURE_SLOTS}
    return b.Document(meta, blocks, {"Confirmed": "#B3261E"},
                      title=frame.title_block(meta, DEFAULT_THEME.labels),
                      furniture=frame.page_furniture(meta, texts, DEFAULT_THEME.labels))


def _spans(b) -> tuple:
    """A span in another language, where the block tree has them."""
    language = getattr(b, "Language", None)
    return (language("fr", (b.Text("texte"),)),) if language is not None else ()


def merged_template(path: Path, ours: bytes, used: frozenset) -> tuple[bytes, dict[str, str]]:
    """The reference document emptied, with the styles it lacks copied from ``ours``; any
    failure is the reference document's, in one line naming it."""
    from . import merge

    try:
        return merge.merged(check(path), ours, used)
    except Refused as why:
        raise UnusableReference(path, str(why)) from None
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever python-docx or lxml meets in it
        raise UnusableReference(path, f"cannot be merged with briefgen's styles "
                                      f"({_reason(error)})") from None


def has_own_furniture(document) -> bool:
    """Whether the reference's first section brings headers or footers with text."""
    section = document.sections[0]
    parts = (section.header, section.footer)
    return any(not part.is_linked_to_previous and
               any(p.text.strip() for p in part.paragraphs) for part in parts)
