"""The corpus of tests/corpus/ run through `myia.jit`, compared with plain Python.

This file owns: the value-and-type comparison of every corpus case (`myia.jit(f)(*args)`
against `f(*args)`: same value, same Python type, same shape and dtype, recursively through
tuples, lists and dicts), the checks that run-time errors raise the same exception type as
Python and point at the user's source line, and that a long `while` loop runs in constant
stack. Cases that fail because of a bug in myia are listed in `KNOWN_FAILURES` and run as
strict xfails, so a fix shows up as an XPASS.
"""

from __future__ import annotations

import copy
import inspect
import math

import numpy as np
import pytest

import myia
from tests.corpus import CASES, control, functions

# Function name -> the myia bug that makes the case fail (one line).
KNOWN_FAILURES: dict[str, str] = {}

# Function name -> the words of the MyiaSyntaxError that refuses it: Python's late binding,
# which myia refuses rather than compute something else.
REFUSED: dict[str, str] = {
    "closure_late_binding": "captures `a`, which is assigned again",
}


def assert_same(got, expected, where="result", float32_tol=1e-12):
    """`got` equals `expected`: same type, same value, same shape and dtype, recursively
    (float32 values to `float32_tol`: a backend that sums in another order than NumPy,
    torch, differs from it by an ulp of float32)."""
    assert type(got) is type(expected), (
        f"{where}: type {type(got).__name__} != {type(expected).__name__} "
        f"(got {got!r}, expected {expected!r})"
    )
    if isinstance(expected, np.ndarray):
        assert got.shape == expected.shape, f"{where}: shape {got.shape} != {expected.shape}"
        assert got.dtype == expected.dtype, f"{where}: dtype {got.dtype} != {expected.dtype}"
        if expected.dtype.kind in "fc":
            tol = float32_tol if expected.dtype == np.float32 else 1e-12
            np.testing.assert_allclose(
                got, expected, rtol=tol, atol=tol, equal_nan=True, err_msg=where
            )
        else:
            np.testing.assert_array_equal(got, expected, err_msg=where)
    elif isinstance(expected, (tuple, list)):
        assert len(got) == len(expected), f"{where}: length {len(got)} != {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, f"{where}[{i}]", float32_tol)
    elif isinstance(expected, dict):
        assert list(got) == list(expected), f"{where}: keys {list(got)} != {list(expected)}"
        for k in expected:
            assert_same(got[k], expected[k], f"{where}[{k!r}]", float32_tol)
    elif isinstance(expected, (float, np.floating)):
        if np.isnan(expected):
            assert np.isnan(got), f"{where}: {got!r} is not nan"
        else:
            tol = float32_tol if isinstance(expected, np.float32) else 1e-12
            assert got == expected or math.isclose(got, expected, rel_tol=tol, abs_tol=tol), (
                f"{where}: {got!r} != {expected!r}"
            )
    else:
        # int, bool, str, None, numpy integer/bool scalars, dtypes: exact.
        assert got == expected, f"{where}: {got!r} != {expected!r}"


def _params():
    out = []
    seen: dict[str, int] = {}
    for case in CASES:
        name = case.fn.__name__
        seen[name] = seen.get(name, 0) + 1
        case_id = name if seen[name] == 1 else f"{name}-{seen[name]}"
        marks = ()
        if name in REFUSED:
            continue
        if name in KNOWN_FAILURES:
            marks = pytest.mark.xfail(strict=True, reason=f"myia bug: {KNOWN_FAILURES[name]}")
        out.append(pytest.param(case, id=case_id, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_corpus_case(case):
    expected = case.fn(*copy.deepcopy(case.args))
    got = myia.jit(case.fn)(*copy.deepcopy(case.args))
    assert_same(got, expected)


def test_corpus_grad_cases_return_float_scalars():
    """The contract of `grad=True` (checked in plain Python, cheap)."""
    assert len(CASES) >= 160
    assert sum(c.grad for c in CASES) >= 100
    for case in CASES:
        if case.grad:
            out = case.fn(*copy.deepcopy(case.args))
            assert isinstance(out, (float, np.floating)), (case.fn.__name__, type(out))


# --------------------------------------------------------------------------- errors


def _marked_line(fn) -> int:
    """The line of `fn`'s source that carries the comment `# ERRLINE <fn name>`."""
    lines, first = inspect.getsourcelines(fn)
    marker = f"# ERRLINE {fn.__name__}"
    for k, line in enumerate(lines):
        if marker in line:
            return first + k
    raise AssertionError(f"no {marker!r} in the source of {fn.__name__}")


def _messages(exc: BaseException) -> str:
    return "\n".join([str(exc), *map(str, getattr(exc, "__notes__", []) or [])])


ERROR_CASES = [
    pytest.param(control.assert_fail, (1.5,), control.assert_fail, id="assert_fail"),
    pytest.param(
        control.unbound_local,
        (-1.5,),
        control.unbound_local,
        id="unbound_local",
    ),
    pytest.param(control.unpack_error, ((1.0, 2.0, 3.0),), control.unpack_error, id="unpack_error"),
    pytest.param(control.key_error, (1.5,), control.key_error, id="key_error"),
    pytest.param(
        control.ambiguous_truth, (np.ones(2),), control.ambiguous_truth, id="ambiguous_truth"
    ),
    pytest.param(
        control.loop_index_error, (np.ones(2), 5), control.loop_index_error, id="loop_index"
    ),
    pytest.param(control.lambda_error, ((1.0,),), control.lambda_error, id="lambda_error"),
    pytest.param(control.math_domain_error, (-1.0,), control.math_domain_error, id="math_domain"),
    pytest.param(
        control.matmul_shape_error,
        (np.ones((2, 3)), np.ones((2, 3))),
        control.matmul_shape_error,
        id="matmul_shape",
    ),
    pytest.param(functions.factorial, (2.5, 1), None, id="wrong_arg_count"),
    pytest.param(control.index_error, ((1.0, 2.0), 5), control.index_error, id="tuple_index_error"),
    pytest.param(control.index_error, (np.ones(3), 3), control.index_error, id="array_index_error"),
    pytest.param(control.zero_division, (1.5, 2.0), control.zero_division, id="zero_division"),
    pytest.param(control.error_in_callee, (1.5,), control.error_helper, id="error_in_callee"),
]


@pytest.mark.parametrize("fn, args, where", ERROR_CASES)
def test_runtime_error_matches_python(fn, args, where):
    with pytest.raises(Exception) as py_info:
        fn(*args)
    with pytest.raises(Exception) as my_info:
        myia.jit(fn)(*args)
    # A shape error found before running is a MyiaShapeError, also a ValueError like NumPy's.
    assert isinstance(my_info.value, type(py_info.value)), (my_info.value, py_info.value)
    if where is None:
        return
    text = _messages(my_info.value)
    filename = inspect.getsourcefile(where)
    line = _marked_line(where)
    assert f"{filename}:{line}" in text, text  # "myia: raised at" (run time) or "at" (before)


def test_assert_message_kept():
    with pytest.raises(AssertionError) as info:
        myia.jit(control.assert_fail)(1.5)
    assert "x must be negative" in str(info.value)


def test_long_while_loop_no_recursion_error():
    n = 100_000
    assert myia.jit(control.while_long)(n) == control.while_long(n) == 50_000.0


def test_deep_recursion_of_user_function_on_the_reference_evaluator():
    """Non-tail recursion deeper than Python's stack limit: the reference evaluator keeps
    its frames on the heap (the NumPy backend, like Python, uses the Python stack)."""
    n = 5000
    v = np.ones(n)
    assert myia.jit(functions.rec_sum_array, backend="vm")(v, 0) == float(n)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_a_clear_error(name):
    fn, args = next((c.fn, c.args) for c in CASES if c.fn.__name__ == name)
    with pytest.raises(myia.MyiaSyntaxError, match=REFUSED[name].replace("(", r"\(")):
        myia.jit(fn)(*args)
