"""The NumPy code generator (`myia.backend.codegen`) and its loader (`backend.compiled`).

This file owns: the structure of the generated source, read back with `ast` (a joined
`if` is an `if` statement, a loop a `while True:`, a closure a nested `def`, a tuple taken
apart a destructuring assignment); that the source of every corpus program (and of the
gradients of the smooth ones) compiles and computes what the reference evaluator computes
on the same optimized graph, in fast and in exact code; that the generated source of a
gradient is the same text in two processes with different hash seeds; the fallback from
fast to exact code where Python floats raise (and only there: what Python raises stays
raised); the name of a gradient's entry (`grad_<name>`); and that the gradients of the
straight-line peer workloads (shared/bench/peer_workloads.py, imported by path) are
plain code: no test of a placeholder zero, no `isinstance`, no sensitivity or
environment helpers.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import inspect
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.backend.codegen import generate
from myia.backend.compiled import compile_graph
from myia.backend.vm import run_graph
from myia.pipeline import gradient_of, typed_program
from tests.opt.oracle import assert_outcomes, corpus_params, evaluate, python_outcome

ROOT = Path(__file__).resolve().parents[2]
PEER_FILE = Path(os.environ.get("MYIA_PEER_WORKLOADS", "/work/shared/bench/peer_workloads.py"))
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FLOATS = st.floats(-1e3, 1e3)


def functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}


def source_tree(fn, *args) -> tuple[str, ast.Module]:
    text = str(myia.source(fn, *args))
    return text, ast.parse(text)


# Structure --------------------------------------------------------------------------------


def joined_if(x, y):
    if x > y:
        z = x * y
    else:
        z = x - y
    return z * 2.0


def counting_loop(x, n):
    s = 0.0
    i = 0
    while i < n:
        s = s * 0.5 + x
        i = i + 1
    return s


def recursive_closure(x, n):
    def r(k):  # two calls of itself, so that it stays a recursion (infer/recursion.py)
        if k <= 0:
            return x
        return r(k - 1) * 0.5 + x + r(k - k - 1) * 0.0

    return r(n)


def destructured(x, y):
    a, b = (x * y, x + y) if x > y else (x - y, y)
    return a * b


@SETTINGS
@given(x=FLOATS, y=FLOATS)
def test_joined_if_is_an_if_statement(x, y):
    text, tree = source_tree(joined_if, 1.0, 2.0)
    body = functions(tree)["joined_if"]
    ifs = [n for n in ast.walk(body) if isinstance(n, ast.If)]
    assert len(ifs) == 1 and ifs[0].orelse, text
    assert not any(isinstance(n, ast.IfExp) for n in ast.walk(body)), text
    assert_outcomes(python_outcome(myia.jit(joined_if), (x, y)), python_outcome(joined_if, (x, y)))


def counter_read_after(x, n):
    i = 0
    while i < n:
        x = x * 0.5 + 1.0
        i = i + 1
    return x + i


def stepping_by_two(x, n):
    i = 0
    while i < n:
        x = x * 0.5 + 1.0
        i = i + 2
    return x


def moving_bound(x, n):
    i = 0
    while i < n:
        x = x * 0.5 + 1.0
        i = i + 1
        n = n - 1
    return x


def float_counter(x, n):
    t = 0.0
    while t < n:
        x = x * 0.5 + 1.0
        t = t + 1.0
    return x


def negated_test(x, n):
    while not n == 0:  # (from n >= 0 only: it never ends from a negative n)
        x = x * 0.5 + 1.0
        n = n - 1
    return x


def early_exit(x, n):
    i = 0
    while i < n:
        if x > 10.0:
            return -x
        x = x * 3.0 + 1.0
        i = i + 1
    return x


def broken(x, n):
    for _i in range(n):
        if x > 10.0:
            break
        x = x * 3.0 + 1.0
    return x


LOOP_SHAPES = [
    (counting_loop, "for"),
    (counter_read_after, "while test"),
    (stepping_by_two, "while test"),
    (moving_bound, "while test"),
    (float_counter, "while test"),
    (early_exit, "while True"),
    (broken, "while True"),
]


def _loop_shape(body) -> str:
    fors = [n for n in ast.walk(body) if isinstance(n, ast.For)]
    whiles = [n for n in ast.walk(body) if isinstance(n, ast.While)]
    if fors and not whiles:
        return "for"
    if whiles and not fors and len(whiles) == 1:
        test = whiles[0].test
        return (
            "while True" if isinstance(test, ast.Constant) and test.value is True else "while test"
        )
    return "other"


def pushing(x, n):
    if n == 0:
        return 1.0
    return x * n * pushing(x * 0.5, n - 1)  # (two loops, the first testing n)


def test_a_test_computed_for_the_loop_is_its_header():
    for fn in (negated_test, pushing):
        text, tree = source_tree(fn, 1.0, 30)
        loops = [n for n in ast.walk(functions(tree)[fn.__name__]) if isinstance(n, ast.While)]
        test = loops[0].test
        assert isinstance(test, ast.Compare) and isinstance(test.ops[0], ast.NotEq), text
        assert all(isinstance(s, ast.Assign) for s in loops[0].body), text
        for n in range(0, 30):
            assert myia.jit(fn)(1.5, n) == fn(1.5, n)


@pytest.mark.parametrize("fn, shape", LOOP_SHAPES, ids=lambda x: getattr(x, "__name__", x))
@SETTINGS
@given(x=FLOATS, n=st.integers(-1, 12))
def test_a_loop_is_written_as_people_write_it(fn, shape, x, n):
    text, tree = source_tree(fn, 1.0, 3)
    assert _loop_shape(functions(tree)[fn.__name__]) == shape, text
    assert_outcomes(python_outcome(myia.jit(fn), (x, n)), python_outcome(fn, (x, n)))


def test_a_counted_loop_is_a_for_over_a_range():
    text, tree = source_tree(counting_loop, 1.0, 3)
    (loop,) = [n for n in ast.walk(functions(tree)["counting_loop"]) if isinstance(n, ast.For)]
    assert ast.unparse(loop.iter) == "range(n)", text
    assert not any(isinstance(n, (ast.Continue, ast.Break)) for n in ast.walk(loop)), text


@pytest.mark.parametrize("n", [0, 1, 5, 30])
def test_closure_is_a_nested_def(n):
    text, tree = source_tree(recursive_closure, 0.5, 3)
    body = functions(tree)["recursive_closure"]
    nested = [f for f in ast.walk(body) if isinstance(f, ast.FunctionDef) and f is not body]
    assert [f.name for f in nested] == ["r"], text
    # The value it captures is bound as a keyword-only default.
    assert [a.arg for a in nested[0].args.kwonlyargs] == ["x"], text
    assert_outcomes(
        python_outcome(myia.jit(recursive_closure), (0.5, n)),
        python_outcome(recursive_closure, (0.5, n)),
    )


@SETTINGS
@given(x=FLOATS, y=FLOATS)
def test_tuples_taken_apart_are_destructuring_assignments(x, y):
    text, tree = source_tree(destructured, 1.0, 2.0)
    body = functions(tree)["destructured"]
    targets = [
        t
        for n in ast.walk(body)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Tuple)
    ]
    names = {tuple(e.id for e in t.elts) for t in targets}
    assert ("a", "b") in names, text
    assert "getitem" not in text and "[0]" not in text, text
    assert_outcomes(
        python_outcome(myia.jit(destructured), (x, y)), python_outcome(destructured, (x, y))
    )


def test_loop_parameters_are_assigned_together():
    text, tree = source_tree(stepping_by_two, 1.0, 3)
    loop = next(n for n in ast.walk(tree) if isinstance(n, ast.While))
    updates = [
        n
        for n in ast.walk(loop)
        if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Tuple)
    ]
    assert updates, text  # `x, i = (x * 0.5 + 1.0, i + 2)` at the end of the iteration


# The corpus: generated code against the reference evaluator --------------------------------


def _bound(fn, args) -> tuple:
    """`args` with the defaults of `fn` filled in (as `myia.jit` binds them)."""
    sig = inspect.signature(fn)
    b = sig.bind(*args)
    b.apply_defaults()
    return tuple(b.arguments.values())


def _compare_backends(graph, args, what):
    expected = evaluate(graph, args)
    for fast in (True, False):
        module = generate(graph, fast)
        compile(module.text, "<generated>", "exec")  # the text itself is valid Python
        got = python_outcome(compile_graph(graph, fast=fast), args)
        assert_outcomes(got, expected, 1e-12, 1e-12, f"{what} ({'fast' if fast else 'exact'})")


@pytest.mark.parametrize("case", corpus_params(only_grad=False))
def test_corpus_generated_code_matches_the_reference_evaluator(case):
    args = _bound(case.fn, copy.deepcopy(case.args))
    graph = typed_program(case.fn, args)
    _compare_backends(graph, args, case.fn.__name__)


def _float_argnums(args):
    from myia.testing import _has_float

    return tuple(i for i, a in enumerate(args) if _has_float(a))


@pytest.mark.parametrize("case", corpus_params(only_grad=True))
def test_corpus_gradient_code_matches_the_reference_evaluator(case):
    args = _bound(case.fn, copy.deepcopy(case.args))
    graph = gradient_of(case.fn, args, _float_argnums(args), False, False)
    _compare_backends(graph, args, case.fn.__name__)


# Determinism ------------------------------------------------------------------------------


def det_program(x, n):
    def scale(v):
        return v * x + 0.5

    fs = (scale, math.cos)
    acc = 0.0
    i = 0
    while i < n:
        if acc > 1.0:
            acc = acc * 0.5 + fs[i % 2](x)
        else:
            acc = acc + math.sin(x) * i
        i = i + 1
    return acc * scale(acc)


_SCRIPT = (
    "import sys; sys.path.insert(0, {root!r}); import myia; "
    "from tests.backend.test_codegen import det_program; "
    "sys.stdout.write(str(myia.source(myia.grad(det_program), 0.7, 4)))"
)


def test_det_program_computes_what_python_does():
    for n in (0, 1, 4, 7):
        assert_outcomes(
            python_outcome(myia.jit(det_program), (0.7, n)), python_outcome(det_program, (0.7, n))
        )
    assert myia.grad(det_program)(0.7, 4) == myia.grad(det_program, backend="vm")(0.7, 4)


def test_gradient_source_is_the_same_in_every_process():
    texts = []
    for seed in ("0", "2718281"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", _SCRIPT.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            env=env,
            cwd=str(ROOT),
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        texts.append(out.stdout)
    assert "while i < n:" in texts[0] and "def grad_det_program(" in texts[0], texts[0]
    assert texts[0] == texts[1]


def test_gradient_source_is_the_same_twice_in_one_process():
    a = str(myia.source(myia.grad(det_program), 0.7, 4))
    b = str(myia.source(myia.grad(det_program), 0.7, 4))
    assert a == b


# Fast code and its exact fallback ---------------------------------------------------------


def reciprocal(x):
    return 1.0 / x


def np_exp(x):
    return np.exp(x)


def math_exp(x):
    return math.exp(x)


def math_sqrt(x):
    return math.sqrt(x)


@pytest.mark.parametrize(
    "fn, x",
    [
        (reciprocal, 0.0),  # ZeroDivisionError, as in Python
        (reciprocal, 4.0),
        (np_exp, 1000.0),  # inf, as in NumPy
        (np_exp, -1000.0),
        (np_exp, 1.5),
        (math_exp, 1000.0),  # OverflowError, as in Python
        (math_exp, 1.5),
        (math_sqrt, -1.0),  # ValueError
    ],
)
def test_compiled_code_raises_and_overflows_as_python_does(fn, x):
    expected = python_outcome(fn, (x,))
    compiled = compile_graph(typed_program(fn, (x,)))
    assert_outcomes(python_outcome(compiled, (x,)), expected, what=compiled.source)
    assert_outcomes(python_outcome(myia.jit(fn), (x,)), expected)


def test_overflow_in_fast_code_falls_back_to_exact_code():
    compiled = compile_graph(typed_program(np_exp, (1000.0,)))
    assert "math.exp" in compiled.source  # fast code computes the float64 with `math`
    assert compiled.exact is None
    got = python_outcome(compiled, (1000.0,))
    assert compiled.exact is not None, "the call ran again in exact code"
    assert "np.exp" in compiled.exact.source
    assert_outcomes(got, python_outcome(np_exp, (1000.0,)))
    assert type(got[1]) is np.float64 and got[1] == np.inf


def test_gradient_of_sqrt_at_zero_is_inf():
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.simplefilter("ignore")
        expected = float(np.float64(0.5) / np.sqrt(np.float64(0.0)))  # NumPy's arithmetic
        got = myia.grad(math_sqrt)(0.0)
        graph = gradient_of(math_sqrt, (0.0,), 0, False, False)
        oracle = run_graph(graph, (0.0,))
    assert type(got) is float and got == expected == math.inf
    assert float(oracle) == math.inf


# Names ------------------------------------------------------------------------------------


def sq_loss(w, x):
    return np.sum((x * w - 1.0) ** 2)


def test_gradient_entry_is_named_grad_name():
    text, tree = source_tree(myia.grad(sq_loss), np.ones(3), np.arange(3.0))
    assert "grad_sq_loss" in functions(tree), text
    graph = gradient_of(sq_loss, (np.ones(3), np.arange(3.0)), 0, False, False)
    compiled = compile_graph(graph)
    assert compiled.module.entry == "grad_sq_loss"
    assert compiled.fn.__name__ == "grad_sq_loss"
    _, plain = source_tree(sq_loss, np.ones(3), np.arange(3.0))
    assert "sq_loss" in functions(plain)


# The straight-line peer workloads ---------------------------------------------------------


def _peer():
    if not PEER_FILE.exists():
        pytest.skip(f"{PEER_FILE} is absent: the peer workloads cannot be imported")
    spec = importlib.util.spec_from_file_location("peer_workloads_for_tests", PEER_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _peer_gradients():
    """(name, gradient function, arguments) of the workloads without loops or recursion,
    with the data of the peer benchmark (its docstring)."""
    p = _peer()
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((784, 256)) * 0.05
    b1 = rng.standard_normal(256) * 0.1
    w2 = rng.standard_normal((256, 10)) * 0.1
    b2 = rng.standard_normal(10) * 0.1
    x = rng.standard_normal((64, 784))
    y = rng.standard_normal((64, 10))
    tx = rng.standard_normal(1000)
    v = rng.standard_normal(1000)
    w = rng.standard_normal((100, 10)) * 0.1
    xs = rng.standard_normal((512, 100))
    ys = np.eye(10)[rng.integers(0, 10, 512)]

    globals()["_PEER_FOR_HVP"] = p
    return [
        ("mlp_loss", myia.grad(p.mlp_loss, argnums=(0, 1, 2, 3)), (w1, b1, w2, b2, x, y)),
        ("tanh_cube", myia.grad(p.tanh_cube), (tx,)),
        ("softmax_xent", myia.grad(p.softmax_xent), (w, xs, ys)),
        ("hvp_tanh_cube", myia.grad(_hvp_tanh_cube), (tx, v)),
    ]


def _hvp_tanh_cube(x, v):
    """Hessian-vector product of the peer benchmark: grad of <grad tanh_cube(x), v>."""
    return np.sum(myia.grad(_PEER_FOR_HVP.tanh_cube)(x) * v)  # noqa: F821


FORBIDDEN = ("is ZERO", "isinstance", "_sens_add", "_zeros_like_sens", "_env_get", "_env_add")


@pytest.mark.parametrize("index", range(4), ids=["mlp_loss", "tanh_cube", "softmax_xent", "hvp"])
def test_peer_gradient_source_is_plain_code(index):
    name, gfn, args = _peer_gradients()[index]
    text = str(myia.source(gfn, *args))
    found = [w for w in FORBIDDEN if w in text]
    assert not found, f"{name}: {found}\n{text}"
    tree = ast.parse(text)
    assert not any(isinstance(n, (ast.While, ast.For)) for n in ast.walk(tree)), text
    # and the code computes what the reference evaluator computes
    got = gfn(*args)
    expected = myia.grad(gfn.fn, argnums=gfn.argnums, backend="vm")(*args)
    assert_outcomes(("ok", got), ("ok", expected), 1e-10, 1e-12, name)


def _closure_in_loop(x, n):
    acc = 0.0
    for i in range(n):

        def f(y):
            return y * i + x

        acc = acc + f(x)
    return acc


def test_closure_used_in_a_loop_and_inside_another_closure_is_defined_in_scope():
    """Unoptimized, the loop body calls a closure that the closure made from it also calls:
    defined at its first use (inside the other one), it was unknown in the loop body."""
    grad = myia.grad(_closure_in_loop, optimize=False)
    assert grad(0.7, 4) == pytest.approx(10.0)  # d/dx of the sum of x * i + x for i < 4
    assert grad(0.7, 4) == myia.grad(_closure_in_loop)(0.7, 4)


def parameter_used_twice(x, v):
    a = np.tanh(x) * v
    b = np.sin(x) * a
    return np.sum(a * b + x * v)


def test_the_sum_of_a_parameters_sensitivities_is_written_inside_the_lines_around_it():
    # Reverse mode places the sum of the sensitivities of `x` (used on three lines) at the
    # `def` line: it has no line of its own, so its terms are written inside the return
    # (`backend.source.same_line`) rather than as three more statements.
    from myia.testing import check_grads

    x, v = np.linspace(-1.0, 1.0, 4), np.ones(4)
    text = myia.source(myia.grad(parameter_used_twice), x, v)
    body = [ln for ln in text.splitlines() if ln.startswith("    ")]
    assert len(body) == 4, text  # three statements and the return, not five and the return
    check_grads(parameter_used_twice, (x, v), order=1)
