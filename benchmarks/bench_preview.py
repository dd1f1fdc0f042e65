"""How long ``briefgen preview`` takes from a save to the reloaded page, on this machine.

Run on demand (``.venv/bin/python benchmarks/bench_preview.py [SAVES]``); the tests never
run it.  It copies the seed project into a temporary folder, starts ``briefgen preview
--port 0`` there as a real process, opens the analytical brief's wrapper page in
Debian's chromium (headless, through Playwright), and then SAVES times (15 unless told)
writes a status value of one table row into the data file, alternately "Confirmed" and
"Underway".  Each save is timed from just before the write to the moment the frame's
``load`` event finds the new value in the row, as the page records it (both clocks are
this machine's wall clock).  It prints the median and quartiles, with the preview's own
rebuild times (from its "rendered" lines) beside them; the target is printed, nothing
is asserted.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM_ARGS, DESKTOP, chromium_path  # noqa: E402

SEED = "russia-china-taiwan"
ROW = "Satellite Intelligence Sharing, Improves target acquisition accuracy, "
SAVES = int(sys.argv[1]) if len(sys.argv) > 1 else 15
TARGET_MS = 300.0
WAIT_MS = 10_000
FRAME = "document.getElementById('brief')"

# In the wrapper page (not the brief, which runs no script): on each load of the frame,
# the time and the row's text.
RECORD_LOADS = f"""() => {{
    window.loads = [];
    {FRAME}.addEventListener('load', () => {{
        const row = [...{FRAME}.contentDocument.querySelectorAll('tr')]
            .find(tr => tr.innerText.includes('Satellite Intelligence'));
        window.loads.push([performance.timeOrigin + performance.now(),
                           row ? row.innerText : '']);
    }});
}}"""
SHOWN_AT = """status => { const found = window.loads.find(load => load[1].includes(status));
                          return found ? found[0] : false; }"""


class Preview:
    """The preview process, its URL and the rebuild times it prints."""

    def __init__(self, root: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "briefgen", "preview", "--port", "0"], cwd=root,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        self.rebuilds: list[float] = []
        self.url = None
        ready = threading.Event()
        threading.Thread(target=self._read, args=(ready,), daemon=True).start()
        if not ready.wait(60):
            raise SystemExit("the preview did not start within 60 s")

    def _read(self, ready: threading.Event) -> None:
        for line in self.process.stderr:
            found = re.search(r"preview at (http://\S+/)", line)
            if found:
                self.url = found.group(1)
                ready.set()
            rendered = re.search(r"rendered \d+ page\(s\) in (\d+) ms", line)
            if rendered and self.url:
                self.rebuilds.append(float(rendered.group(1)))

    def stop(self) -> int:
        self.process.send_signal(2)
        return self.process.wait(timeout=20)


def save_to_shown(page, data: Path, status: str, previous: str) -> float:
    """Milliseconds from just before the save to the frame's load showing ``status``."""
    page.evaluate("() => { window.loads = []; }")
    text = data.read_text(encoding="utf-8")
    started = time.time() * 1000
    data.write_text(text.replace(ROW + previous, ROW + status, 1), encoding="utf-8")
    shown = page.wait_for_function(SHOWN_AT, arg=status, timeout=WAIT_MS).json_value()
    return shown - started


def quartiles(values: list[float]) -> str:
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"median {middle:6.1f} ms   quartiles {low:6.1f} .. {high:6.1f} ms"


def measure(root: Path) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    data = root / "data" / f"{SEED}.yaml"
    preview = Preview(root)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(),
                                                 args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=DESKTOP).new_page()
            page.goto(f"{preview.url}brief/{SEED}/analytical/")
            page.wait_for_function(f"() => {FRAME}.contentDocument.querySelector('tr')")
            page.evaluate(RECORD_LOADS)
            time.sleep(0.5)       # the event stream connected
            seconds, status = [], "Underway"
            for _ in range(SAVES):
                new = "Confirmed" if status == "Underway" else "Underway"
                seconds.append(save_to_shown(page, data, new, status))
                status = new
                time.sleep(0.3)   # apart: each save is one change
            browser.close()
        return seconds, list(preview.rebuilds)
    finally:
        code = preview.stop()
        if code != 130:
            print(f"the preview exited with {code}, expected 130", file=sys.stderr)


def main() -> None:
    if chromium_path() is None:
        raise SystemExit("no chromium is installed (scripts/install-test-tools)")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(ROOT / "data", root / "data")
        latencies, rebuilds = measure(root)
    print(f"briefgen preview, save to reloaded page, {SAVES} saves of the seed brief "
          f"({SEED}, analytical, 3 audiences rendered per save)")
    print(f"  save -> page shows it   {quartiles(latencies)}   (target < {TARGET_MS:.0f} ms)")
    if len(rebuilds) >= 2:
        print(f"  of which the rebuild    {quartiles(rebuilds)}")
    print(f"  slowest {max(latencies):.1f} ms, fastest {min(latencies):.1f} ms")


if __name__ == "__main__":
    main()
