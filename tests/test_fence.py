"""The fence refuses every construct outside the subset, and nothing inside it.

Each snippet is the dedented source of one function, checked as if it started at line 11
of `user.py` (line_offset 10): an error on line N of a snippet must report line N + 10.
"""

from __future__ import annotations

import ast
import pathlib
import sys
import textwrap

import pytest

import myia
from myia.errors import MyiaError, MyiaSyntaxError
from myia.parser.fence import check_function

OFFSET = 10
MYIA_ROOT = pathlib.Path(__file__).resolve().parent.parent / "myia"


def fence(src: str) -> None:
    tree = ast.parse(textwrap.dedent(src))
    check_function(tree.body[0], "user.py", OFFSET)


def refused(src: str, line: int, *words: str) -> MyiaSyntaxError:
    """Check that `src` is refused at its `line` with a message holding each of `words`."""
    with pytest.raises(MyiaSyntaxError) as info:
        fence(src)
    err = info.value
    assert isinstance(err, SyntaxError) and isinstance(err, MyiaError)
    assert err.filename == "user.py"
    assert err.lineno == line + OFFSET, str(err)
    for word in words:
        assert word in err.msg, f"{word!r} not in {err.msg!r}"
    return err


# Refused constructs: (snippet, line of the offending node, words the message must hold) ------

REFUSED = {
    "try_except": (
        """
        def f(x):
            try:
                y = x
            except ValueError:
                y = 0.0
            return y
        """,
        3,
        ["`try`/`except`"],
    ),
    "try_finally": (
        """
        def f(x):
            try:
                return x
            finally:
                pass
        """,
        3,
        ["`try`", "`finally`"],
    ),
    "with": (
        """
        def f(x):
            with ctx() as c:
                return c
        """,
        3,
        ["`with`", "call the functions directly"],
    ),
    "yield": (
        """
        def f(x):
            yield x
        """,
        3,
        ["`yield`", "list comprehension"],
    ),
    "yield_from": (
        """
        def f(x):
            yield from x
        """,
        3,
        ["`yield from`", "list comprehension"],
    ),
    "generator_expression": (
        """
        def f(xs):
            return sum(x * x for x in xs)
        """,
        3,
        ["generator expression", "list comprehension"],
    ),
    "global": (
        """
        def f(x):
            global counter
            counter = x
            return x
        """,
        3,
        ["`global`", "pass the value as an argument and return the new value"],
    ),
    "nonlocal": (
        """
        def f(x):
            n = 0
            def g():
                nonlocal n
                n = 1
            return x
        """,
        5,
        ["`nonlocal`", "pass the value as an argument and return the new value"],
    ),
    "class": (
        """
        def f(x):
            class Point:
                pass
            return x
        """,
        3,
        ["`class`", "define the class outside the compiled function"],
    ),
    "del": (
        """
        def f(x):
            y = x
            del y
            return x
        """,
        4,
        ["`del`", "rebind the name instead"],
    ),
    "star_assignment": (
        """
        def f(t):
            a, *b = t
            return a
        """,
        3,
        ["star-assignment", "index the tuple: `a, b = t[0], t[1:]`"],
    ),
    "star_in_for_target": (
        """
        def f(ts):
            for a, *b in ts:
                pass
            return 0
        """,
        3,
        ["star-assignment"],
    ),
    "walrus": (
        """
        def f(x):
            if (n := len(x)) > 2:
                return n
            return 0
        """,
        3,
        ["walrus `:=`", "assign on its own line first"],
    ),
    "set_literal": (
        """
        def f(x):
            return {x, 1}
        """,
        3,
        ["set literal", "use a tuple"],
    ),
    "set_comprehension": (
        """
        def f(xs):
            return {x for x in xs}
        """,
        3,
        ["set comprehension", "dict/set comprehensions"],
    ),
    "dict_comprehension": (
        """
        def f(xs):
            return {x: 1 for x in xs}
        """,
        3,
        ["dict comprehension", "dict/set comprehensions"],
    ),
    "fstring_runtime": (
        """
        def f(x):
            assert x > 0, f"bad x: {x}"
            return x
        """,
        3,
        ["f-string with runtime values", "only constant strings are supported"],
    ),
    "raise": (
        """
        def f(x):
            if x < 0:
                raise ValueError("negative")
            return x
        """,
        4,
        ["`raise`", "use `assert cond, 'message'`"],
    ),
    "in": (
        """
        def f(x):
            if x in (1, 2):
                return 1
            return 0
        """,
        3,
        ["`in`", "compare explicitly"],
    ),
    "not_in": (
        """
        def f(x, xs):
            return x not in xs
        """,
        3,
        ["`not in`", "compare explicitly"],
    ),
    "bitwise_and": (
        """
        def f(x):
            return (x > 0) & (x < 1)
        """,
        3,
        ["bitwise", "`&`", "np.logical_and/np.logical_or/np.logical_not", "`and`/`or`/`not`"],
    ),
    "bitwise_or": ("def f(a, b):\n    return a | b\n", 2, ["bitwise", "`|`", "np.logical_or"]),
    "bitwise_xor": ("def f(a, b):\n    return a ^ b\n", 2, ["bitwise", "`^`"]),
    "shift_left": ("def f(a):\n    return a << 2\n", 2, ["bitwise", "`<<`"]),
    "shift_right": ("def f(a):\n    return a >> 2\n", 2, ["bitwise", "`>>`"]),
    "invert": ("def f(a):\n    return ~a\n", 2, ["bitwise", "`~`", "np.logical_not"]),
    "augmented_bitwise": (
        """
        def f(a, b):
            a |= b
            return a
        """,
        3,
        ["bitwise", "`|=`"],
    ),
    "import": (
        """
        def f(x):
            import numpy as np
            return np.sin(x)
        """,
        3,
        ["`import`", "import at module level"],
    ),
    "from_import": (
        """
        def f(x):
            from math import sin
            return sin(x)
        """,
        3,
        ["`import`", "import at module level"],
    ),
    "varargs": (
        """
        def f(x, *rest):
            return x
        """,
        2,
        ["`*rest`", "`*args`", "use positional parameters with defaults"],
    ),
    "kwargs": (
        """
        def f(x, **options):
            return x
        """,
        2,
        ["`**options`", "`**kwargs`", "use positional parameters with defaults"],
    ),
    "keyword_only": (
        """
        def f(x, *, scale=1.0):
            return x * scale
        """,
        2,
        ["keyword-only parameter `scale`", "use positional parameters with defaults"],
    ),
    "lambda_varargs": (
        """
        def f(x):
            g = lambda *args: args
            return g(x)
        """,
        3,
        ["`*args`", "lambda", "use positional parameters with defaults"],
    ),
    "lambda_kwargs": (
        """
        def f(x):
            g = lambda **kw: x
            return g()
        """,
        3,
        ["`**kw`", "lambda", "use positional parameters with defaults"],
    ),
    "nested_def_keyword_only": (
        """
        def f(x):
            def g(a, *, b):
                return a + b
            return g(x, b=1.0)
        """,
        3,
        ["keyword-only parameter `b`"],
    ),
    "nested_decorator": (
        """
        def f(x):
            @memoize
            def g(y):
                return y
            return g(x)
        """,
        3,
        ["decorator `@memoize`", "nested function `g`", "`g = memoize(g)`"],
    ),
    "for_else": (
        """
        def f(xs):
            for x in xs:
                if x > 0:
                    break
            else:
                return 0.0
            return 1.0
        """,
        3,
        ["`for`/`else`"],
    ),
    "while_else": (
        """
        def f(n):
            while n > 0:
                n = n - 1
            else:
                n = 5
            return n
        """,
        3,
        ["`while`/`else`"],
    ),
    "call_double_star": (
        """
        def f(x, opts):
            return g(x, **opts)
        """,
        3,
        ["`**opts`", "`**kwargs`", "pass the keyword arguments explicitly"],
    ),
    "attribute_assignment": (
        """
        def f(x):
            x.scale = 2.0
            return x
        """,
        3,
        ["attribute", "`x.scale = ...`"],
    ),
    "attribute_augmented_assignment": (
        """
        def f(x):
            x.count += 1
            return x
        """,
        3,
        ["attribute", "`x.count = ...`"],
    ),
    "nested_async_def": (
        """
        def f(x):
            async def g():
                return 1
            return x
        """,
        3,
        ["`async def`", "`async`/`await`"],
    ),
    "root_async_def": (
        """
        async def f(x):
            return x
        """,
        2,
        ["`async def`", "`async`/`await`"],
    ),
    "await": (
        """
        def f(x):
            return await x
        """,
        3,
        ["`await`", "`async`/`await`"],
    ),
    "is_not_none": (
        """
        def f(x, y):
            return x is y
        """,
        3,
        ["`is`", "`None`", "use `==`"],
    ),
    "dict_double_star": (
        """
        def f(d):
            return {"a": 1, **d}
        """,
        3,
        ["`**d`", "dict literal"],
    ),
    "dict_runtime_key": (
        """
        def f(k, v):
            return {k: v}
        """,
        3,
        ["dict key `k`", "constant"],
    ),
    "subscript_in_tuple_target": (
        """
        def f(x):
            y = x.copy()
            y[0], z = 1.0, 2.0
            return y
        """,
        4,
        ["`y[0]`", "assign the subscript in a statement of its own"],
    ),
    "subscript_in_chained_target": (
        """
        def f(x):
            y = x.copy()
            z = y[0] = 1.0
            return y
        """,
        4,
        ["`y[0]`", "assign the subscript in a statement of its own"],
    ),
    "subscript_as_loop_target": (
        """
        def f(x):
            y = x.copy()
            for y[0] in range(3):
                pass
            return y
        """,
        4,
        ["`y[0]`", "assign the subscript in a statement of its own"],
    ),
    "subscript_of_attribute_target": (
        """
        def f(x):
            x.data[0] = 1.0
            return x
        """,
        3,
        ["`x.data[0]`", "a subscript of something other than a variable"],
    ),
    "assert_tuple": (
        """
        def f(x):
            assert (x > 0, "x must be positive")
            return x
        """,
        3,
        ["`assert (cond, message)`", "`assert cond, 'message'`"],
    ),
    "annotation_without_value": (
        """
        def f(x):
            y: float
            return x
        """,
        3,
        ["annotation without a value", "`x: T = v`"],
    ),
    "annotated_subscript": (
        """
        def f(x):
            y = x.copy()
            y[0]: float = 1.0
            return y
        """,
        4,
        ["annotated assignment to `y[0]`"],
    ),
    "list_append": (
        """
        def f(x):
            xs = []
            xs.append(x)
            return xs
        """,
        4,
        ["in-place method `xs.append(...)`", "`xs = xs + [v]`"],
    ),
    "array_sort_method": (
        """
        def f(x):
            y = x * 2.0
            y.sort()
            return y
        """,
        4,
        ["in-place method `y.sort(...)`"],
    ),
    "out_argument": (
        """
        def f(x):
            y = np.zeros(3)
            np.add(x, 1.0, out=y)
            return y
        """,
        4,
        ["`out=`", "use the returned value"],
    ),
    "bytes_literal": ("def f(x):\n    return b'abc'\n", 2, ["bytes literal"]),
    "complex_literal": ("def f(x):\n    return x * 1j\n", 2, ["complex number literal"]),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_construct_names_it_and_points_at_its_line(name):
    src, line, words = REFUSED[name]
    refused(src, line, *words)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="`match` needs Python 3.10")
def test_match_is_refused():
    src = """
    def f(x):
        match x:
            case 1:
                return 1.0
            case _:
                return 0.0
    """
    refused(src, 3, "`match`", "`if`/`elif`")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="`except*` needs Python 3.11")
def test_try_star_is_refused():
    src = """
    def f(x):
        try:
            return x
        except* ValueError:
            return 0.0
    """
    refused(src, 3, "`try`/`except*`")


def test_error_carries_the_user_location():
    err = refused("def f(x):\n    del x\n", 2, "`del`")
    assert err.loc.filename == "user.py" and err.loc.lineno == 12
    assert err.offset == 5  # 1-based column of `del`


def test_first_offending_node_in_source_order_is_reported():
    src = """
    def f(x):
        y = {x}
        try:
            del y
        except ValueError:
            pass
        return y
    """
    refused(src, 3, "set literal")


def test_enclosing_construct_is_reported_before_what_it_contains():
    src = """
    def f(x):
        with ctx():
            del x
        return 0.0
    """
    refused(src, 3, "`with`")


def test_earliest_error_wins_across_nested_functions():
    src = """
    def f(x):
        def g(y):
            return y in (1, 2)
        z = {x}
        return g(z)
    """
    refused(src, 4, "`in`")


def test_decorator_line_comes_before_the_nested_def():
    src = """
    def f(x):
        @deco
        def g(*args):
            return args
        return g(x)
    """
    refused(src, 3, "decorator")


def test_alias_error_and_construct_error_are_ordered_by_line():
    src = """
    def f(x):
        x[0] = 1.0
        return {x}
    """
    refused(src, 3, "in-place update", "parameter")


def test_decorators_of_the_compiled_function_itself_are_ignored():
    fence(
        """
        @myia.jit
        @some.other(decorator=True)
        def f(x):
            return x
        """
    )


def test_check_function_rejects_a_module():
    with pytest.raises(TypeError):
        check_function(ast.parse("x = 1"), "user.py", 0)


def test_lambda_tree_is_checked():
    tree = ast.parse("g = lambda x, *a: x").body[0].value
    with pytest.raises(MyiaSyntaxError, match="lambda"):
        check_function(tree, "user.py", OFFSET)
    check_function(ast.parse("g = lambda x, y=2.0: x * y").body[0].value, "user.py", 0)


# Supported constructs: everything of SUBSET.md passes the fence ------------------------------

SUPPORTED = {
    "docstring_and_pass": '''
        def f(x):
            """Return x."""
            pass
            return x
        ''',
    "annotated_assignment": """
        def f(x: float, n: int | None = None) -> float | None:
            y: float = x * 2.0
            z: "np.ndarray" = np.zeros(3)
            return y
        """,
    "augmented_assignment": """
        def f(x, n):
            y = x * 1.0
            y += 1.0
            y -= x
            y *= 2.0
            y /= 3.0
            y //= 1.0
            y %= 7.0
            y **= 2.0
            y @= np.eye(3)
            n -= 1
            return y, n
        """,
    "tuple_unpacking": """
        def f(t):
            a, b = t
            a, (b, c) = 1.0, (2.0, 3.0)
            [d, e] = [a, b]
            a = b = c
            return a + b + c + d + e
        """,
    "if_elif_else_and_conditional_expression": """
        def f(x):
            if x > 0:
                y = 1.0
            elif x < -1:
                y = -1.0
            else:
                y = 0.0
            return y if x != 0 else -y
        """,
    "while_break_continue": """
        def f(x, n):
            i = 0
            while i < n:
                i += 1
                if i == 2:
                    continue
                if x > 100.0:
                    break
                x = x * 2.0
            return x
        """,
    "for_loops": """
        def f(x, xs, ys):
            s = 0.0
            for i in range(3):
                s = s + i
            for i in range(1, 3):
                s = s + i
            for i in range(1, 10, 2):
                s = s + i
            for v in (1.0, 2.0):
                s = s + v
            for v in [1.0, 2.0]:
                s = s + v
            for row in x:
                s = s + row.sum()
            for i, v in enumerate(xs):
                s = s + i * v
            for a, b in zip(xs, ys):
                s = s + a * b
            return s
        """,
    "early_returns": """
        def f(x):
            if x > 0:
                return x
            for i in range(3):
                if i > x:
                    return i
            while x < 0:
                return -x
            return 0.0
        """,
    "assert_with_message": """
        def f(x):
            assert x > 0, "x must be positive"
            assert x < 10
            assert (x > 1), "parenthesized condition"
            return x
        """,
    "recursion_and_higher_order": """
        def f(x, n, g):
            if n == 0:
                return g(x)
            fs = (g, f)
            h = fs[1]
            return h(x, n - 1, g) + other(x)
        """,
    "nested_defs_at_any_depth": """
        def f(x):
            a = 2.0
            def g(y):
                def h(z):
                    def k(w):
                        return w * a * x
                    return k(z) + y
                return h(y)
            return g(x)
        """,
    "closures_returned_and_stored": """
        def f(x):
            def scale(y):
                return x * y
            pair = (scale, lambda y: y + x)
            return pair, scale
        """,
    "lambda_with_defaults": """
        def f(x):
            g = lambda a, b=2.0, c=None: a * b if c is None else c
            return g(x) + (lambda: x)()
        """,
    "positional_only_parameters": """
        def f(x, /, y=1.0):
            return x + y
        """,
    "calls_keywords_defaults_and_star_args": """
        def f(x, t):
            y = g(x, scale=2.0)
            z = g(*t)
            w = h(x, *t, 1.0)
            return np.sum(x, axis=0, keepdims=True) + y + z + w
        """,
    "arithmetic_and_comparisons": """
        def f(x, y, a, b, c):
            u = x + y - x * y / y // y % y ** 2
            v = x @ y
            w = -x + (+y)
            ok = a < b < c and a <= b and b >= a and b > a and a == a and a != b
            nok = not ok or (a < b)
            return u, v, w, ok, nok
        """,
    "is_none_and_is_not_none": """
        def f(x, y=None):
            if y is None:
                return x
            if None is not y:
                return y
            return x is not None
        """,
    "literals": """
        def f(x):
            a = (1, 2.5, True, False, None, "text", ...)
            b = [1, 2, 3]
            c = {"w": x, "b": 2.0, 3: 4}
            d = (*a, 1)
            e = [*b, *a]
            g = f"constant f-string"
            return a, b, c, d, e, g
        """,
    "subscripts_and_slices": """
        def f(x, t, d):
            return t[0], d["k"], x[1], x[1:3], x[:, 0], x[..., None], x[::2], x[np.newaxis]
        """,
    "attributes_and_methods": """
        def f(x, y):
            a = x.T + x.shape[0] + x.ndim
            b = x.sum() + x.mean(axis=0) + x.reshape(3, 4).transpose(1, 0).dot(y)
            return a, b, x.dtype, x.astype(np.float32)
        """,
    "builtins": """
        def f(x, xs):
            n = len(xs)
            a = abs(x) + min(x, 1.0) + max(xs) + sum(xs) + float(n) + int(x) + bool(x)
            b = isinstance(x, float)
            return tuple(xs), list(xs), a, b
        """,
    "math_and_numpy": """
        def f(x, y):
            a = math.sin(x) + math.exp(x) + math.log1p(x) + math.pi + math.e
            b = np.sort(y) + np.where(y > 0, y, 0.0) + np.einsum("ij->i", y)
            c = np.linalg.norm(y) + np.linalg.solve(y, y) + np.pi + np.inf
            return a, b, c, np.concatenate([y, y]), np.split(y, 2)
        """,
    "list_comprehensions": """
        def f(xs, ys):
            a = [x * 2 for x in xs]
            b = [x * y for x in xs if x > 0 for y in ys if y < x if y != 0]
            c = [i for i in range(10)]
            d = [[x * y for y in ys] for x in xs]
            return a, b, c, d
        """,
    "global_reads_without_declaration": """
        def f(x):
            return x * SCALE + helper(x)
        """,
    "grad_inside_compiled_code": """
        def f(x):
            return myia.grad(h)(x) * x + myia.stop_gradient(x)
        """,
    "subscript_assignment_on_local_arrays": """
        def f(x, n):
            y = np.zeros(n)
            for i in range(n):
                y[i] = x[i] * 2.0
                y[i] += 1.0
            z = np.zeros((n, n))
            z[0, :] = y
            z[1, 2] = 5.0
            m = np.zeros((n, n))
            m[1][2] = 5.0
            d = {"a": 1.0}
            d["a"] = 2.0
            return y, z, m, d
        """,
    "string_constants_and_ellipsis_body": """
        def f(x):
            "docstring"
            ...
            return "done"
        """,
}


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_supported_construct_passes_the_fence(name):
    fence(SUPPORTED[name])


def test_huge_expressions_do_not_exhaust_the_stack():
    # The fence walks with its own stack: 1500 nested operations exceed Python's default
    # recursion limit if the walk recursed once per node.
    terms = " * ".join(["x"] * 1500)
    fence(f"def f(x):\n    y = {terms}\n    t = (y, {terms})\n    return t\n")
    refused(f"def f(x):\n    y = {terms}\n    return {{y}}\n", 3, "set literal")


def test_primitive_backpropagators_of_the_project_pass_the_fence():
    # They are written in the subset and parsed like user code (shared/DESIGN.md).
    checked = 0
    for path in sorted(pathlib.Path(MYIA_ROOT, "prim").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("bprop_"):
                check_function(node, str(path), 0)
                checked += 1
    if checked == 0:
        pytest.skip("no primitive backpropagators found")


def test_annotations_are_not_checked():
    # `|` and sets in annotations are never evaluated by myia: they must not be refused.
    fence(
        """
        def f(x: int | None, y: {1, 2} = None) -> float | int:
            z: list[int] | None = None
            def g(a: int | float) -> int | float:
                return a
            return x
        """
    )


# Aliasing rule of in-place updates -------------------------------------------------------------

ALIAS_ACCEPTED = {
    "fresh_local_array": """
        def f(x):
            y = np.zeros(3)
            y[0] = x
            return y
        """,
    "filled_from_a_parameter": """
        def f(x):
            y = np.zeros_like(x)
            for i in range(3):
                y[i] = x[i]
                y[i] += x[i] * 2.0
            return y
        """,
    "parameter_copied_first": """
        def f(x):
            x = x.copy()
            x[0] = 1.0
            return x
        """,
    "parameter_copied_in_the_loop_before_the_update": """
        def f(x, n):
            for i in range(n):
                x = x.copy()
                x[i] = 0.0
            return x
        """,
    "parameter_rebound_from_fresh_values": """
        def f(x, y, z):
            x = np.array(x)
            x[0] = 1.0
            y = y + 0
            y[0] = 1.0
            z = np.copy(z)
            z[0] = 1.0
            return x, y, z
        """,
    "copies_and_calls_are_fresh": """
        def f(x):
            a = x.copy()
            a[0] = 1.0
            b = x.astype(np.float64)
            b[0] = 1.0
            c = np.full(3, 2.0)
            c[0] = 1.0
            d = np.sin(x)
            d[0] = 1.0
            e = x.T.copy()
            e[0] = 1.0
            return a, b, c, d, e
        """,
    "rebound_fresh_in_a_loop": """
        def f(x, n):
            y = np.ones(3)
            for i in range(n):
                y = y * 2.0
                y[0] = x
            return y
        """,
    "container_literal_slots": """
        def f(w, b):
            d = {"w": w, "b": b}
            d["b"] = 0.0
            t = [w, b]
            t[0] = 1.0
            return d, t
        """,
    "nested_arrays_in_a_fresh_container": """
        def f(x):
            rows = [np.zeros(3), np.zeros(3)]
            rows[0][1] = x
            m = np.zeros((3, 3))
            m[0][1] = x
            return rows, m
        """,
    "lambda_parameter_shadows_the_array": """
        def f(x):
            y = np.zeros(3)
            g = lambda y: y * 2.0
            y[0] = g(x)
            return y
        """,
    "nested_function_updates_its_own_array": """
        def f(x):
            def g(n):
                z = np.zeros(n)
                z[0] = x
                return z
            return g(3)
        """,
    "gradient_descent_on_an_alias_of_a_parameter": """
        def f(x0, lr, n):
            x = x0
            for i in range(n):
                x -= lr * df(x)
            return x
        """,
    "accumulators": """
        def f(xs, n):
            total = 0.0
            for v in xs:
                total += v
            acc = np.zeros(3)
            for row in xs:
                acc += row
            i = 0
            while i < n:
                i += 1
            a, b = 0.0, 1.0
            for k in range(n):
                a, b = b, a + b
            return total, acc, i, a
        """,
    "augmented_parameter": """
        def f(x, n):
            x += 1.0
            n -= 1
            return x, n
        """,
    "alias_made_after_the_last_update": """
        def f(x):
            y = np.zeros(3)
            y[0] = x
            z = y
            t = (y, z.T)
            return z, t
        """,
    "comprehension_after_the_updates": """
        def f(x):
            y = np.zeros(3)
            for i in range(3):
                y[i] = x * i
            g = lambda: y.sum()
            return [y[i] * 2.0 for i in range(3)], g()
        """,
    "augmented_alias_read_only_before_the_update": """
        def f(x):
            y = x
            s = y.sum()
            x += 1.0
            return x + s
        """,
    "accumulator_copied_into_an_array": """
        def f(w):
            out = np.zeros((2, 3))
            acc = np.zeros(3)
            for i in range(2):
                acc += w[i]
                out[i] = acc
                out[i] += 1.0
            return out
        """,
    "repeated_constants": """
        def f(x):
            counts = [0.0] * 3
            counts[1] += x
            counts[2] = x
            return counts
        """,
    "counter_from_a_parameter_read_only_there": """
        def f(start, n):
            i = start
            while i < n:
                i += 1
            return i
        """,
}


@pytest.mark.parametrize("name", sorted(ALIAS_ACCEPTED))
def test_update_without_visible_alias_is_accepted(name):
    fence(ALIAS_ACCEPTED[name])


# (snippet, line, words): each message names the variable, its user line and a fix.
ALIAS_REFUSED = {
    "parameter": (
        """
        def f(x):
            x[0] = 1.0
            return x
        """,
        3,
        ["`x`", "line 13", "parameter of `f`", "x = x.copy()", "np.zeros"],
    ),
    "parameter_augmented_subscript": (
        """
        def f(x, i):
            x[i] += 1.0
            return x
        """,
        3,
        ["`x[i] += ...`", "parameter", "x = x.copy()"],
    ),
    "parameter_rebound_only_in_a_branch": (
        """
        def f(x, c):
            if c:
                x = np.zeros(3)
            x[0] = 1.0
            return x
        """,
        5,
        ["parameter", "x = x.copy()"],
    ),
    "parameter_copied_after_the_update": (
        """
        def f(x, n):
            for i in range(n):
                x[i] = 0.0
                x = x.copy()
            return x
        """,
        4,
        ["parameter"],
    ),
    "global_array": (
        """
        def f(i):
            buffer[i] = 1.0
            return buffer
        """,
        3,
        ["`buffer`", "not assigned in this function", "copy()", "np.zeros"],
    ),
    "enclosing_variable": (
        """
        def f(x):
            y = np.zeros(3)
            def g(i):
                y[i] = x
                return y
            return g(0)
        """,
        5,
        ["`y`", "not assigned in this function", "line 15"],
    ),
    "second_name": (
        """
        def f(x):
            y = np.zeros(3)
            z = y
            y[0] = x
            return z
        """,
        5,
        ["`y`", "`z`", "`z = y` at line 14", "copy"],
    ),
    "assigned_from_a_name": (
        """
        def f(x):
            y = np.zeros(3)
            z = y
            z[0] = x
            return y
        """,
        5,
        ["`z`", "another name for, or a view of, `y`", ".copy()", "np.zeros"],
    ),
    "chained_assignment": (
        """
        def f(x):
            a = b = np.zeros(3)
            a[0] = x
            return b
        """,
        4,
        ["`a`", "`b`"],
    ),
    "tuple_literal": (
        """
        def f(x):
            y = np.zeros(3)
            t = (y, 1.0)
            y[0] = x
            return t
        """,
        5,
        ["`y`", "`t` holds `y`"],
    ),
    "list_literal": (
        """
        def f(x):
            y = np.zeros(3)
            t = [1.0, y]
            y[0] = x
            return t
        """,
        5,
        ["`t` holds `y`"],
    ),
    "dict_literal": (
        """
        def f(x):
            y = np.zeros(3)
            d = {"y": y}
            y[0] = x
            return d
        """,
        5,
        ["`d` holds `y`"],
    ),
    "stored_into_a_container": (
        """
        def f(x):
            y = np.zeros(3)
            out = [0.0, 0.0]
            out[0] = y
            y[0] = x
            return out
        """,
        6,
        ["`out` holds `y`"],
    ),
    "loop_variable": (
        """
        def f(xs):
            for r in xs:
                r[0] = 0.0
            return xs
        """,
        4,
        ["`r`", "view of, `xs`"],
    ),
    "iterated_array": (
        """
        def f(x):
            y = np.zeros((2, 2))
            s = 0.0
            for r in y:
                y[1, 0] = 1.0
                s = s + r[0]
            return s
        """,
        6,
        ["`y`", "`r`"],
    ),
    "enumerated_array": (
        """
        def f(x):
            y = np.zeros((2, 2))
            for i, r in enumerate(y):
                y[i] = r * 2.0
            return y
        """,
        5,
        ["`y`", "`r` shares the data of `y`", "enumerate(y)"],
    ),
    "alias_made_after_the_update_in_the_same_loop": (
        """
        def f(x):
            y = np.zeros(3)
            zs = [0.0, 0.0]
            for i in range(2):
                y[i] = x
                zs[i] = y
            return zs
        """,
        6,
        ["`y`", "`zs` holds `y`", "line 17"],
    ),
    "comprehension_in_the_same_loop": (
        """
        def f(x):
            y = np.zeros(3)
            s = 0.0
            for i in range(3):
                y[i] = x
                g = lambda: y[0]
                s = s + g()
            return s
        """,
        6,
        ["`y`", "nested function, lambda or comprehension", "line 17"],
    ),
    "captured_by_a_lambda": (
        """
        def f(x):
            y = np.zeros(3)
            g = lambda: y.sum()
            y[0] = x
            return g()
        """,
        5,
        ["`y`", "nested function, lambda or comprehension", "line 14"],
    ),
    "captured_by_a_nested_def": (
        """
        def f(x):
            y = np.zeros(3)
            def g():
                return y
            y[0] = x
            return g()
        """,
        6,
        ["`y`", "nested function, lambda or comprehension"],
    ),
    "captured_by_a_default": (
        """
        def f(x):
            y = np.zeros(3)
            def g(a=y):
                return a
            y[0] = x
            return g()
        """,
        6,
        ["`y`", "nested function, lambda or comprehension"],
    ),
    "read_by_a_comprehension": (  # (summed before the update, it would not show it)
        """
        def f(x):
            y = np.zeros((3, 2))
            rows = [y[i] for i in range(3)]
            s = 0.0
            for v in rows:
                s = s + v
            y[0] = x
            return s + rows[0]
        """,
        8,
        ["`y`"],
    ),
    "chained_update_inside_a_held_parameter": (
        """
        def f(x):
            t = [x, x]
            t[0][0] = 1.0
            return t
        """,
        4,
        ["`t` holds `x`"],
    ),
    "in_place_add_to_a_held_array": (
        """
        def f(x):
            w = np.zeros(3)
            grads = [w, w]
            grads[0] += x
            return grads
        """,
        5,
        ["`grads[0] += ...`", "`grads` holds `w`"],
    ),
    "in_place_add_to_an_array_stored_in_a_list": (
        """
        def f(x, y):
            out = [0.0, 0.0]
            out[0] = y
            out[0] += x
            return y
        """,
        5,
        ["`out[0] += ...`", "`out` holds `y`"],
    ),
    "repeated_array": (
        """
        def f(x):
            rows = [np.zeros(3)] * 2
            rows[0][1] = x
            return rows
        """,
        4,
        ["`rows`", "the same object several times", "list comprehension"],
    ),
    "repeated_list": (
        """
        def f(x):
            grid = [[0.0] * 3] * 2
            grid[0][1] = x
            return grid
        """,
        4,
        ["`grid`", "the same object several times"],
    ),
    "conditional_alias": (
        """
        def f(x, c):
            y = np.zeros(3)
            z = y if c else x
            z[0] = 1.0
            return y
        """,
        5,
        ["`z`"],
    ),
    "copy_false": (
        """
        def f(x):
            y = np.array(x, copy=False)
            y[0] = 1.0
            return x
        """,
        4,
        ["`y`", "`x`"],
    ),
    "asarray_of_the_parameter_itself": (
        """
        def f(x):
            x = np.asarray(x)
            x[0] = 1.0
            return x
        """,
        4,
        ["`x`", "view of"],
    ),
    "stop_gradient": (
        """
        def f(x):
            y = myia.stop_gradient(x)
            y[0] = 1.0
            return x
        """,
        4,
        ["`y`", "`x`"],
    ),
    "augmented_alias_read_again": (
        """
        def f(x):
            y = x
            y += 1.0
            return x + y
        """,
        4,
        ["augmented assignment `y += ...`", "`x`", "line 15", "`y = y + ...`"],
    ),
    "augmented_accumulator_stored_in_a_list": (
        """
        def f(w):
            out = [0.0, 0.0]
            acc = np.zeros(3)
            for i in range(2):
                acc += w
                out[i] = acc
            return out
        """,
        6,
        ["`acc += ...`", "`out`", "`acc = acc + ...`"],
    ),
    "augmented_alias_made_in_the_loop": (
        """
        def f(x0, n):
            for i in range(n):
                x = x0
                x += 1.0
            return x
        """,
        5,
        ["`x += ...`", "`x0`"],
    ),
    "augmented_alias_remade_after_the_update": (
        """
        def f(x0):
            x = x0
            x += 1.0
            x = x0
            return x
        """,
        4,
        ["`x += ...`", "`x0`", "line 15"],
    ),
    "augmented_alias_read_in_the_update": (
        """
        def f(x0, lr, n):
            x = x0
            for i in range(n):
                x -= lr * x0
            return x
        """,
        5,
        ["`x -= ...`", "`x0`", "`x = x - ...`"],
    ),
    "augmented_container_element": (
        """
        def f(x):
            t = (x, 1.0)
            a, b = t
            a += 1.0
            return x
        """,
        5,
        ["`a += ...`"],
    ),
    "augmented_alias_read_by_the_while_test": (
        """
        def f(x):
            y = x
            while y.sum() < 10.0:
                x += 1.0
            return x
        """,
        5,
        ["`x += ...`", "`y`", "line 14"],
    ),
    "augmented_alias_captured_before_the_update": (
        """
        def f(x):
            y = x * 2.0
            z = y
            g = lambda: z
            y += 1.0
            return g()
        """,
        6,
        ["`y += ...`", "`z`"],
    ),
    "augmented_name_never_assigned": (
        """
        def f(x):
            total += x
            return total
        """,
        3,
        ["`total += ...`", "UnboundLocalError"],
    ),
}


def refused_if_mutable(src: str, line: int, *words: str) -> str:
    """Check that `src` passes the fence with its augmented assignment at `line` left to be
    refused where its target is an array or a list, with a message holding each of `words`."""
    tree = ast.parse(textwrap.dedent(src))
    check_function(tree.body[0], "user.py", OFFSET)
    marked = [
        (n.lineno, n._myia_mutable_refusal)
        for n in ast.walk(tree)
        if isinstance(n, ast.AugAssign) and hasattr(n, "_myia_mutable_refusal")
    ]
    assert [lineno for lineno, _ in marked] == [line], marked
    message = marked[0][1]
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


# `x[i] += v` where `x` holds other objects: refused where `x[i]` is an array or a list (a
# number is rebound in its slot); tests/test_aliasing_values.py compiles both.
ELEMENT_UPDATES = {"in_place_add_to_a_held_array", "in_place_add_to_an_array_stored_in_a_list"}


@pytest.mark.parametrize("name", sorted(ALIAS_REFUSED))
def test_update_that_python_aliasing_would_show_is_refused(name):
    src, line, words = ALIAS_REFUSED[name]
    if name in ELEMENT_UPDATES:
        refused_if_mutable(src, line, "in-place update", *words)
    elif name.startswith("augmented") and name != "augmented_name_never_assigned":
        refused_if_mutable(src, line, "augmented assignment", *words)
    else:
        kind = "augmented assignment" if name.startswith("augmented") else "in-place update"
        refused(src, line, kind, *words)


VIEWS = [
    "y",
    "y.T",
    "y[1:]",
    "y[0]",
    "y[...]",
    "y.reshape(4)",
    "np.reshape(y, (4,))",
    "y.ravel()",
    "np.ravel(y)",
    "np.transpose(y)",
    "y.transpose()",
    "np.squeeze(y)",
    "np.expand_dims(y, 0)",
    "np.broadcast_to(y, (3, 2, 2))",
    "np.swapaxes(y, 0, 1)",
    "np.moveaxis(y, 0, 1)",
    "np.flip(y)",
    "np.diag(y)",
    "np.asarray(y)",
    "numpy.transpose(y)",
]


@pytest.mark.parametrize("view", VIEWS)
def test_view_of_an_array_blocks_updates_of_both(view):
    updated_view = f"""
    def f(x):
        y = np.zeros((2, 2))
        z = {view}
        z[0] = x
        return y
    """
    refused(updated_view, 5, "`z`", "`y`", "line 15")
    updated_base = f"""
    def f(x):
        y = np.zeros((2, 2))
        z = {view}
        y[0] = x
        return z
    """
    refused(updated_base, 5, "`y`", "`z`")


@pytest.mark.parametrize("view", VIEWS)
def test_view_of_a_parameter_rebound_to_itself_is_refused(view):
    src = f"""
    def f(y):
        y = {view}
        y[0] = 1.0
        return y
    """
    refused(src, 4, "`y`")


def _returns_a_closure(x):
    def g(y):
        return x * y

    return g


def _returns_a_closure_in_a_tuple(x):
    return (x, lambda y: x * y)


@pytest.mark.parametrize("fn", [_returns_a_closure, _returns_a_closure_in_a_tuple])
def test_returning_a_function_from_compiled_code_is_refused(fn):
    """It was compiled as `return None`."""
    with pytest.raises(myia.MyiaTypeError, match="returns a function") as info:
        myia.jit(fn)(2.0)
    assert "test_fence.py" in str(info.value)
