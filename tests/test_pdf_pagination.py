"""Where the PDF breaks its pages, read back with pdfplumber from the words' positions.

Every word of the generated briefs names the block it belongs to (``pa x003`` is word 3
of paragraph ``pa``; ``tlr05c1x02`` is word 2 of row 5, column 1 of table ``tl``), so
the page and line of every paragraph, heading, caption and table row can be found
from the page alone.  One family of briefs, whose lead paragraph grows a line at a
time, moves every later block down the pages in steps smaller than a table row; the
rules are checked on every member, so each meets a page end at every offset.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pdfplumber
import pytest
import yaml

import briefgen
from briefgen.data.load import load_brief
from briefgen.errors import RenderError
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers.page import margins, page_size
from tests.conftest import minimal_brief

pytestmark = pytest.mark.xdist_group("pdf-pagination")   # the family is built once

TOP, _, BOTTOM, _ = margins(DEFAULT_THEME)
FRAME_BOTTOM = page_size(DEFAULT_THEME)[1] - BOTTOM     # from the top, as pdfplumber measures
SLACK = 30.0    # points: spacing and glyph boxes that positions of words do not show
MEMBERS = range(16)     # the family: member k has 2k one-word paragraphs before its lead
HEADINGS = ("AlphaHeading", "BetaHeading", "GammaHeading", "DeltaHeading")
WORD = re.compile(r"^(?P<block>p[a-z]+)\d+$")
CELL = re.compile(r"^(?P<table>[LSBW])(?P<row>\d+)[ab]\d*$")


# ------------------------------------------------------------------ briefs

def words(block: str, count: int) -> str:
    return " ".join(f"{block}{j}" for j in range(count))


def table(letter: str, caption: str, rows: int, wrapping: bool = False) -> dict:
    """Table ``letter`` (L, S, B): two columns; with ``wrapping``, every third row's
    second cell runs over two lines, so rows differ in height."""
    def cell(row: int, column: str) -> str:
        if wrapping and column == "b" and row % 3 == 0:
            return " ".join(f"{letter}{row}b{j}" for j in range(12))
        return f"{letter}{row}{column}"

    return {"id": caption.lower(), "caption": caption,
            "columns": [f"{caption}HeadOne", f"{caption}HeadTwo"],
            "rows": [[cell(r, "a"), cell(r, "b")] for r in range(rows)]}


def layout_brief(member: int) -> dict:
    """Four sections: ``2 * member`` one-word paragraphs (about 20 pt each) and a lead
    paragraph of one to three lines, then a 17-row table; one-word paragraphs, a long
    paragraph and a 4-row table; a heading with a 17-row table straight after it; a
    heading with a long paragraph straight after it.  Member by member, everything
    after the lead moves down by 40 to 80 pt."""
    lead = 14 * (member % 3 + 1) - 4
    return minimal_brief(summary=["A summary paragraph."], sections=[
        {"kind": "findings", "title": "AlphaHeading",
         "body": [*["Filler"] * (2 * member), words("pa", lead)],
         "tables": [table("L", "CaptionLong", 17, wrapping=True)]},
        {"kind": "implications", "title": "BetaHeading",
         "body": [*["Filler"] * 12, words("pc", 110)],
         "tables": [table("S", "CaptionShort", 4)]},
        {"kind": "recommendations", "title": "GammaHeading",
         "tables": [table("B", "CaptionBare", 17)]},
        {"kind": "outlook", "title": "DeltaHeading", "body": [words("pd", 90)]},
    ])


@pytest.fixture(scope="module")
def render_brief(tmp_path_factory):
    def render(brief: dict, audience: str = "analytical") -> bytes:
        path = tmp_path_factory.mktemp("pagination") / "brief.yaml"
        path.write_text(yaml.safe_dump(brief, sort_keys=False), encoding="utf-8")
        return briefgen.render(load_brief(path), audience, "pdf")
    return render


@pytest.fixture(scope="module")
def layouts(render_brief) -> dict:
    """Each member of the family, read back: member -> Layout."""
    return {member: Layout(render_brief(layout_brief(member))) for member in MEMBERS}


# ------------------------------------------------------------------ reading

@dataclass(frozen=True)
class Placed:
    text: str
    page: int       # from 0
    top: float
    bottom: float
    x0: float

    @property
    def line(self) -> tuple:
        return (self.page, round(self.top))


class Layout:
    """The words inside the text frame of every page, in reading order."""

    def __init__(self, data: bytes):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            placed = [Placed(w["text"], index, w["top"], w["bottom"], w["x0"])
                      for index, page in enumerate(pdf.pages) for w in page.extract_words()
                      if TOP - 1 < w["top"] and w["bottom"] < FRAME_BOTTOM + 1]
        self.words = sorted(placed, key=lambda w: (w.page, round(w.top), w.x0))
        self.index = {id(w): i for i, w in enumerate(self.words)}
        self.blocks: dict = {}
        self.cells: dict = {}
        for word in self.words:
            if (match := WORD.match(word.text)) is not None:
                self.blocks.setdefault(match["block"], []).append(word)
            elif (match := CELL.match(word.text)) is not None:
                rows = self.cells.setdefault(match["table"], {})
                rows.setdefault(int(match["row"]), []).append(word)

    def all(self, text: str) -> list[Placed]:
        return [w for w in self.words if w.text == text]

    def word(self, text: str) -> Placed:
        """The first ``text`` (a heading, a caption, a header cell) of the document."""
        return self.all(text)[0]

    def block(self, name: str) -> list[Placed]:
        return self.blocks.get(name, [])

    def before(self, word: Placed) -> Placed:
        return self.words[self.index[id(word)] - 1]

    def after(self, word: Placed) -> Placed:
        return self.words[self.index[id(word)] + 1]

    def rows(self, letter: str) -> dict[int, list[Placed]]:
        return dict(sorted(self.cells.get(letter, {}).items()))

    def rows_by_page(self, letter: str) -> dict[int, list[int]]:
        out: dict = {}
        for row, placed in self.rows(letter).items():
            out.setdefault(placed[0].page, []).append(row)
        return out

    def caption(self, name: str) -> Placed:
        """The first word of a table's caption ("Table" of "Table 2: CaptionShort")."""
        word = self.before(self.before(self.word(name)))
        assert word.text == "Table", word
        return word

    def start_of(self, name: str) -> tuple[Placed, str]:
        """Where the table captioned ``name`` starts: its heading, if the table follows
        one at once (they go together), else its caption; and the first table's letter."""
        caption = self.caption(name)
        before = self.before(caption)
        return (before if before.text in HEADINGS else caption), TABLES[name]

    def start_extent(self, first: Placed) -> float:
        """How tall the least start of what ``first`` (a heading or a caption) leads is,
        from its top down: for a table, its caption, header and first two rows; for a
        paragraph, two lines (or its one)."""
        after = first if first.text == "Table" else self.after(first)
        if after.text == "Table":
            caption = self.after(self.after(after))
            return max(w.bottom for w in self.rows(TABLES[caption.text])[1]) - first.top
        match = WORD.match(after.text)
        if match is None:
            return after.bottom - first.top
        block = self.block(match["block"])
        lines = sorted({w.line for w in block})[:2]
        return max(w.bottom for w in block if w.line in lines) - first.top


TABLES = {"CaptionLong": "L", "CaptionShort": "S", "CaptionBare": "B"}


def lines_by_page(placed: list[Placed]) -> dict[int, int]:
    out: dict = {}
    for page, _ in sorted({w.line for w in placed}):
        out[page] = out.get(page, 0) + 1
    return out


def room_after(word: Placed) -> float:
    """The room left on ``word``'s page below it."""
    return FRAME_BOTTOM - word.bottom


# ------------------------------------------------------------------ the family

def test_the_family_meets_each_rule_at_a_page_end(layouts):
    """The family is what these tests need: the long table splits in some members and
    moves whole in others; the short table and a heading each start a page in some."""
    splits = [lead for lead, layout in layouts.items() if len(layout.rows_by_page("L")) > 1]
    assert splits, "the long table never runs over a page break: the family tests nothing"
    assert any(lead not in splits for lead in layouts), "the long table always splits"
    assert any(layout.caption("CaptionShort").page > layout.block("pc")[-1].page
               for layout in layouts.values()), "the short table never meets a page end"
    assert any(layout.word(heading).page > layout.before(layout.word(heading)).page
               for layout in layouts.values() for heading in ("BetaHeading", "DeltaHeading"))


@pytest.mark.parametrize("name", ["CaptionLong", "CaptionBare"])
def test_a_long_table_starts_where_its_caption_header_and_two_rows_fit(layouts, name):
    for lead, layout in layouts.items():
        first, letter = layout.start_of(name)
        previous = layout.before(first)
        if first.page == previous.page:
            rows = layout.rows_by_page(letter).get(first.page, [])
            assert len(rows) >= 2, (f"member {lead}: page {first.page + 1} ends after "
                                    f"{first.text} with rows {rows} of its table")
            continue
        needed = layout.start_extent(first)
        assert room_after(previous) < needed + SLACK, (
            f"member {lead}: the table went to page {first.page + 1} whole, though page "
            f"{previous.page + 1} had {room_after(previous):.0f} pt left and its start needs "
            f"{needed:.0f}")


@pytest.mark.parametrize("name", ["CaptionLong", "CaptionBare"])
def test_a_long_table_repeats_its_header_and_never_leaves_one_row_alone(layouts, name):
    letter, header_words = TABLES[name], [f"{name}HeadOne", f"{name}HeadTwo"]
    for lead, layout in layouts.items():
        by_page = layout.rows_by_page(letter)
        for page, rows in by_page.items():
            assert len(rows) >= 2, f"member {lead}: page {page + 1} holds rows {rows} alone"
            header = [w for w in layout.words if w.page == page and w.text in header_words]
            assert [w.text for w in header] == header_words, \
                f"member {lead}: no header row on page {page + 1}"
            first_row = min(w.top for w in layout.rows(letter)[rows[0]])
            assert all(w.bottom <= first_row for w in header)
        assert [row for rows in by_page.values() for row in rows] == list(range(17))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_a_row_is_never_split_across_pages(layouts, name):
    for lead, layout in layouts.items():
        for row, placed in layout.rows(TABLES[name]).items():
            assert len({w.page for w in placed}) == 1, f"member {lead}: row {row} is split"


def test_a_table_of_four_rows_is_never_split(layouts):
    for lead, layout in layouts.items():
        pages = {w.page for row in layout.rows("S").values() for w in row}
        pages.add(layout.caption("CaptionShort").page)
        assert len(pages) == 1, f"member {lead}: the 4-row table is over pages {pages}"


@pytest.mark.parametrize("name", sorted(TABLES))
def test_a_caption_is_on_the_page_of_its_header_and_first_row(layouts, name):
    for lead, layout in layouts.items():
        caption = layout.caption(name)
        header = layout.word(f"{name}HeadOne")
        first = layout.rows(TABLES[name])[0]
        assert caption.page == header.page == first[0].page, f"member {lead}"
        assert caption.bottom <= header.top


@pytest.mark.parametrize("heading", HEADINGS)
def test_a_heading_is_never_the_last_thing_on_a_page(layouts, heading):
    for lead, layout in layouts.items():
        placed = layout.word(heading)
        assert layout.after(placed).page == placed.page, f"member {lead}: {heading} ends a page"


@pytest.mark.parametrize("heading", HEADINGS[1:])
def test_a_heading_moves_to_the_next_page_only_when_it_and_the_start_of_its_block_do_not_fit(
        layouts, heading):
    for lead, layout in layouts.items():
        placed = layout.word(heading)
        previous = layout.before(placed)
        if previous.page == placed.page:
            continue
        needed = layout.start_extent(placed)
        assert room_after(previous) < needed + SLACK, (
            f"member {lead}: {heading} went to page {placed.page + 1}, though page "
            f"{previous.page + 1} had {room_after(previous):.0f} pt left and the heading with "
            f"the start of what follows needs {needed:.0f}")


def test_no_paragraph_leaves_a_single_line_at_the_foot_or_the_head_of_a_page(layouts):
    broken = 0
    for lead, layout in layouts.items():
        for name, placed in sorted(layout.blocks.items()):
            per_page = lines_by_page(placed)
            if len(per_page) > 1:
                broken += 1
                pages = sorted(per_page)
                assert per_page[pages[0]] >= 2 and per_page[pages[-1]] >= 2, (
                    f"member {lead}: paragraph {name} has lines {per_page} on its pages")
    assert broken, "no paragraph of the family breaks across pages"


def test_a_long_paragraph_after_a_heading_starts_on_the_heading_s_page(render_brief):
    """Near the foot of a page, a heading with room for it and a few lines of the long
    paragraph after it stays there, and the paragraph goes on on the next page."""
    brief = minimal_brief(summary=["A summary paragraph."], sections=[
        {"kind": "findings", "title": "AlphaHeading", "body": ["Filler"] * 20},
        {"kind": "outlook", "title": "DeltaHeading", "body": [words("pd", 400)]}])
    layout = Layout(render_brief(brief))
    last_filler = layout.before(layout.word("DeltaHeading"))
    assert last_filler.text == "Filler" and last_filler.page == 0
    heading = layout.word("DeltaHeading")
    assert room_after(last_filler) > layout.start_extent(heading) + 2 * SLACK, \
        "the page should have clear room for the heading and two lines"
    assert heading.page == 0, (f"the heading and its paragraph went to page "
                               f"{heading.page + 1}, leaving {room_after(last_filler):.0f} pt "
                               "of page 1 empty")
    assert lines_by_page(layout.block("pd")).get(0, 0) >= 2


# ------------------------------------------------------------ line by line

SWEEP = range(2, 11)                     # lines in the lead paragraph
SWEPT = {"lines": 19, "rows": 17}         # one-word paragraphs before it


def sweep_brief(kind: str, lines: int) -> dict:
    """One-word paragraphs and a lead paragraph of about ``lines`` lines, then (kind
    "lines") a paragraph of eight lines or (kind "rows") a table of five rows: member by
    member, that moves down a line at a time across the foot of page 1."""
    body = [*["Filler"] * SWEPT[kind], words("pl", 15 * lines - 5)]
    section = {"kind": "findings", "title": "AlphaHeading", "body": body}
    if kind == "lines":
        body.append(words("pw", 120))
    else:
        section["tables"] = [table("W", "CaptionFive", 5)]
    return minimal_brief(summary=["A summary paragraph."], sections=[section])


@pytest.fixture(scope="module")
def sweeps(render_brief) -> dict:
    return {(kind, lines): Layout(render_brief(sweep_brief(kind, lines)))
            for kind in SWEPT for lines in SWEEP}


def line_height(placed: list[Placed]) -> float:
    tops = sorted({w.top for w in placed})
    return min(b - a for a, b in zip(tops, tops[1:]))


def test_a_paragraph_moving_line_by_line_over_a_page_end_keeps_two_lines_each_side(sweeps):
    orphan_kept = widow_kept = False
    for lines in SWEEP:
        layout = sweeps["lines", lines]
        per_page = lines_by_page(layout.block("pw"))
        assert all(count >= 2 for count in per_page.values()), \
            f"lead of {lines} lines: the paragraph's lines by page are {per_page}"
        placed = layout.block("pw")
        step = line_height(placed)
        before = layout.before(placed[0])
        if placed[0].page > before.page:
            orphan_kept |= room_after(before) > 1.5 * step
        elif len(per_page) > 1:
            last = max((w for w in placed if w.page == placed[0].page), key=lambda w: w.bottom)
            widow_kept |= room_after(last) > step
    assert orphan_kept, "no member had room for one line only: the sweep tests no orphan"
    assert widow_kept, "no member broke a line early: the sweep tests no widow"


def test_a_table_moving_line_by_line_over_a_page_end_keeps_two_rows_each_side(sweeps):
    splits = set()
    for lines in SWEEP:
        layout = sweeps["rows", lines]
        by_page = layout.rows_by_page("W")
        assert all(len(rows) >= 2 for rows in by_page.values()), \
            f"lead of {lines} lines: the table's rows by page are {by_page}"
        caption = layout.caption("CaptionFive")
        assert caption.page == min(by_page), f"lead of {lines} lines"
        if len(by_page) > 1:
            splits.add(len(by_page[min(by_page)]))
        elif caption.page > layout.before(caption).page:
            splits.add(0)
    assert splits >= {0, 2, 3}, f"the sweep split the table only as {splits}"


# ------------------------------------------------------------ long tables

@pytest.fixture(scope="module")
def sixty(render_brief):
    brief = minimal_brief()
    brief["sections"][0]["tables"] = [table("L", "CaptionSixty", 60)]
    data = render_brief(brief)
    return Layout(data), data


def stripe_rows(data: bytes) -> list[int]:
    """The rows of the table drawn on a band of the theme's stripe colour."""
    fill = tuple(int(DEFAULT_THEME.table_stripe_fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    striped = set()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            bands = [r for r in page.rects if r.get("fill") and _close(
                r.get("non_stroking_color"), fill)]
            for word in page.extract_words():
                match = CELL.match(word["text"])
                middle = (word["top"] + word["bottom"]) / 2
                if match and any(b["top"] <= middle <= b["bottom"] for b in bands):
                    striped.add(int(match["row"]))
    return sorted(striped)


def _close(colour, expected: tuple) -> bool:
    return isinstance(colour, (tuple, list)) and len(colour) == 3 and all(
        abs(a - e) < 0.01 for a, e in zip(colour, expected))


def test_a_sixty_row_table_runs_over_pages_with_every_row_once_in_order(sixty):
    layout, _ = sixty
    by_page = layout.rows_by_page("L")
    assert len(by_page) >= 2
    assert [row for rows in by_page.values() for row in rows] == list(range(60))
    assert all(len(rows) >= 2 for rows in by_page.values())
    for page in by_page:
        assert [w.text for w in layout.words if w.page == page and "Head" in w.text] == \
            ["CaptionSixtyHeadOne", "CaptionSixtyHeadTwo"]


def test_the_stripes_go_on_from_page_to_page(sixty):
    layout, data = sixty
    assert len(layout.rows_by_page("L")) >= 2
    assert stripe_rows(data) == list(range(1, 60, 2))


def test_a_cell_taller_than_a_page_in_a_later_row_of_a_long_table_is_named(render_brief):
    brief = minimal_brief()
    tall = table("L", "CaptionTall", 60)
    tall["rows"][44][1] = "Lorem ipsum dolor sit amet. " * 400
    brief["sections"][0]["tables"] = [tall]
    with pytest.raises(RenderError) as caught:
        render_brief(brief)
    (message,) = map(str, caught.value.problems)
    assert 'table 1 ("Table 1: CaptionTall"), row 45, column 2 ("Lorem ipsum dolor sit' \
        in message, message
