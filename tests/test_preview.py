"""briefgen preview, through its routes: a copy of the seed project served by the app
built for it, driven by Starlette's TestClient (and, for paths no HTTP client sends as
they are, by ASGI requests made by hand); each change is made, then the rebuild called
directly, as the watcher calls it."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import socket
from pathlib import Path
from urllib.parse import unquote

import docx
import lxml.html
import pypdf
import pytest
from starlette.testclient import TestClient

from briefgen.preview.app import create_app
from briefgen.preview.events import Hub
from briefgen.preview.guard import Served
from briefgen.preview.table import Table
from briefgen.renderers.html.renderer import HtmlRenderer
from tests.conftest import AUDIENCES, ROOT, problem_lines, public_back_matter, run_in_process

SEED = "russia-china-taiwan"
ROW = "Satellite Intelligence Sharing, Improves target acquisition accuracy, "
ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the seed project, with a second brief of another title; the working
    folder, so that files are named as a user in it names them."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    seed = (tmp_path / "data" / f"{SEED}.yaml").read_text(encoding="utf-8")
    second = seed.replace("title: Russian Military Support", "title: A Second Look at "
                          "Russian Military Support", 1)
    (tmp_path / "data" / "second.yaml").write_text(second, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def table(project) -> Table:
    made = Table(Path("."))
    made.rebuild()
    return made


@pytest.fixture
def client(table) -> TestClient:
    served = Served.at("127.0.0.1", "127.0.0.1", 8000)
    return TestClient(create_app(table, served), base_url=ORIGIN)


@pytest.fixture
def renders(monkeypatch) -> list:
    """Each HTML render from now on, as (title, audience label)."""
    made = []
    original = HtmlRenderer.render

    def counting(self, document):
        made.append((document.meta.title, document.meta.audience_label))
        return original(self, document)

    monkeypatch.setattr(HtmlRenderer, "render", counting)
    return made


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def parsed(response):
    return lxml.html.fromstring(response.content)


def raw_get(app, raw_path: str, host: str = "127.0.0.1:8000") -> int:
    """The status of a GET of ``raw_path`` exactly as written, as uvicorn hands it to the
    app (the path percent-decoded, nothing normalised)."""
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
             "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": unquote(raw_path), "raw_path": raw_path.encode("latin-1"),
             "query_string": b"", "root_path": "", "headers": [(b"host", host.encode())],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"]


# ----------------------------------------------------------------- the pages

def test_the_index_links_every_brief_for_every_audience(client, table):
    page = parsed(client.get("/"))
    links = {a.get("href"): a.text_content() for a in page.iter("a")}
    labels = {name: label for name, label in table.audiences.items()}
    assert links == {f"/brief/{stem}/{audience}/": labels[audience]
                     for stem in (SEED, "second") for audience in AUDIENCES}
    titles = [h2.text_content() for h2 in page.iter("h2")]
    assert titles == ["Russian Military Support to China and the Taiwan Contingency",
                      "A Second Look at Russian Military Support to China and the Taiwan "
                      "Contingency"]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_brief_shows_the_very_bytes_the_html_build_writes(client, project, tmp_path_factory,
                                                            audience):
    elsewhere = tmp_path_factory.mktemp("built")
    shutil.copytree(project / "data", elsewhere / "data")
    result = run_in_process("build", "--format", "html", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    written = elsewhere / "out" / SEED / f"{SEED}-{audience}.html"
    response = client.get(f"/brief/{SEED}/{audience}/view")
    assert response.status_code == 200
    assert response.content == written.read_bytes()
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_the_wrapper_frames_the_brief_from_this_origin_with_its_own_script_only(client):
    response = client.get(f"/brief/{SEED}/analytical/")
    page = parsed(response)
    frame = page.get_element_by_id("brief")
    assert frame.tag == "iframe" and frame.get("src") == f"/brief/{SEED}/analytical/view"
    assert "Russian Military Support" in frame.get("title")
    assert "allow-scripts" not in frame.get("sandbox")
    assert page.get("lang") == "en" and page.find(".//title").text_content()
    assert page.find(".//main") is not None and page.find(".//nav") is not None
    scripts = list(page.iter("script"))
    assert [s.get("src") for s in scripts] == ["/static/preview.js"]
    assert all(not (s.text or "").strip() for s in scripts)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'self'" in policy
    script = client.get("/static/preview.js")
    assert script.status_code == 200 and "EventSource" in script.text
    assert script.headers["content-type"].startswith("text/javascript")


def test_the_wrapper_links_the_other_audiences_and_the_downloads(client):
    page = parsed(client.get(f"/brief/{SEED}/public/"))
    hrefs = [a.get("href") for a in page.iter("a")]
    assert f"/brief/{SEED}/executive/" in hrefs and f"/brief/{SEED}/analytical/" in hrefs
    assert f"/brief/{SEED}/public/download/pdf" in hrefs
    assert f"/brief/{SEED}/public/download/docx" in hrefs
    current = [a for a in page.iter("a") if a.get("aria-current") == "page"]
    assert [a.get("href") for a in current] == [f"/brief/{SEED}/public/"]


def test_the_brief_runs_no_script_by_the_servers_policy_too(client):
    policy = client.get(f"/brief/{SEED}/public/view").headers["content-security-policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'self'" in policy


# ------------------------------------------------------------------ downloads

def test_the_pdf_is_made_on_first_request_and_reads_back(client, table):
    response = client.get(f"/brief/{SEED}/analytical/download/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == \
        f'attachment; filename="{SEED}-analytical.pdf"'
    text = pdf_text(response.content)
    assert "Taiwan Contingency" in text and "Underway" in text


def test_the_docx_reads_back_and_is_made_once_for_its_inputs(client, monkeypatch):
    from briefgen.renderers.docx.renderer import DocxRenderer

    made = []
    original = DocxRenderer.render
    monkeypatch.setattr(DocxRenderer, "render",
                        lambda self, document: made.append(1) or original(self, document))
    first = client.get(f"/brief/{SEED}/executive/download/docx")
    again = client.get(f"/brief/{SEED}/executive/download/docx")
    assert first.status_code == 200 and again.content == first.content
    assert len(made) == 1
    read = docx.Document(io.BytesIO(first.content))
    assert "Russian Military Support to China and the Taiwan Contingency" in \
        "\n".join(p.text for p in read.paragraphs)


def test_a_changed_brief_is_downloaded_as_it_is_now(client, table, project):
    before = pdf_text(client.get(f"/brief/{SEED}/analytical/download/pdf").content)
    edit(project / "data" / f"{SEED}.yaml", ROW + "Underway", ROW + "Confirmed")
    table.rebuild()
    after = pdf_text(client.get(f"/brief/{SEED}/analytical/download/pdf").content)
    assert after.count("Underway") == before.count("Underway") - 1
    assert after.count("Confirmed") == before.count("Confirmed") + 1


def test_nothing_is_written_anywhere_in_the_project(client, table, project):
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    client.get("/")
    client.get(f"/brief/{SEED}/public/view")
    client.get(f"/brief/{SEED}/public/download/pdf")
    client.get(f"/brief/{SEED}/public/download/docx")
    edit(project / "data" / f"{SEED}.yaml", ROW + "Underway", ROW + "Confirmed")
    table.rebuild()
    assert not (project / "out").exists()
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


# ------------------------------------------------------------------- refusals

ESCAPES = [
    "/brief/../data/russia-china-taiwan.yaml",
    "/brief/%2e%2e/%2e%2e/data/russia-china-taiwan.yaml",
    "/brief/russia-china-taiwan/executive/../../../data/russia-china-taiwan.yaml",
    "/brief/russia-china-taiwan%2Fexecutive/",
    "/brief/russia-china-taiwan/executive%2F..%2F..%2Fpublic/view",
    "/brief/russia-china-taiwan/executive/download/..%2F..%2Fpdf",
    "/brief/russia-china-taiwan/executive/download/%2Fetc%2Fpasswd",
    "/static/..%2Fapp.py",
    "/static/%2e%2e/app.py",
    "/static/app.py",
    "/static/preview.js%00",
    "/static/%2Fetc%2Fpasswd",
    "//etc/passwd",
    "/etc/passwd",
    "/brief//etc/passwd/executive/",
    "/brief/%2Fetc%2Fpasswd/executive/",
    "/brief/russia-china-taiwan\\executive/view",
    "/brief/russia-china-taiwan%5Cexecutive/view",
    "/brief/russia-china-taiwan%00/executive/view",
    "/brief/" + "a" * 5000 + "/executive/",
    "/brief/" + "a" * 200 + "/executive/",
    "/brief/russia-china-taiwan/nobody/",
    "/brief/russia-china-taiwan/executive",
    "/brief/russia-china-taiwan/executive/view/",
    "/brief/russia-china-taiwan/executive/last-good/",
    "/brief/russia-china-taiwan.yaml/executive/",
    "/data/russia-china-taiwan.yaml",
    "/out/russia-china-taiwan/russia-china-taiwan-executive.html",
    "/brief/russia-china-taiwan/executive/download/yaml",
    "/brief/russia-china-taiwan/executive/download/PDF",
    "/index.html",
    "/events/",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_a_path_that_names_nothing_served_is_not_found(client, path):
    assert raw_get(client.app, path) == 404


def test_a_data_file_that_links_outside_the_project_shows_a_problem_not_its_content(
        project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text((project / "data" / f"{SEED}.yaml").read_text(encoding="utf-8")
                       .replace("title: Russian", "title: SECRET Russian", 1),
                       encoding="utf-8")
    (project / "data" / "linked.yaml").symlink_to(outside)
    table = Table(Path("."))
    table.rebuild()
    client = TestClient(create_app(table, Served.at("127.0.0.1", "127.0.0.1", 8000)),
                        base_url=ORIGIN)
    response = client.get("/brief/linked/public/view")
    assert response.status_code == 422
    assert b"SECRET" not in response.content
    assert "leads outside" in parsed(response).find(".//ol").text_content()


@pytest.mark.parametrize("host", ["evil.example:8000", "127.0.0.1.evil.example:8000",
                                  "127.0.0.1:8001", "localhost:80", "", "[::1", "127.0.0.1:x"])
def test_a_request_for_another_host_is_refused(client, host):
    response = client.get("/", headers={"host": host})
    assert response.status_code == 400
    assert raw_get(client.app, f"/brief/{SEED}/public/view", host=host) == 400


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000"])
def test_the_served_address_and_localhost_are_answered(client, host):
    assert client.get("/", headers={"host": host}).status_code == 200


def test_every_address_literal_is_answered_on_every_interface_but_no_name():
    served = Served.at("0.0.0.0", "0.0.0.0", 8080)
    assert served.accepts("192.0.2.7:8080") and served.accepts("[2001:db8::1]:8080")
    assert not served.accepts("evil.example:8080") and not served.accepts("192.0.2.7:80")
    assert not served.loopback


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_answered(client, method):
    response = client.request(method, "/")
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"
    assert client.head(f"/brief/{SEED}/public/").status_code == 200


@pytest.mark.parametrize("path", ["/", f"/brief/{SEED}/public/", f"/brief/{SEED}/public/view",
                                  "/static/preview.css", "/nowhere", f"/brief/{SEED}/x/"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert client.get(path, headers={"host": "evil.example:8000"}).headers[
        "x-content-type-options"] == "nosniff"


# ----------------------------------------------------------------- rebuilding

def test_a_saved_data_file_renders_again_only_its_own_brief(table, client, project, renders):
    edit(project / "data" / f"{SEED}.yaml", ROW + "Underway", ROW + "Confirmed")
    rebuilt = table.rebuild()
    assert sorted(renders) == sorted(("Russian Military Support to China and the Taiwan "
                                      "Contingency", table.audiences[a]) for a in AUDIENCES)
    assert sorted(rebuilt.pages) == sorted((SEED, a) for a in AUDIENCES)
    row = [tr for tr in parsed(client.get(f"/brief/{SEED}/analytical/view")).iter("tr")
           if "Satellite Intelligence Sharing" in tr.text_content()]
    assert "Confirmed" in row[0].text_content()


def test_a_rebuild_without_a_change_renders_nothing(table, renders):
    rebuilt = table.rebuild()
    assert renders == [] and rebuilt.pages == () and not rebuilt.index


def test_a_saved_template_renders_again_the_audiences_using_it(table, client, project,
                                                                renders):
    public_back_matter(project, "Read by the preview.\n")
    rebuilt = table.rebuild()
    assert sorted(renders) == sorted((title, table.audiences["public"]) for title in (
        "Russian Military Support to China and the Taiwan Contingency",
        "A Second Look at Russian Military Support to China and the Taiwan Contingency"))
    assert sorted(rebuilt.pages) == [("russia-china-taiwan", "public"), ("second", "public")]
    assert "Read by the preview." in client.get("/brief/second/public/view").text
    assert "Read by the preview." not in client.get("/brief/second/executive/view").text


def test_a_broken_data_file_shows_its_located_problems_as_validate_prints_them(
        table, client, project):
    good = client.get(f"/brief/{SEED}/executive/view").content
    edit(project / "data" / f"{SEED}.yaml", "keywords: [Russia,", "keywords: [Russia,\n  [")
    table.rebuild()
    response = client.get(f"/brief/{SEED}/executive/view")
    assert response.status_code == 422
    shown = [li.text_content() for li in parsed(response).iter("li")]
    validated = problem_lines(run_in_process("validate", f"data/{SEED}.yaml",
                                             cwd=project).stderr)
    assert shown == validated and shown[0].startswith(f"data/{SEED}.yaml:")
    assert shown[0].split(":")[1].isdigit() and shown[0].split(":")[2].isdigit()
    links = [a.get("href") for a in parsed(response).iter("a")]
    assert links == [f"/brief/{SEED}/executive/last-good"]
    assert client.get(links[0]).content == good
    assert client.get("/brief/second/executive/view").status_code == 200


def test_a_fixed_data_file_brings_the_brief_back(table, client, project):
    path = project / "data" / f"{SEED}.yaml"
    good = client.get(f"/brief/{SEED}/public/view").content
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title:", "title: [", 1), encoding="utf-8")
    table.rebuild()
    assert client.get(f"/brief/{SEED}/public/view").status_code == 422
    path.write_text(text, encoding="utf-8")
    rebuilt = table.rebuild()
    assert client.get(f"/brief/{SEED}/public/view").content == good
    assert (SEED, "public") in rebuilt.pages


def test_problems_are_escaped_and_link_nowhere_else(table, client, project):
    edit(project / "data" / f"{SEED}.yaml", "subtitle: What", "subtitle: <script>x</script>\n"
                                                              "  bad: [What")
    table.rebuild()
    response = client.get(f"/brief/{SEED}/analytical/view")
    assert response.status_code == 422 and b"<script" not in response.content
    page = parsed(response)
    assert [s for s in page.iter("script")] == []
    assert all(a.get("href").startswith("/brief/") for a in page.iter("a"))


def test_a_broken_template_blanks_only_the_audiences_using_it(table, client, project):
    public_back_matter(project, "{% if %}\n")
    table.rebuild()
    response = client.get(f"/brief/{SEED}/public/view")
    assert response.status_code == 422
    shown = [li.text_content() for li in parsed(response).iter("li")]
    assert shown and all(line.startswith("templates/public.md.j2:3") for line in shown)
    validated = problem_lines(run_in_process("validate", cwd=project).stderr)
    assert set(shown) <= set(validated)
    assert client.get(f"/brief/{SEED}/executive/view").status_code == 200


def test_a_broken_project_file_is_shown_on_the_index_and_in_every_page(table, client,
                                                                        project):
    (project / "briefgen.yaml").write_text("levels: [\n", encoding="utf-8")
    table.rebuild()
    index = client.get("/")
    assert index.status_code == 200
    shown = [li.text_content() for li in parsed(index).find_class("problems")[0]]
    validated = problem_lines(run_in_process("validate", cwd=project).stderr)
    assert shown == validated and shown[0].startswith("briefgen.yaml:")
    page = client.get(f"/brief/{SEED}/public/view")
    assert page.status_code == 422
    assert [li.text_content() for li in parsed(page).find_class("problems")[0]] == shown
    (project / "briefgen.yaml").unlink()
    table.rebuild()
    assert client.get(f"/brief/{SEED}/public/view").status_code == 200
    assert not parsed(client.get("/")).find_class("problems")


def test_an_audience_dropped_and_put_back_breaks_and_brings_back_the_other_pages(
        table, client, project):
    """The seed names the analytical audience: without it every page of the brief has
    problems (as validate says), and with it back they show again, with no restart."""
    view = f"/brief/{SEED}/executive/view"
    assert client.get(view).status_code == 200
    (project / "briefgen.yaml").write_text("audiences:\n  executive: {}\n  public: {}\n",
                                           encoding="utf-8")
    table.rebuild()
    assert client.get(view).status_code == 422
    assert run_in_process("validate", cwd=project).returncode == 1
    (project / "briefgen.yaml").write_text(
        "audiences:\n  executive: {}\n  analytical: {}\n  public: {}\n", encoding="utf-8")
    table.rebuild()
    assert client.get(view).status_code == 200


def test_a_download_of_a_broken_brief_shows_why(table, client, project):
    edit(project / "data" / f"{SEED}.yaml", "title:", "title: [")
    table.rebuild()
    response = client.get(f"/brief/{SEED}/public/download/pdf")
    assert response.status_code == 422 and "content-disposition" not in response.headers
    assert f"data/{SEED}.yaml:" in parsed(response).find(".//ol").text_content()


def test_a_new_data_file_appears_on_the_index(table, client, project):
    shutil.copy(project / "data" / "second.yaml", project / "data" / "third.yaml")
    rebuilt = table.rebuild()
    assert rebuilt.index
    assert client.get("/brief/third/public/view").status_code == 200


def test_a_removed_data_file_leaves_the_index_and_its_open_pages_hear_of_it(table, client,
                                                                           project):
    (project / "data" / "second.yaml").unlink()
    rebuilt = table.rebuild()
    assert rebuilt.index and ("second", "public") in rebuilt.pages
    gone = client.get("/brief/second/public/view")
    assert gone.status_code == 404
    shown = parsed(gone)
    assert "preview-gone" in shown.body.get("class")
    assert shown.findtext(".//h1") == "This brief or audience is no longer in the project"
    assert [(a.get("href"), a.get("target")) for a in shown.iter("a")] == [("/", "_top")]
    assert "/brief/second/public/" not in client.get("/").text


def test_data_files_named_with_any_bytes_are_listed_with_their_problems(project):
    shutil.copy(project / "data" / "second.yaml", project / "data" / "tab\tname.yaml")
    for name in ("back\\slash.yaml", "...yaml", "per%2fcent.yaml"):   # each URL the guard
        shutil.copy(project / "data" / "second.yaml", project / "data" / name)  # would refuse
    (project / "data" / "second.yaml").rename(os.fsdecode(b"data/\xff-second.yaml"))
    table = Table(Path("."))
    table.rebuild()
    client = TestClient(create_app(table, Served.at("127.0.0.1", "127.0.0.1", 8000)),
                        base_url=ORIGIN)
    index = parsed(client.get("/"))
    files = [p.text_content() for p in index.find_class("file")]
    assert "data/tab\\tname.yaml" in files and "data/\\udcff-second.yaml" in files
    for link in index.iter("a"):
        assert client.get(link.get("href")).status_code == 200
    named = [e for e in table.entries.values() if e.path.name.startswith("\udcff")][0]
    problems = client.get(f"/brief/{named.name}/public/view")
    assert problems.status_code == 422 and "not UTF-8" in problems.text


# -------------------------------------------------------------------- events

def test_the_event_stream_greets_with_the_version_then_names_the_changed_pages(table, project):
    hub = Hub()

    async def listen():
        stream = hub.stream(table.version)
        hello = await anext(stream)
        edit(project / "data" / "second.yaml", ROW + "Underway", ROW + "Confirmed")
        hub.publish(table.version + 1, table.rebuild())
        change = await anext(stream)
        hub.close()
        return hello, change, [message async for message in stream]

    hello, change, rest = asyncio.run(listen())
    assert b"event: hello\ndata: {\"version\": 1}\n\n" in hello
    assert change.startswith(b"event: change\n") and b'["second", "public"]' in change
    assert SEED.encode() not in change and rest == []


def test_a_head_of_the_event_stream_does_not_keep_it_open(client):
    response = client.head("/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")


def test_the_event_stream_is_served_as_events(client):
    client.app.state.hub.close()          # the stream ends after its greeting
    response = client.get("/events")
    assert response.headers["content-type"].startswith("text/event-stream")
    assert b"event: hello" in response.content


# ------------------------------------------------------------ the command line

def test_a_missing_project_is_a_usage_error(tmp_path):
    result = run_in_process("preview", "--project", "nowhere", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_project_without_data_is_one_message(tmp_path):
    result = run_in_process("preview", "--port", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"briefgen: no data folder at data: run briefgen in a project root or name brief files"]


def test_a_port_in_use_is_one_message(project):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_in_process("preview", "--port", str(port), cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"briefgen: port {port} on 127.0.0.1 is in use; pass another with --port, or --port 0 "
        "for any free port"]


def test_an_address_that_is_not_there_is_one_message(project):
    result = run_in_process("preview", "--host", "no-such-host.invalid", cwd=project)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "cannot listen on 'no-such-host.invalid'" in result.stderr
