"""Tagged PDF: the structure tree of a brief, and the marked content that ties the
pages to it (ISO 32000-1 14.7-14.8, as PDF/UA-1 asks).

The rule that keeps every mark on the page accounted for: a page is an Artifact from
its first operator to its last, and only the content of a structure element leaves
it.  A paragraph's text object opens the marked-content sequence of its element
(``BDC`` just after ``BT``) and closes it before ``ET``; a link or a span in another
language inside it closes the paragraph's sequence and opens its own, so sequences
never nest.  Whatever a renderer draws without asking for a tag (rules, fills,
underlines, the page furniture, a table header repeated on the next page) is an
Artifact by construction.

Elements are made as the renderer walks the block tree, in its order, and are given
their content as it is drawn; the tree is written into ReportLab's own document
objects when the canvas saves, so no second pass reads the file again.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfdoc import (
    PDFDictionary,
    PDFName,
    PDFObject,
    PDFPage,
    PDFStream,
    PDFString,
)
from reportlab.pdfbase.pdfdoc import format as pdfdoc_format
from reportlab.pdfgen.textobject import PDFTextObject

ARTIFACT = "/Artifact BMC"
PAGINATION = "/Artifact <</Type /Pagination>> BDC"
END = "EMC"
PAGE_KEYS = [*PDFPage.__NoDefault__, "StructParents", "Tabs"]


@dataclass(eq=False)
class Element:
    """A structure element: its standard type, what it holds (elements, marked
    content on a page, annotations), and its attributes."""

    role: str
    kids: list = field(default_factory=list)
    alt: str | None = None           # an alternate description (a figure's)
    lang: str | None = None          # a span in another language
    attributes: dict | None = None   # owner and values: {"O": "/Table", "Scope": "/Column"}
    parent: "Element | None" = None
    outer: "Element | None" = None   # a link or span: the one it is written inside
    depth: int = 0                   # a link or span: how many it is written inside

    def add(self, role: str, **options) -> "Element":
        """A new element, the last child of this one."""
        child = Element(role, parent=self, **options)
        self.kids.append(child)
        return child

    def adopt(self, child: "Element") -> None:
        """Move ``child`` (made before its place was known) under this element."""
        if child.parent is not None:
            child.parent.kids.remove(child)
        child.parent = self
        self.kids.append(child)


@dataclass(frozen=True)
class _Content:
    page: int
    mcid: int


@dataclass(frozen=True)
class _Annotation:
    page: int
    name: str           # the annotation's name in ReportLab's document
    description: str    # what the link is, for its /Contents


class Inline(str):
    """A link's target, or a span's mark (empty: ReportLab makes no annotation for an
    empty target), that knows its element.  ReportLab carries it as the link of each
    fragment the element holds, reports to the text object where each line's run of
    such fragments starts and ends (``_linkRecord``), and hands a link's target down to
    the canvas unchanged, so the annotation it makes is tied to the element (/OBJR).
    Its hash is its number, so ReportLab's sets of them iterate alike in every run."""

    element: Element
    description: str
    key: int

    def __new__(cls, target: str, element: Element, key: int, description: str = ""):
        inline = super().__new__(cls, target)
        inline.element, inline.key, inline.description = element, key, description
        return inline

    def __hash__(self) -> int:
        return self.key

    def __eq__(self, other) -> bool:
        return self is other


class SpokenText(PDFTextObject):
    """A text object whose lines end in a space where the text had one: ReportLab drops
    the space where a line breaks, so text taken from the page (by a screen reader, or
    a copy) ran the last word of a line into the first of the next.  The space is drawn
    after the line's last glyph, where it shows nothing and moves nothing; a line
    broken inside a word (a long one, or Chinese) gets none."""

    spaced: list = []   # per line end still to come: whether the text had a space there
    tagger = None       # the tagger, when the object holds an element's content

    def _textOut(self, text, TStar=0):  # noqa: N803 - ReportLab's signature
        if TStar and self.spaced and self.spaced.pop(0) and not text[-1:].isspace():
            text += " "
        super()._textOut(text, TStar)

    def _linkRecord(self, link, what: str) -> None:   # noqa: N802 - ReportLab's hook
        if self.tagger is not None and isinstance(link[1], Inline):
            self.tagger.record(self._code, link[1].element, what == "start")


def spaced_breaks(paragraph) -> list[bool]:
    """For each line end of ``paragraph`` but its last (a part of a split paragraph: each
    of its own, given when it was split), whether its text had a space there: found by
    finding each line's text in the paragraph's as written, spaces made single."""
    if getattr(paragraph, "spaced", None) is not None:
        return list(paragraph.spaced)
    lines = getattr(getattr(paragraph, "blPara", None), "lines", ())
    text = _single([getattr(paragraph, "source", "")])
    spaced, at = [], 0
    for line in lines[:-1]:
        piece = (_single(getattr(w, "text", "") for w in line.words) if hasattr(line, "words")
                 else _single(line[1], " ")).strip()
        found = text.find(piece, at) if piece else -1
        if found < 0:
            spaced.append(True)           # not found: a word boundary, as most are
            continue
        at = found + len(piece)
        spaced.append(text[at:at + 1] == " ")
    return spaced


def held_whole(paragraph) -> list[Element]:
    """The links and spans, outermost first, holding the whole text of a paragraph that
    ReportLab lays out in one run (one fragment: it reports no runs of links then)."""
    frags = getattr(paragraph, "frags", ())
    if len(frags) != 1 or getattr(getattr(paragraph, "blPara", None), "kind", 1) != 0:
        return []
    held = [entry[1].element for entry in getattr(frags[0], "link", ()) or ()
            if isinstance(entry[1], Inline)]
    return sorted(held, key=lambda element: element.depth)


def _single(texts, between: str = "") -> str:
    """The text with its runs of spaces, tabs and line ends made one space (a no-break
    space is a character of the text: lines do not break at it)."""
    return " ".join(_SPACES.split(between.join(texts))).strip()


_SPACES = re.compile(r"[ \t\r\n]+")


class Tagger:
    """The structure tree of one document and the marked content of its pages."""

    def __init__(self) -> None:
        self.root = Element("Document")
        self.pages: list[list[Element]] = [[]]   # per page: the element of each MCID
        self.annotations: list[tuple[Element, _Annotation]] = []
        self.block: list[Element] = []           # what the next text objects hold
        self.spaced: list[bool] = []             # line ends of the paragraph drawing
        self.open: Element | None = None         # the element of the open text object
        self.current: Element | None = None      # whose sequence is open in it
        self.active: list[Element] = []          # the links and spans running in it
        self.whole: list[Element] = []           # those holding all the paragraph's text
        self.body: Element | None = None         # the element of the paragraph's text
        self.opened_at = 0                       # where in the text object it opened

    # ----------------------------------------------------------- marking

    def begin(self, element: Element) -> str:
        """The operator opening a sequence of ``element`` on the current page."""
        mcids = self.pages[-1]
        mcids.append(element)
        element.kids.append(_Content(len(self.pages) - 1, len(mcids) - 1))
        return f"/{element.role} <</MCID {len(mcids) - 1}>> BDC"

    @contextmanager
    def drawing(self, flowable):
        """While ``flowable`` draws: its text objects hold its elements, or nothing (an
        Artifact) when it was drawn before (a table header repeated on a new page)."""
        elements = [] if getattr(flowable, "drawn", False) else flowable.elements()
        flowable.drawn = True
        outer = self.block, self.spaced, self.whole, self.body
        self.block, self.spaced = list(elements), spaced_breaks(flowable)
        self.whole = held_whole(flowable) if elements else []
        self.body = getattr(flowable, "tag", None)
        try:
            yield
        finally:
            self.block, self.spaced, self.whole, self.body = outer

    def text_begun(self, text: SpokenText) -> None:
        """A text object begins: it holds the next element of the flowable drawing."""
        text.spaced = self.spaced
        if not self.block:
            self.open = None
            return
        element = self.block.pop(0) if len(self.block) > 1 else self.block[0]
        self.open = self.current = element
        self.active = []
        text.tagger = self
        if element is self.body and self.whole:   # the paragraph's text, all in a span
            for inline in self.whole:
                if inline.parent is None:
                    (inline.outer or element).adopt(inline)
            self.current = self.whole[-1]
        text._code.append(self.begin(self.current))
        self.opened_at = len(text._code) - 1

    def text_ended(self, code: list) -> bool:
        """A text object ends: close what it opened.  Returns whether it was tagged."""
        if self.open is None:
            return False
        if self.shown_since(code, len(code)):
            code.append(END)
        else:
            self.retract(code)       # a sequence reopened after the last run: nothing in it
        self.open = self.current = None
        return True

    def record(self, code: list, element: Element, starts: bool) -> None:
        """A line's run of a link or span starts (its first fragment's text is the last
        operator written) or ends (its last is): the sequence open becomes that of the
        innermost element running, or the paragraph's.  Sequences never nest."""
        if starts and element not in self.active:
            self.active.append(element)
        elif not starts and element in self.active:
            self.active.remove(element)
        inner = max(self.active, key=lambda e: e.depth, default=self.open)
        if inner is self.current:
            return
        at = len(code) - 1 if starts else len(code)
        empty = not self.shown_since(code, at)
        if empty:
            self.retract(code)       # the sequence open has shown nothing: not left empty
            at -= 1
        if inner.parent is None:
            (inner.outer or self.open).adopt(inner)
        code[at:at] = [self.begin(inner)] if empty else [END, self.begin(inner)]
        self.opened_at = at if empty else at + 1
        self.current = inner

    def shown_since(self, code: list, at: int) -> bool:
        """Whether text was shown between the open sequence's operator and ``at``."""
        return any("Tj" in op or "TJ" in op for op in code[self.opened_at + 1:at])

    def retract(self, code: list) -> None:
        """Take back the sequence just opened (its operator and its MCID: the page's
        last, and the last thing its element holds)."""
        del code[self.opened_at]
        self.pages[-1].pop()
        self.current.kids.pop()

    def figure(self, code: list, element: Element, draw, resume: str = ARTIFACT) -> None:
        """What ``draw`` draws (an image, the banner on page 1) as ``element``'s
        content: the Artifact around it paused, then ``resume``d."""
        code.extend((END, self.begin(element)))
        draw()
        code.extend((END, resume))

    def annotated(self, element: Element, name: str, description: str) -> None:
        """The annotation ReportLab named ``name`` belongs to the link ``element``."""
        if element.parent is None:       # a link no line's run reported (drawn whole)
            (element.outer or self.open or self.root).adopt(element)
        element.kids.append(_Annotation(len(self.pages) - 1, name, description))
        self.annotations.append((element, element.kids[-1]))

    def new_page(self) -> None:
        self.pages.append([])

    # ----------------------------------------------------------- writing

    def write(self, doc, pages: list, meta) -> None:
        """The tree, its parent tree and the document's accessibility entries, into
        ReportLab's document ``doc`` whose ``pages`` are ``PDFPage`` objects.

        Each element is one object whose dictionary is written out here, as text, by
        ``Written``: ReportLab's generic formatting of as many dictionaries cost a fifth
        of a brief's render; the numbers of the objects are known once registered."""
        number = _Numbers(doc)
        page_numbers = [number(page) for page in pages]
        root = PDFDictionary({"Type": PDFName("StructTreeRoot")})
        root_number = number(root)
        elements = list(_walk(self.root))
        written = {id(e): Written() for e in elements}
        numbers = {key: number(value) for key, value in written.items()}
        for element in elements:
            parent = numbers[id(element.parent)] if element.parent else root_number
            written[id(element)].text = self._element(doc, element, parent, page_numbers,
                                                      numbers, number)
        nums = []
        for index, mcids in enumerate(self.pages[:len(pages)]):
            pages[index].StructParents = index
            nums.append(f"{index} [{' '.join(f'{numbers[id(e)]} 0 R' for e in mcids)}]")
        for key, (element, annotation) in enumerate(self.annotations, start=len(pages)):
            annot = doc.idToObject[annotation.name]
            annot.dict["StructParent"] = key
            annot.dict["F"] = 4           # printed as it is shown
            annot.dict["Contents"] = PDFString(annotation.description)
            pages[annotation.page].Tabs = PDFName("S")
            nums.append(f"{key} {numbers[id(element)]} 0 R")
        root.dict["K"] = doc.Reference(written[id(self.root)])
        parent_tree = Written(f"<< /Nums [{' '.join(nums)}] >>")
        root.dict["ParentTree"] = doc.Reference(parent_tree)
        root.dict["ParentTreeNextKey"] = len(pages) + len(self.annotations)
        catalog = doc.Catalog
        catalog.StructTreeRoot = root
        catalog.MarkInfo = PDFDictionary({"Marked": "true"})
        catalog.Metadata = metadata(meta)
        for page in pages:
            page.__NoDefault__ = PAGE_KEYS

    @staticmethod
    def _element(doc, element: Element, parent: int, pages: list, numbers, number) -> str:
        """The dictionary of ``element`` as PDF text."""
        entries = [f"/Type /StructElem /S /{element.role} /P {parent} 0 R"]
        if element.alt is not None:
            entries.append(f"/Alt {_string(element.alt, doc)}")
        if element.lang is not None:
            entries.append(f"/Lang {_string(element.lang, doc)}")
        if element.attributes:
            entries.append("/A " + pdfdoc_format(PDFDictionary(dict(element.attributes)),
                                                  doc).decode("latin-1"))
        home = next((kid.page for kid in element.kids
                     if isinstance(kid, (_Content, _Annotation))), None)
        if home is not None:
            entries.append(f"/Pg {pages[home]} 0 R")
        kids = []
        for kid in element.kids:
            if isinstance(kid, Element):
                kids.append(f"{numbers[id(kid)]} 0 R")
            elif isinstance(kid, _Content):
                kids.append(str(kid.mcid) if kid.page == home else
                            f"<< /Type /MCR /Pg {pages[kid.page]} 0 R /MCID {kid.mcid} >>")
            else:
                kids.append(f"<< /Type /OBJR /Pg {pages[kid.page]} 0 R "
                            f"/Obj {number.of(kid.name)} 0 R >>")
        if kids:
            entries.append("/K " + (kids[0] if len(kids) == 1 else f"[{' '.join(kids)}]"))
        return f"<< {' '.join(entries)} >>"


class Written(PDFObject):
    """A PDF object whose text is written out already (``Tagger.write``)."""

    def __init__(self, text: str = "") -> None:
        self.text = text

    def format(self, document) -> bytes:
        return self.text.encode("latin-1")


class _Numbers:
    """The object number of an object registered in ReportLab's document."""

    def __init__(self, doc) -> None:
        self.doc = doc

    def __call__(self, obj) -> int:
        return self.of(self.doc.Reference(obj).name)

    def of(self, name: str) -> int:
        return self.doc.idToObjectNumberAndVersion[name][0]


def _walk(element: Element):
    yield element
    for kid in element.kids:
        if isinstance(kid, Element):
            yield from _walk(kid)


def _string(value: str, doc) -> str:
    """A text string as PDF text (ReportLab chooses PDFDocEncoding or UTF-16)."""
    return PDFString(value).format(doc).decode("latin-1")


# ------------------------------------------------------------------ metadata

def metadata(meta) -> PDFStream:
    """The XMP packet: title, authors, language and the PDF/UA-1 claim."""
    stream = PDFStream(PDFDictionary({"Type": PDFName("Metadata"),
                                      "Subtype": PDFName("XML")}), xmp(meta).encode("utf-8"))
    stream.filters = []      # left readable, as the metadata of a file is meant to be
    return stream


def xmp(meta) -> str:
    day = (meta.edition.isoformat() + "T00:00:00Z") if meta.edition else "2000-01-01T00:00:00Z"
    authors = "".join(f"<rdf:li>{escape(name)}</rdf:li>" for name in meta.authors)
    keywords = escape(", ".join(meta.keywords))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.title)}</rdf:li>'
        '</rdf:Alt></dc:title>\n'
        f'<dc:creator><rdf:Seq>{authors}</rdf:Seq></dc:creator>\n'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.subject)}'
        '</rdf:li></rdf:Alt></dc:description>\n'
        f'<dc:language><rdf:Bag><rdf:li>{escape(meta.language)}</rdf:li></rdf:Bag>'
        '</dc:language>\n'
        '<dc:format>application/pdf</dc:format>\n'
        f'<pdf:Keywords>{keywords}</pdf:Keywords>\n'
        '<pdf:Producer>briefgen</pdf:Producer>\n'
        '<xmp:CreatorTool>briefgen</xmp:CreatorTool>\n'
        f'<xmp:CreateDate>{day}</xmp:CreateDate>\n'
        f'<xmp:ModifyDate>{day}</xmp:ModifyDate>\n'
        '<pdfuaid:part>1</pdfuaid:part>\n'
        '</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>')
