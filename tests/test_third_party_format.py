"""A format from another package: examples/briefgen-plaintext, installed into a folder of
its own (never into briefgen's environment, which other tests share), is found by its
entry point, listed, built like DOCX and PDF, skipped when current, archived with an
edition, and passes the every-node check; and a broken registration is refused by name."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from briefgen.build.stages import compose
from briefgen.compose import blocks as b
from briefgen.errors import UsageError
from briefgen.project import Project
from briefgen.renderers.registry import GROUP, Formats
from tests.conftest import AUDIENCES, ROOT
from tests.test_every_node import check_every_node, read_text
from tests.test_executors import SEED_ID, bump_edition, seed_project

EXAMPLE = ROOT / "examples" / "briefgen-plaintext"
RENDER_FIXTURE = ("import sys; from briefgen.project.theme import DEFAULT_THEME; "
                  "from briefgen.renderers import renderer_for; "
                  "from tests.test_every_node import every_node_document; "
                  "sys.stdout.buffer.write(renderer_for('txt')(DEFAULT_THEME)"
                  ".render(every_node_document()))")


@pytest.fixture(scope="module")
def plaintext(tmp_path_factory) -> Path:
    """The example installed with pip into a folder of its own; that folder.  It is built
    from a copy, since building writes into the source folder."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools, the example's build backend, is not installed "
                    "(the test extra brings it)")
    work = tmp_path_factory.mktemp("plaintext")
    source = shutil.copytree(EXAMPLE, work / "source")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--disable-pip-version-check", "--target",
         str(work / "site"), str(source)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    return work / "site"


def briefgen_with(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m briefgen ARGS`` in ``cwd`` with the example on the import path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(site), str(ROOT)))}
    return subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def built(site: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    result = briefgen_with(site, "build", *args, cwd=root)
    assert result.returncode == 0, result.stderr
    return result


def outputs(root: Path, suffix: str) -> dict[str, bytes]:
    folder = root / "out" / SEED_ID
    return {p.name: p.read_bytes() for p in sorted(folder.glob(f"*{suffix}"))}


def written_times(root: Path) -> dict[Path, int]:
    """When each file a reader gets was last written (the build's bookkeeping aside)."""
    return {p: p.stat().st_mtime_ns for p in (root / "out").rglob("*")
            if p.is_file() and not p.name.startswith(".briefgen")}


def expected_names(suffix: str) -> list[str]:
    return sorted(f"{SEED_ID}-{audience}{suffix}" for audience in AUDIENCES)


def document_of(root: Path, audience: str) -> b.Document:
    project = Project.at(root)
    loaded = project.load(root / "data" / f"{SEED_ID}.yaml")
    return compose(project, loaded, audience).document


def texts_to_find(document: b.Document) -> list[str]:
    """The title, the marking, every heading and every table cell of a document."""
    found = [document.meta.title, document.meta.marking]
    for node in walk(document.blocks):
        if isinstance(node, b.Heading):
            found.append(b.plain_text(node.children))
        elif isinstance(node, b.Table):
            found += [b.plain_text(cell.children) for row in (node.header, *node.rows)
                      for cell in row]
    return found


def walk(blocks: tuple):
    for node in blocks:
        yield node
        yield from walk(getattr(node, "children", None) or getattr(node, "items", None) or ())


@pytest.fixture(scope="module")
def every_format(plaintext, tmp_path_factory) -> Path:
    """The seed project built with no --format: every format in effect."""
    root = seed_project(tmp_path_factory.mktemp("every-format"))
    built(plaintext, root)
    return root


# ------------------------------------------------------------------ the package

def test_briefgen_formats_lists_txt_with_the_package_it_comes_from(plaintext, tmp_path):
    listed = briefgen_with(plaintext, "formats", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert re.fullmatch(r"txt +\.txt +briefgen-plaintext 0\.1\.0 "
                        r"\(briefgen_plaintext:TextRenderer\)", lines["txt"])
    assert lines["docx"].split()[2] == lines["pdf"].split()[2] == "briefgen"


def test_a_txt_build_writes_each_audience_with_its_title_marking_headings_and_cells(
        plaintext, tmp_path):
    root = seed_project(tmp_path)
    built(plaintext, root, "--format", "txt")
    texts = {name: data.decode("utf-8") for name, data in outputs(root, ".txt").items()}
    assert sorted(texts) == expected_names(".txt")
    assert not outputs(root, ".docx") and not outputs(root, ".pdf")
    tables = 0
    for audience in AUDIENCES:
        document = document_of(root, audience)
        text = texts[f"{SEED_ID}-{audience}.txt"]
        missing = [found for found in texts_to_find(document) if found not in text]
        assert not missing, f"{audience}: {missing}"
        tables += sum(1 for node in walk(document.blocks) if isinstance(node, b.Table))
    assert tables and "Regional Players Affected" in texts[f"{SEED_ID}-analytical.txt"]


def test_a_second_txt_build_writes_nothing(plaintext, tmp_path):
    root = seed_project(tmp_path)
    built(plaintext, root, "--format", "txt")
    first = written_times(root)
    again = built(plaintext, root, "--format", "txt")
    assert "nothing to do: every output is up to date" in again.stderr.splitlines()
    assert written_times(root) == first


def test_a_build_of_every_format_writes_docx_pdf_and_txt(every_format):
    for suffix, opening in ((".docx", b"PK"), (".pdf", b"%PDF")):
        found = outputs(every_format, suffix)
        assert sorted(found) == expected_names(suffix), suffix
        assert all(data.startswith(opening) for data in found.values()), suffix
    texts = outputs(every_format, ".txt")
    assert sorted(texts) == expected_names(".txt")
    title = document_of(every_format, "public").meta.title
    assert all(title in data.decode("utf-8") for data in texts.values())


def test_the_same_brief_gives_the_same_txt_bytes_when_built_again(plaintext, every_format,
                                                                  tmp_path):
    root = seed_project(tmp_path)
    built(plaintext, root, "--format", "txt")
    assert outputs(root, ".txt") == outputs(every_format, ".txt")


def test_a_new_edition_archives_the_txt_with_the_docx_and_pdf(plaintext, every_format,
                                                              tmp_path):
    root = shutil.copytree(every_format, tmp_path / "project")
    before = {suffix: outputs(root, suffix) for suffix in (".docx", ".pdf", ".txt")}
    bump_edition(root / "data" / f"{SEED_ID}.yaml")
    built(plaintext, root)
    archive = root / "out" / SEED_ID / "editions" / "2026-11-24"
    for suffix, files in before.items():
        assert {name: (archive / name).read_bytes() for name in files} == files, suffix
    assert "10 January 2027" in outputs(root, ".txt")[f"{SEED_ID}-public.txt"].decode()


def test_the_plain_text_format_passes_the_every_node_check(plaintext):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(plaintext), str(ROOT)))}
    rendered = subprocess.run([sys.executable, "-c", RENDER_FIXTURE], cwd=ROOT, env=env,
                              capture_output=True, timeout=120, check=False)
    assert rendered.returncode == 0, rendered.stderr.decode()
    check_every_node(read_text(rendered.stdout))


# ------------------------------------------------------------------ the registry

def refusal(name: str, value: str) -> str:
    """The one message loading a format registered as ``name = value`` is refused with."""
    formats = Formats([EntryPoint(name, value, GROUP),
                       EntryPoint("docx", "briefgen.renderers.docx.renderer:DocxRenderer",
                                  GROUP)])
    with pytest.raises(UsageError) as refused:
        formats.renderer(name)
    assert formats.renderer("docx").format == "docx"   # the others still load
    (problem,) = refused.value.problems
    return problem.message


def test_a_registered_class_that_is_not_a_renderer_is_refused_by_its_name():
    message = refusal("odt", "collections:OrderedDict")
    assert "'odt'" in message and "collections:OrderedDict" in message
    assert "not a briefgen Renderer" in message


def test_a_renderer_registered_under_another_name_than_its_format_is_refused():
    message = refusal("rtf", "briefgen.renderers.docx.renderer:DocxRenderer")
    assert "'rtf'" in message and "DocxRenderer" in message
    assert "whose format is 'rtf'" in message


def test_a_format_whose_import_fails_is_refused_with_the_import_error():
    message = refusal("odp", "briefgen_no_such_module:Renderer")
    assert "'odp'" in message and "cannot be loaded" in message
    assert "ModuleNotFoundError" in message and "briefgen_no_such_module" in message


def test_a_format_name_two_packages_register_is_refused_naming_both():
    """A package cannot silently take the place of another's format, DOCX included."""
    formats = Formats([EntryPoint("docx", "briefgen.renderers.docx.renderer:DocxRenderer",
                                  GROUP),
                       EntryPoint("docx", "evil_docx:Renderer", GROUP),
                       EntryPoint("pdf", "briefgen.renderers.pdf.renderer:PdfRenderer", GROUP)])
    with pytest.raises(UsageError) as refused:
        formats.renderer("docx")
    (problem,) = refused.value.problems
    assert "more than one package" in problem.message
    assert "DocxRenderer" in problem.message and "evil_docx:Renderer" in problem.message
    assert formats.renderer("pdf").format == "pdf"


def test_names_that_are_no_file_extension_are_not_formats():
    formats = Formats([EntryPoint(name, "collections:OrderedDict", GROUP)
                       for name in ("DOCX", "../x", "a.b", "", "x" * 17)])
    assert formats.names() == ()
