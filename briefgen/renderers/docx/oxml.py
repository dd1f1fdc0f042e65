"""The one place briefgen reaches into python-docx's private members.

python-docx's proxies lack a few things the DOCX renderer needs: a proxy parent for a
body paragraph built as an element, the element behind a header's paragraph, the
package written into a zip of our own, the core properties' XML.  Each is one named
function here, saying what python-docx API it stands in for, so that nothing else in
briefgen touches a private member, and a python-docx release that moves one fails in
``tests/test_docx_private_wall.py``, naming the member, rather than in the middle of a
render.
"""

from __future__ import annotations

from docx.opc.pkgwriter import PackageWriter

# Every private member used below, as the wall's test names them.
PRIVATE_MEMBERS = ("Document._body", "Paragraph._p", "CoreProperties._element",
                   "PackageWriter._write_content_types_stream",
                   "PackageWriter._write_pkg_rels", "PackageWriter._write_parts")


def body_container(document):
    """The document body's proxy (``Document._body``): the parent a proxy of a paragraph
    built as an element needs to reach the document part (a run adding a picture relates
    the image through it).  Stands in for the container behind ``Document.add_paragraph``,
    which python-docx does not expose."""
    return document._body


def paragraph_element(paragraph):
    """The ``w:p`` element behind a paragraph proxy (``Paragraph._p``), to style and fill a
    header's or footer's paragraph as body paragraphs are, element by element.  Stands in
    for the ``element`` property python-docx gives runs and styles but not paragraphs."""
    return paragraph._p


def core_properties_element(core):
    """The ``cp:coreProperties`` element behind ``Document.core_properties``
    (``CoreProperties._element``), to write dates python-docx's setters would write with
    fewer than four year digits."""
    return core._element


def write_package(writer, package) -> None:
    """Write ``package``'s content types, package relationships and parts to ``writer``
    (any object with ``write(pack_uri, blob)``), in python-docx's own order.  Stands in
    for ``PackageWriter.write``, which does the same into a zip of its own making, dated
    with the clock."""
    PackageWriter._write_content_types_stream(writer, package.parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, package.parts)
