"""The HTML page read back with lxml: its structure as a screen reader navigates it,
every value of the data as its literal characters, links kept only where safe, a page
that needs nothing from elsewhere, the theme's look and its print pages.

What a browser makes of the page (axe-core, narrow screens, printing) is in
test_html_browser.py.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import re
import subprocess
import sys

import lxml.html
import pytest
import yaml
from PIL import Image

from briefgen.build import stages
from briefgen.compose import blocks as b
from briefgen.compose import frame
from briefgen.project import Project
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers import renderer_for

from .conftest import AUDIENCES, ROOT, SEED, run_in_process
from .test_every_node import css_text, every_node_document

HOSTILE = ("<script>alert(1)</script>", '" onmouseover="alert(1)', "</style><b>x</b>",
           "javascript:alert(1)", "<img src=x onerror=alert(1)>", "&amp; &lt;", "{{ 7*7 }}")


@pytest.fixture(scope="module")
def seed_pages() -> dict:
    project = Project.at(ROOT)
    loaded = project.load(SEED)
    return {audience: stages.make(project, loaded, audience, ("html",)).outputs["html"].data
            for audience in AUDIENCES}


def parsed(data: bytes):
    return lxml.html.document_fromstring(data)


def page_of(*blocks, theme=DEFAULT_THEME, marking: str = "MarkingWord",
            colours: dict | None = None, title: str = "TitleWord"):
    """The parsed page of a document of ``blocks``."""
    meta = b.DocumentMeta(title=title, organisation="OrgWord", marking=marking,
                          language="en-GB")
    texts = {slot: getattr(theme, slot) for slot in frame.FURNITURE_SLOTS}
    document = b.Document(meta, blocks, colours or {},
                          title=frame.title_block(meta, theme.labels),
                          furniture=frame.page_furniture(meta, texts, theme.labels))
    return parsed(renderer_for("html")(theme).render(document))


def seed_data() -> dict:
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


def texts(nodes) -> list[str]:
    return [" ".join(node.text_content().split()) for node in nodes]


def css_text_of_marking(css: str) -> str:
    """The marking's CSS string as written (quotes included)."""
    return re.search(r"@top-center \{ content: ([^;]+);", css).group(1)


def stylesheet(page) -> str:
    (style,) = page.iter("style")
    return style.text


# ------------------------------------------------------------ structure

@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_page_has_the_brief_s_language_one_h1_the_title_and_landmarks(seed_pages, audience):
    page = parsed(seed_pages[audience])
    data = seed_data()
    assert page.get("lang") == data.get("language", "en-GB")
    assert texts(page.iter("h1")) == [data["title"]]
    assert [element.tag for element in page.body] == ["header", "main", "footer"]
    assert page.find(".//header//h1") is not None
    assert page.findtext(".//title") == data["title"]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_headings_start_at_h2_and_never_skip_a_level(seed_pages, audience):
    levels = [int(h.tag[1]) for h in parsed(seed_pages[audience]).iter(
        "h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels[1] == 2
    assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:])), levels


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_marking_is_the_banner_before_the_title_and_closes_the_footer(seed_pages, audience):
    page = parsed(seed_pages[audience])
    marking = Project.at(ROOT).load(SEED).brief.marking_for(audience)
    header = page.find(".//header")
    assert texts(header.iterfind(".//*[@class='banner']")) == [marking]
    assert header[0].get("class") == "banner"
    assert marking in texts(page.find(".//footer").iter("p"))


def test_every_cell_of_the_seed_s_tables_is_in_its_table_with_column_headers(seed_pages):
    page = parsed(seed_pages["analytical"])
    tables = {" ".join(t.findtext("caption") or "" for _ in [0]).strip(): t
              for t in page.iter("table")}
    written = [table for section in seed_data()["sections"] for table in section.get("tables", ())]
    assert len(written) == 3 and len(list(page.iter("table"))) == 3
    for table, element in zip(written, page.iter("table")):
        assert table["caption"] in texts([element.find("caption")])[0]
        heads = element.findall("thead/tr/th")
        assert [th.get("scope") for th in heads] == ["col"] * len(heads)
        assert texts(heads) == [c["name"] if isinstance(c, dict) else c for c in table["columns"]]
        rows = [texts(tr) for tr in element.findall("tbody/tr")]
        assert rows == [[cell_text(c) for c in row] for row in table["rows"]]
    assert tables


def cell_text(cell) -> str:
    return cell if isinstance(cell, str) else " ".join(str(cell.get("text", cell)).split())


def test_a_row_header_column_is_th_with_row_scope_and_widths_become_column_rules():
    header = tuple(b.TableCell((b.Text(w),)) for w in ("Name", "Value"))
    rows = ((b.TableCell((b.Text("RowA"),)), b.TableCell((b.Text("1"),))),)
    page = page_of(b.Table(header, rows, ("left", "right"), (30, None), (0,)))
    (row,) = page.iterfind(".//tbody/tr")
    assert [(cell.tag, cell.get("scope")) for cell in row] == [("th", "row"), ("td", None)]
    assert row[1].get("class") == "align-right"
    assert len(page.findall(".//table/colgroup/col")) == 2
    assert "#table-1 col:nth-child(1) { width: 30%; }" in stylesheet(page)
    assert "col:nth-child(2)" not in stylesheet(page)


def test_a_caption_becomes_its_table_s_caption_and_names_its_scrolling_box():
    cells = tuple(b.TableCell((b.Text(w),)) for w in ("A", "B"))
    page = page_of(b.Caption((b.Text("Table 1: Things"),)), b.Table(cells, (cells,)),
                   b.Caption((b.Text("Lonely caption"),)))
    (box,) = page.iterfind(".//div[@class='table']")
    caption = box.find("table/caption")
    assert caption.text == "Table 1: Things"
    assert box.get("role") == "region" and box.get("aria-labelledby") == caption.get("id")
    assert box.get("tabindex") == "0"
    assert texts(page.iterfind(".//p[@class='caption']")) == ["Lonely caption"]


def test_status_values_are_written_and_coloured_by_their_own_rule(seed_pages):
    page = parsed(seed_pages["analytical"])
    colours = {**seed_data().get("statuses", {})}
    css = stylesheet(page)
    shown = {span.text: span.get("class").split()[1] for span in page.iterfind(
        ".//span[@class]") if span.get("class").startswith("status ")}
    assert set(shown) >= {"Confirmed", "Underway", "Ongoing"}
    for value, name in shown.items():
        rule = re.search(rf"\.{name} {{ color: (#[0-9A-Fa-f]{{6}}); }}", css)
        assert rule and rule.group(1).upper() == colours.get(value, rule.group(1)).upper()


def test_lists_are_lists_and_an_item_of_one_paragraph_holds_its_text():
    page = page_of(b.BulletList((b.ListItem((b.Paragraph((b.Text("One"),)),)),
                                 b.ListItem((b.Paragraph((b.Text("Two"),)),
                                             b.OrderedList((b.ListItem(
                                                 (b.Paragraph((b.Text("Inner"),)),)),),
                                                 start=4))))))
    (outer,) = page.iterfind(".//main//ul")
    assert [li.text for li in outer.findall("li")][0] == "One"
    assert outer.find("li/ol").get("start") == "4" and outer.find("li/ol/li").text == "Inner"


def test_the_what_changed_section_is_in_the_page_of_a_new_edition(tmp_path):
    (tmp_path / "data").mkdir()
    data = seed_data()
    (tmp_path / "data" / SEED.name).write_text(yaml.safe_dump(data, allow_unicode=True))
    assert run_in_process("build", "--format", "html", cwd=tmp_path).returncode == 0
    data["edition"] = "2026-12-24"
    data["sections"][0]["tables"][0]["rows"][1][2] = "Confirmed"
    (tmp_path / "data" / SEED.name).write_text(yaml.safe_dump(data, allow_unicode=True))
    assert run_in_process("build", "--format", "html", cwd=tmp_path).returncode == 0
    page = parsed((tmp_path / "out" / SEED.stem / f"{SEED.stem}-analytical.html").read_bytes())
    heading = next(h for h in page.iter("h2") if h.text_content().startswith("What changed"))
    changes = heading.getnext()
    while changes.tag != "ul":
        changes = changes.getnext()
    assert any("moved from" in item and "Confirmed" in item for item in texts(changes))


# ------------------------------------------------------------ citations

def test_each_citation_links_to_its_source_and_each_source_back_to_each_citation(seed_pages):
    page = parsed(seed_pages["analytical"])
    ids = {element.get("id") for element in page.iter() if element.get("id")}
    citations = page.findall(".//a[@class='citation']")
    assert citations and all(a.get("href")[1:] in ids for a in citations)
    back = page.findall(".//ol[@class='sources']//a")
    assert sorted(a.get("href")[1:] for a in back) == sorted(a.get("id") for a in citations)
    for a in citations:
        assert a.get("href") == f"#source-{a.text}"
        assert a.get("aria-label") == f"Source {a.text}"
    assert len(ids) == len([e for e in page.iter() if e.get("id")]), "ids are unique"


def test_each_link_back_is_named_with_what_it_shows(seed_pages):
    """Letters when a source is cited more than once, and each name holds its letter
    (the name a voice user speaks contains the visible label)."""
    page = parsed(seed_pages["analytical"])
    entries = page.findall(".//ol[@class='sources']/li")
    shown = [[(a.text, a.get("aria-label")) for a in li.iterfind(".//a[@href]")
              if a.get("href").startswith("#cite-")] for li in entries]
    many = next(links for links in shown if len(links) > 1)
    assert [text for text, _ in many][:3] == ["a", "b", "c"]
    assert [name for _, name in many][:2] == ["Back to citation a of source 1",
                                              "Back to citation b of source 1"]
    single = next(links for links in shown if len(links) == 1)
    assert single[0][0] == "\u21a9" and single[0][1].startswith("Back to citation 1 of ")


def test_a_number_outside_the_sources_list_or_inside_a_link_stays_text():
    sources = b.OrderedList((b.ListItem((b.Paragraph((b.Text("Only source"),)),)),),
                            sources=True)
    page = page_of(b.Paragraph((b.Citation((1, 7)),
                                b.Link("https://example.org/", (b.Citation((1,)),)))), sources)
    (paragraph,) = page.iterfind(".//main//p")
    assert paragraph.text_content() == "[1, 7][1]"
    assert [a.get("href") for a in paragraph.iter("a")] == ["#source-1", "https://example.org/"]
    assert [a.get("href") for a in page.iterfind(".//ol//a")] == ["#cite-1-1"]


# ------------------------------------------------------------ safety

@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_anywhere_reads_as_its_characters_and_adds_no_element(value):
    cell = (b.TableCell((b.Text(value),)),)
    page = page_of(b.Heading(1, (b.Text(value),)), b.Paragraph((b.Text(value), b.Code(value))),
                   b.Table(cell, (cell,)), b.Paragraph((b.Status(value),)), marking=value,
                   title=value, colours={value: "#B3261E"})
    assert not list(page.iter("script", "img", "b", "iframe", "object"))
    assert all(not name.startswith("on") for e in page.iter() for name in e.attrib)
    (style,) = page.iter("style")
    assert "<" not in style.text and '"' not in css_text_of_marking(style.text)[1:-1]
    assert css_text(css_text_of_marking(style.text)) == value
    assert texts(page.iter("h1")) == [" ".join(value.split())]
    assert value in [e.text for e in page.iter("h2", "code", "td", "th", "span")]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>x</script>",
                                 "vbscript:x", "file:///etc/passwd", "ftp://example.org/",
                                 "//example.org/", "#top", "JaVaScRiPt:alert(1)",
                                 "https://example.org/\"onclick=\"x"])
def test_only_http_https_and_mailto_links_become_links(url):
    page = page_of(b.Paragraph((b.Link(url, (b.Text("LinkText"),)),
                                b.Link("mailto:desk@example.org", (b.Text("Mail"),)))))
    assert [a.get("href") for a in page.iter("a")] == ["mailto:desk@example.org"]
    assert "LinkText" in page.find(".//main").text_content()


def test_the_page_fetches_nothing_and_its_policy_forbids_every_script(seed_pages):
    page = parsed(seed_pages["analytical"])
    assert not list(page.iter("script", "link", "iframe", "object", "embed", "base", "form"))
    refs = [(e.tag, name, e.get(name)) for e in page.iter() for name in ("src", "href")
            if e.get(name)]
    assert all(tag == "a" and (ref.startswith(("#", "https://", "http://", "mailto:")))
               for tag, _, ref in refs), refs
    style = stylesheet(page)
    assert "url(" not in style and "@import" not in style
    (policy,) = page.iterfind(".//meta[@http-equiv='Content-Security-Policy']")
    rules = dict(rule.strip().split(" ", 1) for rule in policy.get("content").split(";"))
    assert rules["default-src"] == "'none'" and "script-src" not in rules
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert rules["style-src"] == f"'sha256-{digest}'"


@pytest.mark.parametrize("url, why", [("https://example.org/x\n", "expected"),
                                      ("https://example.org/\u202egpj.exe", "expected"),
                                      ("https:///", "expected"), ("http:///etc", "expected")])
def test_a_link_address_with_no_host_a_final_line_break_or_a_bidi_control_is_refused(
        tmp_path, url, why):
    data = seed_data()
    data["sections"][0]["points"][0]["text"] = [{"link": "the report", "url": url}, " (annex)"]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / SEED.name).write_text(yaml.safe_dump(data, allow_unicode=True))
    result = run_in_process("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(r"russia-china-taiwan\.yaml:\d+:\d+: sections\[0\]\.points\[0\]\.text",
                     result.stderr), result.stderr


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2067", "\u2069"])
def test_a_bidi_control_in_the_data_is_refused_at_its_line(tmp_path, control):
    data = seed_data()
    data["sections"][0]["points"][0]["text"] = f"Nested {control}override"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / SEED.name).write_text(yaml.safe_dump(data, allow_unicode=True))
    result = run_in_process("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert f"bidirectional control U+{ord(control):04X}" in result.stderr
    assert re.search(r"\.yaml:\d+:\d+: sections\[0\]\.points\[0\]\.text", result.stderr)


def test_a_cell_of_long_words_may_break_on_a_printed_page_and_others_keep_their_words():
    cells = (b.TableCell((b.Text("Short words"),)),
             b.TableCell((b.Text("https://example.org/a/very/long/address/indeed"),)))
    page = page_of(b.Table(cells, (cells,)))
    assert [td.get("class") for td in page.iterfind(".//tbody//td")] == [None, "long-words"]
    assert re.search(r"@media print \{[^@]*\.long-words, h1, [^{]*\{ overflow-wrap: anywhere",
                     stylesheet(page))


def test_the_logo_is_inline_with_its_alternative_text():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, "PNG")
    theme = dataclasses.replace(DEFAULT_THEME, logo_png=buffer.getvalue())
    (img,) = page_of(b.Paragraph((b.Text("x"),)), theme=theme).iter("img")
    assert img.get("alt") == "OrgWord logo"
    kind, encoded = img.get("src").split(",", 1)
    assert kind == "data:image/png;base64"
    assert Image.open(io.BytesIO(base64.b64decode(encoded))).size == (40, 20)


# ------------------------------------------------------------ the theme's look

def test_the_theme_s_faces_and_colours_drive_the_stylesheet():
    theme = dataclasses.replace(DEFAULT_THEME, body_font="DejaVu Serif",
                                heading_font="DejaVu Sans", link_colour="#123456")
    css = stylesheet(page_of(b.Paragraph((b.Text("x"),)), theme=theme))
    body = re.search(r"body \{[^}]*font-family: ([^;]+);", css).group(1)
    assert body.startswith('"DejaVu Serif"') and body.endswith("serif")
    assert re.search(r"h2, h3, h4 \{[^}]*font-family: \"DejaVu Sans\"[^;]*sans-serif;", css)
    assert "a { color: #123456;" in css
    assert f"thead th {{ background: {theme.table_header_fill}; color: " \
           f"{theme.table_header_text}; }}" in css


@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_print_pages_take_the_theme_s_size_and_carry_the_marking_and_page_label(size):
    theme = dataclasses.replace(DEFAULT_THEME, page_size=size)
    css = stylesheet(page_of(b.Paragraph((b.Text("x"),)), theme=theme, marking="SECRET"))
    assert f"@page {{ size: {size};" in css
    boxes = dict(re.findall(r"@([a-z-]+) \{ content: ([^;]+);", css))
    assert css_text(boxes["top-center"]) == css_text(boxes["bottom-center"]) == "SECRET"
    assert css_text(boxes["bottom-right"]) == "Page counter(page) of counter(pages)"
    assert "@page :first {\n  @top-left { content: none; }" in css


def test_small_tables_keep_whole_on_a_printed_page_and_long_ones_may_break():
    cells = (b.TableCell((b.Text("c"),)),)
    page = page_of(b.Table(cells, (cells,) * 4), b.Table(cells, (cells,) * 5))
    assert [t.get("class") for t in page.iter("table")] == ["whole", None]


# ------------------------------------------------------------ as an output

def test_the_page_is_the_same_bytes_in_another_process(seed_pages):
    probe = ("import sys; from briefgen.build import stages; from briefgen.project import "
             f"Project; p = Project.at({str(ROOT)!r}); l = p.load(p.data / {SEED.name!r}); "
             "sys.stdout.buffer.write(stages.make(p, l, 'analytical', ('html',))"
             ".outputs['html'].data)")
    other = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True).stdout
    assert other == seed_pages["analytical"]


def test_formats_lists_html_with_the_package_it_comes_from(tmp_path):
    result = run_in_process("formats", cwd=tmp_path)
    (line,) = [line for line in result.stdout.splitlines() if line.split()[:1] == ["html"]]
    assert "briefgen" in line and "HtmlRenderer" in line


def test_a_build_of_html_writes_each_audience_once_and_skips_it_when_current(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / SEED.name).write_bytes(SEED.read_bytes())
    first = run_in_process("build", "--format", "html", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    written = sorted(p.name for p in (tmp_path / "out" / SEED.stem).iterdir()
                     if not p.name.startswith("."))
    assert written == sorted(f"{SEED.stem}-{a}.html" for a in AUDIENCES)
    second = run_in_process("build", "--format", "html", cwd=tmp_path)
    assert "0 file(s)" in second.stderr and "1 brief(s) up to date" in second.stderr


def test_every_node_s_page_is_valid_enough_for_a_browser_to_read_whole():
    data = renderer_for("html")(DEFAULT_THEME).render(every_node_document())
    assert data.startswith(b"<!DOCTYPE html>\n<html lang=")
    assert data.count(b"<main") == 1 and data.rstrip().endswith(b"</html>")
