"""What every request meets before a route: the address it must name, the methods and
paths it may use, and the headers every response carries.

A page on another site could resolve its own name to this machine (DNS rebinding) and
read the briefs through the visitor's browser: its requests name that site in their
``Host`` header, so only the address served (and, on a loopback address, ``localhost``)
is answered.  Only GET and HEAD are.  A path that could mean a file outside what is
served (``..``, a backslash, a NUL, an encoded slash, an over-long one) is refused before
routing, though
no route turns a path into a file name anyway.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from starlette.responses import PlainTextResponse

MAX_PATH = 2048          # bytes of a request's path
ENCODED = ("%2f", "%5c", "%2e", "%00")   # '/', '\\', '.' and NUL, percent-encoded
METHODS = ("GET", "HEAD")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})

# Every response: no type sniffing, no referrer sent on, framed only by this origin,
# readable only by this origin, never cached (a preview is always the current files).
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
NOTHING_ALLOWED = "default-src 'none'; base-uri 'none'; form-action 'none'; " \
                  "frame-ancestors 'self'"


@dataclass(frozen=True)
class Served:
    """The address the preview listens on, and the ``Host`` names it answers to."""

    host: str                 # as given (--host)
    address: str              # the address bound
    port: int
    names: frozenset          # lower-case names and literals (IPv6 in brackets)

    @classmethod
    def at(cls, host: str, address: str, port: int) -> "Served":
        names = {bracketed(host).lower(), bracketed(address)}
        if is_loopback(address):
            names |= LOOPBACK_NAMES
        elif ipaddress.ip_address(address).is_unspecified:     # every interface
            names |= LOOPBACK_NAMES | {socket.gethostname().lower()}
        return cls(host, address, port, frozenset(names))

    @property
    def loopback(self) -> bool:
        return is_loopback(self.address)

    @property
    def url(self) -> str:
        return f"http://{bracketed(self.host)}:{self.port}/"

    def accepts(self, header: str) -> bool:
        """Whether a ``Host`` header names this server: a known name or, on every
        interface, any address literal (no page's name), with the port served."""
        name, port = split_host(header)
        if port != self.port:
            return False
        return name in self.names or (ipaddress.ip_address(self.address).is_unspecified
                                      and address_literal(name))


def is_loopback(address: str) -> bool:
    return ipaddress.ip_address(address).is_loopback


def bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def split_host(header: str) -> tuple[str, int | None]:
    """(name, port) of a ``Host`` header, the port 80 if it names none; the port None if
    the header is malformed or its port no number."""
    name, port = header.lower(), "80"
    if name.startswith("["):
        name, bracket, rest = name.partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return name, None
        name, port = name + "]", rest[1:] if rest else port
    elif ":" in name:
        name, _, port = name.partition(":")
    number = port.isascii() and port.isdigit() and len(port) <= 5
    return name, int(port) if number else None


def address_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def suspicious(path: str, raw: bytes) -> bool:
    """A path no served page has: over-long, with a NUL, a backslash or a dot part, or
    with a slash, backslash, dot or NUL percent-encoded (no link of the preview's
    encodes one; decoded, they could pass for a path's separators)."""
    written = raw.decode("latin-1").lower()
    return len(raw) > MAX_PATH or "\0" in path or "\\" in path or \
        any(part in (".", "..") for part in path.split("/")) or \
        any(code in written for code in ENCODED)


class Guard:
    """ASGI middleware: refuse what is not for this server, add the headers to all."""

    def __init__(self, app, served: Served):
        self.app, self.served = app, served

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = with_headers(send)
        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refusal(self, scope) -> PlainTextResponse | None:
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if not self.served.accepts(host):
            return PlainTextResponse("This server answers only to the address it serves.\n",
                                     status_code=400)
        if scope["method"] not in METHODS:
            return PlainTextResponse("Only GET and HEAD are answered.\n", status_code=405,
                                     headers={"allow": ", ".join(METHODS)})
        if suspicious(scope["path"], scope.get("raw_path") or scope["path"].encode()):
            return PlainTextResponse("Not Found\n", status_code=404)
        return None


def with_headers(send):
    """``send`` adding ``HEADERS`` to the response, and a policy allowing nothing to a
    response that sets none of its own."""
    async def sending(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {name.lower() for name, _ in headers}
            headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()
                        if k.encode() not in names]
            if b"content-security-policy" not in names:
                headers.append((b"content-security-policy", NOTHING_ALLOWED.encode()))
            message = {**message, "headers": headers}
        await send(message)
    return sending
