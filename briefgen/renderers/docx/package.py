"""A DOCX brief's properties and its archive: same data, same bytes.

The properties come from the document's meta, each fitted to what Word keeps, and
dated the edition date; the archive is python-docx's package written into a zip
whose entries are all dated the edition date too.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx.oxml.ns import qn

from ...compose import blocks as b
from . import oxml

PROPERTY_CHARS = 255                 # the most Word (and python-docx) keeps of a property
ZIP_DATES = (dt.date(1980, 1, 1), dt.date(2107, 12, 31))   # what a zip entry can be dated
UNDATED = dt.date(2000, 1, 1)        # the date of a brief without an edition


def set_properties(document, meta: b.DocumentMeta) -> None:
    """The document's properties: each text fitted to what Word keeps (the page has it
    whole), and dated the edition date."""
    core = document.core_properties
    texts = {"title": meta.title, "subject": meta.subject, "author": "; ".join(meta.authors),
             "keywords": ", ".join(meta.keywords), "category": meta.audience_label,
             "language": meta.language, "comments": meta.marking,
             "last_modified_by": "briefgen"}
    for name, text in texts.items():
        setattr(core, name, fitted(text, PROPERTY_CHARS))
    core.revision = 1
    _dated(core, meta.edition or UNDATED)


def fitted(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut at a word, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():         # the cut falls inside a word: leave it out
        head = cut.rsplit(None, 1)[0] if len(cut.split()) > 1 else cut
        cut = head if len(head) > limit // 2 else cut
    return cut.rstrip() + "…"


def _dated(core, day: dt.date) -> None:
    """Created and modified on ``day``, written with a four-digit year whatever the year
    (python-docx writes the year 999 as "999", which no reader takes for a date)."""
    core.created = core.modified = dt.datetime.combine(day, dt.time())
    stamp = f"{day.year:04d}-{day.month:02d}-{day.day:02d}T00:00:00Z"
    element = oxml.core_properties_element(core)
    for name in ("dcterms:created", "dcterms:modified"):
        element.find(qn(name)).text = stamp


def package_bytes(document, edition: dt.date | None) -> bytes:
    """The document as a .docx archive whose entries are all dated the edition date:
    same data, same bytes.  python-docx's package writer, into a fixed-date zip."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    writer = _FixedDateZip(edition or UNDATED)
    oxml.write_package(writer, package)
    return writer.close()


class _FixedDateZip:
    """The physical-package writer python-docx's ``PackageWriter`` writes to.  A zip entry
    can only be dated 1980 to 2107: an edition outside them dates its entries at the nearer
    end (the document's own properties keep the edition date)."""

    def __init__(self, day: dt.date):
        day = min(max(day, ZIP_DATES[0]), ZIP_DATES[1])
        self.stamp = (day.year, day.month, day.day, 0, 0, 0)
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=self.stamp)
        info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
        self.zip.writestr(info, blob)

    def close(self) -> bytes:
        self.zip.close()
        return self.buffer.getvalue()
