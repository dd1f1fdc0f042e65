"""briefgen preview as a user meets it: the command started as a real process in a copy of
the seed project, its pages open in chromium, the data file saved as an editor saves it,
and the page watched until it shows the change by itself."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser import axe, browser, described, page  # noqa: F401
from tests.conftest import ROOT

pytestmark = pytest.mark.xdist_group("preview-browser")

SEED = "russia-china-taiwan"
ROW = "Satellite Intelligence Sharing, Improves target acquisition accuracy, "
WAIT_MS = 10_000
FRAME = "document.getElementById('brief')"


class Running:
    """A ``briefgen preview`` process: its URL, and its stderr lines as they come."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = re.search(r"http://\S+/", self.wait_for("preview at ")).group(0)

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.seen)
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {''.join(self.seen)!r}")

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a terminal sends it; the exit code and the rest of stderr."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=20)
        time.sleep(0.1)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, "".join(self.seen)


@contextmanager
def preview(root: Path, *options: str):
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "preview", "--port", "0",
                                *options], cwd=root, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield Running(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def frame_shows(page, text: str) -> None:  # noqa: F811 - the fixture's page, passed on
    """Wait until the brief's frame shows ``text`` (a row's text, a message)."""
    page.wait_for_function(
        f"""text => {{ const shown = {FRAME}.contentDocument;
                      return !!shown && !!shown.body && shown.body.innerText.includes(text); }}""",
        arg=text, timeout=WAIT_MS)


def status_says(page, start: str) -> None:  # noqa: F811
    """Wait until the status line starts with ``start`` (it is set on the frame's load
    event, which may come after its text shows)."""
    page.wait_for_function("start => document.getElementById('status').textContent"
                           ".startsWith(start)", arg=start, timeout=WAIT_MS)


def row_status(page) -> str:  # noqa: F811
    return page.evaluate(f"""() => [...{FRAME}.contentDocument.querySelectorAll('tr')]
        .map(row => row.innerText).find(text => text.includes('Satellite Intelligence'))""")


def row_shows(page, status: str) -> None:  # noqa: F811
    page.wait_for_function(
        f"""status => {{ const shown = {FRAME}.contentDocument;
            const row = shown && [...shown.querySelectorAll('tr')]
                .find(tr => tr.innerText.includes('Satellite Intelligence'));
            return !!row && row.innerText.includes(status); }}""",
        arg=status, timeout=WAIT_MS)


def save(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_saved_change_shows_by_itself_where_the_reader_was(project, page):  # noqa: F811
    data = project / "data" / f"{SEED}.yaml"
    with preview(project) as running:
        page.goto(f"{running.url}brief/{SEED}/analytical/")
        row_shows(page, "Underway")
        page.evaluate(f"{FRAME}.contentWindow.scrollTo(0, 700)")
        scrolled = page.evaluate(f"{FRAME}.contentWindow.scrollY")
        assert scrolled > 300
        save(data, ROW + "Underway", ROW + "Confirmed")
        row_shows(page, "Confirmed")
        page.wait_for_function(f"() => {FRAME}.contentWindow.scrollY === {scrolled}",
                               timeout=WAIT_MS)
        assert "Underway" not in row_status(page)
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr


def test_an_open_page_of_a_removed_brief_says_so_and_leads_to_the_index(
        project, page):  # noqa: F811
    with preview(project) as running:
        page.goto(f"{running.url}brief/{SEED}/executive/")
        frame_shows(page, "Taiwan Contingency")
        (project / "data" / f"{SEED}.yaml").unlink()
        frame_shows(page, "no longer in the project")
        page.wait_for_function(           # set once the frame's load event has run
            "() => document.getElementById('status').textContent === "
            "'This brief or audience is no longer in the project.'", timeout=WAIT_MS)
        page.frame_locator("#brief").get_by_role("link", name="Back to every brief").click()
        page.wait_for_url(running.url, timeout=WAIT_MS)
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr


def test_a_broken_file_shows_its_located_problem_and_the_fix_brings_it_back(
        project, page):  # noqa: F811
    data = project / "data" / f"{SEED}.yaml"
    good = data.read_text(encoding="utf-8")
    with preview(project) as running:
        page.goto(f"{running.url}brief/{SEED}/executive/")
        frame_shows(page, "Taiwan Contingency")
        save(data, "keywords: [Russia,", "keywords: [Russia,\n  [")
        frame_shows(page, f"data/{SEED}.yaml:")
        shown = page.evaluate(f"{FRAME}.contentDocument.body.innerText")
        assert re.search(rf"data/{SEED}\.yaml:\d+:\d+: YAML syntax", shown)
        assert "last good version" in shown
        page.frame_locator("#brief").get_by_role("link", name="Show the last good "
                                                 "version").click()
        frame_shows(page, "Taiwan Contingency")
        status_says(page, "Showing the last good")
        data.write_text(good, encoding="utf-8")
        page.wait_for_function(f"() => {FRAME}.contentWindow.location.pathname.endsWith('/view')",
                               timeout=WAIT_MS)
        frame_shows(page, "Taiwan Contingency")
        status_says(page, "Up to date.")
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr


def test_the_index_the_wrapper_and_the_problems_page_pass_axe(project, page):  # noqa: F811
    data = project / "data" / f"{SEED}.yaml"
    with preview(project) as running:
        page.goto(running.url)
        assert axe(page) == [], described(axe(page))
        page.get_by_role("link", name="Public brief").click()
        frame_shows(page, "Taiwan Contingency")
        assert axe(page) == [], described(axe(page))
        save(data, "title:", "title: [")
        frame_shows(page, "This brief does not build")
        page.goto(f"{running.url}brief/{SEED}/public/view")
        assert axe(page) == [], described(axe(page))
        running.stop()


def test_the_index_lists_a_new_brief_by_itself(project, page):  # noqa: F811
    with preview(project) as running:
        page.goto(running.url)
        page.wait_for_function("() => document.body.dataset.version !== undefined")
        shutil.copy(project / "data" / f"{SEED}.yaml", project / "data" / "another.yaml")
        running.wait_for("rendered", timeout=60)          # a loaded CI machine is slow
        page.wait_for_selector("a[href='/brief/another/public/']", timeout=3 * WAIT_MS)
        running.stop()


def test_with_write_each_change_is_also_built_into_the_output_folder(project):
    data = project / "data" / f"{SEED}.yaml"
    written = project / "out" / SEED / f"{SEED}-analytical.html"
    with preview(project, "--write") as running:
        running.wait_for("brief(s) built", timeout=120)
        assert b"Underway" in written.read_bytes()
        before = written.read_bytes().count(b"Confirmed")
        save(data, ROW + "Underway", ROW + "Confirmed")
        running.wait_for("brief(s) built", timeout=120)
        assert written.read_bytes().count(b"Confirmed") == before + 1
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr
    assert (project / "out" / SEED / f"{SEED}-public.pdf").is_file()


def test_without_write_the_output_folder_is_never_made(project):
    with preview(project) as running:
        save(project / "data" / f"{SEED}.yaml", ROW + "Underway", ROW + "Confirmed")
        running.wait_for("rendered 3 page(s)")
        code, _ = running.stop()
    assert code == 130 and not (project / "out").exists()


def test_sigterm_stops_it_as_a_scheduler_would(project):
    with preview(project) as running:
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=20) == 143


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_a_long_render_stops_it_at_once(project, sig, code):
    """A template that loops for minutes holds the render; Ctrl-C ends it now, not after
    the render's time bound (120 s)."""
    with preview(project) as running:
        template = project / "templates" / "executive.md.j2"
        template.parent.mkdir(exist_ok=True)
        template.write_text('{% extends "builtin/executive.md.j2" %}{% block summary %}'
                            "{% for i in range(100000) %}{% for j in range(100000) %}"
                            "{% endfor %}{% endfor %}{% endblock %}\n", encoding="utf-8")
        time.sleep(1.5)                       # the watcher has seen it and is rendering
        started = time.monotonic()
        running.process.send_signal(sig)
        assert running.process.wait(timeout=20) == code
        assert time.monotonic() - started < 10
        running.process.stderr.close()
