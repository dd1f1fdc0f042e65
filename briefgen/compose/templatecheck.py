"""Check templates against the data model before anything renders.

Every template an audience uses (through extends, blocks, includes and
imported macros) is read as a Jinja syntax tree, never run.  Each name is
given the type the renderer will pass for it (``brief`` is a ``Brief``, a
loop over ``brief.sections`` binds a ``Section``, a macro's parameters take
the types of the arguments it is called with), and every ``a.b`` is looked
up in that type.  A field the model does not have is an error at the
template's file:line, naming the field and the nearest real one.

A template is read once per scope it is entered with, and a macro once per kind of
arguments, so a template included forty times from a template included forty times is
read once; the whole check is bounded by ``templateshape.CheckBudget`` whatever the
shape.
"""

from __future__ import annotations

import difflib

import jinja2
from jinja2 import nodes

from ..errors import Location, Problem, TemplateError
from .templateshape import CheckBudget
from .templatetypes import UNKNOWN, Mapping, Pair, Record, Seq, Unknown, from_annotation

__all__ = ["UNKNOWN", "CheckBudget", "Checker", "Mapping", "Pair", "Record", "Seq", "Unknown",
           "check_templates", "from_annotation"]

SEQUENCE_FILTERS = {"sort", "list", "reverse", "unique", "selectattr", "rejectattr", "batch"}
TEXT_FILTERS = {"cite", "status", "widths", "long_date", "string", "trim", "upper", "lower",
                "title", "join", "replace", "format", "safe", "e", "escape", "capitalize"}


# ----------------------------------------------------------------- checker

class Checker:
    """Walks templates with typed scopes and collects problems."""

    def __init__(self, env: jinja2.Environment, context: dict[str, object]):
        self.env = env
        self.context = context
        self.problems: list[Problem] = []
        self._seen_macros: set = set()
        self._entered: set = set()          # (template, scope) of every include walked
        self._trees: dict[str, tuple] = {}
        self._macros: dict[str, dict] = {}
        self.budget = CheckBudget()

    def check(self, name: str) -> list[Problem]:
        chain = self.chain(name)
        blocks = {}
        for template in reversed(chain):             # the most derived definition wins
            for block in self.tree(template)[0].find_all(nodes.Block):
                blocks[block.name] = (template, block)
        root = chain[-1]
        scope = dict(self.context)
        for template in chain[:-1]:      # a child's own imports and sets reach its blocks
            for node in self.tree(template)[0].body:
                if isinstance(node, (nodes.Import, nodes.FromImport, nodes.Assign)):
                    self.statement(node, scope, template, blocks)
        self.walk(self.tree(root)[0].body, scope, root, blocks)
        return self.problems

    def tree(self, name: str) -> tuple:
        if name not in self._trees:
            source, filename, _ = self.env.loader.get_source(self.env, name)
            self._trees[name] = (self.env.parse(source, name, filename), filename or name)
        return self._trees[name]

    def chain(self, name: str) -> list[str]:
        """The template and every template it extends, child first (cycles are refused
        before the check; one would end the chain here)."""
        chain = [name]
        while True:
            extends = next(iter(self.tree(chain[-1])[0].find_all(nodes.Extends)), None)
            if extends is None or not isinstance(extends.template, nodes.Const) or \
                    extends.template.value in chain:
                return chain
            chain.append(extends.template.value)

    def exists(self, name: str, template: str, node: nodes.Node) -> bool:
        """Whether a template that ``template`` names can be found; reported if not."""
        try:
            self.tree(name)
            return True
        except jinja2.TemplateNotFound:
            self.report(template, node, f"found '{name}', which is not a template in the "
                                        "project's templates/ or the built-in ones")
            return False

    def spend(self, template: str, node: nodes.Node, steps: int = 1) -> None:
        if not self.budget.spend(steps):
            raise self.budget.exhausted(template, self.tree(template)[1], node.lineno)

    def report(self, template: str, node: nodes.Node, message: str) -> None:
        filename = self.tree(template)[1]
        self.problems.append(Problem(Location(filename, node.lineno), "", message))

    # ----------------------------------------------------------- statements

    def walk(self, body: list, scope: dict, template: str, blocks: dict) -> None:
        for node in body:
            self.statement(node, scope, template, blocks)

    def statement(self, node: nodes.Node, scope: dict, template: str, blocks: dict) -> None:
        self.spend(template, node)
        if isinstance(node, nodes.Block):
            owner, block = blocks.get(node.name, (template, node))
            # Whether loop variables reach the block is up to the place it is called from.
            inner = scope if node.scoped else dict(self.context) | _imports(scope)
            self.walk(block.body, inner, owner, blocks)
        elif isinstance(node, nodes.For):
            self.loop(node, scope, template, blocks)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node, scope, template), scope)
        elif isinstance(node, nodes.Import):
            scope[node.target] = ("module", node.template.value)
        elif isinstance(node, nodes.FromImport):
            for item in node.names:
                name, alias = item if isinstance(item, tuple) else (item, item)
                scope[alias] = ("macro", node.template.value, name)
        elif isinstance(node, nodes.Include) and isinstance(node.template, nodes.Const):
            self.include(node, scope, template)
        elif isinstance(node, nodes.Macro):
            scope[node.name] = ("macro", template, node.name)
        else:
            self.generic(node, scope, template, blocks)

    def include(self, node: nodes.Include, scope: dict, template: str) -> None:
        """Check an included template in a copy of the includer's scope, with its own
        blocks (as Jinja renders it): what it finds depends on that scope's types alone,
        so it is walked once per distinct scope however often it is included."""
        name = node.template.value
        if not self.exists(name, template, node):
            return
        self.spend(template, node, len(scope))
        key = (name, frozenset(scope.items()))
        if key in self._entered:
            return
        self._entered.add(key)
        with self.budget.follow(template, self.tree(template)[1], node.lineno):
            self.walk(self.tree(name)[0].body, dict(scope), name, {})

    def generic(self, node: nodes.Node, scope: dict, template: str, blocks: dict) -> None:
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self.expr(child, scope, template)
            else:
                self.statement(child, scope, template, blocks)

    def loop(self, node: nodes.For, scope: dict, template: str, blocks: dict) -> None:
        item = self.expr(node.iter, scope, template)
        inner = dict(scope, loop=UNKNOWN)
        self.bind(node.target, item.item if isinstance(item, Seq) else UNKNOWN, inner)
        if node.test is not None:
            self.expr(node.test, inner, template)
        self.walk(node.body, inner, template, blocks)
        self.walk(node.else_, scope, template, blocks)

    def bind(self, target: nodes.Node, kind: object, scope: dict) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = kind
        elif isinstance(target, nodes.Tuple):
            parts = kind.items if isinstance(kind, Pair) else ()
            for index, item in enumerate(target.items):
                self.bind(item, parts[index] if index < len(parts) else UNKNOWN, scope)

    # ---------------------------------------------------------- expressions

    def expr(self, node: nodes.Node, scope: dict, template: str) -> object:
        self.spend(template, node)
        method = getattr(self, "expr_" + type(node).__name__.lower(), None)
        if method is not None:
            return method(node, scope, template)
        for child in node.iter_child_nodes():
            self.expr(child, scope, template)
        return UNKNOWN

    def expr_name(self, node: nodes.Name, scope: dict, template: str) -> object:
        return scope.get(node.name, UNKNOWN)

    def expr_getattr(self, node: nodes.Getattr, scope: dict, template: str) -> object:
        owner = self.expr(node.node, scope, template)
        return self.member(owner, node.attr, node, template)

    def expr_getitem(self, node: nodes.Getitem, scope: dict, template: str) -> object:
        owner = self.expr(node.node, scope, template)
        self.expr(node.arg, scope, template)
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return self.member(owner, node.arg.value, node, template)
        if isinstance(owner, Seq):
            return owner.item
        return owner.value if isinstance(owner, Mapping) else UNKNOWN

    def expr_filter(self, node: nodes.Filter, scope: dict, template: str) -> object:
        value = self.expr(node.node, scope, template) if node.node is not None else UNKNOWN
        for arg in node.args:
            self.expr(arg, scope, template)
        if node.name in ("first", "last") and isinstance(value, Seq):
            return value.item
        if node.name in SEQUENCE_FILTERS:
            return value
        return UNKNOWN

    def expr_condexpr(self, node: nodes.CondExpr, scope: dict, template: str) -> object:
        self.expr(node.test, scope, template)
        first = self.expr(node.expr1, scope, template)
        second = self.expr(node.expr2, scope, template) if node.expr2 is not None else UNKNOWN
        return first if not isinstance(first, Unknown) else second

    def expr_call(self, node: nodes.Call, scope: dict, template: str) -> object:
        arguments = [self.expr(arg, scope, template) for arg in node.args]
        for keyword in node.kwargs:
            self.expr(keyword.value, scope, template)
        target = self.macro_target(node.node, scope, template)
        if target is not None:
            self.macro(target, arguments, template, node)
        return UNKNOWN

    def macro_target(self, callee: nodes.Node, scope: dict, template: str):
        if isinstance(callee, nodes.Getattr) and isinstance(callee.node, nodes.Name):
            module = scope.get(callee.node.name)
            if isinstance(module, tuple) and module[0] == "module":
                return module[1], callee.attr
        if isinstance(callee, nodes.Name):
            found = scope.get(callee.name)
            if isinstance(found, tuple) and found[0] == "macro":
                return found[1], found[2]
        if not isinstance(callee, (nodes.Name, nodes.Getattr)):
            self.expr(callee, scope, template)
        return None

    def macro(self, target: tuple, arguments: list, caller: str, call: nodes.Call) -> None:
        """Check a macro's body with its parameters typed by one call's arguments, once
        per kind of arguments however often it is called."""
        template, name = target
        key = (template, name, tuple(arguments))
        if key in self._seen_macros:
            return
        self._seen_macros.add(key)
        macro = self.macro_named(template, name)
        if macro is None:
            return
        with self.budget.follow(caller, self.tree(caller)[1], call.lineno):
            self.macro_body(macro, arguments, template)

    def macro_named(self, template: str, name: str) -> nodes.Macro | None:
        """The first macro called ``name`` in ``template`` (indexed once per template)."""
        if template not in self._macros:
            found: dict[str, nodes.Macro] = {}
            for macro in self.tree(template)[0].find_all(nodes.Macro):
                found.setdefault(macro.name, macro)
            self._macros[template] = found
        return self._macros[template].get(name)

    def macro_body(self, macro: nodes.Macro, arguments: list, template: str) -> None:
        scope = dict(self.context)
        for statement in self.tree(template)[0].body:
            if isinstance(statement, (nodes.Import, nodes.FromImport, nodes.Macro)):
                self.statement(statement, scope, template, {})
        for index, parameter in enumerate(macro.args):
            scope[parameter.name] = arguments[index] if index < len(arguments) else UNKNOWN
        self.walk(macro.body, scope, template, {})

    # ---------------------------------------------------------- look-ups

    def member(self, owner: object, name: str, node: nodes.Node, template: str) -> object:
        if isinstance(owner, Record):
            attributes = owner.attributes()
            if name in attributes:
                value = attributes[name]
                return value if isinstance(value, Unknown) else from_annotation(value)
            self.report(template, node, _unknown(_path(node), f"the {owner.label} model has no "
                                                              f"field '{name}'", name, attributes))
        elif isinstance(owner, Mapping) and owner.keys is not None:
            if name in owner.keys:
                return owner.value
            self.report(template, node, _unknown(_path(node), f"there is no label '{name}'",
                                                 name, owner.keys))
        elif isinstance(owner, Mapping):
            return owner.value
        elif isinstance(owner, (Seq, Pair)):
            self.report(template, node, f"{_path(node)}: found '.{name}' on a list, expected "
                                        "a loop over it or a filter such as |first")
        return UNKNOWN


def _imports(scope: dict) -> dict:
    return {k: v for k, v in scope.items() if isinstance(v, tuple)}


def _unknown(path: str, what: str, name: str, known) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{path}: {what}{hint}"


def _path(node: nodes.Node) -> str:
    """``brief.sections`` for the expression a look-up was made on."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_path(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_path(node.node)}[{node.arg.value!r}]"
    return "(expression)"


def check_templates(env: jinja2.Environment, name: str, context: dict[str, object]) -> None:
    """Raise ``TemplateError`` listing every field a template uses that the model lacks.

    First every template it reaches must be named by a literal and form no cycle (the
    walk below follows extends and includes), and each is compiled (syntax, unknown
    filters, nesting bounds)."""
    from .templating import reachable

    try:
        reachable(env, name)
        env.get_template(name)
        problems = Checker(env, context).check(name)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(Problem(Location(error.filename or error.name or name, error.lineno),
                                    "", f"template syntax: {error.message}")) from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(Problem(Location(name), "", f"no template named '{error.name}'")) \
            from None
    except RecursionError as error:
        raise TemplateError(Problem(_deepest(error, env, name), "", "the template check went "
                                    "too deep; expected templates, macros and blocks nested "
                                    "less deeply")) from None
    if problems:
        raise TemplateError(problems)


def _deepest(error: RecursionError, env: jinja2.Environment, name: str) -> Location:
    """The template and line the checker was reading when it went too deep: the last
    frame of its walk that holds a template's name and a node."""
    found, trace = None, error.__traceback__
    while trace is not None:
        names = trace.tb_frame.f_locals
        if isinstance(names.get("template"), str) and isinstance(names.get("node"), nodes.Node):
            found = (names["template"], names["node"].lineno)
        trace = trace.tb_next
    template, line = found or (name, None)
    try:
        return Location(env.loader.get_source(env, template)[1] or template, line)
    except jinja2.TemplateNotFound:
        return Location(template, line)
