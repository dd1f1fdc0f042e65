"""python-docx's private members are reached in one module, ``renderers/docx/oxml.py``:
nothing else in briefgen touches one, and each of its accessors still works with the
installed python-docx (a release that moves a member fails here, naming it)."""

from __future__ import annotations

import ast
import inspect
import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

import briefgen
from briefgen.renderers.docx import oxml

PACKAGE = Path(briefgen.__file__).parent
WALL = PACKAGE / "renderers" / "docx" / "oxml.py"
UPDATE = "update briefgen/renderers/docx/oxml.py"


# ------------------------------------------------------------------- the scan

def private_attributes(tree: ast.AST):
    """Each ``something._name`` (not a dunder) whose owner is not ``self``, ``cls`` or
    ``super()``, and each ``getattr(something, "_name")``: (line, name, as written)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and not _own(node.value):
            yield node.lineno, node.attr, ast.unparse(node)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "setattr", "hasattr") and len(node.args) > 1
              and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
              and _private(node.args[1].value)):
            yield node.lineno, node.args[1].value, ast.unparse(node)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own(owner: ast.expr) -> bool:
    if isinstance(owner, ast.Name):
        return owner.id in ("self", "cls")
    return (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name)
            and owner.func.id == "super")


def uses_python_docx(tree: ast.AST, path: Path) -> bool:
    """Whether a module works with python-docx objects: it imports python-docx, or it is
    one of the DOCX renderer's modules."""
    if path.parent.name == "docx" and path.parent.parent.name == "renderers":
        return True
    for node in ast.walk(tree):
        names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                 else [])
        if any(name == "docx" or name.startswith("docx.") for name in names):
            return True
    return False


def wall_names() -> set[str]:
    """The private names the wall itself reaches."""
    return {name for _, name, _ in private_attributes(ast.parse(WALL.read_text("utf-8")))}


def breaches(path: Path, source: str, walled: set[str]) -> list[str]:
    """Where a module other than the wall reaches a python-docx private member: in a
    module using python-docx, any private attribute of another object; anywhere, one of
    the names the wall reaches."""
    tree = ast.parse(source)
    docx_module = uses_python_docx(tree, path)
    return [f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
            for line, name, text in private_attributes(tree)
            if docx_module or name in walled]


def test_no_module_but_the_wall_touches_a_private_member_of_python_docx():
    walled = wall_names()
    found = [breach for path in sorted(PACKAGE.rglob("*.py")) if path != WALL
             for breach in breaches(path, path.read_text("utf-8"), walled)]
    assert found == [], "reach python-docx's private members only in oxml.py:\n" + \
        "\n".join(found)


def test_the_scan_finds_a_private_member_reached_outside_the_wall():
    path = PACKAGE / "renderers" / "docx" / "renderer.py"
    source = ("import docx\n\ndef f(document, paragraph):\n"
              "    body = document._body\n    return getattr(paragraph, '_p')\n")
    assert breaches(path, source, set()) == [
        "briefgen/renderers/docx/renderer.py:4: document._body",
        "briefgen/renderers/docx/renderer.py:5: getattr(paragraph, '_p')"]
    elsewhere = PACKAGE / "build" / "stages.py"
    assert breaches(elsewhere, "x = core._element\ny = os._exit\n", {"_element"}) == [
        "briefgen/build/stages.py:1: core._element"]


def test_the_wall_names_every_private_member_it_reaches():
    declared = {member.split(".", 1)[1] for member in oxml.PRIVATE_MEMBERS}
    assert wall_names() == declared


# -------------------------------------------- each accessor, on this python-docx

def body_container():
    document = docx.Document()
    body = oxml.body_container(document)
    assert body.part is document.part, "Document._body no longer reaches the document part"
    assert Paragraph(None, body).part is document.part


def paragraph_element():
    document = docx.Document()
    paragraph = document.add_paragraph("Held")
    element = oxml.paragraph_element(paragraph)
    assert element.tag == qn("w:p"), "Paragraph._p is no longer the w:p element"
    assert element is document.element.body.find(qn("w:p"))


def core_properties_element():
    core = docx.Document().core_properties
    core.title = "Straits"
    element = oxml.core_properties_element(core)
    assert element.tag == qn("cp:coreProperties"), \
        "CoreProperties._element is no longer the cp:coreProperties element"
    assert element.find(qn("dc:title")).text == "Straits"


class _Recorder:
    def __init__(self):
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w")

    def write(self, pack_uri, blob: bytes) -> None:
        self.zip.writestr(pack_uri.membername, blob)


def write_package():
    document = docx.Document()
    document.add_paragraph("Written by hand")
    recorder = _Recorder()
    oxml.write_package(recorder, document.part.package)
    names = recorder.zip.namelist()
    recorder.zip.close()
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"] and "word/document.xml" in names
    reopened = docx.Document(io.BytesIO(recorder.buffer.getvalue()))
    assert [p.text for p in reopened.paragraphs] == ["Written by hand"]


ACCESSORS = {  # each accessor of the wall: the members it reaches, and its exercise
    "body_container": (("Document._body",), body_container),
    "paragraph_element": (("Paragraph._p",), paragraph_element),
    "core_properties_element": (("CoreProperties._element",), core_properties_element),
    "write_package": (("PackageWriter._write_content_types_stream",
                       "PackageWriter._write_pkg_rels", "PackageWriter._write_parts"),
                      write_package),
}


@pytest.mark.parametrize("accessor", sorted(ACCESSORS))
def test_each_accessor_of_the_wall_works_with_the_installed_python_docx(accessor):
    members, exercise = ACCESSORS[accessor]
    try:
        exercise()
    except AttributeError as error:
        missing = [m for m in members if m.endswith(f".{error.name}")] or members
        pytest.fail(f"python-docx no longer has {', '.join(missing)}; {UPDATE} ({error})")
    except AssertionError as error:
        pytest.fail(f"python-docx changed {', '.join(members)}: {error}; {UPDATE}")


def test_every_accessor_and_member_of_the_wall_is_exercised():
    functions = {name for name, value in inspect.getmembers(oxml, inspect.isfunction)
                 if value.__module__ == oxml.__name__ and not name.startswith("_")}
    assert functions == set(ACCESSORS)
    assert {m for members, _ in ACCESSORS.values() for m in members} == \
        set(oxml.PRIVATE_MEMBERS)
