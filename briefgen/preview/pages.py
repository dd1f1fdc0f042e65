"""The preview's own pages: the index, the wrapper around a brief, the problems page.

Every page is built as elements with lxml and serialised by it, so every value from the
project (titles, file names, messages) is text or an attribute value that lxml escapes.
No page carries a script or a style of its own: the wrapper and the index load
``/static/preview.js`` and every page ``/static/preview.css``, which the pages'
Content-Security-Policy allows from this origin alone.
"""

from __future__ import annotations

from urllib.parse import quote

import lxml.html
from lxml.html import builder as E

from ..errors import printable
from .table import SHOWN, Entry, Page, Table

STYLESHEET = "/static/preview.css"
SCRIPT = "/static/preview.js"
EVENTS = "/events"
DOCTYPE = "<!DOCTYPE html>"


# ------------------------------------------------------------------ addresses

def page_url(name: str, audience: str) -> str:
    """The wrapper page of one brief for one audience."""
    return f"/brief/{quote(name, safe='')}/{quote(audience, safe='')}/"


def view_url(name: str, audience: str) -> str:
    """The brief itself, as its HTML (or its problems), shown in the wrapper's frame."""
    return page_url(name, audience) + "view"


def last_good_url(name: str, audience: str) -> str:
    return page_url(name, audience) + "last-good"


def download_url(name: str, audience: str, fmt: str) -> str:
    return page_url(name, audience) + f"download/{quote(fmt, safe='')}"


# ---------------------------------------------------------------------- pages

def index(table: Table) -> bytes:
    """Every brief with a link to each of its audiences, and the project's problems."""
    content = [E.H1("Briefs")]
    if table.problems:
        content.append(problem_section(table.problems, "The project has problems",
                                       "project-problems"))
    if table.entries:
        content.append(E.UL(*(brief_item(table, e) for e in table.entries.values()),
                            E.CLASS("briefs")))
    else:
        folder = table.project.data if table.project is not None else table.root
        content.append(E.P(printable(f"No brief files were found in {folder}.")))
    return document("briefgen preview", E.MAIN(*content, id="main"), scripted=table.version)


def brief_item(table: Table, entry: Entry):
    links = [E.LI(E.A(table.audiences.get(a, a), href=page_url(entry.name, a)),
                  *([" ", E.SPAN("has problems", E.CLASS("flag"))]
                    if table.problems_of(page) else []))
             for a, page in entry.pages.items()]
    return E.LI(E.H2(entry.title), E.P(printable(str(entry.path)), E.CLASS("file")),
                E.UL(*links, E.CLASS("audiences"), **{"aria-label": f"Audiences of "
                                                                    f"{entry.title}"}))


def wrapper(table: Table, entry: Entry, audience: str) -> bytes:
    """The toolbar (the index, the other audiences, the downloads, a status line) and
    the frame that shows the brief, reloaded by the script on every change."""
    label = table.audiences.get(audience, audience)
    frame = E.IFRAME(id="brief", src=view_url(entry.name, audience),
                     title=f"The brief {entry.title}, for the {label} audience",
                     sandbox="allow-same-origin allow-popups "
                             "allow-popups-to-escape-sandbox "
                             "allow-top-navigation-by-user-activation",   # a click only
                     **{"data-name": entry.name, "data-audience": audience,
                        "data-view": view_url(entry.name, audience)})
    header = E.HEADER(E.H1(entry.title, " ", E.SPAN(label, E.CLASS("audience"))),
                      toolbar(table, entry, audience),
                      E.P("", id="status", role="status"), E.CLASS("toolbar"))
    return document(f"{entry.title} ({label}): briefgen preview", header,
                    E.MAIN(frame, E.CLASS("framed"), id="main"), scripted=table.version)


def toolbar(table: Table, entry: Entry, audience: str):
    audiences = [E.LI(E.A(table.audiences.get(a, a), href=page_url(entry.name, a),
                          **({"aria-current": "page"} if a == audience else {})))
                 for a in entry.pages]
    downloads = [E.LI(E.A(f"Download {fmt.upper()}",
                          href=download_url(entry.name, audience, fmt)))
                 for fmt in table.formats if fmt != SHOWN]
    return E.NAV(E.A("All briefs", href="/"),
                 E.UL(*audiences, E.CLASS("audiences"), **{"aria-label": "Audiences"}),
                 E.UL(*downloads, E.CLASS("downloads"), **{"aria-label": "Downloads"}),
                 **{"aria-label": "Preview"})


def problems_page(entry: Entry, page: Page, problems: tuple) -> bytes:
    """What the frame shows in place of a brief that does not build: one line per
    problem, as ``briefgen validate`` prints it, and the way to the last good version."""
    if page.last_good is not None:
        back = E.P(E.A("Show the last good version", href=last_good_url(entry.name,
                                                                          page.audience)),
                   " (without the changes since).")
    else:
        back = E.P("No version of this brief has built without problems yet.")
    heading = f"This brief does not build: {count(problems, 'problem')}"
    body = E.MAIN(problem_section(problems, heading, "problems", level=E.H1), back,
                  E.P("Fix the file and save it: the brief comes back by itself."),
                  id="main")
    return document(f"Problems: {entry.title}", body, marked="preview-problems")


def gone_page() -> bytes:
    """What the frame shows once its brief or audience has left the project: the page
    that held it says so (``preview-gone``) and leads back to the index."""
    body = E.MAIN(E.H1("This brief or audience is no longer in the project"),
                  E.P("Its file was removed or renamed, or its audience was taken out of "
                      "briefgen.yaml. ", E.A("Back to every brief", href="/", target="_top")),
                  id="main")
    return document("Gone from the project", body, marked="preview-problems preview-gone")


def download_problems(entry: Entry, audience: str, fmt: str, problems: tuple) -> bytes:
    """The page a download that cannot be made leads to."""
    heading = f"The {fmt.upper()} cannot be made: {count(problems, 'problem')}"
    body = E.MAIN(problem_section(problems, heading, "problems", level=E.H1),
                  E.P(E.A("Back to the preview", href=page_url(entry.name, audience))),
                  id="main")
    return document(f"Problems: {entry.title}", body, marked="preview-problems")


def problem_section(problems: tuple, heading: str, ident: str, level=E.H2):
    return E.SECTION(level(heading, id=ident),
                     E.OL(*(E.LI(E.CODE(str(p))) for p in problems), E.CLASS("problems")),
                     **{"aria-labelledby": ident})


def document(title: str, *body, scripted: int | None = None, marked: str = "") -> bytes:
    """A whole page; ``scripted``: the version of the table it shows, for the script
    that reloads it (a page without it has no script); ``marked``: its body's class."""
    head = [E.META(charset="utf-8"), E.TITLE(title),
            E.META(name="viewport", content="width=device-width, initial-scale=1"),
            E.LINK(rel="stylesheet", href=STYLESHEET)]
    attributes = {}
    if scripted is not None:
        head.append(E.SCRIPT(src=SCRIPT, defer="defer"))
        attributes = {"data-events": EVENTS, "data-version": str(scripted)}
    if marked:
        attributes["class"] = marked
    page = E.HTML(E.HEAD(*head), E.BODY(*body, **attributes), lang="en")
    return lxml.html.tostring(page, doctype=DOCTYPE, encoding="utf-8")


def count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"
