"""``briefgen preview``: a live preview of every brief and audience in a browser.

A local web server (``server``) keeps a table of the project's briefs rendered in
memory (``table``): each brief as HTML for each audience, its other formats made on
first request.  On every save of an input (``watching``) only what the change affects
is rendered again, and the open pages hear of it (``events``) and reload the brief in
their frame, where the reader was.  A brief that does not build shows its problems, as
``briefgen validate`` prints them, with its last good version one click away.  Nothing
is written unless ``--write`` asks for the normal build as well (``writing``).  The
server answers only to its own address, only what its table holds (``guard``, ``app``).
"""

from __future__ import annotations

from .server import serve

__all__ = ["serve"]
