"""Every refusal names the user's file and line and suggests the supported form.

Each function below holds one construct myia refuses (docs/subset.md, "Refused"); compiling
it must raise a `MyiaError` located at this file, at the line of the construct, whose
message holds the suggestion given next to it.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.special

import myia
from tests.test_aliasing_calls import line_of

COUNTER = 0.0
VECTORIZED = np.frompyfunc(abs, 1, 1)


def try_except(x):
    try:
        y = 1.0 / x
    except ZeroDivisionError:
        y = 0.0
    return y


def with_statement(x):
    with open(x) as fh:
        return fh


def generator(x):
    yield x


def generator_expression(x):
    return sum(x * i for i in range(3))


async def coroutine(x):
    return x


def global_write(x):
    global COUNTER
    COUNTER = x
    return x


def nonlocal_write(x):
    y = x

    def g():
        nonlocal y
        y = 2.0

    g()
    return y


def class_inside(x):
    class Box:
        pass

    return x


def delete(x):
    y = x
    del y
    return x


def star_assignment(x):
    a, *_ = (x, x, x)
    return a


def walrus(x):
    return (y := x) + y


def set_literal(x):
    return {x, 1.0}


def runtime_fstring(x):
    return f"{x}"


def raise_statement(x):
    raise ValueError(x)


def match_statement(x):
    match x:
        case _:
            return x


def for_else(x):
    for i in range(3):
        x = x + i
    else:
        x = x * 2.0
    return x


def import_inside(x):
    import math

    return math.sin(x)


def membership(x):
    return 1.0 if x in (1.0, 2.0) else 0.0


def identity(x):
    two = 2.0
    return 1.0 if x is two else 0.0


def bitwise(x):
    return (x > 0) & (x < 1)


def star_parameter(x):
    def g(*xs):
        return xs[0]

    t = (x, x)
    return g(*t)


def star_zip_loop(x):
    t = ((x, x), (x, x))
    s = 0.0
    for a, b in zip(*t):
        s = s + a * b
    return s


def star_zip_comprehension(x):
    t = ((x, 2.0 * x), (x, x))
    return sum([a * b for a, b in zip(*t)])


def double_star_call(x):
    options = {"axis": 0}
    return np.sum(x, **options)


def in_place_method(x):
    xs = [x]
    xs.extend([x])
    return xs[0]


def out_argument(x):
    y = np.zeros(3)
    np.add(x, x, out=y)
    return y


def attribute_assignment(x):
    x.value = 1.0
    return x


def jax_at_set(x):
    return x.at[0].set(1.0)


def jax_at_add(x):
    return x.at[1:].add(x[0])


def index_trick(x):
    join = np.r_
    return np.sum(join[x, x])


def dict_of_runtime_pairs(names):
    d = dict([(k, 1.0) for k in names])
    return d["a"]


def row_stack(x):
    return np.row_stack([x, x])


def numpy_dispatcher(x):
    return np.unwrap(x)


def scipy_ufunc(x):
    return scipy.special.struve(0.0, x)


def vectorized_ufunc(x):
    return VECTORIZED(x)


def update_of_a_parameter(x):
    x[0] = 1.0
    return x


def late_capture(x):
    f = lambda: x * 2.0
    x = 3.0
    return f()


X = np.array([0.5, 1.5, 2.5])
# (function, arguments, text on the refused line, suggestion in the message)
REFUSED = [
    (try_except, (2.0,), "try:", "assert cond"),
    (with_statement, ("f",), "with open", "call the functions directly"),
    (generator, (2.0,), "yield x", "list comprehension"),
    (generator_expression, (2.0,), "sum(x * i", "[e for x in xs]"),
    (coroutine, (2.0,), "async def coroutine", "plain `def`"),
    (global_write, (2.0,), "global COUNTER", "pass the value as an argument"),
    (nonlocal_write, (2.0,), "nonlocal y", "pass the value as an argument"),
    (class_inside, (2.0,), "class Box", "define the class outside"),
    (delete, (2.0,), "del y", "rebind the name"),
    (star_assignment, (2.0,), "a, *_", "index the tuple"),
    (walrus, (2.0,), "(y := x)", "assign on its own line"),
    (set_literal, (2.0,), "{x, 1.0}", "use a tuple"),
    (runtime_fstring, (2.0,), 'f"{x}"', "format the string outside"),
    (raise_statement, (2.0,), "raise ValueError", "assert cond"),
    (match_statement, (2.0,), "match x:", "`if`/`elif`/`else`"),
    (for_else, (2.0,), "for i in range(3):", "flag variable"),
    (import_inside, (2.0,), "import math", "import at module level"),
    (membership, (2.0,), "x in (1.0", "compare explicitly"),
    (identity, (2.0,), "x is two", "use `==`"),
    (bitwise, (2.0,), "(x > 0) &", "np.logical_and"),
    (star_parameter, (2.0,), "return g(*t)", "call it by its name"),
    (star_zip_loop, (2.0,), "zip(*t):", "write the sequences out"),
    (star_zip_comprehension, (2.0,), "zip(*t)]", "write the sequences out"),
    (double_star_call, (X,), "**options", "pass the keyword arguments explicitly"),
    (in_place_method, (2.0,), "xs.extend", "build a new value"),
    (out_argument, (X,), "out=y", "use the returned value"),
    (attribute_assignment, (2.0,), "x.value = 1.0", "build a new value"),
    (jax_at_set, (X,), "x.at[0]", "y = x.copy(); y[0] = 1.0"),
    (jax_at_add, (X,), "x.at[1:]", "y = x.copy(); y[1:] += x[0]"),
    (dict_of_runtime_pairs, (["a"],), "dict([(k, 1.0)", "write a dict display"),
    (index_trick, (X,), "join = np.r_", "compiled only where it is indexed"),
    (row_stack, (X,), "np.row_stack", "Compute it outside the compiled function"),
    (numpy_dispatcher, (X,), "np.unwrap", "Compute it outside the compiled function"),
    (scipy_ufunc, (X,), "struve", "compiled function `struve` of scipy.special"),
    (vectorized_ufunc, (X,), "VECTORIZED(x)", "Compute it outside the compiled function"),
    (update_of_a_parameter, (X,), "x[0] = 1.0", "copy it first, `x = x.copy()`"),
    (late_capture, (2.0,), "f = lambda", "Pass `x` as an argument"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[case[0].__name__ for case in REFUSED])
def test_refusal_names_the_line_and_suggests_the_supported_form(case):
    fn, args, text, suggestion = case
    for transform in (myia.jit, myia.grad):
        with pytest.raises(myia.MyiaError) as info:
            transform(fn)(*args)
        err = info.value
        assert err.loc is not None, str(err)
        assert os.path.samefile(err.loc.filename, __file__), (err.loc.filename, str(err))
        assert err.loc.lineno == line_of(fn, text), str(err)
        assert suggestion in str(err), f"{suggestion!r} not in {str(err)!r}"
