"""A theme's fonts belong to that theme, and the PDF renderer turns whatever the model
allows into a PDF or one clear located message, never a ReportLab traceback.

PDFs are read back with pypdf (font resources, metadata) and pdfplumber (the
characters drawn, where, and how large).
"""

from __future__ import annotations

import copy
import io
import re
import struct
import time

import pdfplumber
import pypdf
import pytest

from briefgen.build.stages import document_for, render_document
from briefgen.project import Project
from briefgen.data.load import load_brief
from briefgen.project import fonts
from briefgen.project.theme import load_theme

from .conftest import minimal_brief

MONO = fonts.find("DejaVuSansMono.ttf")           # a face no built-in family uses
CONDENSED = fonts.find("DejaVuSansCondensed.ttf")
SERIF = fonts.find("DejaVuSerif.ttf")
AUDIENCES = ("executive", "analytical", "public")
PUBLIC_HOUSE = "audiences:\n  executive: {}\n  analytical: {}\n  public: {theme: house}\n"


# ------------------------------------------------------------------ helpers

def pdf_file(project, audience: str, out=None, brief: str = "brief"):
    return (out or project.out) / brief / f"{brief}-{audience}.pdf"


def embedded_fonts(path) -> set[str]:
    """The PostScript name (subset prefix dropped) of every font in the resources of the
    pages and of the forms they draw."""
    names = set()
    for page in pypdf.PdfReader(path).pages:
        for resources in _resources(page["/Resources"]):
            for font in resources.get("/Font", {}).values():
                names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def _resources(resources):
    resources = resources.get_object()
    yield resources
    for xobject in resources.get("/XObject", {}).values():
        inner = xobject.get_object().get("/Resources")
        if inner is not None:
            yield from _resources(inner)


def chars(path) -> list[dict]:
    with pdfplumber.open(path) as pdf:
        return [c for page in pdf.pages for c in page.chars]


def text_of(path) -> str:
    with pdfplumber.open(path) as pdf:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)


def footers(path) -> list[str]:
    """The footer line of each page, as read."""
    with pdfplumber.open(path) as pdf:
        return [" ".join((page.crop((0, page.height - 40, page.width, page.height))
                          .extract_text() or "").split()) for page in pdf.pages]


def house_theme(project, font: bytes, *, family: str = "DejaVu Serif", name: str = "house",
                file: str = "my.ttf", roles: tuple = ("body",)) -> None:
    """A theme declaring ``family`` backed by ``font``, used for the roles named."""
    role_lines = "".join(f"  {role}: {family}\n" for role in roles)
    project.write(f"themes/{name}.yaml", f'fonts:\n  families:\n    "{family}": '
                                         f'{{regular: {file}}}\n{role_lines}')
    project.write(f"themes/{file}", font)


def widened(font: bytes) -> bytes:
    """``font`` with every glyph three ems wide: the same PostScript name, other metrics."""
    tables = _tables(font)
    hhea, hmtx = tables[b"hhea"], tables[b"hmtx"]
    metrics = struct.unpack(">H", font[hhea + 34:hhea + 36])[0]
    data = bytearray(font)
    units = struct.unpack(">H", font[tables[b"head"] + 18:tables[b"head"] + 20])[0]
    for index in range(metrics):
        struct.pack_into(">H", data, hmtx + 4 * index, 3 * units)
    return bytes(data)


def _tables(font: bytes) -> dict[bytes, int]:
    count = struct.unpack(">H", font[4:6])[0]
    records = (font[12 + 16 * i:28 + 16 * i] for i in range(count))
    return {record[:4]: struct.unpack(">I", record[8:12])[0] for record in records}


def section(**fields) -> list[dict]:
    found = copy.deepcopy(minimal_brief()["sections"][0])
    found.update(fields)
    return [found]


def table_of(columns: list, rows: list, caption: str = "Wide") -> list[dict]:
    return section(tables=[{"id": "t1", "caption": caption, "columns": columns, "rows": rows}])


# ------------------------------------------------- a theme's fonts are its own

class TestAThemesFontsStayInThatTheme:
    def test_the_executive_and_analytical_pdfs_never_embed_a_face_the_public_theme_declares(
            self, project):
        house_theme(project, MONO.read_bytes())
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief()
        project.build().assert_clean(0)
        for audience in ("executive", "analytical"):
            found = embedded_fonts(pdf_file(project, audience))
            assert "DejaVuSerif" in found and not any("Mono" in f for f in found), found
        public = embedded_fonts(pdf_file(project, "public"))
        assert any(f.startswith("DejaVuSansMono-") for f in public), public
        assert "DejaVuSerif" not in public

    def test_every_pdf_is_byte_identical_whichever_audiences_are_built_together_and_in_any_order(
            self, project):
        house_theme(project, MONO.read_bytes())
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief()
        runs = [("public",), (), ("executive", "public"), ("public", "executive"),
                ("analytical",)]
        built = {}
        for index, audiences in enumerate(runs):
            out = project.root / f"out-{index}"
            project.build("--out", str(out), *(a for name in audiences
                                              for a in ("--audience", name))).assert_clean(0)
            built[index] = out
        fresh = project.root / "out-fresh"
        project.process("build", "--jobs", "2", "--out", str(fresh)).assert_clean(0)
        alone = project.root / "out-fresh-public"
        project.process("build", "--jobs", "1", "--audience", "public", "--out",
                        str(alone)).assert_clean(0)
        for audience in AUDIENCES:
            found = {pdf_file(project, audience, out).read_bytes()
                     for out in (*built.values(), fresh, alone)
                     if pdf_file(project, audience, out).exists()}
            assert len(found) == 1, audience

    def test_two_themes_giving_one_family_name_different_files_each_embed_their_own(
            self, project):
        house_theme(project, MONO.read_bytes(), name="mono", file="mono.ttf")
        house_theme(project, CONDENSED.read_bytes(), name="narrow", file="narrow.ttf")
        project.write("briefgen.yaml", "audiences:\n  executive: {theme: mono}\n"
                                       "  analytical: {theme: narrow}\n  public: {}\n")
        project.brief()
        project.build().assert_clean(0)
        executive, analytical, public = (embedded_fonts(pdf_file(project, a)) for a in AUDIENCES)
        assert any(f.startswith("DejaVuSansMono-") for f in executive)
        assert not any("Condensed" in f for f in executive)
        assert any(f.startswith("DejaVuSansCondensed-") for f in analytical)
        assert not any("Mono" in f for f in analytical)
        assert "DejaVuSerif" in public and not any("Mono" in f or "Condensed" in f
                                                   for f in public)

    def test_a_face_with_a_built_in_postscript_name_never_replaces_the_built_in_face(
            self, project):
        """ReportLab hands a later face of an already registered PostScript name the first
        one's font: a theme's wide copy of DejaVu Serif must not reach the sober theme."""
        house_theme(project, widened(SERIF.read_bytes()), family="Brand")
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief()
        alone = project.root / "out-alone"
        project.process("build", "--jobs", "1", "--audience", "executive", "--out",
                        str(alone)).assert_clean(0)
        project.build("--audience", "public").assert_clean(0)      # the copy comes first
        project.build("--audience", "executive").assert_clean(0)
        assert pdf_file(project, "executive").read_bytes() == \
            pdf_file(project, "executive", alone).read_bytes()
        wide = [c for c in chars(pdf_file(project, "public")) if c["text"] == "A"
                and "DejaVuSerif-" in c["fontname"]]
        normal = [c for c in chars(pdf_file(project, "executive")) if c["text"] == "A"
                  and c["fontname"].endswith("+DejaVuSerif")]
        assert wide and normal
        assert min(c["width"] / c["size"] for c in wide) > 2.5
        assert max(c["width"] / c["size"] for c in normal) < 1

    def test_a_theme_font_file_replaced_between_builds_in_one_process_is_the_one_embedded(
            self, project):
        house_theme(project, MONO.read_bytes())
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief()
        project.build().assert_clean(0)
        before = project.outputs()
        project.write("themes/my.ttf", CONDENSED.read_bytes())
        project.build().assert_clean(0)
        after = project.outputs()
        public = embedded_fonts(pdf_file(project, "public"))
        assert any(f.startswith("DejaVuSansCondensed-") for f in public)
        assert not any("Mono" in f for f in public)
        for audience in ("executive", "analytical"):      # their theme did not change
            name = f"brief/brief-{audience}.pdf"
            assert after[name] == before[name]

    def test_the_glyph_check_of_an_audience_uses_its_own_themes_fonts(self, project):
        char = _drawn_by_dejavu_serif_only()
        house_theme(project, MONO.read_bytes(), roles=("body", "heading", "table"))
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief(summary=[f"A summary with {char} in it."])
        project.build("--audience", "analytical").assert_clean(0)
        result = project.build("--audience", "public")
        result.assert_clean(1, rf"data/brief\.yaml:\d+:\d+: summary\[0\]: found the character "
                               rf"'{re.escape(char)}' \(U\+{ord(char):04X}\)")

    def test_a_theme_font_that_is_a_named_pipe_is_refused_without_waiting(self, project):
        house_theme(project, b"")
        font = project.root / "themes" / "my.ttf"
        font.unlink()
        import os

        os.mkfifo(font)
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief()
        result = project.process("build", "--jobs", "1", "--audience", "public", timeout=60)
        result.assert_clean(1, r"my\.ttf")

    def test_a_theme_font_file_over_the_size_limit_is_refused_by_name(self, project,
                                                                      monkeypatch):
        monkeypatch.setattr(fonts, "MAX_FONT_BYTES", 10_000)
        house_theme(project, MONO.read_bytes())
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief()
        project.build("--audience", "public", "--format", "pdf").assert_clean(
            1, rf"themes/my\.ttf: found a file of {MONO.stat().st_size} bytes, expected at most "
               r"10000")


BROKEN_FONTS = {
    "not-a-font": (b"abcd" * 64, r"Not a recognized TrueType font"),
    "empty": (b"", r"it is not a TTF file"),
    "cut-short": (MONO.read_bytes()[:2000], r"it ends before its tables do"),
}


class TestABrokenThemeFontIsNamedAsTheThemeWritesIt:
    @pytest.mark.parametrize("case", BROKEN_FONTS)
    @pytest.mark.parametrize("style", ["regular", "bold", "bold_italic"])
    def test_the_message_names_the_family_and_style_never_an_internal_name(
            self, project, case, style):
        data, why = BROKEN_FONTS[case]
        files = {"regular": "good.ttf", style: "broken.ttf"}
        project.write("themes/house.yaml", 'fonts:\n  families:\n    "Brand": {' +
                      ", ".join(f"{s}: {f}" for s, f in files.items()) +
                      "}\n  body: Brand\n  heading: Brand\n")
        project.write("themes/good.ttf", MONO.read_bytes())
        project.write("themes/broken.ttf", data)
        project.write("briefgen.yaml", PUBLIC_HOUSE)
        project.brief()
        result = project.build("--audience", "public", "--format", "pdf")
        words = style.replace("_", " ")
        result.assert_clean(1, rf"themes/broken\.ttf: the font file for Brand \({words}\) "
                               rf"cannot be used: .*{why}.*; expected a TrueType")
        assert "#" not in "".join(result.problems), result.problems
        assert not pdf_file(project, "public").exists()


def _drawn_by_dejavu_serif_only() -> str:
    """A character every face of DejaVu Serif has, but neither DejaVu Sans Mono nor the
    CJK fallback."""
    builtin = fonts.FontBook()
    mono = fonts.FontBook((("Mono", (("regular", str(MONO)),)),))
    others = mono.coverage("Mono") | builtin.family_coverage(fonts.CJK_FAMILY)
    return next(c for c in sorted(builtin.family_coverage("DejaVu Serif") - others)
                if c.isprintable() and not c.isspace() and ord(c) > 0xA0)


# --------------------------------------------------------- tables of any width

class TestTablesOfAnyWidth:
    @pytest.mark.parametrize("columns", [1, 12, 41, 42, 60, 78])
    def test_a_table_of_any_width_that_fits_renders_every_cell_inside_the_page(
            self, project, columns):
        project.brief(sections=table_of(["Ж"] * columns, [["ж"] * columns]))
        project.build("--format", "pdf").assert_clean(0)
        drawn = chars(pdf_file(project, "analytical"))
        header = [c for c in drawn if c["text"] == "Ж"]
        body = [c for c in drawn if c["text"] == "ж"]
        assert len(header) == columns and len(body) == columns
        assert all(0 < c["x0"] and c["x1"] < 595.3 for c in header + body)
        sizes = {round(c["size"], 2) for c in body}
        assert sizes == {8.5} if columns <= 30 else max(sizes) < 8.5

    @pytest.mark.parametrize("columns", [79, 100, 1000])
    def test_a_table_wider_than_any_text_size_fits_is_one_message_saying_how_many_fit(
            self, project, columns):
        project.brief(sections=table_of(["A", "B"], [["a", "b"]]))
        project.build("--format", "pdf").assert_clean(0)
        before = project.outputs()
        project.brief(sections=table_of(["Ж"] * columns, [["ж"] * columns]))
        project.brief("other.yaml")
        result = project.build("--format", "pdf")
        result.assert_clean(1, rf'data/brief\.yaml: .*table 1 \("Table 1: Wide"\) has '
                               rf"{columns} columns, more than fit across the page .*at most "
                               r"78 do")
        assert len(result.problems) == 1, result.problems
        after = project.outputs()
        assert {k: v for k, v in after.items() if k.startswith("brief/")} == \
            {k: v for k, v in before.items() if k.startswith("brief/")}
        assert "other/other-analytical.pdf" in after

    def test_long_unbreakable_words_in_forty_narrow_columns_render_every_character(
            self, project):
        word = "Unbreakablecompoundword"
        project.brief(sections=table_of([f"C{i}" for i in range(40)], [[word] * 40]))
        project.build("--format", "pdf").assert_clean(0)
        drawn = "".join(c["text"] for c in chars(pdf_file(project, "analytical")))
        for letter in set(word):
            assert drawn.count(letter) >= 40 * word.count(letter), letter

    def test_a_single_column_holding_a_5000_character_word_renders_every_character(
            self, project):
        project.brief(sections=table_of(["Only"], [["q" * 5000]]))
        project.build("--format", "pdf").assert_clean(0)
        drawn = chars(pdf_file(project, "analytical"))
        assert sum(1 for c in drawn if c["text"] == "q") == 5000

    @pytest.mark.parametrize("mark", ["-", "\u00b7", ".", "0"])
    def test_cells_holding_a_single_mark_render(self, project, mark):
        project.brief(sections=table_of(["A", "B", "C"], [[mark, mark, "x"], ["y", mark, mark]]))
        project.build("--format", "pdf").assert_clean(0)
        assert "A B C" in text_of(pdf_file(project, "analytical"))

    @pytest.mark.parametrize("mark", ["\u200b", "\u00ad"])
    def test_a_cell_holding_only_an_invisible_character_is_refused_as_an_empty_one(
            self, project, mark):
        project.brief(sections=table_of(["A", "B", "C"], [[mark, "w", "x"]]))
        project.build("--format", "pdf").assert_clean(
            1, r"data/brief\.yaml:\d+:\d+: sections\[0\]\.tables\[0\]\.rows\[0\]\[0\]: found "
               r"empty text")

    def test_a_word_too_long_for_any_page_in_a_narrow_column_names_its_table_row_and_column(
            self, project):
        project.brief(sections=table_of([f"C{i}" for i in range(8)], [["x" * 5000] + ["y"] * 7]))
        result = project.build("--format", "pdf")
        result.assert_clean(1, r'data/brief\.yaml: .*a table cell is taller than a page .*'
                               r'table 1 \("Table 1: Wide"\), row 1, column 1 \("xxxx')


# ------------------------------------------------------------------ page labels

def _labelled(project, label: str, **brief) -> None:
    project.write("briefgen.yaml", f"audiences:\n  executive: {{}}\n  public: {{}}\n"
                                   f"  analytical:\n    labels:\n      page: {label!r}\n")
    project.brief(**brief)


LONG_BODY = section(body=[("A paragraph of body text that goes on. " * 30)] * 12)


class TestPageLabels:
    def test_text_after_the_page_total_is_drawn_after_it(self, project):
        _labelled(project, "Page {page} of {pages} in all")
        project.build("--format", "pdf").assert_clean(0)
        assert footers(pdf_file(project, "analytical"))[0].endswith("Page 1 of 1 in all")

    def test_the_page_and_the_total_may_come_again_after_the_total(self, project):
        _labelled(project, "{page}/{pages}: page {page} of {pages}", sections=LONG_BODY)
        project.build("--format", "pdf").assert_clean(0)
        found = footers(pdf_file(project, "analytical"))
        total = len(found)
        assert total > 1
        for page, footer in enumerate(found, start=1):
            assert footer.endswith(f"{page}/{total}: page {page} of {total}"), footer

    def test_a_label_without_the_total_reads_as_written(self, project):
        _labelled(project, "p. {page}", sections=LONG_BODY)
        project.build("--format", "pdf").assert_clean(0)
        found = footers(pdf_file(project, "analytical"))
        assert [f.rsplit(" ", 2)[-2:] for f in found] == \
            [["p.", str(n)] for n in range(1, len(found) + 1)]

    def test_a_character_no_font_has_in_a_label_is_one_message_quoting_the_text(
            self, project):
        _labelled(project, "\U0001F642 {page} of {pages}")
        result = project.build("--format", "pdf")
        result.assert_clean(1, r"data/brief\.yaml: .*U\+1F642")
        assert len(result.problems) == 1, result.problems

    @pytest.mark.parametrize("label", [
        "{page:>50000000} of {pages}", "{page.__class__} of {pages}",
        "{page[0]} of {pages!r}", "{{pages}} {{page}} {page} of {pages}"])
    def test_format_specs_attributes_and_braces_in_the_page_label_are_never_evaluated(
            self, project, label):
        path = project.brief()
        theme = load_theme("sober").with_labels({"page": label})
        document = document_for(load_brief(path), "analytical",
                                Project.builtin().with_theme(theme))
        started = time.monotonic()
        data = render_document(document, "pdf", theme)
        assert time.monotonic() - started < 10 and len(data) < 1_000_000
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            footer = " ".join(pdf.pages[0].crop((0, pdf.pages[0].height - 40, pdf.pages[0].width,
                                                 pdf.pages[0].height)).extract_text().split())
        expected = label.replace("{{", "\0").replace("}}", "\1").replace("{page}", "1") \
            .replace("{pages}", "1").replace("\0", "{").replace("\1", "}")
        assert footer.endswith(expected), (footer, expected)


# ------------------------------------------------------------- edition dates

class TestEditionDatesThePdfHolds:
    @pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2108-02-29", "9999-12-31"])
    def test_any_edition_year_is_stamped_as_that_day_and_builds_the_same_bytes_again(
            self, project, day):
        project.brief(edition=day)
        project.build("--format", "pdf").assert_clean(0)
        again = project.root / "out-again"
        project.process("build", "--jobs", "1", "--format", "pdf", "--out",
                        str(again)).assert_clean(0)
        for audience in AUDIENCES:
            first = pdf_file(project, audience)
            assert first.read_bytes() == pdf_file(project, audience, again).read_bytes()
            info = pypdf.PdfReader(first).trailer["/Info"].get_object()
            stamp = f"D:{day.replace('-', '')}000000+00'00'"
            assert info["/CreationDate"] == stamp and info["/ModDate"] == stamp

    @pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2108-02-29", "9999-12-31"])
    def test_the_stamp_asks_no_platform_time_function_so_no_platform_limits_the_year(
            self, project, monkeypatch, day):
        """Some platforms' gmtime refuses times before 1970 or after 2038."""
        def refused(*args):
            if args and not 0 <= args[0] < 2 ** 31:
                raise OSError("value too large for this platform")
            return clock(*args)

        clock = time.gmtime
        path = project.brief(edition=day)
        document = document_for(load_brief(path), "analytical", Project.builtin())
        monkeypatch.setattr(time, "gmtime", refused)
        monkeypatch.setattr(time, "localtime", refused)
        data = render_document(document, "pdf", load_theme("sober"))
        info = pypdf.PdfReader(io.BytesIO(data)).trailer["/Info"].get_object()
        assert info["/CreationDate"] == f"D:{day.replace('-', '')}000000+00'00'"

    @pytest.mark.parametrize("epoch", ["not a number", "86400", "-1"])
    def test_source_date_epoch_never_changes_or_stops_a_pdf(self, project, monkeypatch, epoch):
        project.brief()
        project.build("--format", "pdf").assert_clean(0)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        other = project.root / "out-epoch"
        project.build("--format", "pdf", "--out", str(other)).assert_clean(0)
        for audience in AUDIENCES:
            assert pdf_file(project, audience).read_bytes() == \
                pdf_file(project, audience, other).read_bytes()


# ------------------------------------------------- shapes the model allows

def _nested(depth: int) -> dict:
    point = {"text": "The deepest point."}
    for level in range(depth - 1):
        point = {"text": f"Point at level {depth - 1 - level}.", "points": [point]}
    return point


class TestEveryShapeTheModelAllowsRendersOrIsNamed:
    def test_a_caption_of_5000_characters_renders(self, project):
        caption = " ".join(["Caption"] * 625)
        project.brief(sections=table_of(["A", "B"], [["a", "b"]], caption=caption[:5000]))
        project.build("--format", "pdf").assert_clean(0)
        assert "Table 1: Caption Caption" in text_of(pdf_file(project, "analytical"))

    def test_a_5000_character_word_in_a_caption_a_heading_and_the_title_renders(self, project):
        project.brief(title="T" * 5000, sections=section(title="H" * 5000, tables=[{
            "id": "t1", "caption": "C" * 5000, "columns": ["A"], "rows": [["a"]]}]))
        project.build("--format", "pdf").assert_clean(0)
        drawn = "".join(c["text"] for c in chars(pdf_file(project, "analytical")))
        assert drawn.count("H") >= 5000 and drawn.count("C") >= 5000

    def test_a_heading_of_only_spaces_is_refused_where_it_is_written(self, project):
        project.brief(sections=section(title="     "))
        project.build("--format", "pdf").assert_clean(
            1, r"data/brief\.yaml:\d+:\d+: sections\[0\]\.title: ")

    def test_a_point_nested_40_deep_renders_with_its_deepest_text(self, project):
        project.write("briefgen.yaml", "limits: {max_depth: 100}\n")
        project.brief(sections=section(points=[_nested(40)]))
        project.build("--format", "pdf").assert_clean(0)
        assert "The deepest point." in text_of(pdf_file(project, "analytical"))

    def test_chinese_cyrillic_greek_and_latin_mixed_in_title_heading_and_cell_render(
            self, project):
        mixed = "Beijing 北京 Москва Αθήνα 東京 Seoul 서울"
        project.brief(title=mixed, sections=section(title=mixed, tables=[{
            "id": "t1", "caption": mixed, "columns": [mixed, "B"], "rows": [[mixed, mixed]]}]))
        project.build("--format", "pdf").assert_clean(0)
        text = text_of(pdf_file(project, "analytical")).replace(" ", "")
        assert text.count(mixed.replace(" ", "")) >= 4

    def test_arabic_mixed_with_chinese_is_one_located_message_per_character(self, project):
        project.brief(summary=["北京 and مرحبا"])
        result = project.build("--format", "pdf")
        result.assert_clean(1, r"data/brief\.yaml:\d+:\d+: summary\[0\]: found the character "
                               r"'م' \(U\+0645\)")
        assert "Traceback" not in result.stderr
