"""The package's shape: each layer imports only the layers below it, deferred imports
(inside functions) included, and no module imports itself back through others."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "briefgen"
# Lowest first.  A module may import its own layer and the layers before it.
LAYERS = (
    ("base", ("errors", "files", "limits", "cache", "hashing", "resources", "contrast")),
    ("data", ("data",)),
    ("compose", ("compose",)),
    ("project", ("project",)),
    ("renderers", ("renderers",)),
    ("build", ("build",)),
    ("preview", ("preview",)),
    ("cli", ("cli", "__main__", "")),       # "": briefgen/__init__.py, the public API
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(name: str, path: Path, known: dict) -> set[str]:
    """The briefgen modules ``name`` imports anywhere in its source."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found |= _from_import(name, path, node, known)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("briefgen")}
    return {_nearest(target, known) for target in found} - {name, None}


def _from_import(name: str, path: Path, node: ast.ImportFrom, known: dict) -> set[str]:
    if node.level:
        base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("briefgen"):
        return set()
    return {f"{target}.{a.name}" if f"{target}.{a.name}" in known else target
            for a in node.names}


def _nearest(target: str, known: dict) -> str | None:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def layer_of(name: str) -> int:
    first = name.removeprefix("briefgen").lstrip(".").split(".")[0]
    for rank, (_, members) in enumerate(LAYERS):
        if first in members:
            return rank
    raise AssertionError(f"{name} is in no layer: add its folder to LAYERS")


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def test_every_module_imports_only_its_own_layer_and_the_layers_below():
    upward = [f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} "
              f"({LAYERS[layer_of(target)][0]})"
              for name, targets in graph().items() for target in sorted(targets)
              if layer_of(target) > layer_of(name)]
    assert upward == []


def test_no_module_reaches_itself_through_its_imports():
    edges = graph()
    cycles = []
    for start in sorted(edges):
        path = _path_back(start, edges)
        if path:
            cycles.append(" -> ".join(path))
    assert cycles == []


def _path_back(start: str, edges: dict) -> list[str] | None:
    """A chain of imports from ``start`` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        name, path = stack.pop()
        for target in edges[name]:
            if target == start:
                return path + [start]
            if target not in seen:
                seen.add(target)
                stack.append((target, path + [target]))
    return None


def test_the_checker_finds_an_upward_import_and_a_cycle():
    """The two rules above can fail: a planted upward import and cycle are caught."""
    edges = {"briefgen.data.model": {"briefgen.build.builder"},
             "briefgen.build.builder": {"briefgen.data.model"}}
    assert layer_of("briefgen.build.builder") > layer_of("briefgen.data.model")
    assert _path_back("briefgen.data.model", edges) == [
        "briefgen.data.model", "briefgen.build.builder", "briefgen.data.model"]


def anchored_patterns_matched_partly(source: str) -> list[str]:
    """``NAME.match(`` or ``.search(`` of a module's pattern written ``^...$``: Python's
    ``$`` also matches before a final newline, so ``"fr\\n"`` passes ``^[a-z]{2}$``
    (an address with a newline once broke a table that way).  Such a pattern is used
    with ``fullmatch``."""
    names = re.findall(r"^(\w+) = re\.compile\(r?[\"'].*\$[\"']", source, re.M)
    return [f"{name}.{how}" for name in names
            for how in re.findall(rf"\b{name}\.(match|search)\(", source)]


def test_no_anchored_pattern_is_matched_by_a_method_that_lets_a_newline_end_it():
    partly = [f"{name}: {use}" for name, path in modules().items()
              for use in anchored_patterns_matched_partly(path.read_text(encoding="utf-8"))]
    assert partly == []


def test_the_pattern_checker_finds_a_planted_partial_match():
    planted = 'TAG = re.compile(r"^[a-z]{2}$")\nok = TAG.match(text)\n'
    assert anchored_patterns_matched_partly(planted) == ["TAG.match"]


if __name__ == "__main__":      # the layers and what each imports, for the notes
    edges = graph()
    for rank, (layer, _) in enumerate(LAYERS):
        names = sorted(n for n in edges if layer_of(n) == rank)
        below = sorted({LAYERS[layer_of(t)][0] for n in names for t in edges[n]
                        if layer_of(t) != rank}, key=lambda l: [x[0] for x in LAYERS].index(l))
        print(f"{rank} {layer:<10} {len(names):>2} modules, imports: {', '.join(below) or '-'}")
