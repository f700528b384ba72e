"""The fence refuses every construct outside the subset, naming it and the user's line.

Each snippet is checked as `tests/fence_checks.py` says (line N of a snippet is line N + 10
of `user.py`). What passes the fence is in test_fence_supported.py, the aliasing rule of
in-place updates in test_fence_aliasing.py.
"""

from __future__ import annotations

import ast
import sys

import pytest

import myia
from myia.errors import MyiaSyntaxError
from myia.parser.fence import check_function
from tests.fence_checks import OFFSET, fence, refused

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
    tree = ast.parse("g = lambda x, **a: x").body[0].value
    with pytest.raises(MyiaSyntaxError, match="lambda"):
        check_function(tree, "user.py", OFFSET)
    check_function(ast.parse("g = lambda x, y=2.0: x * y").body[0].value, "user.py", 0)


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
