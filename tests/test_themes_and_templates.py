"""Themes, reference DOCX, project templates over built-in ones, the template check, init."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pdfplumber
import pypdf
import pytest
import yaml
from docx.oxml.ns import qn
from docx.shared import Inches, RGBColor
from PIL import Image

from briefgen.build.stages import render
from briefgen.project import Project
from briefgen.data.load import load_brief
from briefgen.errors import DataError
from briefgen.project.theme import BUILTIN_THEMES, load_theme
from briefgen.renderers import formats

from .conftest import minimal_brief, problem_lines, write_files
from .conftest import run_in_process as run

PREVIOUS = b"previous output"


# ------------------------------------------------------------------ helpers

def make_project(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A project with the minimal brief, the given files, and a previous public DOCX of
    the same edition (its data copy beside it, as a build leaves one)."""
    brief = yaml.safe_dump(minimal_brief(), sort_keys=False)
    write_files(root, {"data/brief.yaml": brief, **(files or {}),
                       "out/brief/.edition.yaml": brief,
                       "out/brief/brief-public.docx": PREVIOUS})
    return root


def documents(root: Path) -> dict[str, bytes]:
    """The documents under out/ (not the build's own hidden bookkeeping files)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "out").rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def untouched(root: Path) -> bool:
    """Only the previous output is in out/, unchanged."""
    return documents(root) == {"out/brief/brief-public.docx": PREVIOUS}


def house(theme_text: str, **files) -> dict:
    return {"briefgen.yaml": "theme: house\n", "themes/house.yaml": theme_text, **files}


def family(fontname: str) -> str:
    """'AAAAAA+DejaVuSans-Bold' -> 'DejaVuSans'."""
    return fontname.split("+")[-1].split("-")[0]


def hex_of(colour) -> str:
    return "#" + "".join(f"{round(c * 255):02X}" for c in colour)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def reference_docx() -> bytes:
    document = docx.Document()
    document.styles["Heading 1"].font.color.rgb = RGBColor(0xFF, 0, 0)
    section = document.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.header.paragraphs[0].text = "HOUSE HEADER TEXT"
    document.add_paragraph("Reference body text that must go.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rezipped(change=lambda name, data: data, extra: dict | None = None) -> bytes:
    """The reference DOCX with its parts changed and extra parts added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(reference_docx())) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return buffer.getvalue()


# ------------------------------------------------------------------ built-in themes

@pytest.fixture(scope="module")
def by_theme(tmp_path_factory) -> dict:
    """The minimal brief's public edition in each built-in theme: (theme YAML, DOCX, words)."""
    path = tmp_path_factory.mktemp("themes") / "brief.yaml"
    path.write_text(yaml.safe_dump(minimal_brief()), encoding="utf-8")
    loaded = load_brief(path)
    found = {}
    for name in ("sober", "think-tank"):
        settings = Project.builtin().with_theme(load_theme(name))
        document = docx.Document(io.BytesIO(render(loaded, "public", "docx", settings)))
        with pdfplumber.open(io.BytesIO(render(loaded, "public", "pdf", settings))) as pdf:
            words = [w for page in pdf.pages for w in page.extract_words(
                extra_attrs=["fontname", "non_stroking_color"])]
        spec = yaml.safe_load((BUILTIN_THEMES / f"{name}.yaml").read_text(encoding="utf-8"))
        found[name] = (spec, document, words)
    return found


def test_the_builtin_themes_differ_in_their_docx_styles(by_theme):
    seen = []
    for spec, document, _ in by_theme.values():
        styles = document.styles
        table = styles["Brief Table"].element
        fill = table.xpath('w:tblStylePr[@w:type="firstRow"]/w:tcPr/w:shd')[0].get(qn("w:fill"))
        found = (styles["Normal"].font.name, styles["Heading 1"].font.name,
                 str(styles["Heading 1"].font.color.rgb), fill)
        assert found == (spec["fonts"]["body"], spec["fonts"]["heading"],
                         spec["colours"]["heading"].lstrip("#"),
                         spec["colours"]["table_header_fill"].lstrip("#"))
        assert document.tables[0].style.name == "Brief Table"
        seen.append(found)
    assert all(a != b for a, b in zip(*seen))


def test_the_builtin_themes_differ_in_their_pdf_fonts_and_heading_colour(by_theme):
    seen = []
    for spec, _, words in by_theme.values():
        heading = next(w for w in words if w["text"] == "Findings")
        body = next(w for w in words if w["text"] == "Body")
        found = (family(body["fontname"]), family(heading["fontname"]),
                 hex_of(heading["non_stroking_color"]))
        assert found == (spec["fonts"]["body"].replace(" ", ""),
                         spec["fonts"]["heading"].replace(" ", ""), spec["colours"]["heading"])
        seen.append(found)
    assert all(a != b for a, b in zip(*seen))


def test_the_think_tank_theme_brings_its_own_labels(by_theme):
    texts = {name: [w["text"] for w in words] for name, (_, _, words) in by_theme.items()}
    assert "Summary" in texts["sober"] and "glance" not in texts["sober"]
    assert "glance" in texts["think-tank"] and "Summary" not in texts["think-tank"]


# ------------------------------------------------------------------ broken themes

BROKEN_THEMES = {
    "unknown-font": ("fonts:\n  heading: DejaVu Sans\n  body: Comic Sans\n", "Comic Sans"),
    "malformed-colour": ('colours:\n  accent: "#01BAEF"\n  heading: "#12345"\n', "#12345"),
    "unknown-placeholder": ('furniture:\n  footer_left: "{title}"\n  header_left: "{titel}"\n',
                            "{titel}"),
    "missing-logo": ("logo: nope.png\n", "nope.png"),
}


@pytest.mark.parametrize("case", BROKEN_THEMES)
def test_a_broken_theme_is_one_error_naming_the_theme_file_and_exits_1(tmp_path, case):
    text, bad = BROKEN_THEMES[case]
    root = make_project(tmp_path, house("name: house\n" + text))
    result = run("build", "--audience", "public", "--format", "docx", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = problem_lines(result.stderr)
    assert line.startswith("themes/house.yaml") and bad in line, line
    assert untouched(root)


@pytest.mark.parametrize("case", [
    "unknown-font", "malformed-colour", "unknown-placeholder", "missing-logo",
])
def test_a_theme_error_names_the_line_of_the_bad_value(tmp_path, case):
    text, bad = BROKEN_THEMES[case]
    text = "name: house\n" + text
    line = next(n for n, row in enumerate(text.splitlines(), 1) if bad in row)
    root = make_project(tmp_path, house(text))
    result = run("build", "--audience", "public", "--format", "docx", cwd=root)
    assert result.returncode == 1
    assert re.match(rf"themes/house\.yaml:{line}(:\d+)?: ", result.stderr), result.stderr


def test_a_logo_appears_in_the_pdf_and_the_docx(tmp_path):
    logo = png_bytes()
    root = make_project(tmp_path, house("name: house\nlogo: logo.png\n",
                                        **{"themes/logo.png": logo}))
    result = run("build", "--audience", "public", cwd=root)
    assert result.returncode == 0, result.stderr
    [image] = pypdf.PdfReader(str(root / "out/brief/brief-public.pdf")).pages[0].images
    assert image.image.size == (40, 20)
    document = docx.Document(str(root / "out/brief/brief-public.docx"))
    [shape] = document.inline_shapes
    [embed] = shape._inline.xpath(".//a:blip/@r:embed")
    embedded = Image.open(io.BytesIO(document.part.related_parts[embed].blob))   # normalised
    assert (embedded.format, embedded.size) == ("PNG", (40, 20))
    assert embedded.convert("RGB").getpixel((0, 0)) == (200, 30, 30)


def test_a_theme_may_name_a_logo_elsewhere_in_its_project(tmp_path):
    root = make_project(tmp_path / "project", house("name: house\nlogo: ../assets/logo.png\n",
                                                    **{"assets/logo.png": png_bytes()}))
    result = run("build", "--audience", "public", "--format", "pdf", cwd=root)
    assert result.returncode == 0, result.stderr
    [image] = pypdf.PdfReader(str(root / "out/brief/brief-public.pdf")).pages[0].images
    assert image.image.size == (40, 20)


def test_a_theme_file_that_a_link_leads_out_of_the_project_is_refused(tmp_path):
    write_files(tmp_path, {"elsewhere/logo.png": png_bytes()})
    root = make_project(tmp_path / "project", house("name: house\nlogo: logo.png\n"))
    (root / "themes" / "logo.png").symlink_to(tmp_path / "elsewhere" / "logo.png")
    result = run("build", "--audience", "public", "--format", "docx", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = problem_lines(result.stderr)
    assert line == ("themes/house.yaml:2:7: logo: found 'logo.png', which a link leads outside "
                    "the project folder; expected a file inside the project or the theme's "
                    "folder"), line
    assert untouched(root)


def test_a_theme_outside_any_project_may_name_files_only_in_its_own_folder(tmp_path):
    write_files(tmp_path, {"logo.png": png_bytes(), "themes/inside.png": png_bytes(),
                           "themes/good.yaml": "logo: inside.png\n",
                           "themes/bad.yaml": "logo: ../logo.png\n"})
    assert load_theme(str(tmp_path / "themes" / "good.yaml")).logo.name == "inside.png"
    with pytest.raises(DataError) as caught:
        load_theme(str(tmp_path / "themes" / "bad.yaml"))
    assert str(caught.value) == (f"{tmp_path / 'themes' / 'bad.yaml'}:1:7: logo: found "
                                 "'../logo.png', which leaves the project folder; expected a "
                                 "file inside the project or the theme's folder")


# ------------------------------------------------------------------ template overrides

OVERRIDES = {
    "templates/executive.md.j2": "# Replaced executive\n\nOnly this.\n",
    "templates/public.md.j2": ('{% extends "builtin/public.md.j2" %}\n{% block back_matter %}\n'
                               "# Project back matter\n\n{{ super() }}\n{% endblock %}\n"),
    "templates/analytical.md.j2": ('{% include "builtin/analytical.md.j2" %}\n'
                                   '{% include "_extra.md.j2" %}\n'),
    "templates/_extra.md.j2": "\n# Project partial\n\nPrepared by {{ brief.organisation }}.\n",
}


@pytest.fixture(scope="module")
def overridden(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("overrides"), OVERRIDES)
    result = run("build", "--format", "docx", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def paragraphs(root: Path, audience: str) -> list[tuple[str, str]]:
    document = docx.Document(str(root / "out" / "brief" / f"brief-{audience}.docx"))
    return [(p.style.name, p.text) for p in document.paragraphs if p.text]


def test_a_project_template_with_a_builtin_name_wins(overridden):
    found = paragraphs(overridden, "executive")
    assert found[-2:] == [("Heading 1", "Replaced executive"), ("Normal", "Only this.")]
    assert ("Heading 1", "Summary") not in found


def test_a_project_template_can_extend_the_builtin_one_it_overrides(overridden):
    headings = [text for style, text in paragraphs(overridden, "public") if style == "Heading 1"]
    assert headings == ["Summary", "Findings", "Project back matter", "Sources"]
    assert paragraphs(overridden, "public")[-1][1].startswith("This public edition contains")


def test_a_project_template_can_include_both_builtin_and_project_templates(overridden):
    found = paragraphs(overridden, "analytical")
    headings = [text for style, text in found if style == "Heading 1"]
    assert headings == ["Summary", "Findings", "Sources", "Project partial"]
    assert found[-1] == ("Normal", "Prepared by Test Institute.")


def test_templates_lists_each_name_with_its_origin_and_audience(overridden):
    result = run("templates", cwd=overridden)
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        match = re.fullmatch(r"(\S+)\s+(built-in|project, overrides built-in|project)\s+(\S+)"
                             r"(?:\s+used by (.+))?", line)
        assert match, line
        rows[match[1]] = (match[2], match[4])
    assert rows == {
        "_extra.md.j2": ("project", None),
        "_macros.md.j2": ("built-in", None),
        "analytical.md.j2": ("project, overrides built-in", "analytical"),
        "base.md.j2": ("built-in", None),
        "executive.md.j2": ("project, overrides built-in", "executive"),
        "public.md.j2": ("project, overrides built-in", "public"),
    }


# ------------------------------------------------------------------ the template check

MACRO = ("{% macro show(items) %}\n{% for point in items %}\n- {{ point.txt }}\n{% endfor %}\n"
         "{% endmacro %}\n")
EXTENDS = '{% extends "builtin/public.md.j2" %}\n'
LOOP = "{% for section in brief.sections %}\n"


def in_block(body: str, before: str = "") -> str:
    """A public template extending the built-in one, replacing its back matter with ``body``."""
    return EXTENDS + before + "{% block back_matter %}\n" + body + "{% endblock %}\n"


POINT_TXT = ("templates/_mine.md.j2:3: point.txt: the Point model has no field 'txt' "
             "(did you mean 'text'?)")
IMPORT = '{% import "_mine.md.j2" as mine %}\n'
SHOW = LOOP + "{{ mine.show(section.points) }}\n{% endfor %}\n"
CHECKS = {
    "brief-field": ({"public.md.j2": in_block("{{ brief.sumary }}\n")},
                    ("templates/public.md.j2:3: brief.sumary: the Brief model has no field "
                     "'sumary' (did you mean 'summary'?)")),
    "loop-variable": ({"public.md.j2": in_block(LOOP + "{{ section.titel }}\n{% endfor %}\n")},
                      ("templates/public.md.j2:4: section.titel: the Section model has no "
                       "field 'titel' (did you mean 'title'?)")),
    "imported-macro": ({"_mine.md.j2": MACRO, "public.md.j2": IMPORT + SHOW}, POINT_TXT),
    "macro-imported-by-a-child": ({"_mine.md.j2": MACRO,
                                   "public.md.j2": in_block(SHOW, before=IMPORT)}, POINT_TXT),
    "label": ({"public.md.j2": in_block("# {{ labels.sumary }}\n")},
              ("templates/public.md.j2:3: labels.sumary: there is no label 'sumary' "
               "(did you mean 'summary'?)")),
}


@pytest.mark.parametrize("case", [
    "brief-field", "loop-variable", "imported-macro", "label", "macro-imported-by-a-child",
])
def test_a_misspelt_field_is_reported_at_its_template_line_before_anything_renders(tmp_path,
                                                                                   case):
    templates, expected = CHECKS[case]
    root = make_project(tmp_path, {f"templates/{k}": v for k, v in templates.items()})
    result = run("build", "--audience", "public", cwd=root)
    assert result.returncode == 1
    assert problem_lines(result.stderr) == [expected]
    assert "wrote" not in result.stdout
    assert untouched(root)


@pytest.mark.parametrize("escape", ["{{ ''.__class__.__mro__ }}", "{{ ''|attr('__class__') }}",
                                    "{{ cycler.__init__.__globals__ }}"])
def test_a_sandbox_escape_is_refused_at_its_template_line(tmp_path, escape):
    root = make_project(tmp_path, {"templates/public.md.j2": in_block(escape + "\n")})
    result = run("build", "--audience", "public", "--format", "docx", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first = problem_lines(result.stderr)[0]
    assert first.startswith("templates/public.md.j2:3: unsafe operation refused: access to "
                            "attribute '__"), first
    assert untouched(root)


# ------------------------------------------------------------------ reference DOCX

def test_a_reference_docx_brings_its_styles_page_size_and_header(tmp_path):
    root = make_project(tmp_path, house("name: house\nreference_docx: ref.docx\n",
                                        **{"themes/ref.docx": reference_docx()}))
    result = run("build", "--audience", "public", "--format", "docx", cwd=root)
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(root / "out/brief/brief-public.docx"))
    assert document.styles["Heading 1"].font.color.rgb == RGBColor(0xFF, 0, 0)
    assert document.sections[0].page_width == Inches(8.5)
    header = [p.text for p in document.sections[0].header.paragraphs]
    assert "HOUSE HEADER TEXT" in header
    # the house header is kept, and the brief's marking is added to it on a line of its own
    assert header[-1] == minimal_brief()["marking"]
    texts = [p.text for p in document.paragraphs]
    assert "Reference body text that must go." not in texts
    assert "Summary" in texts and "A summary paragraph." in texts
    caption = [p for p in document.paragraphs if p.style.name == "Caption"]
    assert caption and all(p.paragraph_format.keep_with_next for p in caption)  # style or not
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:widowControl')}") is not None


def reference_without_lists() -> bytes:
    """A house document with no list styles and no numbering part, as some editors save."""
    document = docx.Document(io.BytesIO(reference_docx()))
    for style in list(document.styles):
        if style.name.startswith(("List Bullet", "List Number")):
            style.element.getparent().remove(style.element)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/numbering"):
            document.part.drop_rel(rel_id)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def list_format(document, style_name: str) -> str:
    """The number format ("bullet", "decimal") a list style's numbering gives level 0."""
    num_id = document.styles[style_name].element.pPr.find(qn("w:numPr")).find(qn("w:numId"))
    numbering = document.part.numbering_part.element
    num = numbering.num_having_numId(int(num_id.get(qn("w:val"))))
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    [level] = numbering.xpath(f'w:abstractNum[@w:abstractNumId="{abstract_id}"]'
                              '/w:lvl[@w:ilvl="0"]/w:numFmt')
    return level.get(qn("w:val"))


def test_a_reference_docx_without_list_styles_gets_ours_with_their_numbering(tmp_path):
    root = make_project(tmp_path, house("name: house\nreference_docx: ref.docx\n",
                                        **{"themes/ref.docx": reference_without_lists()}))
    assert "List Bullet" not in {s.name for s in docx.Document(
        str(root / "themes/ref.docx")).styles}
    result = run("build", "--audience", "analytical", "--format", "docx", cwd=root)
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(root / "out/brief/brief-analytical.docx"))
    bullets = [p for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets, [p.style.name for p in document.paragraphs]
    assert list_format(document, "List Bullet") == "bullet"
    assert list_format(document, "List Number") == "decimal"
    assert document.styles["Heading 1"].font.color.rgb == RGBColor(0xFF, 0, 0)


def _replacing(part: str, old: bytes, new: bytes):
    return lambda name, data: data.replace(old, new) if name == part else data


MACRO_TYPES = _replacing("[Content_Types].xml", b"wordprocessingml.document.main+xml",
                         b"wordprocessingml.document.macroEnabled.main+xml")
EXTERNAL = _replacing("word/_rels/document.xml.rels", b"</Relationships>",
                      b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/'
                      b'officeDocument/2006/relationships/hyperlink" '
                      b'Target="https://example.org/" TargetMode="External"/></Relationships>')


BAD_REFERENCES = {
    "not-a-zip": (lambda: b"this is not a zip archive", "not a zip"),
    "macro-enabled": (lambda: rezipped(MACRO_TYPES), "macro-enabled"),
    "external-link": (lambda: rezipped(EXTERNAL), "external relationships"),
    "zip-bomb-ratio": (lambda: rezipped(extra={"word/media/zeros.bin": bytes(5_000_000)}),
                       "zip bomb"),
    "zip-bomb-size": (lambda: rezipped(extra={"word/media/zeros.bin": bytes(60_000_000)}),
                      "zip bomb"),
    "missing": (None, "does not exist"),
}


@pytest.mark.parametrize("case", BAD_REFERENCES)
def test_a_bad_reference_docx_is_refused_with_one_line_naming_it(tmp_path, case):
    make, why = BAD_REFERENCES[case]
    files = {f"themes/{case}.docx": make()} if make else {}
    root = make_project(tmp_path, house(f"name: house\nreference_docx: {case}.docx\n", **files))
    result = run("build", "--audience", "public", "--format", "docx", cwd=root)
    assert result.returncode == 1
    [line] = problem_lines(result.stderr)
    assert line.startswith("themes/house.yaml")
    assert f"themes/{case}.docx" in line and why in line, line
    assert untouched(root)


# ------------------------------------------------------------------ init

def test_init_makes_a_project_that_builds_at_once(tmp_path):
    created = run("init", "fresh", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    root = tmp_path / "fresh"
    audiences = yaml.safe_load((root / "briefgen.yaml").read_text(encoding="utf-8"))["audiences"]
    briefs = [p.stem for p in (root / "data").glob("*.yaml")]
    assert audiences and briefs
    result = run("build", cwd=root)
    assert result.returncode == 0, result.stderr
    assert set(documents(root)) == {f"out/{b}/{b}-{a}.{f}" for b in briefs for a in audiences
                                    for f in formats()}


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("init", "busy", cwd=tmp_path)
    assert result.returncode == 2
    assert "busy already exists and is not empty" in result.stderr
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]
