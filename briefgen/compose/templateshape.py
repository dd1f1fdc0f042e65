"""The shape a template must have before it is parsed, followed or rendered.

Jinja's parser, its code generator and Python's compiler all recurse or have fixed
limits on nesting, and templates reach each other by name.  Three rules keep every
template within reach, each checked without recursion:

* **Nesting is bounded on the tokens**, before the parser sees them: block tags
  (``{% if %}``, ``{% for %}``...) nest at most ``MAX_BLOCKS`` deep, brackets at most
  ``MAX_BRACKETS``, and one expression (operators, filters, look-ups and brackets
  inside one another) at most ``MAX_EXPRESSION``.  The bounds sit well inside what
  Jinja and Python can compile (Python allows 20 nested loops and 200 nested
  brackets; Jinja's parser spends about a dozen frames on each bracket).
* **A template names the templates it uses with literal strings**, so that the
  fingerprint and the template check can follow every reference.
* **The references form no cycle** (a template extending itself, two including each
  other) and no chain longer than ``MAX_CHAIN``.

And the template check, which reads templates as they are used, takes at most
``MAX_CHECK_STEPS`` steps (``CheckBudget``), whatever their shape.
"""

from __future__ import annotations

from contextlib import contextmanager

from jinja2 import nodes

from ..errors import Location, Problem, TemplateError

MAX_BLOCKS = 16
MAX_BRACKETS = 30
MAX_EXPRESSION = 100
MAX_CHAIN = 20
# The built-in templates take a few hundred steps to check; a step is about 3 us.
MAX_CHECK_STEPS = 500_000

PAIRED_TAGS = frozenset(["if", "for", "block", "macro", "call", "filter", "with",
                         "autoescape", "trans"])
WORD_OPERATORS = frozenset(["and", "or", "not", "if", "else", "is", "in"])
OPENING, CLOSING, SEPARATORS = "([{", ")]}", (",", ":")


# ------------------------------------------------------------------ nesting

def refuse_deep_nesting(tokens, file: str) -> None:
    """Refuse, at its line, the first place the lexer's ``tokens`` (line, kind, value)
    nest deeper than the bounds allow."""
    blocks, tag, assigns, expression = 0, None, False, _Expression(file)
    for line, kind, value in tokens:
        if kind in ("block_begin", "variable_begin"):
            # "" until a block tag's first name says which tag it is; None in {{ }}
            tag = "" if kind == "block_begin" else None
            assigns, expression = False, _Expression(file)
        elif kind in ("block_end", "variable_end"):
            expression.end(line)
            blocks = _blocks_after(tag, assigns, blocks, line, file)
            tag = None
        elif kind == "name" and tag == "":
            tag = value
        elif kind == "name" and value in WORD_OPERATORS:
            expression.operator(value, line)
        elif kind == "operator":
            assigns = assigns or (value == "=" and expression.at_top)
            expression.operator(value, line)


def _blocks_after(tag: str | None, assigns: bool, blocks: int, line: int, file: str) -> int:
    """The block nesting after a tag: ``{% set x %}`` opens a block, ``{% set x = 1 %}``
    does not."""
    if tag in PAIRED_TAGS or (tag == "set" and not assigns):
        if blocks + 1 > MAX_BLOCKS:
            raise _too_deep(file, line, f"block tags ({{% if %}}, {{% for %}}, ...) nested "
                                        f"more than {MAX_BLOCKS} deep",
                            "move the inner part into a macro")
        return blocks + 1
    if tag and tag.startswith("end"):
        return max(blocks - 1, 0)
    return blocks


class _Expression:
    """The depth one tag's expression can reach, an upper bound worked out as its tokens
    go by: each bracket level keeps the operators of its current item (between commas)
    and the deepest bracket inside that item; an item is at most that deep."""

    def __init__(self, file: str):
        self.file = file
        self.levels = [[0, 0, 0]]      # per open bracket: operators, deepest inside, best

    @property
    def at_top(self) -> bool:
        return len(self.levels) == 1

    def operator(self, value: str, line: int) -> None:
        top = self.levels[-1]
        if value in OPENING:
            top[0] += 1          # a call, subscript or literal is a node of its own
            self.levels.append([0, 0, 0])
            if len(self.levels) - 1 > MAX_BRACKETS:
                raise _too_deep(self.file, line, f"brackets nested more than {MAX_BRACKETS} "
                                                 "deep", "name inner parts with {% set %}")
        elif value in CLOSING and not self.at_top:
            operators, inner, best = self.levels.pop()
            depth = max(best, operators + inner) + 1
            self.levels[-1][1] = max(self.levels[-1][1], depth)
            self._check(depth, line)
        elif value in SEPARATORS:
            top[2], top[0], top[1] = max(top[2], top[0] + top[1]), 0, 0
        else:
            top[0] += 1

    def end(self, line: int) -> None:
        operators, inner, best = self.levels[0]
        self._check(max(best, operators + inner), line)

    def _check(self, depth: int, line: int) -> None:
        if depth > MAX_EXPRESSION:
            raise _too_deep(self.file, line, f"an expression nested more than "
                                             f"{MAX_EXPRESSION} deep (operators, filters, "
                                             "look-ups and brackets inside one another)",
                            "split it with {% set %}")


def _too_deep(file: str, line: int, what: str, advice: str) -> TemplateError:
    return TemplateError.at(file, f"found {what}; expected less nesting: {advice}", line=line)


# --------------------------------------------------------------- references

REFERENCES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
_TAG = {nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import",
        nodes.FromImport: "from ... import"}


def references(tree: nodes.Template, file: str) -> list[tuple[str, int]]:
    """(name, line) of every template ``tree`` extends, includes or imports; a name that
    is not one literal string is refused at its line."""
    found, problems = [], []
    for node in tree.find_all(REFERENCES):
        if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
            found.append((node.template.value, node.lineno))
        else:
            tag = _TAG[type(node)]
            problems.append(Problem(Location(file, node.lineno), "", (
                f"found {{% {tag} %}} naming its template with an expression or a list; "
                "expected the name written as one literal string, such as "
                f"{{% {tag.split()[0]} \"_macros.md.j2\" ... %}}, so that every template a "
                "brief uses is known before it renders")))
    if problems:
        raise TemplateError(problems)
    return found


def refuse_cycles(edges: dict[str, list[tuple[str, int]]], files: dict[str, str],
                  root: str) -> None:
    """Refuse a cycle among the templates ``root`` reaches (``edges``: a template's
    references, (name, line)), or a chain of them longer than ``MAX_CHAIN``, at the line
    of the reference that closes it.  Walked with an explicit stack: no recursion."""
    path, pending, on_path, height = [root], [iter(edges.get(root, ()))], {root}, {}
    while pending:
        step = next(pending[-1], None)
        if step is None:
            done = path.pop()
            pending.pop()
            on_path.discard(done)
            height[done] = 1 + max((height.get(t, 0) for t, _ in edges.get(done, ())),
                                   default=0)
            continue
        target, line = step
        if target in on_path:
            chain = " -> ".join(path[path.index(target):] + [target])
            raise TemplateError.at(files[path[-1]], f"found templates that reach each other "
                                   f"in a cycle: {chain}; expected each template to extend, "
                                   "include or import only templates that do not lead back "
                                   "to it", line=line)
        if len(path) + height.get(target, 1) > MAX_CHAIN:
            raise TemplateError.at(files[path[-1]], f"found a chain of templates more than "
                                   f"{MAX_CHAIN} deep: {' -> '.join(path + [target])} ...; "
                                   "expected templates to extend, include or import one "
                                   "another less deeply", line=line)
        if target in edges and target not in height:
            path.append(target)
            pending.append(iter(edges[target]))
            on_path.add(target)


# ------------------------------------------------------------- check budget

class CheckBudget:
    """The steps the template check may still take, and the includes and macro calls it
    is following (template name, line), outermost first.

    The check reads each template once per scope it is entered with, which keeps
    ordinary templates far inside the budget; the budget is what bounds the rest
    (includes of includes, each entered with scopes of their own, macros calling macros
    with arguments of many kinds), so the check ends whatever the shape."""

    def __init__(self, steps: int = MAX_CHECK_STEPS):
        self.steps = self.left = steps
        self.following: list[tuple[str, str, int | None]] = []   # (name, file, line)

    def spend(self, steps: int) -> bool:
        """Take ``steps``; whether they were still left."""
        self.left -= steps
        return self.left >= 0

    @contextmanager
    def follow(self, name: str, file: str, line: int | None):
        """Within: reading what the reference at ``name``'s ``line`` leads to."""
        self.following.append((name, file, line))
        try:
            yield
        finally:
            self.following.pop()

    def exhausted(self, name: str, file: str, line: int | None) -> TemplateError:
        """Located at the outermost reference being followed (the place to change), or
        where the reading stopped if it followed none."""
        steps = self.following or [(name, file, line)]
        names = [f"{n}:{at}" for n, _, at in steps[:8]] + (["..."] if len(steps) > 8 else [])
        where = f" (reading {' -> '.join(names)})" if self.following else ""
        return TemplateError.at(steps[0][1], (
            f"found templates too large or too entangled to check: checking them took more "
            f"than {self.steps} steps{where}; expected fewer includes of templates that "
            "include others in turn, or macros called with fewer kinds of argument"),
            line=steps[0][2])
