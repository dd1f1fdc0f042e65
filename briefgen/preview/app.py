"""The preview's routes: the index, a brief's wrapper page, the brief itself, its last
good version, its downloads, the event stream and the two static files.

Every name in a URL is a key looked up in the table (brief, audience, format) or in the
two static files' own table; nothing is joined into a path, and whatever is not found
is a 404.  Each response sets its own Content-Security-Policy: the preview's pages allow
scripts and styles from this origin only (no inline script), the brief allows no script
at all (it carries its own, stricter policy), and every page may be framed by this
origin alone.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import BriefgenError, Stopped
from . import pages
from .events import Hub
from .guard import Guard, Served
from .table import Table

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {"preview.js": "text/javascript; charset=utf-8",
                "preview.css": "text/css; charset=utf-8"}

PREVIEW_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; "
                  "connect-src 'self'; frame-src 'self'; img-src 'self'; base-uri 'none'; "
                  "form-action 'none'; frame-ancestors 'self'")
PROBLEMS_POLICY = ("default-src 'none'; style-src 'self'; base-uri 'none'; "
                   "form-action 'none'; frame-ancestors 'self'")
BRIEF_POLICY = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
                "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


def create_app(table: Table, served: Served, hub: Hub | None = None) -> Starlette:
    """The ASGI application serving ``table`` at the address ``served``."""
    routes = [Route("/", index), Route("/events", events), Route("/static/{file}", static),
              Route("/brief/{name}/{audience}/", wrapper),
              Route("/brief/{name}/{audience}/view", view),
              Route("/brief/{name}/{audience}/last-good", last_good),
              Route("/brief/{name}/{audience}/download/{fmt}", download)]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, served=served)])
    app.router.redirect_slashes = False        # a path is served as it is, or not at all
    app.state.table, app.state.hub = table, hub or Hub()
    app.state.static = {name: (STATIC / name).read_bytes() for name in STATIC_TYPES}
    return app


def html(body: bytes, policy: str, status: int = 200) -> Response:
    return Response(body, status, media_type="text/html",
                    headers={"content-security-policy": policy})


def not_found() -> Response:
    return PlainTextResponse("Not Found\n", status_code=404)


def found(request):
    """(table, entry, audience) named by the request's path, or None."""
    table: Table = request.app.state.table
    entry = table.entry(request.path_params["name"])
    audience = request.path_params["audience"]
    if entry is None or audience not in entry.pages:
        return None
    return table, entry, audience


async def index(request) -> Response:
    return html(pages.index(request.app.state.table), PREVIEW_POLICY)


async def wrapper(request) -> Response:
    named = found(request)
    return html(pages.wrapper(*named), PREVIEW_POLICY) if named else not_found()


async def view(request) -> Response:
    """The brief's HTML as the build makes it, or its problems in its place."""
    named = found(request)
    if named is None:                  # a frame open on a brief or audience now gone
        return html(pages.gone_page(), PROBLEMS_POLICY, 404)
    table, entry, audience = named
    page = entry.pages[audience]
    problems = table.problems_of(page)
    if problems or page.html is None:
        return html(pages.problems_page(entry, page, problems), PROBLEMS_POLICY, 422)
    return html(page.html, BRIEF_POLICY)


async def last_good(request) -> Response:
    named = found(request)
    page = named[1].pages[named[2]] if named else None
    if page is None or page.last_good is None:
        return not_found()
    return html(page.last_good, BRIEF_POLICY)


async def download(request) -> Response:
    """Another format of the brief, made on first request (and kept by its key)."""
    named, fmt = found(request), request.path_params["fmt"]
    if named is None or fmt not in named[0].formats:
        return not_found()
    table, entry, audience = named
    try:
        data = table.download(entry, audience, fmt)
    except Stopped:                   # a signal ended the render: the server is stopping
        return PlainTextResponse("Stopping\n", status_code=503)
    except BriefgenError as error:
        return html(pages.download_problems(entry, audience, fmt, tuple(error.problems)),
                    PROBLEMS_POLICY, 422)
    name = table.file_name(entry, audience, fmt)
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(data, media_type=kind,
                    headers={"content-disposition": f'attachment; filename="{name}"'})


async def events(request) -> Response:
    app = request.app
    if request.method == "HEAD":           # headers only: no stream to keep open
        return Response(media_type="text/event-stream")
    return StreamingResponse(app.state.hub.stream(app.state.table.version),
                             media_type="text/event-stream")


async def static(request) -> Response:
    name = request.path_params["file"]
    if name not in STATIC_TYPES:
        return not_found()
    return Response(request.app.state.static[name], media_type=STATIC_TYPES[name])
