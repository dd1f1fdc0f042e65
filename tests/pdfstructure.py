"""A tagged PDF read back as assistive technology reads it: the structure tree as nested
nodes (role, attributes, text, children), the marked content of every page by MCID, and
the tree ``pdfinfo -struct-text`` prints, parsed into the same nodes.

Text is decoded through each font's own /ToUnicode map, never guessed from glyph
names: a map that is missing or wrong shows as wrong text in the tree.  A content
stream is walked operator by operator (``pikepdf.parse_content_stream``), following
every form XObject it draws, and each painting operator is recorded with the
marked-content sequences open around it, so tests can ask what is tagged, what is an
Artifact and what is neither.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple

import pikepdf

# Operators that put marks on the page (ISO 32000-1 tables 51, 57, 77, 87, 92).
TEXT_SHOWING = frozenset({"Tj", "TJ", "'", '"'})
PAINTING = TEXT_SHOWING | {"Do", "sh", "BI", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s"}


def flat(text: str) -> str:
    """``text`` with each run of white space as one space, and none at either end."""
    return " ".join(text.split())


# ------------------------------------------------------------------- fonts

class Decoder:
    """A font's character codes as Unicode text, through its /ToUnicode CMap."""

    def __init__(self, font: pikepdf.Dictionary):
        self.name = str(font.get("/BaseFont", "?"))
        self.lengths, self.map = [1], {}
        if "/ToUnicode" in font:
            self._read(font.ToUnicode.read_bytes().decode("latin-1"))

    def _read(self, cmap: str) -> None:
        spaces = _sections(cmap, "codespacerange")
        self.lengths = sorted({len(low) // 2 for block in spaces
                               for low, _ in re.findall(r"<(\w+)>\s*<(\w+)>", block)},
                              reverse=True) or [1]
        for block in _sections(cmap, "bfchar"):
            for source, target in re.findall(r"<(\w+)>\s*<(\w*)>", block):
                self.map[bytes.fromhex(source)] = _utf16(target)
        for block in _sections(cmap, "bfrange"):
            for low, high, target in re.findall(r"<(\w+)>\s*<(\w+)>\s*(<\w*>|\[[^\]]*\])",
                                                block):
                self._range(bytes.fromhex(low), bytes.fromhex(high), target)

    def _range(self, low: bytes, high: bytes, target: str) -> None:
        start, end, width = int.from_bytes(low, "big"), int.from_bytes(high, "big"), len(low)
        if target.startswith("["):
            targets = [_utf16(t) for t in re.findall(r"<(\w*)>", target)]
        else:
            first = _utf16(target.strip("<>"))
            targets = [first[:-1] + chr(ord(first[-1]) + i) for i in range(end - start + 1)]
        for offset, text in zip(range(end - start + 1), targets):
            self.map[(start + offset).to_bytes(width, "big")] = text

    def decode(self, data: bytes) -> str:
        out, index = [], 0
        while index < len(data):
            for length in self.lengths:
                code = data[index:index + length]
                if code in self.map:
                    out.append(self.map[code])
                    index += length
                    break
            else:
                out.append("\ufffd")
                index += self.lengths[-1]
        return "".join(out)


def _sections(cmap: str, name: str) -> list[str]:
    return re.findall(rf"begin{name}(.*?)end{name}", cmap, re.S)


def _utf16(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode("utf-16-be") if hex_text else ""


# --------------------------------------------------------- marked content

class Mark(NamedTuple):
    """An open marked-content sequence: its tag, and its MCID if it has one."""

    tag: str
    mcid: int | None


class Shown(NamedTuple):
    """A painting operator, the text it shows (if any), and the sequences open around
    it, outermost first."""

    operator: str
    text: str
    marks: tuple
    where: str

    @property
    def mcid(self) -> int | None:
        tagged = [m.mcid for m in self.marks if m.mcid is not None]
        return tagged[-1] if tagged else None

    @property
    def artifact(self) -> bool:
        return any(m.tag == "/Artifact" for m in self.marks)


@dataclass
class PageContent:
    """What one page draws, operator by operator, forms followed."""

    shown: list = field(default_factory=list)
    opened: list = field(default_factory=list)     # the open marks at each BMC/BDC
    problems: list = field(default_factory=list)   # unbalanced sequences, as sentences

    def text_of(self, mcid: int) -> str:
        return "".join(s.text for s in self.shown if s.mcid == mcid)

    def mcids(self) -> list[int]:
        """The MCIDs of the page, in the order their sequences open."""
        return [stack[-1].mcid for stack in self.opened if stack[-1].mcid is not None]

    def artifact_text(self) -> str:
        return "".join(s.text for s in self.shown if s.artifact and s.mcid is None)

    def tagged_text(self) -> str:
        return "".join(s.text for s in self.shown if s.mcid is not None)


class ContentReader:
    """Walks a content stream and the form XObjects it draws, keeping the open marks,
    the graphics state's font and the fonts' decoders."""

    def __init__(self) -> None:
        self.decoders: dict = {}

    def page(self, page: pikepdf.Page, label: str) -> PageContent:
        content = PageContent()
        self._walk(page.obj, page.obj.get("/Resources", pikepdf.Dictionary()), (),
                   content, label, set())
        return content

    def _walk(self, stream, resources, outer: tuple, content: PageContent, where: str,
              forms: set) -> None:
        marks, fonts, font = list(outer), [], None
        for instruction in pikepdf.parse_content_stream(stream):
            op = str(instruction.operator)
            operands = list(getattr(instruction, "operands", ()))
            if op in ("BMC", "BDC"):
                marks.append(_mark(op, operands))
                content.opened.append(tuple(marks))
            elif op == "EMC":
                if len(marks) == len(outer):
                    content.problems.append(f"{where}: EMC with no sequence open")
                else:
                    marks.pop()
            elif op == "q":
                fonts.append(font)
            elif op == "Q" and fonts:
                font = fonts.pop()
            elif op == "Tf":
                font = self._decoder(resources, operands[0])
            elif op == "INLINE IMAGE":
                content.shown.append(Shown("BI", "", tuple(marks), where))
            elif op in PAINTING:
                text = _shown_text(op, operands, font) if op in TEXT_SHOWING else ""
                content.shown.append(Shown(op, text, tuple(marks), where))
                if op == "Do":
                    self._form(resources, operands[0], tuple(marks), content, where, forms)
        if len(marks) != len(outer):
            content.problems.append(f"{where}: {len(marks) - len(outer)} sequence(s) left open")

    def _form(self, resources, name, marks: tuple, content, where: str, forms: set) -> None:
        xobject = resources.get("/XObject", {}).get(str(name))
        if xobject is None or xobject.get("/Subtype") != "/Form" or xobject.objgen in forms:
            return
        inner = xobject.get("/Resources", resources)
        self._walk(xobject, inner, marks, content, f"{where}, form {name}",
                   forms | {xobject.objgen})

    def _decoder(self, resources, name) -> Decoder | None:
        font = resources.get("/Font", {}).get(str(name))
        if font is None:
            return None
        key = font.objgen if font.is_indirect else id(font)
        if key not in self.decoders:
            self.decoders[key] = Decoder(font)
        return self.decoders[key]


def _mark(op: str, operands: list) -> Mark:
    tag = str(operands[0])
    properties = operands[1] if op == "BDC" and len(operands) > 1 else None
    mcid = None
    if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
        mcid = int(properties.MCID)
    return Mark(tag, mcid)


def _shown_text(op: str, operands: list, font: Decoder | None) -> str:
    strings = operands[0] if op == "TJ" else operands[-1:]
    data = b"".join(bytes(s) for s in strings if isinstance(s, pikepdf.String))
    return font.decode(data) if font is not None else "\ufffd" * len(data)


# --------------------------------------------------------- structure tree

class Content(NamedTuple):
    """Marked content an element holds: its page (0-based), MCID and text."""

    page: int | None
    mcid: int | None
    text: str


class Reference(NamedTuple):
    """An object an element holds (an annotation, through an OBJR)."""

    page: int | None
    obj: object


@dataclass(frozen=True)
class Node:
    """A structure element: its standard role, its attributes (the /A entries, names
    as '/Table'), the text of the content it holds itself, its child elements, and all
    it holds in order (``kids``: nodes, ``Content``, ``Reference``)."""

    role: str
    attributes: dict
    text: str
    children: tuple
    kids: tuple = ()
    alt: str | None = None
    lang: str | None = None
    ref: tuple | None = None      # the element's object number and generation

    def all_text(self) -> str:
        """Its text and that of every element under it, in the order a reader meets it."""
        return "".join(kid.all_text() if isinstance(kid, Node)
                       else kid.text if isinstance(kid, Content) else "" for kid in self.kids)

    def walk(self) -> Iterator["Node"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, *roles: str) -> list["Node"]:
        return [node for node in self.walk() if node.role in roles]

    def contents(self) -> list[Content]:
        return [kid for kid in self.kids if isinstance(kid, Content)]

    def references(self) -> list[Reference]:
        return [kid for kid in self.kids if isinstance(kid, Reference)]

    def shape(self) -> tuple:
        """(role, its own text flattened, shapes of its children): what a test compares."""
        return (self.role, flat(self.text), tuple(child.shape() for child in self.children))


class TaggedPdf:
    """One PDF: its pages' content, its structure tree and its parent tree."""

    def __init__(self, source: bytes | Path):
        self.pdf = pikepdf.open(source if isinstance(source, Path) else io.BytesIO(source))
        self.page_index = {page.obj.objgen: i for i, page in enumerate(self.pdf.pages)}
        reader = ContentReader()
        self.fonts = reader.decoders
        self.pages = [reader.page(page, f"page {i + 1}") for i, page in enumerate(self.pdf.pages)]
        root = self.pdf.Root.get("/StructTreeRoot")
        self.root = None if root is None else self._root(root)

    @property
    def document(self) -> Node:
        """The Document element: the one child of the tree's root."""
        assert self.root is not None, "the PDF has no structure tree"
        (document,) = self.root.children
        return document

    def _root(self, root) -> Node:
        kids = tuple(self._kid(kid, None) for kid in _listed(root.get("/K")))
        return Node("StructTreeRoot", {}, "", tuple(k for k in kids if isinstance(k, Node)), kids)

    def _kid(self, kid, page: int | None):
        if isinstance(kid, int):
            return Content(page, int(kid), self._text(page, int(kid)))
        kind = kid.get("/Type")
        if kind == "/MCR":
            where = self._page_of(kid, page)
            return Content(where, int(kid.MCID), self._text(where, int(kid.MCID)))
        if kind == "/OBJR":
            return Reference(self._page_of(kid, page), kid.Obj)
        return self._element(kid)

    def _element(self, element) -> Node:
        page = self._page_of(element, None)
        kids = tuple(self._kid(kid, page) for kid in _listed(element.get("/K")))
        own = "".join(k.text for k in kids if isinstance(k, Content))
        return Node(str(element.S)[1:], attributes(element.get("/A")), own,
                    tuple(k for k in kids if isinstance(k, Node)), kids,
                    _text_or_none(element.get("/Alt")), _text_or_none(element.get("/Lang")),
                    element.objgen)

    def _page_of(self, obj, default: int | None) -> int | None:
        page = obj.get("/Pg")
        return self.page_index.get(page.objgen) if page is not None else default

    def _text(self, page: int | None, mcid: int) -> str:
        return self.pages[page].text_of(mcid) if page is not None else ""

    def parent_tree(self) -> dict:
        """The number tree of the structure tree's root, key to value."""
        return number_tree(self.pdf.Root.StructTreeRoot.ParentTree)

    def claimed(self) -> dict:
        """(page, MCID) -> the refs of the elements holding that content."""
        out: dict = {}
        for node in self.document.walk():
            for content in node.contents():
                out.setdefault((content.page, content.mcid), []).append(node.ref)
        return out

    def close(self) -> None:
        self.pdf.close()

    def __enter__(self) -> "TaggedPdf":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _listed(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _text_or_none(value) -> str | None:
    return None if value is None else str(value)


def attributes(value) -> dict:
    """An element's /A, one dictionary or several (revision numbers skipped), merged."""
    merged: dict = {}
    for entry in _listed(value):
        if isinstance(entry, pikepdf.Dictionary):
            merged.update({str(k): python_value(v) for k, v in entry.items()})
    return merged


def python_value(value):
    if isinstance(value, pikepdf.Name):
        return str(value)
    if isinstance(value, pikepdf.Array):
        return [python_value(v) for v in value]
    if isinstance(value, pikepdf.String):
        return str(value)
    if isinstance(value, (bool, int)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def number_tree(node) -> dict:
    """A number tree's leaves: /Nums pairs, and the /Kids below, followed."""
    out: dict = {}
    nums = list(node.get("/Nums", []))
    out.update({int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)})
    for kid in node.get("/Kids", []):
        out.update(number_tree(kid))
    return out


def fonts_of(pdf: pikepdf.Pdf) -> list:
    """Every font the pages use: their resources', their form XObjects' (followed
    down), and each Type 0 font's descendants; each object once."""
    found, seen = [], set()
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    visited: set = set()
    while stack:
        resources = stack.pop()
        if resources is None or (resources.is_indirect and resources.objgen in visited):
            continue
        if resources.is_indirect:
            visited.add(resources.objgen)
        for font in resources.get("/Font", {}).values():
            for each in (font, *font.get("/DescendantFonts", [])):
                key = each.objgen if each.is_indirect else id(each)
                if key not in seen:
                    seen.add(key)
                    found.append(each)
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                stack.append(xobject.get("/Resources"))
    return found


# ------------------------------------------------------- pdfinfo's reading

@dataclass(frozen=True)
class Printed:
    """An element as ``pdfinfo -struct-text`` prints it: role, attributes, its own
    strings joined, its child elements; ``kids`` in order (nodes and strings)."""

    role: str
    attributes: dict
    text: str
    children: tuple
    kids: tuple = ()
    objects: int = 0        # object references (OBJR) it holds

    def all_text(self) -> str:
        return "".join(kid.all_text() if isinstance(kid, Printed) else kid for kid in self.kids)

    def walk(self) -> Iterator["Printed"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, *roles: str) -> list["Printed"]:
        return [node for node in self.walk() if node.role in roles]

    def shape(self) -> tuple:
        return (self.role, flat(self.text), tuple(child.shape() for child in self.children))


def struct_text(path: Path) -> list[Printed]:
    """The top elements ``pdfinfo -struct-text PATH`` prints, parsed."""
    result = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                            text=True, check=True, encoding="utf-8")
    return parse_struct_text(result.stdout)


def parse_struct_text(output: str) -> list[Printed]:
    """pdfinfo's tree: two spaces of indent per level; an element line is its role
    (then "(block)"/"(inline)", or ":" when attribute lines, deeper, follow); a string
    in double quotes is marked content; "Object N G" an object reference."""
    top: list = []
    stack: list[tuple[int, dict]] = []
    for line in output.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        body = line.strip()
        while stack and stack[-1][0] >= depth:
            _close(stack, top)
        if body.startswith('"') and body.endswith('"') and len(body) >= 2:
            stack[-1][1]["kids"].append(body[1:-1])
        elif body.startswith("Object "):
            stack[-1][1]["objects"] += 1
        elif body.startswith("/"):
            key, _, value = body.partition(" ")
            stack[-1][1]["attributes"][key] = value.strip()
        else:
            role = body.split()[0].rstrip(":")
            stack.append((depth, {"role": role, "kids": [], "attributes": {}, "objects": 0}))
    while stack:
        _close(stack, top)
    return top


def _close(stack: list, top: list) -> None:
    _, entry = stack.pop()
    kids = tuple(entry["kids"])
    node = Printed(entry["role"], entry["attributes"],
                   "".join(k for k in kids if isinstance(k, str)),
                   tuple(k for k in kids if isinstance(k, Printed)), kids, entry["objects"])
    (stack[-1][1]["kids"] if stack else top).append(node)
