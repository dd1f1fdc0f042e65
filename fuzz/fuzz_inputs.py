"""Fuzz the two parsers briefgen feeds with untrusted text, on demand (not in the tests).

    .venv/bin/python fuzz/fuzz_inputs.py [--examples 20000] [--target loader|markup|all]

Hypothesis generates inputs at volume: arbitrary text and YAML-shaped text for the
data loader, Markdown-shaped text for the Markdown-to-blocks step.  The only
acceptable outcomes are a value or briefgen's own error; anything else is printed
with the input that caused it and exits 1.  Each failure found becomes a
regression test in tests/test_fuzz_regressions.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from briefgen.errors import BriefgenError
from briefgen.data.load import load_brief
from briefgen.compose.markup import parse

YAML_PIECES = ["title: ", "sections:\n", "  - kind: findings\n", "    title: x\n", "- ", ": ",
               "&a ", "*a ", "!!python/object ", "{", "}", "[", "]", "'", '"', "\t", "\n",
               "NO", "012", "12:30", "---\n", "%YAML 1.1\n", "? ", "|\n", ">\n", "#", "\\u0000"]
MARKDOWN_PIECES = ["# ", "## ", "#### ", "- ", "1. ", "> ", "::: note\n", ":::\n", "{.caption}\n",
                   "[x]{.status}", "[y]{.em}", "[z]{.other}", "| a | b |\n", "|---|---|\n", "*",
                   "**", "_", "`", "```\n", "    ", "<b>", "&amp;", "\\", "[l](<http://x>)",
                   "![i](x.png)", "\n", "\n\n", "---\n", "{#id}", "<!-- -->"]


def pieces(parts: list[str]):
    return st.lists(st.one_of(st.sampled_from(parts), st.text(max_size=8)), max_size=40).map(
        "".join)


def fuzz_loader(examples: int) -> None:
    folder = Path(tempfile.mkdtemp())

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(pieces(YAML_PIECES), st.text(max_size=200), st.binary(max_size=200)))
    def run(content):
        path = folder / "fuzz.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        try:
            load_brief(path)
        except BriefgenError:
            pass

    run()


def fuzz_markup(examples: int) -> None:
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(pieces(MARKDOWN_PIECES), st.text(max_size=200)))
    def run(text):
        try:
            parse(text)
        except BriefgenError:
            pass

    run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20000)
    parser.add_argument("--target", choices=["loader", "markup", "all"], default="all")
    args = parser.parse_args()
    targets = {"loader": fuzz_loader, "markup": fuzz_markup}
    for name, target in targets.items():
        if args.target in (name, "all"):
            print(f"fuzzing {name} with {args.examples} examples", flush=True)
            target(args.examples)
    print("no failures")


if __name__ == "__main__":
    sys.exit(main())
