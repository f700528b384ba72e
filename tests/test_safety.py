"""Safety of what myia accepts (issue 13): non-float differentiated inputs are refused,
no text of the user's (paths, names, source lines) can become generated code, programs the
compiler accepts run (or are refused when compiling, naming the line), and wrong calls
raise Python's own `TypeError`.
"""

from __future__ import annotations

import builtins
import importlib.util
import itertools
import os
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from tests.checks import check_grad

# Non-float differentiated inputs (item 6) --------------------------------------------------


def abs_exp(z):
    return abs(np.exp(z))


def first_of(t):
    return np.sum(np.abs(t[0]))


@pytest.mark.parametrize(
    "arg",
    [
        1 + 2j,
        np.complex128(1 + 2j),
        np.complex64(1 + 2j),
        np.ones(3, np.complex128),
        np.ones(2, np.complex64),
    ],
    ids=repr,
)
def test_grad_refuses_complex_inputs(arg):
    with pytest.raises(myia.MyiaTypeError, match=r"argument 0 \(`z`\).*complex.*real"):
        myia.grad(abs_exp)(arg)


@pytest.mark.parametrize("arg", [(1j, 1.0), [np.ones(2, complex)]], ids=repr)
def test_grad_refuses_complex_inside_containers(arg):
    with pytest.raises(myia.MyiaTypeError, match=r"argument 0 \(`t`\).*complex"):
        myia.grad(first_of)(arg)


def test_complex_values_stay_allowed_where_not_differentiated():
    assert myia.jit(abs_exp)(1 + 2j) == pytest.approx(abs(np.exp(1 + 2j)))


# Hostile text never becomes code (item 9) --------------------------------------------------

PAYLOADS = [
    "import builtins; builtins.MYIA_PWNED = 1",
    "raise SystemExit('injected')",
    "'''",
    '"""',
]
BREAKS = ["\n", "\r", "\r\n", "\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\u2029", "\x00"]
HOSTILE = st.lists(
    st.sampled_from(BREAKS + PAYLOADS + ["#", "'", '"', "\\", "x", "²", "ﬁ", " ", "\t"]),
    min_size=1,
    max_size=8,
).map("".join)
_COUNTER = itertools.count()


def _load(directory: str, text: str):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "hostile_mod.py")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    spec = importlib.util.spec_from_file_location(f"hostile_mod_{next(_COUNTER)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in_comment(text: str) -> str:
    """`text` as it may stand in a comment of a source file (a line break ends it there)."""
    return "".join(" " if c in "\n\r\x00" else c for c in text)


def _dirname(text: str) -> str:
    name = text.replace("/", "_").replace("\x00", "_")
    while len(name.encode()) > 200:
        name = name[:-1]
    return name or "d"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=HOSTILE, fn_name=HOSTILE, line=HOSTILE)
def test_hostile_paths_names_and_lines_never_run(tmp_path, path, fn_name, line):
    helper_dir = tmp_path / f"h{next(_COUNTER)}" / _dirname(path)
    helper = _load(
        str(helper_dir),
        textwrap.dedent(
            f"""\
            import numpy as np

            def helper(x):
                s = {line!r}
                return np.sin(x) * 2.0 + len(s)  # {_in_comment(line)}
            """
        ),
    )
    main = _load(
        str(tmp_path / f"m{next(_COUNTER)}" / _dirname(line) / _dirname(path)),
        textwrap.dedent(
            f"""\
            def fi(x):
                return x * 100.0

            def f(x):
                # {_in_comment(path)}
                y = helper(x) * x  # {_in_comment(fn_name)}
                return y + 1.0
            """
        ),
    )
    main.helper = helper.helper
    main.f.__name__ = main.f.__qualname__ = fn_name
    main.helper.__name__ = helper.helper.__qualname__ = "ﬁ"  # "fi" once normalized
    x = 0.7
    expected = (np.sin(x) * 2.0 + len(line)) * x + 1.0
    for optimize in (True, False):
        assert myia.jit(main.f, optimize=optimize)(x) == pytest.approx(expected)
        df = myia.grad(main.f, optimize=optimize)(x)
        assert df == pytest.approx(np.cos(x) * 2.0 * x + np.sin(x) * 2.0 + len(line))
        text = myia.source(myia.grad(main.f, optimize=optimize), x)
        compile(text, "<generated>", "exec")  # the text is valid Python by itself
    assert not hasattr(builtins, "MYIA_PWNED")


def test_generated_comments_and_names_cannot_carry_code():
    from myia.backend.source import comment_line, identifier

    for text in BREAKS:
        assert "\n" not in (comment_line("a" + text + "b")).replace(text, "")
        code = comment_line(f"x{text}import builtins; builtins.MYIA_PWNED = 1")
        exec(compile(code, "<comment>", "exec"), {})
    assert not hasattr(builtins, "MYIA_PWNED")
    for text in ["x²", "ﬁ", "2x", "lambda", "", "a\nb", "grad:f", "α"]:
        name = identifier(text)
        assert name.isidentifier() and not __import__("keyword").iskeyword(name), name
        import unicodedata

        assert unicodedata.normalize("NFKC", name) == name


# Programs the compiler accepts run (item 13) -----------------------------------------------

W = np.array([1.0, 2.0, 3.0])


def local_dict_update(x):
    d = {"a": 1.0, "b": 2.0}
    d["a"] = x
    return d["a"] * d["b"]


def global_array_after_a_scalar_read(a):
    b = a + 1.0
    c = b[0] + 1.5
    e = a + b + c
    return np.sum(e * W)


def int64_index(x):
    return x[np.int64(1)] * 2.0 + np.sum(x)


def repeat_zero(x):
    return np.sum(np.repeat(x, 0)) + np.sum(x * x)


def square(x):
    return x * x


def double(x):
    return x + x


def self_maximum(x):
    return np.sum(np.maximum(x, x) * x)


def self_where(x):
    return np.sum(np.where(x > 0.0, x, x) * x)


def self_lambda(x):
    f = lambda v: v * v  # noqa: E731
    return f(x)


def self_branch(x):
    if x > 0.0:
        return x * x
    return x + x


def grad_of_a_closure_inside(x):
    inner = lambda y: x * y * y  # noqa: E731
    return x * myia.grad(inner)(2.0)


def local_dict_updates(x):
    d = {"a": 1.0, "b": 2.0}
    d["a"] = x
    d["c"] = x * x
    return d["a"] * d["b"] + d["c"]


def test_local_dict_update_is_a_functional_update():
    assert myia.jit(local_dict_updates)(3.0) == local_dict_updates(3.0)
    check_grad(local_dict_updates, (3.0,))
    assert myia.grad(myia.grad(local_dict_updates))(3.0) == pytest.approx(2.0)


def test_dict_update_of_a_parameter_is_refused():
    def update(d, x):
        d["a"] = x
        return d["a"]

    with pytest.raises(myia.MyiaSyntaxError, match="parameter"):
        myia.jit(update)({"a": 1.0}, 2.0)


def test_grad_of_a_closure_inside_compiled_code_compiles_and_is_right():
    assert myia.jit(grad_of_a_closure_inside)(3.0) == pytest.approx(36.0)
    check_grad(grad_of_a_closure_inside, (3.0,))
    assert myia.grad(grad_of_a_closure_inside)(3.0) == pytest.approx(24.0)


@pytest.mark.parametrize(
    "fn, arg",
    [
        (global_array_after_a_scalar_read, np.array([1.0, -2.0, 0.5])),
        (int64_index, np.array([1.0, -2.0, 0.5])),
        (repeat_zero, np.array([1.0, -2.0, 0.5])),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_accepted_programs_run_and_differentiate(fn, arg):
    assert myia.jit(fn)(arg) == pytest.approx(fn(arg))
    check_grad(fn, (arg,))


@pytest.mark.parametrize(
    "fn, arg",
    [
        (square, 1.5),
        (double, 1.5),
        (self_lambda, 1.5),
        (self_branch, 1.5),
        (self_branch, -1.5),
        (self_maximum, np.array([0.5, -2.0])),
        (self_where, np.array([0.5, -2.0])),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_one_variable_used_twice_without_the_optimizer(fn, arg):
    np.testing.assert_allclose(myia.grad(fn, optimize=False)(arg), myia.grad(fn)(arg))
    check_grad(fn, (arg,))


def dict_constructor(x):
    d = dict({"a": x, "b": 2.0})
    return d["a"] * d["b"]


def sum_of_a_list(a):
    b = [1, a * a, 2]
    return np.sum(b)


def nuclear_norm(x):
    return np.linalg.norm(x, ord="nuc")


@pytest.mark.parametrize(
    "fn, arg, line",
    [
        (local_dict_update, 3.0, 'd["a"] = x'),
        (dict_constructor, 3.0, "d = dict("),
        (sum_of_a_list, 3.0, "return np.sum(b)"),
        (nuclear_norm, np.arange(6.0).reshape(2, 3) + 1.0, 'ord="nuc"'),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_accepted_or_refused_when_compiling(fn, arg, line):
    """Each of these either runs right (value and gradient) or is refused by the compiler
    with a MyiaError naming the user's line; never a crash while running."""
    for transform in (myia.jit, myia.grad, lambda f: myia.grad(myia.grad(f))):
        compiled = transform(fn)
        try:
            got = compiled(arg)
        except myia.MyiaError as e:
            assert line in str(e) and "test_safety.py" in str(e), str(e)
            continue
        if transform is myia.jit:
            np.testing.assert_allclose(got, fn(arg))
        elif transform is myia.grad:
            check_grad(fn, (arg,))


# Wrong calls raise Python's TypeError (item 14) --------------------------------------------


def two(x, y):
    return x * y


def keyword_only(x, *, scale=2.0, shift):  # outside the subset, but first a wrong call
    return x * scale + shift


def with_default(x, scale=2.0):
    return x * scale


WRONG_CALLS = [
    (two, (1.0,), {}),
    (two, (), {}),
    (two, (1.0, 2.0, 3.0), {}),
    (two, (1.0,), {"z": 2.0}),
    (two, (1.0, 2.0), {"x": 2.0}),
    (with_default, (), {"scale": 1.0}),
    (with_default, (1.0, 2.0, 3.0), {}),
    (keyword_only, (1.0,), {}),
    (keyword_only, (1.0, 2.0), {"shift": 1.0}),
    (keyword_only, (1.0,), {"shift": 1.0, "other": 0.0}),
]


def _python_error(fn, args, kwargs) -> str:
    with pytest.raises(TypeError) as info:
        fn(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize("fn, args, kwargs", WRONG_CALLS)
@pytest.mark.parametrize(
    "transform",
    [myia.jit, myia.grad, myia.value_and_grad, lambda f: myia.grad(myia.grad(f))],
    ids=["jit", "grad", "value_and_grad", "grad_grad"],
)
def test_wrong_calls_raise_pythons_error_before_compiling(transform, fn, args, kwargs):
    compiled = transform(fn)
    with pytest.raises(TypeError) as info:
        compiled(*args, **kwargs)
    assert str(info.value) == _python_error(fn, args, kwargs)
    assert not isinstance(info.value, myia.MyiaError)
    assert compiled.compilations == 0


def test_right_calls_still_bind_keywords_and_defaults():
    assert myia.jit(with_default)(1.5) == 3.0
    assert myia.grad(with_default)(1.0, scale=3.0) == 3.0
    assert myia.jit(two)(y=2.0, x=3.0) == 6.0
