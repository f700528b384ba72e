"""The fence refuses nothing inside the subset: every construct of SUBSET.md passes it, as
do huge expressions (it walks with its own stack), the primitives' backpropagators and
annotations.

Each snippet is checked as `tests/fence_checks.py` says.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

from myia.parser.fence import check_function
from tests.fence_checks import fence, refused

MYIA_ROOT = pathlib.Path(__file__).resolve().parent.parent / "myia"


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
