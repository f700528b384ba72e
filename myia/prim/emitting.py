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


def _maker(node) -> Callable:
    """A function `make(arg, n)` building a new copy of the template tree `node`: argument
    `i` is `arg(i)`, and a call's `*__all` is all `n` of them (the template is walked once,
    when it is made, not at each use)."""
    if isinstance(node, ast.Name) and node.id.startswith("__arg"):
        i = int(node.id[5:])
        return lambda arg, n: arg(i)
    if isinstance(node, list):
        parts = [(_is_all(x), _maker(x)) for x in node]

        def make_list(arg, n):
            out = []
            for every, make in parts:
                if every:
                    out.extend(arg(i) for i in range(n))
                else:
                    out.append(make(arg, n))
            return out

        return make_list
    if isinstance(node, ast.AST):
        cls = type(node)
        fields = [(f, _maker(getattr(node, f))) for f in node._fields if hasattr(node, f)]
        return lambda arg, n: cls(**{f: make(arg, n) for f, make in fields})
    return lambda arg, n: node  # a name, a number, None


def _is_all(node) -> bool:
    return (
        isinstance(node, ast.Starred)
        and isinstance(node.value, ast.Name)
        and node.value.id == "__all"
    )


def template(text: str) -> Callable:
    """An emitter writing `text` with `{i}` replaced by argument `i`."""
    make = _maker(parse_template(text))

    def emit(e, args):
        # The expressions given are fresh: one is copied only where the template uses it
        # again (copying each would be quadratic in depth).
        used: set[int] = set()

        def arg(i: int):
            if i in used:
                return copy_tree(args[i])
            used.add(i)
            return args[i]

        return make(arg, len(args))

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


def axes_view(value: ast.expr, steps: list) -> ast.expr:
    """`value[...]` taking each axis whole (step 1: `:`) or reversed (-1: `::-1`), or
    adding one (None), the axes it takes whole at the end left out: `x[:, None]` for
    `np.expand_dims(x, 1)` of a vector, `x[::-1]` for `np.flip(x, 0)` (a view, as they give,
    without a call through NumPy's Python layer).

    Example:
        >>> ast.unparse(axes_view(ast.Name("x"), [1, None]))
        'x[:, None]'
    """
    while steps and steps[-1] == 1:
        steps = steps[:-1]
    items = [
        ast.Constant(None)
        if s is None
        else ast.Slice(step=None if s == 1 else ast.UnaryOp(ast.USub(), ast.Constant(1)))
        for s in steps
    ]
    index = items[0] if len(items) == 1 else ast.Tuple(items, ast.Load())
    return ast.Subscript(value, index, ast.Load())
