"""briefgen: curated YAML data -> audience-specific policy briefs in DOCX and PDF.

The Python API in a few lines::

    import briefgen

    loaded = briefgen.load_brief("data/russia-china-taiwan.yaml")
    pdf_bytes = briefgen.render(loaded, "executive", "pdf")
    report = briefgen.build_project(".")          # everything, into ./out
"""

from __future__ import annotations

from .errors import (
    BriefgenError,
    DataError,
    GlyphError,
    RenderError,
    TemplateError,
    UsageError,
)

__version__ = "0.1.0"   # the one place the version is written (pyproject.toml reads it)


def load_brief(path):
    """Read and validate a brief file; raises ``DataError`` listing every problem."""
    from .data.load import load_brief as load

    return load(path)


def render(loaded, audience: str, fmt: str, project=None) -> bytes:
    """The bytes of ``loaded`` rendered for ``audience`` as ``fmt`` (a format's name, such
    as "docx" or "pdf"); ``project``: a ``briefgen.project.Project`` (its audiences,
    templates and themes), else the built-in ones."""
    from .build.stages import render as run

    return run(loaded, audience, fmt, project)


def build_project(root=".", out=None, files=None, audiences=None, formats=None):
    """Build every brief of the project at ``root``; returns a ``BuildReport``."""
    from .build.builder import build
    from .project import Project

    return build(Project.at(root, out), files, audiences, formats)


__all__ = ["BriefgenError", "DataError", "GlyphError", "RenderError", "TemplateError",
           "UsageError", "build_project", "load_brief", "render", "__version__"]
