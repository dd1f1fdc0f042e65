"""The DOCX brief as readers who do not see the page get it: its languages, its title and
properties, an outline of headings without gaps, tables with a marked header row, a
summary and rows that never split, a described logo, boxes kept whole, and the rules of
Word's Accessibility Checker, each asserted on the XML (the checker runs only inside
Word).

The checker's rules, as Microsoft lists them for Word, and the test that holds each:

========================================  ============================================
missing alternative text (error)          test_every_picture_has_alternative_text...
missing table header (error)              test_every_table_marks_its_first_row...
document access restricted (error)        test_nothing_restricts_access_to_the_document
merged or split cells (warning)           test_no_table_has_merged_or_split_cells
repeated blank characters (warning)       test_no_text_repeats_blank_characters...
objects not inline (warning)              test_every_picture_is_inline_with_the_text
hard-to-read text contrast (warning)      test_all_text_reads_against_its_background...
unclear hyperlink text (warning)          test_every_link_has_text_that_names_it
heading order / no headings (tip)         test_headings_never_skip_a_level...
document title (missing title)            test_the_title_and_properties_come_from_the_brief
document language                         test_the_document_language_is_the_brief_s...
========================================  ============================================
"""

from __future__ import annotations

import dataclasses
import io
import re
from functools import cache

import docx
import pytest
from docx.oxml.ns import qn
from PIL import Image

from briefgen.compose import blocks as b
from briefgen.project.theme import DEFAULT_THEME, Theme, load_theme
from briefgen.renderers import renderer_for
from briefgen.renderers.docx import language as lang
from tests.conftest import AUDIENCES, SEED, render_bytes
from tests.test_every_node import FURNITURE, META, TITLE, every_node_document, words

W = {name: qn(f"w:{name}") for name in (
    "p", "pPr", "pStyle", "r", "rPr", "t", "tab", "tbl", "tblPr", "tr", "trPr", "tc", "tcPr",
    "tblHeader", "cantSplit", "gridSpan", "vMerge", "hMerge", "lang", "val", "eastAsia",
    "bidi", "keepNext", "keepLines", "hyperlink", "tblCaption", "tblDescription", "gridCol",
    "shd", "fill", "tblStylePr", "type", "documentProtection", "rFonts", "rStyle")}
# The children of w:tblPr in the order of the schema (ECMA-376 CT_TblPrBase).
TBLPR_SCHEMA = tuple(qn(f"w:{name}") for name in (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"))
# The children of w:settings around w:themeFontLang, in the schema's (CT_Settings) order.
SETTINGS_BEFORE = tuple(qn(f"w:{n}") for n in ("zoom", "proofState", "defaultTabStop",
                                               "characterSpacingControl", "compat", "rsids"))
SETTINGS_AFTER = tuple(qn(f"w:{n}") for n in ("clrSchemeMapping", "doNotAutoCompressPictures",
                                              "shapeDefaults", "decimalSymbol",
                                              "listSeparator"))
GENERIC_LINK_TEXT = {"click here", "here", "link", "this link", "more", "read more", "click"}


@dataclasses.dataclass(frozen=True, eq=False)
class ColouredTheme(Theme):
    """A theme with a marking and a link colour of its own (``Theme`` has them too, once
    the theme files name them; this one names them either way)."""

    marking_colour: str = "#8B1A1A"
    link_colour: str = "#0B4F8A"


# ------------------------------------------------------------------ helpers

def render(document: b.Document, theme=DEFAULT_THEME) -> docx.document.Document:
    return docx.Document(io.BytesIO(renderer_for("docx")(theme).render(document)))


@cache
def every_node() -> docx.document.Document:
    return render(every_node_document())


@cache
def seed(audience: str) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_bytes(SEED, audience, "docx")))


def outputs() -> list:
    return [every_node(), *(seed(audience) for audience in AUDIENCES)]


def document_of(*blocks, meta: b.DocumentMeta = META) -> b.Document:
    return b.Document(meta, tuple(blocks), {}, title=TITLE, furniture=FURNITURE)


def body(document):
    return document.element.body


def parts(document) -> list:
    """The body and every header and footer: all a reader meets."""
    section = document.sections[0]
    return [body(document)] + [part.part.element for part in (
        section.first_page_header, section.header, section.first_page_footer,
        section.footer)]


def text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(W["t"]))


def style_id(p) -> str:
    style = p.find(f"{W['pPr']}/{W['pStyle']}")
    return "" if style is None else style.get(W["val"])


def heading_levels(document) -> list[int]:
    names = {s.style_id: s.name for s in document.styles}
    levels = [names.get(style_id(p), "") for p in body(document).iter(W["p"])]
    return [int(name.split()[-1]) for name in levels if name.startswith("Heading ")]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (31, 58, 95)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def language(monkeypatch):
    """``b.Language``, the span in another language, or a stand-in of its shape where the
    block tree does not have it yet."""
    if hasattr(b, "Language"):
        return b.Language

    @dataclasses.dataclass(frozen=True)
    class Language:
        lang: str
        children: tuple

    monkeypatch.setattr(b, "INLINE_TYPES", b.INLINE_TYPES + (Language,))
    return Language


# ------------------------------------------------------------------ languages

def test_the_document_language_is_the_brief_s_in_styles_settings_and_properties():
    meta = dataclasses.replace(META, language="fr-CA")
    document = render(document_of(b.Paragraph(words("Texte.")), meta=meta))
    default = default_language(document)
    assert (default.get(W["val"]), default.get(W["eastAsia"]), default.get(W["bidi"])) == \
        ("fr-CA", lang.EAST_ASIAN_DEFAULT, lang.RIGHT_TO_LEFT_DEFAULT)
    theme_lang = document.settings.element.find(qn("w:themeFontLang"))
    assert theme_lang.get(W["val"]) == "fr-CA"
    assert document.core_properties.language == "fr-CA"


def default_language(document):
    return document.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{W['rPr']}/{W['lang']}")


def test_a_reference_document_without_languages_gets_the_brief_s(tmp_path):
    reference = docx.Document()
    for found in list(reference.styles.element.iter(W["lang"])):
        found.getparent().remove(found)
    settings = reference.settings.element
    settings.remove(settings.find(qn("w:themeFontLang")))
    reference.save(tmp_path / "house.docx")
    theme = dataclasses.replace(DEFAULT_THEME, reference_docx=tmp_path / "house.docx")
    document = render(document_of(b.Paragraph(words("Text."))), theme)
    assert default_language(document).get(W["val"]) == "en-GB"
    assert document.settings.element.find(qn("w:themeFontLang")).get(W["val"]) == "en-GB"


def test_the_seed_is_in_british_english_not_the_template_s_american():
    for audience in AUDIENCES:
        assert default_language(seed(audience)).get(W["val"]) == "en-GB"
        assert seed(audience).settings.element.find(qn("w:themeFontLang")).get(W["val"]) == \
            "en-GB"
        assert seed(audience).core_properties.language == "en-GB"


def test_a_chinese_or_arabic_brief_names_its_language_in_the_slot_of_its_script():
    assert lang.document_slots("zh-Hant-TW")[W["eastAsia"]] == "zh-Hant-TW"
    assert lang.document_slots("ja")[W["eastAsia"]] == "ja"
    assert lang.document_slots("ar-EG")[W["bidi"]] == "ar-EG"
    assert lang.document_slots("ru-RU") == {W["val"]: "ru-RU", W["eastAsia"]: "zh-CN",
                                            W["bidi"]: "ar-SA"}


def test_theme_font_languages_sit_where_the_settings_schema_puts_them():
    settings = every_node().settings.element
    tags = [child.tag for child in settings]
    where = tags.index(qn("w:themeFontLang"))
    assert all(tags.index(t) < where for t in SETTINGS_BEFORE if t in tags)
    assert all(tags.index(t) > where for t in SETTINGS_AFTER if t in tags)


def test_a_span_in_another_language_sets_the_slot_of_its_script_on_its_runs(language):
    paragraph = b.Paragraph((
        b.Text("The ministry "), language("ru", (b.Text("Министерство обороны"),)),
        b.Text(" and "), language("zh-CN", (b.Strong((b.Text("国防部"),)),)),
        b.Text(" agreed.")))
    document = render(document_of(paragraph))
    runs = {text_of(r): r.find(f"{W['rPr']}/{W['lang']}")
            for r in body(document).iter(W["r"]) if text_of(r).strip()}
    assert dict(runs["Министерство обороны"].attrib) == {W["val"]: "ru"}
    assert dict(runs["国防部"].attrib) == {W["eastAsia"]: "zh-CN"}
    assert runs["The ministry "] is None and runs[" agreed."] is None
    chinese = next(r for r in body(document).iter(W["r"]) if text_of(r) == "国防部")
    assert [child.tag for child in chinese.find(W["rPr"])] == [W["rStyle"], W["rFonts"],
                                                                W["lang"]]


# ------------------------------------------------------------------ title, properties

def test_the_title_and_properties_come_from_the_brief():
    for audience in AUDIENCES:
        core = seed(audience).core_properties
        assert core.title == "Russian Military Support to China and the Taiwan Contingency"
        assert core.author and core.subject and core.keywords and core.language
    core = every_node().core_properties
    assert (core.title, core.author) == ("TitleWord", "AuthorWord")


def test_the_title_block_is_the_document_title_before_any_heading():
    document = every_node()
    names = {s.style_id: s.name for s in document.styles}
    styles = [names.get(style_id(p), "") for p in body(document).iter(W["p"])]
    assert styles.count("Title") == 1
    assert styles.index("Title") < min(i for i, s in enumerate(styles) if s.startswith("Heading"))


# ------------------------------------------------------------------ headings

def test_headings_never_skip_a_level_in_the_seed_or_the_every_node_brief():
    for document in outputs():
        levels = heading_levels(document)
        assert levels and levels[0] == 1
        assert all(after <= before + 1 for before, after in zip(levels, levels[1:])), levels


def test_a_heading_written_two_levels_down_is_raised_to_the_next_level():
    blocks = [b.Heading(level, words(f"H{level}")) for level in (2, 3, 1, 3, 3, 1)]
    assert heading_levels(render(document_of(*blocks))) == [1, 2, 1, 2, 2, 1]


# ------------------------------------------------------------------ tables

def tables(document) -> list:
    return list(body(document).iter(W["tbl"]))


def test_table_properties_follow_the_schema_s_order():
    for document in outputs():
        for tbl in tables(document):
            tags = [child.tag for child in tbl.find(W["tblPr"])]
            assert tags == sorted(tags, key=TBLPR_SCHEMA.index)


def test_a_table_is_summarised_by_its_caption_and_its_column_headings():
    tbl = tables(every_node())[0]
    properties = tbl.find(W["tblPr"])
    assert properties.find(W["tblCaption"]).get(W["val"]) == "CaptionWord"
    assert properties.find(W["tblDescription"]).get(W["val"]) == \
        "CaptionWord: HeadC1, HeadC2, HeadC3"


def test_every_seed_table_has_its_caption_as_its_title():
    document = seed("analytical")
    captions = [text_of(p) for p in body(document).iter(W["p"])
                if style_id(p) == document.styles["Caption"].style_id]
    titles = [tbl.find(f"{W['tblPr']}/{W['tblCaption']}").get(W["val"])
              for tbl in tables(document)]
    assert titles == captions and len(titles) == 3


def test_a_table_without_a_caption_is_described_by_its_headings_alone():
    table = b.Table((b.TableCell(words("Name")), b.TableCell(words("Status"))),
                    ((b.TableCell(words("A")), b.TableCell(words("B"))),))
    properties = tables(render(document_of(b.Paragraph(words("Text.")), table)))[0][0]
    assert properties.find(W["tblCaption"]) is None
    assert properties.find(W["tblDescription"]).get(W["val"]) == "Name, Status"


def test_every_table_marks_its_first_row_as_header_and_no_row_may_split():
    for document in outputs():
        for tbl in tables(document):
            rows = tbl.findall(W["tr"])
            marked = [tr.find(f"{W['trPr']}/{W['tblHeader']}") is not None for tr in rows]
            assert marked == [True] + [False] * (len(rows) - 1)
            assert all(tr.find(f"{W['trPr']}/{W['cantSplit']}") is not None for tr in rows)


def test_a_long_table_s_rows_never_split_and_its_header_alone_repeats():
    rows = tuple((b.TableCell(words(f"Name{i}")), b.TableCell(words("Long text " * 40)))
                 for i in range(17))
    table = b.Table((b.TableCell(words("Name")), b.TableCell(words("Text"))), rows)
    (tbl,) = tables(render(document_of(b.Caption(words("Seventeen rows")), table)))
    assert len(tbl.findall(W["tr"])) == 18
    assert len(tbl.findall(f"{W['tr']}/{W['trPr']}/{W['cantSplit']}")) == 18
    assert len(tbl.findall(f"{W['tr']}/{W['trPr']}/{W['tblHeader']}")) == 1


def test_a_column_of_short_names_beside_long_descriptions_is_the_narrow_one():
    rows = tuple((b.TableCell(words(name)), b.TableCell(words("Reported by two sources " * 6)))
                 for name in ("Confirmed", "Underway", "Ongoing", "Denied"))
    table = b.Table((b.TableCell(words("Status")), b.TableCell(words("Description"))), rows)
    (tbl,) = tables(render(document_of(table)))
    grid = [int(col.get(qn("w:w"))) for col in tbl.iter(W["gridCol"])]
    assert grid[1] > 4 * grid[0]
    cell_widths = [int(tc.find(f"{W['tcPr']}/{qn('w:tcW')}").get(qn("w:w")))
                   for tc in tbl.find(W["tr"]).findall(W["tc"])]
    assert cell_widths == grid


# ------------------------------------------------------------------ boxes, logo, colours

def test_a_box_is_kept_whole_on_one_page():
    box = b.Callout("summary", (b.Paragraph(words("One.")), b.Paragraph(words("Two.")),
                                b.Paragraph(words("Three."))))
    document = render(document_of(box))
    callout = document.styles["Callout"]
    assert callout.paragraph_format.keep_together
    paragraphs = [p for p in body(document).iter(W["p"]) if style_id(p) == callout.style_id]
    keep = [p.find(f"{W['pPr']}/{W['keepNext']}") is not None for p in paragraphs]
    assert keep == [True, True, False]


def test_every_picture_has_alternative_text_naming_the_organisation_s_logo():
    theme = dataclasses.replace(DEFAULT_THEME, logo_png=png_bytes())
    document = render(every_node_document(), theme)
    (doc_pr,) = body(document).iter(qn("wp:docPr"))
    assert doc_pr.get("descr") == "OrgWord logo" and doc_pr.get("title") == "Logo"
    assert not re.search(r"\.(png|jpe?g|gif)\b|Picture \d", doc_pr.get("descr"))


def test_every_picture_is_inline_with_the_text():
    theme = dataclasses.replace(DEFAULT_THEME, logo_png=png_bytes())
    element = body(render(every_node_document(), theme))
    assert len(list(element.iter(qn("wp:inline")))) == 1
    assert not list(element.iter(qn("wp:anchor")))


def test_the_marking_and_links_take_the_theme_s_own_colours():
    document = render(every_node_document(), ColouredTheme())
    assert str(document.styles["Marking"].font.color.rgb) == "8B1A1A"
    assert str(document.styles["Hyperlink"].font.color.rgb) == "0B4F8A"


# ------------------------------------------------------------------ the checker's rules

def test_no_table_has_merged_or_split_cells():
    for document in outputs():
        for tbl in tables(document):
            columns = len(list(tbl.iter(W["gridCol"])))
            assert all(len(tr.findall(W["tc"])) == columns for tr in tbl.findall(W["tr"]))
            assert not [e for tag in ("gridSpan", "vMerge", "hMerge") for e in tbl.iter(W[tag])]


def test_no_text_repeats_blank_characters_and_no_empty_paragraphs_follow_one_another():
    for document in outputs():
        paragraphs = list(body(document).iter(W["p"]))
        blank = [not text_of(p).strip() and not list(p.iter(qn("wp:inline")))
                 for p in paragraphs if p.getparent().tag != W["tc"]]
        assert not any(a and b_ for a, b_ in zip(blank, blank[1:]))
        for p in (p for element in parts(document) for p in element.iter(W["p"])):
            assert "  " not in text_of(p), text_of(p)
            content = [child.tag for r in p.iter(W["r"]) for child in r
                       if child.tag in (W["t"], W["tab"])]
            assert not any(a == b_ == W["tab"] for a, b_ in zip(content, content[1:]))


def test_nothing_restricts_access_to_the_document():
    for document in outputs():
        assert document.settings.element.find(W["documentProtection"]) is None


def test_every_link_has_text_that_names_it():
    links = list(body(every_node()).iter(W["hyperlink"]))
    assert links
    for link in links:
        text = " ".join(text_of(link).split())
        assert text and text.lower() not in GENERIC_LINK_TEXT


def luminance(hex_colour: str) -> float:
    """WCAG 2.1's relative luminance of ``RRGGBB``."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b_ = (int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b_)


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class Looks:
    """A document's styles resolved through their base styles: colour, size, weight."""

    def __init__(self, document):
        self.by_id = {s.style_id: s for s in document.styles}
        table = self.by_id["BriefTable"].element
        self.fills = {p.get(W["type"]): p.find(f"{W['tcPr']}/{W['shd']}").get(W["fill"])
                      for p in table.iter(W["tblStylePr"])}
        self.box = self._fill(self.by_id.get("Callout"))

    def _fill(self, style) -> str | None:
        shd = None if style is None else style.element.find(f"{W['pPr']}/{W['shd']}")
        return None if shd is None else shd.get(W["fill"])

    def resolved(self, style, what: str):
        while style is not None:
            font = style.font
            value = {"colour": font.color.rgb if font.color.type else None,
                     "size": font.size, "bold": font.bold}[what]
            if value is not None:
                return value
            style = style.base_style
        return None

    def backgrounds(self, p) -> list[str]:
        row = next((a for a in p.iterancestors(W["tr"])), None)
        if row is not None:
            header = row.find(f"{W['trPr']}/{W['tblHeader']}") is not None
            return [self.fills["firstRow"]] if header else ["FFFFFF", self.fills["band2Horz"]]
        own = self._fill(self.by_id.get(style_id(p)))
        return [own or "FFFFFF"]

    def runs(self, p):
        """(colour, size in points, bold) of each run of text in ``p``."""
        paragraph = self.by_id.get(style_id(p), self.by_id.get("Normal"))
        for r in p.iter(W["r"]):
            if not text_of(r).strip():
                continue
            rstyle = r.find(f"{W['rPr']}/{W['rStyle']}")
            styles = [self.by_id[rstyle.get(W["val"])]] if rstyle is not None else []
            look = [next((v for v in (self.resolved(s, what) for s in styles + [paragraph])
                          if v is not None), None) for what in ("colour", "size", "bold")]
            colour, size, bold = look
            yield str(colour or "000000"), (size.pt if size else 11.0), bool(bold)


def low_contrast(document) -> list[tuple]:
    """Every run of text whose colour reads below WCAG 2.1 AA on a background it sits on
    (4.5:1; 3:1 for large text), with its colours and ratio."""
    looks, low = Looks(document), []
    for element in parts(document):
        for p in element.iter(W["p"]):
            for colour, size, bold in looks.runs(p):
                needed = 3.0 if size >= 18 or (bold and size >= 14) else 4.5
                low += [(text_of(p)[:30], colour, background, contrast(colour, background))
                        for background in looks.backgrounds(p)
                        if contrast(colour, background) < needed]
    return low


@pytest.mark.parametrize("theme_name", ["sober", "think-tank"])
def test_all_text_reads_against_its_background_in_every_built_in_theme(theme_name):
    assert low_contrast(render(every_node_document(), load_theme(theme_name))) == []


def test_the_seed_s_text_reads_against_its_background():
    for audience in AUDIENCES:
        assert low_contrast(seed(audience)) == []


def test_the_contrast_check_finds_pale_text():
    pale = dataclasses.replace(DEFAULT_THEME, text_colour="#B0B0B0")
    assert any(colour == "B0B0B0" for _, colour, _, _ in low_contrast(
        render(every_node_document(), pale)))


def rows_kept_with_next(tbl) -> list[bool]:
    """For each row: every paragraph of it keeps with the next."""
    return [all(p.find(f"{W['pPr']}/{qn('w:keepNext')}") is not None
                for p in tr.iter(W["p"])) for tr in tbl.findall(W["tr"])]


@pytest.mark.parametrize("body_rows", [1, 3, 4])
def test_a_short_table_keeps_every_row_with_the_next_so_it_moves_whole(body_rows):
    rows = tuple((b.TableCell(words(f"Name{i}")), b.TableCell(words("Text"))) for i in range(body_rows))
    table = b.Table((b.TableCell(words("Name")), b.TableCell(words("Text"))), rows)
    (tbl,) = tables(render(document_of(b.Caption(words("Short")), table)))
    assert rows_kept_with_next(tbl) == [True] * body_rows + [False]


@pytest.mark.parametrize("body_rows", [5, 17])
def test_a_long_table_breaks_only_with_its_header_and_two_rows_before_and_two_after(body_rows):
    rows = tuple((b.TableCell(words(f"Name{i}")), b.TableCell(words("Text"))) for i in range(body_rows))
    table = b.Table((b.TableCell(words("Name")), b.TableCell(words("Text"))), rows)
    (tbl,) = tables(render(document_of(b.Caption(words("Long")), table)))
    kept = rows_kept_with_next(tbl)
    # the header with rows 1 and 2; the last row with the one before it; the rest free
    assert kept == [True, True] + [False] * (body_rows - 3) + [True, False]
