"""How primitives say what NumPy source they compile to: templates of `ast` expressions.

`template("np.sin({0})")` is an emitter: called with the code generator's context and the
`ast` expressions of the arguments, it returns the template's expression with `{i}`
replaced by argument `i` (`{*}` by all of them, as call arguments). Templates are parsed
once; arguments are spliced in as `ast` nodes, never as text.

`scalar_or_array(math_form, np_form)` picks the `math` form for a float64 scalar in the
fast code (Python floats, see `myia.backend`) and the NumPy form otherwise.

Example:
    >>> import ast
    >>> emit = template("np.tanh({0})")
    >>> ast.unparse(emit(None, [ast.Name("x")]))
    'np.tanh(x)'
"""

from __future__ import annotations

import ast
from collections.abc import Callable


class _Splice(ast.NodeTransformer):
    """Splices the arguments in; an argument is copied only where the template uses it
    again (the expressions given are fresh: copying each would be quadratic in depth)."""

    def __init__(self, args):
        self.args = args
        self.used: set[int] = set()

    def arg(self, i: int):
        if i in self.used:
            return copy_tree(self.args[i])
        self.used.add(i)
        return self.args[i]

    def visit_Name(self, node):
        if node.id.startswith("__arg"):
            return self.arg(int(node.id[5:]))
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        out = []
        for a in node.args:
            if (
                isinstance(a, ast.Starred)
                and isinstance(a.value, ast.Name)
                and a.value.id == "__all"
            ):
                out.extend(self.arg(i) for i in range(len(self.args)))
            else:
                out.append(a)
        node.args = out
        return node


def copy_tree(node):
    """A copy of the `ast` tree `node`, its fields only (positions are not needed to write
    it out): several times faster than `copy.deepcopy`."""
    if isinstance(node, ast.AST):
        fields = {f: copy_tree(getattr(node, f)) for f in node._fields if hasattr(node, f)}
        return type(node)(**fields)
    if isinstance(node, list):
        return [copy_tree(x) for x in node]
    return node


def parse_template(text: str) -> ast.expr:
    src = text.replace("{*}", "*__all")
    for i in range(10):
        src = src.replace("{" + str(i) + "}", f"__arg{i}")
    return ast.parse(src, mode="eval").body


def template(text: str) -> Callable:
    """An emitter writing `text` with `{i}` replaced by argument `i`."""
    tree = parse_template(text)

    def emit(e, args):
        return _Splice(args).visit(copy_tree(tree))

    emit.template = text
    emit.repeats = {i for i in range(10) if text.count("{" + str(i) + "}") > 1}
    return emit


def scalar_or_array(math_form: str, np_form: str, arg: int = 0) -> Callable:
    """The `math` form when argument `arg` is a float64 scalar in fast code, else NumPy's."""
    fast, slow = template(math_form), template(np_form)

    def emit(e, args):
        return fast(e, args) if e.fast_scalar(arg) else slow(e, args)

    emit.repeats = fast.repeats | slow.repeats
    return emit
