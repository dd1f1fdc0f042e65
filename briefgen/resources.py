"""The names and places of briefgen's own files: the project file, the built-in
templates, themes and starter project."""

from __future__ import annotations

from pathlib import Path

PROJECT_FILE = "briefgen.yaml"    # what makes a folder a briefgen project
PACKAGE = Path(__file__).parent
BUILTIN_THEMES = PACKAGE / "themes"
STARTER = PACKAGE / "starter"
BUILTIN_TEMPLATES = PACKAGE / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # a source checkout: the project's own templates/
    BUILTIN_TEMPLATES = PACKAGE.resolve().parent / "templates"
