"""The HTML pages in a real browser (chromium): what a reader sees and what a screen
reader is given (the accessibility tree), never the HTML source.  The structure and the
tables of every audience, hostile values as their characters, a policy no script or
fetch gets past, axe-core, a phone's width, printed pages and screenshots.

The page as HTML source, read back with lxml, is in test_html_output.py.
"""

from __future__ import annotations

import copy
import io
import json
import re
import unicodedata
from collections import namedtuple
from pathlib import Path

import pytest
import yaml
from PIL import Image
from pypdf import PdfReader

from briefgen.build import stages
from briefgen.build.builder import build
from briefgen.compose import blocks as b
from briefgen.data.richtext import URL_PATTERN
from briefgen.project import Project
from briefgen.project.theme import DEFAULT_THEME
from tests.browser import DESKTOP, PHONE, axe, browser, described, page  # noqa: F401

from .conftest import AUDIENCES, SEED, problem_lines, run_in_process

pytestmark = pytest.mark.xdist_group("html-browser")

HOSTILE = ("<script>alert(1)</script>", '" onmouseover="alert(1)', "</style><b>x</b>",
           "javascript:alert(1)", "{{ 7*7 }}", "<img src=x onerror=alert(1)>", "&amp;")
LONG_TITLE = "Counterintelligence and telecommunications cooperation"
LONG_WORD = "Verteidigungsministeriumsvertreterinnenversammlungsprotokoll"
POINTS_PER_MM = 72 / 25.4
PAPER = {"A4": (210 * POINTS_PER_MM, 297 * POINTS_PER_MM), "Letter": (612, 792)}


# ------------------------------------------------------------ reading a page

# A node of the accessibility tree: its role, its name (or its text), level, children.
Node = namedtuple("Node", "role name level children")
ARIA = re.compile(r'^(?P<role>[\w/-]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?P<attrs>.*)$')


def aria_tree(locator) -> tuple:
    """The accessibility tree under ``locator``, read from Playwright's aria snapshot."""
    return tuple(aria_node(item) for item in yaml.safe_load(locator.aria_snapshot()) or ())


def aria_node(item) -> Node:
    key, value = next(iter(item.items())) if isinstance(item, dict) else (item, None)
    found = ARIA.match(key)
    name = json.loads(f'"{found["name"]}"') if found["name"] is not None else ""
    level = re.search(r"\[level=(\d+)\]", found["attrs"])
    children = tuple(aria_node(child) for child in value) if isinstance(value, list) else ()
    text = str(value) if value is not None and not children else ""
    return Node(found["role"], name or text, level and int(level[1]), children)


def walk(nodes: tuple):
    for node in nodes:
        yield node
        yield from walk(node.children)


def opened(page, path: Path, size: dict = DESKTOP):
    page.set_viewport_size(size)
    page.goto(path.as_uri())
    return page


def page_file(out: Path, audience: str, brief: str = SEED.stem) -> Path:
    return out / brief / f"{brief}-{audience}.html"


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def spaced(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------ what was built

@pytest.fixture(scope="module")
def seed(built):
    """The project ``built`` was built from, its brief as loaded, and the brief's data."""
    project = Project.at(built.parent.parent)
    loaded = project.load(project.data / SEED.name)
    return project, loaded, yaml.safe_load(loaded.path.read_text(encoding="utf-8"))


def in_tree(seed, audience: str, kinds: tuple) -> list:
    """The nodes of ``kinds`` in the audience's block tree, in reading order."""
    def found(nodes):
        for node in nodes:
            if isinstance(node, kinds):
                yield node
            yield from found(getattr(node, "children", ()) + getattr(node, "items", ()))
    return list(found(stages.document_for(seed[1], audience, seed[0]).blocks))


def language_spans(value):
    """(lang, text) of every segment of the data that names its language."""
    if isinstance(value, dict):
        if "lang" in value:
            yield value["lang"], next(value[k] for k in ("text", "em", "strong", "link")
                                      if k in value)
        value = list(value.values())
    for child in value if isinstance(value, list) else ():
        yield from language_spans(child)


def rgb(colour: str) -> str:          # "#B3261E" as a computed style: "rgb(179, 38, 30)"
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


# ------------------------------------------------------------ structure

@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_page_reads_as_banner_main_and_footer_the_marking_first_its_lists_as_lists(
        built, seed, page, audience):
    opened(page, page_file(built.parent, audience))
    tree = aria_tree(page.locator("body"))
    assert [node.role for node in tree] == ["banner", "main", "contentinfo"]
    marking = seed[1].brief.marking_for(audience)
    assert tree[0].children[0].name == marking
    assert lines(page.inner_text("body"))[0] == marking
    shown = page.get_by_role("banner").get_by_text(marking, exact=True)
    top, title = shown.bounding_box(), page.get_by_role("heading", level=1).bounding_box()
    assert shown.is_visible() and top["y"] < 40 and top["y"] + top["height"] < title["y"]
    assert marking in [node.name for node in tree[2].children]
    lists = [[c for c in n.children if c.role == "listitem"]
             for n in walk(tree[1:2]) if n.role == "list"]
    written = in_tree(seed, audience, (b.BulletList, b.OrderedList))
    assert [len(items) for items in lists] == [len(node.items) for node in written]
    assert all(lists)


def test_the_marking_shows_in_the_theme_s_marking_colour_in_the_banner_and_the_footer(
        built, seed, page):
    opened(page, page_file(built.parent, "analytical"))
    project, loaded, _ = seed
    colour = rgb(project.theme_for(project.audience("analytical")).marking_colour)
    shown = page.get_by_text(loaded.brief.marking_for("analytical"), exact=True).evaluate_all(
        "all => all.map(e => [e.closest('header, footer').tagName, getComputedStyle(e).color])")
    assert shown == [["HEADER", colour], ["FOOTER", colour]]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_title_is_the_one_h1_and_the_template_s_sections_follow_without_skipping(
        built, seed, page, audience):
    opened(page, page_file(built.parent, audience))
    shown = [(n.level, n.name) for n in walk(aria_tree(page.locator("body")))
             if n.role == "heading"]
    assert [name for level, name in shown if level == 1] == [seed[1].brief.title]
    assert shown[0][0] == 1 and shown[1][0] == 2
    assert [name for _, name in shown[1:]] == [
        b.plain_text(h.children) for h in in_tree(seed, audience, (b.Heading,))]
    levels = [level for level, _ in shown]
    assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:])), levels


# ------------------------------------------------------------ tables and text

def written_tables(seed) -> list[dict]:
    return [table for section in seed[2]["sections"] for table in section.get("tables", ())]


def shown_table(page, table: dict):
    return page.get_by_role("table", name=re.compile(re.escape(table["caption"])))


def test_every_cell_of_the_seed_s_tables_shows_under_its_column_headers(built, seed, page):
    opened(page, page_file(built.parent, "analytical"))
    tables = written_tables(seed)
    assert tables and page.get_by_role("table").count() == len(tables)
    for table in tables:
        shown = shown_table(page, table)
        assert table["caption"] in shown.locator("caption").inner_text()
        rows = [node for node in walk(aria_tree(shown)) if node.role == "row"]
        assert [(c.role, c.name) for c in rows[0].children] == \
            [("columnheader", c["name"] if isinstance(c, dict) else c)
             for c in table["columns"]]
        assert [[(c.role, c.name) for c in row.children] for row in rows[1:]] == \
            [[("cell", spaced(cell)) for cell in cells] for cells in table["rows"]]
        scopes = shown.locator("thead th").evaluate_all("cells => cells.map(c => c.scope)")
        assert scopes == ["col"] * len(table["columns"])


def test_each_status_is_written_out_and_shown_in_its_colour(built, seed, page):
    opened(page, page_file(built.parent, "analytical"))
    project, loaded, _ = seed
    colours = {**loaded.brief.statuses,
               **project.theme_for(project.audience("analytical")).status_colours}
    written, shown = [], []
    for table in written_tables(seed):
        for column, kind in enumerate(table["columns"]):
            if isinstance(kind, dict) and kind.get("status"):
                cells = shown_table(page, table).locator(f"tbody tr > :nth-child({column + 1})")
                written += [(row[column], rgb(colours[row[column]])) for row in table["rows"]]
                shown += cells.evaluate_all("""cells => cells.map(cell => [cell.innerText,
                    getComputedStyle(cell.firstElementChild || cell).color])""")
    assert written and [tuple(cell) for cell in shown] == written


def test_cyrillic_and_chinese_text_reads_as_written_in_elements_of_its_language(built, seed,
                                                                                 page):
    opened(page, page_file(built.parent, "analytical"))
    spans = list(language_spans(seed[2]))
    assert {lang for lang, _ in spans} >= {"ru", "zh-CN"}
    for lang, text in spans:
        assert page.locator(f'[lang="{lang}"]').all_inner_texts().count(text) == 1, lang
        assert text in page.inner_text("main")


# ------------------------------------------------------------ variants of the seed

def link_to(value: str) -> str:
    """A link target holding ``value`` where an address may hold it."""
    url = f"https://example.org/?q={value}"
    return url if URL_PATTERN.match(url) else "https://example.org/"


def hostile(data: dict, value: str) -> dict:
    """The seed with ``value`` as its title, subtitle, organisation and marking, and in a
    heading, a point, a link's text, a table's caption, header and cell, a source title."""
    data = copy.deepcopy(data)
    data.update(title=value, subtitle=value, organisation=value, marking=value)
    section = data["sections"][0]
    section["title"] = value
    section["points"][0]["text"] = [value, " and ", {"link": value, "url": link_to(value)}]
    table = section["tables"][0]
    table["caption"] = table["columns"][0] = table["rows"][0][0] = value
    data["sources"][0]["title"] = value
    return data


def wide(data: dict) -> dict:
    """The seed with a table of six columns of long words, and a point holding a German
    word of 60 letters."""
    data = copy.deepcopy(data)
    section = data["sections"][0]
    section["points"][0]["text"] = ["A long word: ", {"text": LONG_WORD, "lang": "de"}]
    words = ("Telecommunications", "Counterintelligence", "Interoperability",
             "Characterisation", "Disproportionately", "Institutionalisation")
    section["tables"].append({"id": "wide", "caption": "Six columns of long words",
                              "columns": [f"{w}Column" for w in words],
                              "rows": [[f"{w}Value{n}" for w in words] for n in (1, 2)]})
    return data


ADDRESS = "https://example.org/reports/2026/RussiaChinaAssessment_FinalVersion_v3.pdf"


def addresses(data: dict) -> dict:
    """The seed with a table of five columns, two of them long addresses, under a heading
    and a title of one long word each."""
    data = copy.deepcopy(data)
    data["title"] = data["sections"][0]["title"] = LONG_WORD
    data["sections"][0]["tables"] = [{
        "id": "addresses", "caption": "Where the reports are",
        "columns": ["Support Type", "Reference", "Mirror", "Potential Impact",
                    {"name": "Status", "status": True}],
        "rows": [["Missile Technology Transfer", ADDRESS, ADDRESS.replace("example.org",
                  "mirror.example.net"), "Enhances long-range strike capability",
                  "Confirmed"]]}]
    return data


def write_yaml(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def variants(tmp_path_factory, seed_data) -> Path:
    """A project of the seed's variants, built once in HTML: returns its out/ folder."""
    root = tmp_path_factory.mktemp("html-variants")
    for index, value in enumerate(HOSTILE):
        write_yaml(root / "data" / f"hostile-{index}.yaml", hostile(seed_data, value))
    write_yaml(root / "data" / "wide.yaml", wide(seed_data))
    write_yaml(root / "data" / "long-title.yaml", {**seed_data, "title": LONG_TITLE})
    write_yaml(root / "data" / "addresses.yaml", addresses(seed_data))
    report = build(Project.at(root), fmts=["html"])
    assert report.ok, [str(f) for f in report.failures]
    return root / "out"


def injected(page) -> list[str]:
    """Elements that could run, fetch or restyle anything, and attributes that run script."""
    return page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(e =>
        [...e.attributes].filter(a => a.name.startsWith('on')).map(a => a.name)
        .concat(['SCRIPT', 'IMG', 'B', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'LINK'].includes(
            e.tagName) || (e.tagName === 'STYLE' && e.parentElement.tagName !== 'HEAD')
            ? [e.tagName] : []))""")


@pytest.mark.parametrize("index", range(len(HOSTILE)), ids=HOSTILE)
def test_a_hostile_value_shows_as_its_characters_and_runs_nothing(variants, page, index):
    value, shown = HOSTILE[index], spaced(HOSTILE[index])
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened(page, page_file(variants, "analytical", f"hostile-{index}"))
    assert page.title() == value
    banner = lines(page.get_by_role("banner").inner_text())  # the organisation in capitals
    assert banner[0] == shown and [line.casefold() for line in banner[:4]] == \
        [shown.casefold()] * 4, banner
    assert page.get_by_role("heading", level=1).inner_text() == shown
    assert page.get_by_role("heading", level=2, name=shown, exact=True).count() == 1
    table = page.get_by_role("table").first
    assert table.locator("caption").inner_text().startswith(f"Table 1: {shown}")
    assert table.get_by_role("columnheader").first.inner_text() == shown
    assert table.get_by_role("cell").first.inner_text() == shown
    link = page.get_by_role("link", name=shown, exact=True)
    assert link.get_attribute("href") == link_to(value)
    point = page.get_by_role("listitem").filter(has=link)
    assert point.inner_text().startswith(f"{shown} and {shown}")
    assert page.locator("ol.sources > li").first.inner_text().startswith(shown)
    for target in (page.get_by_role("heading", level=1), table.get_by_role("cell").first, link):
        target.hover()
    assert injected(page) == [] and dialogs == []


def test_a_hostile_title_and_marking_print_as_their_characters_in_the_margins(variants, page):
    for index, value in enumerate(HOSTILE):
        pages = printed(page, page_file(variants, "executive", f"hostile-{index}"))
        assert all(value in margins(p)[0] and value in margins(p)[1] for p in pages), value
        assert all(margins(p)[0].count(value) == 2 for p in pages[1:]), "the running title"


@pytest.mark.parametrize("where", ["link", "source"])
def test_a_javascript_link_in_the_data_is_refused_at_its_line(tmp_path, seed_data, where):
    data, url = copy.deepcopy(seed_data), "javascript:alert(1)"
    if where == "link":
        data["sections"][0]["points"][0]["text"] = ["See ", {"link": "the report", "url": url}]
    else:
        data["sources"][0]["url"] = url
    write_yaml(tmp_path / "data" / "brief.yaml", data)
    result = run_in_process("build", "--format", "html", cwd=tmp_path)
    written = (tmp_path / "data" / "brief.yaml").read_text().splitlines()
    at = next(n for n, line in enumerate(written, 1) if url in line)
    (problem,) = problem_lines(result.stderr)
    found = re.match(rf"data/brief\.yaml:(\d+):\d+: (\S+): .*'{re.escape(url)}'", problem)
    assert result.returncode == 1 and found and "Traceback" not in result.stderr, problem
    assert found[2] == {"link": "sections[0].points[0].text", "source": "sources[0].url"}[where]
    assert at - 3 <= int(found[1]) <= at, "at the url, or at the text that holds it"
    assert not list(tmp_path.glob("out/**/*.html"))


# ------------------------------------------------------------ the policy

def test_the_page_asks_for_itself_alone_and_its_policy_stops_injected_scripts_and_fetches(
        built, page):
    asked, failed, refused = [], [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("requestfailed", lambda request: failed.append((request.url, request.failure)))
    page.on("console", lambda message: refused.append(message.text))
    path = page_file(built.parent, "analytical")
    opened(page, path)
    assert [url for url in asked if not url.startswith("data:")] == [path.as_uri()]
    ran = page.evaluate("""() => {
        const [script, image, button] = ['script', 'img', 'button'].map(
            tag => document.body.appendChild(document.createElement(tag)));
        script.textContent = 'window.injectedRan = true';
        image.src = 'https://example.org/pixel.png';
        button.setAttribute('onclick', 'window.handlerRan = true');
        button.click();
        return [window.injectedRan === true, window.handlerRan === true]; }""")
    page.wait_for_timeout(200)
    assert ran == [False, False]
    assert failed == [("https://example.org/pixel.png", "csp")]
    assert sum("Content Security Policy" in text for text in refused) == 3, refused


# ------------------------------------------------------------ axe-core

@pytest.mark.parametrize("audience", AUDIENCES)
def test_axe_core_finds_no_violation_on_any_audience_s_page(built, page, audience):
    violations = axe(opened(page, page_file(built.parent, audience)))
    assert not violations, described(violations)


def test_axe_core_finds_no_violation_on_a_phone_with_a_wide_table(variants, page):
    violations = axe(opened(page, page_file(variants, "analytical", "wide"), PHONE))
    assert not violations, described(violations)


# ------------------------------------------------------------ a phone's width

def overflowing(page) -> list[str]:
    """The innermost boxes outside a table's box that end right of the screen or whose
    text runs out of them, as 'TAG: text'."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const over = [...document.querySelectorAll('body *')].filter(e => !e.closest('.table')
            && (e.getBoundingClientRect().right > width + 0.5
                || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)));
        return over.filter(e => !over.some(inner => inner !== e && e.contains(inner)))
            .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40)); }""")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_on_a_phone_no_page_scrolls_sideways_and_its_text_wraps(built, page, audience):
    opened(page, page_file(built.parent, audience), PHONE)
    assert page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == \
        [PHONE["width"]] * 2
    assert overflowing(page) == []
    title = page.get_by_role("heading", level=1)
    assert title.bounding_box()["height"] > 2 * title.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"), "the title wraps"


def test_on_a_phone_a_wide_table_scrolls_in_its_own_box_and_long_words_wrap(variants, page):
    opened(page, page_file(variants, "analytical", "wide"), PHONE)
    box = page.get_by_role("region", name=re.compile("Six columns of long words"))
    sizes = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1], sizes
    assert box.evaluate("e => { e.scrollLeft = 60; return e.scrollLeft; }") == 60
    assert page.get_by_text(LONG_WORD).bounding_box()["height"] > 1.5 * page.get_by_text(
        LONG_WORD).evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"), "it wraps"
    assert overflowing(page) == []
    assert page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == \
        [PHONE["width"]] * 2



def test_on_a_phone_a_title_of_long_words_wraps_inside_the_screen(variants, page):
    opened(page, page_file(variants, "executive", "long-title"), PHONE)
    assert page.get_by_role("heading", level=1).inner_text() == LONG_TITLE
    assert overflowing(page) == []
    assert page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == \
        [PHONE["width"]] * 2


# ------------------------------------------------------------ print

def margins(pdf_page) -> tuple[str, str]:
    """The texts pypdf reads in a printed page's top margin and in its bottom margin."""
    height, found = float(pdf_page.mediabox.height), ([], [])
    top, _, bottom, _ = (mm * POINTS_PER_MM for mm in DEFAULT_THEME.margins_mm)

    def seen(text, cm, tm, font, size):
        y = cm[3] * tm[5] + cm[5]
        if text.strip() and (y > height - top or y < bottom):
            found[0 if y > height / 2 else 1].append(text)

    pdf_page.extract_text(visitor_text=seen)
    return "".join(found[0]), "".join(found[1])


def printed(page, path: Path) -> list:
    opened(page, path)
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True))).pages


def assert_pages(pages: list, paper: str, marking: str) -> None:
    assert len(pages) > 1
    for number, pdf_page in enumerate(pages, start=1):
        size = (float(pdf_page.mediabox.width), float(pdf_page.mediabox.height))
        assert size == pytest.approx(PAPER[paper], abs=1), (number, size)
        top, bottom = margins(pdf_page)
        assert marking in top and marking in bottom, (number, top, bottom)
        assert f"Page {number} of {len(pages)}" in bottom, (number, bottom)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_printed_pages_are_the_theme_s_paper_each_with_the_marking_and_its_number(
        built, seed, tmp_path, page, paper):
    root = built.parent.parent
    if paper != seed[0].theme_for(seed[0].audience("analytical")).page_size:
        root = tmp_path       # the seed, in a theme of that paper
        write_yaml(root / "data" / SEED.name, seed[2])
        write_yaml(root / "themes" / "paper.yaml", {"page": {"size": paper}})
        (root / "briefgen.yaml").write_text("theme: paper\n")
        report = build(Project.at(root), audiences=["analytical"], fmts=["html"])
        assert report.ok, [str(f) for f in report.failures]
    assert_pages(printed(page, page_file(root / "out", "analytical")), paper,
                 seed[1].brief.marking_for("analytical"))


def test_a_printed_page_keeps_every_column_of_a_table_of_long_addresses_and_long_words(
        variants, page):
    pages = printed(page, page_file(variants, "analytical", "addresses"))
    text = unicodedata.normalize("NFKC", "".join("".join(p.extract_text().split())
                                                 for p in pages))
    for word in ("SupportType", "PotentialImpact", "Status", "Confirmed",
                 "Enhanceslong-rangestrikecapability", "".join(ADDRESS.split()), LONG_WORD):
        assert word in text, word


# ------------------------------------------------------------ screenshots

@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_full_page_screenshot_of_the_executive_page_is_a_real_picture(built, page, tmp_path,
                                                                         size):
    opened(page, page_file(built.parent, "executive"), size)
    page.screenshot(path=tmp_path / "shot.png", full_page=True)
    with Image.open(tmp_path / "shot.png") as image:
        assert image.format == "PNG" and image.width == size["width"]
        assert image.height > size["height"]
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 200, len(colours)
    background = max(colours)[0] / sum(count for count, _ in colours)
    assert background < 0.97, "a page of little but its background"
