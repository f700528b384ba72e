"""The aliasing rule of in-place updates, at the fence: `x[i] = v` (and `x += v` where `x`
is an array or a list) is accepted where no other name, container, closure or caller can
see the array, and refused, naming the variable, the line that shares it and a fix, where
Python's aliasing would show; views of an array block updates of both.

Each snippet is checked as `tests/fence_checks.py` says; tests/test_aliasing_values.py
compiles the accepted programs and compares them with Python.
"""

from __future__ import annotations

import pytest

from tests.fence_checks import fence, refused, refused_if_mutable

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
