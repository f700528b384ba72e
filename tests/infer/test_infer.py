"""Tests of the abstract interpreter (`myia.infer`): abstract values and `join`, shapes
through NumPy, user shape errors, control flow (branches, loops, recursion), closures,
containers, the adjoint graphs of the grad transform, and agreement with the reference VM
on the corpus and on random programs.

The functions analysed are defined here, at module level, so that their source (and the
line an error points at) is readable.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.ad.wrappers import grad_graph
from myia.backend.vm import run_graph
from myia.errors import MyiaTypeError
from myia.infer import (
    UNKNOWN,
    AArray,
    ACons,
    AConst,
    ADict,
    AFunction,
    AList,
    AScalar,
    ASlice,
    ATop,
    ATuple,
    AUnion,
    AZero,
    GraphClosure,
    abstract_of_value,
    infer,
    is_definitely_zero,
    join,
    may_be_zero,
)
from myia.infer.rules import Evaluator, UserTypeError
from myia.ir import Manager, toposort
from myia.prim import ZERO, lookup
from tests.corpus import CASES
from tests.test_random_programs import load_function, programs

F64 = np.float64


def describes(a, v) -> bool:
    """Whether the abstract value `a` describes the concrete value `v` (type and shape)."""
    if a is ATop:
        return True
    if a is None:
        return False
    if isinstance(a, AUnion):
        return any(describes(o, v) for o in a.options)
    if isinstance(a, AScalar):
        if type(v) is not a.kind:
            return False
        if a.value is UNKNOWN:
            return True
        if isinstance(v, float) and math.isnan(v):
            return math.isnan(a.value)
        return a.value == v
    if isinstance(a, AArray):
        return (
            isinstance(v, np.ndarray)
            and v.dtype.type is a.dtype
            and v.ndim == len(a.shape)
            and all(d is None or d == e for d, e in zip(a.shape, v.shape))
        )
    if isinstance(a, ATuple):
        return (
            type(v) is tuple
            and len(v) == len(a.items)
            and all(describes(x, y) for x, y in zip(a.items, v))
        )
    if isinstance(a, AList):
        if type(v) is not list:
            return False
        if a.items is not None:
            return len(v) == len(a.items) and all(describes(x, y) for x, y in zip(a.items, v))
        return all(describes(a.elem, y) for y in v)
    if isinstance(a, ADict):
        return (
            type(v) is dict
            and list(v) == list(a.keys)
            and all(describes(x, v[k]) for k, x in zip(a.keys, a.values))
        )
    if isinstance(a, AConst):
        return v is a.value or (type(v) is type(a.value) and v == a.value)
    if a is AZero:
        return v is ZERO
    if isinstance(a, AFunction):
        g = getattr(v, "graph", v)
        return any(o is g or getattr(o, "graph", None) is g for o in a.options)
    if isinstance(a, ACons):
        if v is None or describes(a.end, v):
            return True
        return type(v) is tuple and len(v) == 2 and describes(a.head, v[0]) and describes(a, v[1])
    return False


def nodes_of(result, prim_name: str) -> list:
    """The applies of a primitive in every graph the inference analysed."""
    prim = lookup(prim_name)
    out = []
    for g in result.engine.by_graph:
        out += [n for n in toposort(g.return_, lambda n, g=g: n.graph is g) if n.is_apply(prim)]
    return out


# ======================================================================================
# Abstract values and join
# ======================================================================================


def test_every_abstract_value_is_hashable_immutable_and_readable():
    values = [
        AScalar(float),
        AScalar(int, 3),
        AScalar(np.float32),
        AArray(F64, (3, None)),
        ATuple((AScalar(float), AArray(np.int64, ()))),
        AList([AScalar(float)]),
        AList(None, AScalar(float)),
        ADict(("a", "b"), (AScalar(float), AZero)),
        AFunction({lookup("add")}),
        AConst(None),
        AConst("mode"),
        AConst(slice(1, None)),
        AUnion({AScalar(float), AZero}),
        ACons(AFunction({lookup("add")}), AConst(None)),
        ASlice(AScalar(int), AConst(None), AConst(None)),
        AZero,
        ATop,
    ]
    reprs = [repr(v) for v in values]
    assert reprs[:4] == [
        "AScalar(float)",
        "AScalar(int, 3)",
        "AScalar(float32)",
        "AArray(float64, (3, None))",
    ]
    assert "AZero" in reprs and "ATop" in reprs
    assert len(set(values)) == len(values)
    for v in values:
        assert hash(v) == hash(v) and v == v
    with pytest.raises(AttributeError):
        values[0].kind = int


def test_abstract_of_value_keeps_values_of_scalars_and_shapes_of_arrays():
    assert abstract_of_value(1.5) == AScalar(float, 1.5)
    assert abstract_of_value(True) == AScalar(bool, True)
    assert abstract_of_value(np.float32(2.0)) == AScalar(np.float32, np.float32(2.0))
    assert abstract_of_value(np.zeros((2, 3), np.float32)) == AArray(np.float32, (2, 3))
    assert abstract_of_value((1, [2.0], {"k": None})) == ATuple(
        (AScalar(int, 1), AList([AScalar(float, 2.0)]), ADict(("k",), (AConst(None),)))
    )
    assert abstract_of_value(ZERO) is AZero
    assert abstract_of_value("relu") == AConst("relu")
    assert abstract_of_value(lookup("mul")) == AFunction({lookup("mul")})
    assert abstract_of_value(1.5, values=False) == AScalar(float)


def test_join_equal_values_and_values_of_one_kind():
    a = AScalar(float, 1.0)
    assert join(a, a) is a
    assert join(a, AScalar(float, 2.0)) == AScalar(float)
    assert join(None, a) is a and join(a, None) is a  # bottom is neutral
    assert join(AConst("a"), AConst("b")) == AScalar(str)


def test_join_arrays_tuples_lists_and_functions():
    assert join(AArray(F64, (3, 4)), AArray(F64, (5, 4))) == AArray(F64, (None, 4))
    assert join(AArray(F64, (3,)), AArray(F64, (3, 4))) == AUnion(
        {AArray(F64, (3,)), AArray(F64, (3, 4))}
    )
    t1 = ATuple((AScalar(int, 1), AArray(F64, (2,))))
    t2 = ATuple((AScalar(int, 2), AArray(F64, (3,))))
    assert join(t1, t2) == ATuple((AScalar(int), AArray(F64, (None,))))
    assert join(AList([AScalar(float)]), AList([AScalar(float)] * 2)) == AList(None, AScalar(float))
    add, mul = lookup("add"), lookup("mul")
    assert join(AFunction({add}), AFunction({mul})) == AFunction({add, mul})


def test_join_of_different_kinds_is_a_small_union_then_top():
    u = join(AScalar(float), AZero)
    assert u == AUnion({AScalar(float), AZero})
    assert may_be_zero(u) and not is_definitely_zero(u)
    assert is_definitely_zero(AZero) and may_be_zero(ATop) and not may_be_zero(AScalar(float))
    many = None
    for a in [AScalar(int), AScalar(float), AConst(None), AZero, AArray(F64, (2,))]:
        many = join(many, a)
    assert many is ATop
    assert join(ATop, AScalar(int)) is ATop


# ======================================================================================
# Constants, shapes and shape errors
# ======================================================================================


def constants(x):
    a = 2 * 3
    b = a + 1
    return x * b, b > 5, "abc" + "d"


def test_constants_are_folded():
    res = infer(myia.ir(constants), (np.ones(3),))
    assert res.output == ATuple((AArray(F64, (3,)), AScalar(bool, True), AConst("abcd")))
    assert [res.abstract(n) for n in nodes_of(res, "add")][0] == AScalar(int, 7)


def broadcasting(x, y):
    return x + y, x * 2.0, np.maximum(x, 0.0) - y


def matmuls(a, b, v):
    return a @ b, np.dot(a, v[: a.shape[1]]), b.T @ a.T


def reductions(x):
    return (
        np.sum(x),
        np.sum(x, axis=1),
        np.mean(x, axis=0, keepdims=True),
        x.max(axis=-1, keepdims=True),
        np.argmax(x, axis=1),
    )


def reshapes(x):
    return x.reshape(2, -1), np.reshape(x, (6,)), x.T, x[None, :, 1], np.expand_dims(x, 0)


def test_shapes_through_broadcasting():
    res = infer(myia.ir(broadcasting), (np.ones((3, 1)), np.ones(4)))
    assert res.output == ATuple((AArray(F64, (3, 4)), AArray(F64, (3, 1)), AArray(F64, (3, 4))))


def test_shapes_through_matmul():
    res = infer(myia.ir(matmuls), (np.ones((2, 3)), np.ones((3, 5)), np.ones(7)))
    assert res.output == ATuple((AArray(F64, (2, 5)), AArray(F64, (2,)), AArray(F64, (5, 2))))


def test_shapes_through_reductions_with_axis_and_keepdims():
    res = infer(myia.ir(reductions), (np.ones((4, 5), np.float32),))
    assert res.output == ATuple(
        (
            AScalar(np.float32),
            AArray(np.float32, (4,)),
            AArray(np.float32, (1, 5)),
            AArray(np.float32, (4, 1)),
            AArray(np.int64, (4,)),
        )
    )


def test_shapes_through_reshape_and_indexing():
    res = infer(myia.ir(reshapes), (np.ones((2, 3)),))
    assert res.output == ATuple(
        (
            AArray(F64, (2, 3)),
            AArray(F64, (6,)),
            AArray(F64, (3, 2)),
            AArray(F64, (1, 2)),
            AArray(F64, (1, 2, 3)),
        )
    )


def large_layer(w, x):
    return np.tanh(x @ w).reshape(-1), np.sum(x @ w, axis=0)


def test_large_arrays_keep_exact_shapes():
    w, x = np.ones((784, 256)), np.ones((64, 784))
    res = infer(myia.ir(large_layer), (w, x))
    assert res.output == ATuple((AArray(F64, (64 * 256,)), AArray(F64, (256,))))


def zeros_n(x, n):
    return np.zeros((n, 3)), x[:n], np.arange(n), x[n]


def test_unknown_int_makes_unknown_dimensions():
    res = infer(myia.ir(zeros_n), (np.ones(10), 4))
    assert res.output == ATuple(
        (AArray(F64, (None, 3)), AArray(F64, (None,)), AArray(np.int64, (None,)), AScalar(F64))
    )


def between(x, i, j):
    return x[i:j], x[i : i + 2], x[i:j:2]


def test_slices_between_unknown_ints_have_unknown_lengths():
    res = infer(myia.ir(between), (np.ones(10), 1, 3))
    assert res.output == ATuple((AArray(F64, (None,)),) * 3)


def shape_mismatch(x, y):
    z = x * 2.0
    return z + y  # the shapes do not broadcast


def matmul_mismatch(a, b):
    return np.sum(a @ b)


def test_shape_mismatch_names_both_shapes_and_the_line():
    with pytest.raises(MyiaTypeError) as info:
        infer(myia.ir(shape_mismatch), (np.ones(3), np.ones(4)))
    msg = str(info.value)
    assert "`+`" in msg and "(3,)" in msg and "(4,)" in msg
    assert "test_infer.py" in msg and "return z + y" in msg
    assert info.value.loc.lineno == shape_mismatch.__code__.co_firstlineno + 2


def test_matmul_mismatch_is_a_type_error():
    with pytest.raises(MyiaTypeError, match=r"\(2, 3\).*\(4, 5\)"):
        infer(myia.ir(matmul_mismatch), (np.ones((2, 3)), np.ones((4, 5))))


def test_unknown_dimensions_never_raise():
    # x[:n] has an unknown length: adding it to a (3,) array may be right.
    def f(x, n):
        return x[:n] + np.ones(3)

    res = infer(myia.ir(f), (np.ones(5), 3))
    assert res.output in (ATop, AArray(F64, (3,)), AArray(F64, (None,)))


# ======================================================================================
# Control flow
# ======================================================================================


def branches(x, c):
    if c > 0.0:
        y = np.ones(3)
        k = 1
    else:
        y = np.zeros(4)
        k = 2.0
    return y, k, x


def known_branch(x):
    n = 3
    if n > 2:
        return x * 2.0
    return "never"


def test_unknown_conditions_join_both_branches():
    res = infer(myia.ir(branches), (1.0, 0.5))
    # `k` reaches the block after the `if` as a parameter: its value is dropped there.
    assert res.output == ATuple(
        (AArray(F64, (None,)), AUnion({AScalar(int), AScalar(float)}), AScalar(float))
    )


def test_known_conditions_take_one_branch():
    assert infer(myia.ir(known_branch), (1.5,)).output == AScalar(float)


def raise_on_negative(x):
    assert x >= 0.0, "negative"
    return x * 2.0


def test_raise_contributes_nothing():
    assert infer(myia.ir(raise_on_negative), (1.5,)).output == AScalar(float)


def count_loop(x, n):
    i = 0
    acc = 0.0
    while i < n:
        acc = acc + x * i
        i = i + 1
    return acc


def test_loop_is_not_unrolled():
    g = myia.ir(count_loop)
    t = time.process_time()
    res = infer(g, (0.5, 1000))
    assert time.process_time() - t < 1.0
    assert res.output == AScalar(float)
    header = next(h for h in res.engine.by_graph if h.name.endswith("while_header"))
    signatures = res.graph_contexts(header)
    assert 1 <= len(signatures) <= 2
    assert (AScalar(int), AScalar(float)) in signatures
    # an unknown n as well
    assert infer(g, (0.5, AScalar(int))).output == AScalar(float)


def growing(x, n):
    i = 0
    while i < n:
        x = np.concatenate([x, x[:1]])
        i = i + 1
    return x


def test_loop_with_growing_shapes_widens_them():
    assert infer(myia.ir(growing), (np.ones(2), 10)).output == AArray(F64, (None,))


def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def test_recursion_terminates():
    assert infer(myia.ir(factorial), (10,)).output == AScalar(int)
    assert infer(myia.ir(factorial), (3.0,)).output == AUnion({AScalar(int, 1), AScalar(float)})


# ======================================================================================
# Closures, higher-order functions, containers
# ======================================================================================


def make_adder(a):
    def add(b):
        return a + b

    return add


def use_closures(x, v):
    f = make_adder(x)
    g = make_adder(v)
    return f(1.0), g(np.ones(3)), make_adder(x)


def apply_twice(f, x):
    return f(f(x))


def higher_order(x):
    return apply_twice(lambda y: y * 2.0, x), apply_twice(np.tanh, np.ones((2, 2)))


def test_closures_read_the_values_they_captured():
    res = infer(myia.ir(use_closures), (1.5, np.ones(3, np.float32)))
    out1, out2, fn = res.output.items
    assert out1 == AScalar(float)
    assert out2 == AArray(F64, (3,))  # float32 + float64
    assert isinstance(fn, AFunction)
    (opt,) = fn.options
    assert isinstance(opt, GraphClosure) and opt.graph.name == "add"


def test_higher_order_functions():
    res = infer(myia.ir(higher_order), (0.5,))
    assert res.output == ATuple((AScalar(float), AArray(F64, (2, 2))))


def containers(x, lst):
    t = (x, 2 * x, "s")
    d = {"a": x, "b": t}
    first = lst[0]
    return t[1], d["b"][2], len(t), t[1:], lst + [first], len(lst), d


def test_tuples_lists_and_dicts():
    res = infer(myia.ir(containers), (1.5, [np.ones(2), np.ones(2)]))
    ft = AScalar(float)
    assert res.output.items[:6] == (
        ft,
        AConst("s"),
        AScalar(int, 3),
        ATuple((ft, AConst("s"))),
        AList([AArray(F64, (2,))] * 3),
        AScalar(int, 2),
    )
    assert res.output.items[6] == ADict(("a", "b"), (ft, ATuple((ft, ft, AConst("s")))))


def helper(v):
    return v * 2.0


def two_shapes(a, b):
    return helper(a), helper(b)


def test_node_abstract_joins_every_context():
    res = infer(myia.ir(two_shapes), (np.ones(3), np.ones(4)))
    h = next(g for g in res.engine.by_graph if g.name == "helper")
    assert res.graph_contexts(h) == [(AArray(F64, (3,)),), (AArray(F64, (4,)),)]
    assert res.abstract(h.output) == AArray(F64, (None,))
    assert res.output == ATuple((AArray(F64, (3,)), AArray(F64, (4,))))


# ======================================================================================
# Adjoints
# ======================================================================================


def loss_quadratic(w, x):
    return np.sum((x @ w - 1.0) ** 2)


def loss_mlp(w1, b1, w2, x, y):
    h = np.tanh(x @ w1 + b1)
    err = h @ w2 - y
    return np.mean(err * err)


def loss_branch(x, c):
    if c > 0.0:
        y = np.sin(x) * c
    else:
        y = x * x
    return np.sum(y)


def loss_loop(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + np.sum(x * x) * i
    return acc


ADJOINTS = [
    (loss_quadratic, (np.ones((3, 2)), np.ones((4, 3))), 0),
    (loss_mlp, (np.ones((3, 5)), np.ones(5), np.ones(5), np.ones((4, 3)), np.ones(4)), (0, 1, 2)),
    (loss_branch, (np.ones(3, np.float32), 0.5), (0, 1)),
    (loss_loop, (np.ones(3), 4), 0),
]


@pytest.mark.parametrize("fn, args, argnums", ADJOINTS, ids=[a[0].__name__ for a in ADJOINTS])
def test_gradient_has_the_abstract_of_its_argument(fn, args, argnums):
    g = grad_graph(myia.ir(fn), argnums, False, False)
    res = infer(g, args)
    nums = (argnums,) if isinstance(argnums, int) else argnums
    expected = [abstract_of_value(args[i], values=False) for i in nums]
    got = [res.output] if isinstance(argnums, int) else list(res.output.items)
    assert got == expected
    assert describes(res.output, run_graph(g, args))


@pytest.mark.parametrize(
    "fn, args, argnums", ADJOINTS[:3], ids=[a[0].__name__ for a in ADJOINTS[:3]]
)
def test_adjoints_have_is_zero_nodes_known_false(fn, args, argnums):
    g = grad_graph(myia.ir(fn), argnums, False, False)
    res = infer(g, args)
    graphs = Manager(g).graphs
    is_zero = lookup("is_zero")
    tests = [
        n
        for h in graphs
        for n in toposort(h.return_, lambda n, h=h: n.graph is h)
        if n.is_apply(is_zero)
    ]
    known_false = [n for n in tests if res.abstract(n) == AScalar(bool, False)]
    assert tests and known_false


def test_unit_sens_refuses_a_non_scalar_output():
    evaluate = Evaluator()
    assert evaluate(lookup("unit_sens"), (AScalar(float),)) == AScalar(float, 1.0)
    with pytest.raises(UserTypeError, match="float scalar"):
        evaluate(lookup("unit_sens"), (AArray(F64, (3,)),))


def test_mlp_adjoint_is_fast():
    w1, b1, w2 = np.ones((784, 256)), np.ones(256), np.ones(256)
    x, y = np.ones((64, 784)), np.ones(64)
    g = grad_graph(myia.ir(loss_mlp), (0, 1, 2), False, False)
    infer(g, (w1, b1, w2, x, y))
    t = time.process_time()
    res = infer(g, (w1, b1, w2, x, y))
    elapsed = time.process_time() - t
    assert res.output == ATuple((AArray(F64, (784, 256)), AArray(F64, (256,)), AArray(F64, (256,))))
    assert elapsed < 0.5  # about 10 ms on a laptop core; generous for loaded CI machines


# ======================================================================================
# Agreement with the reference VM
# ======================================================================================


def _float_args(args):
    def is_float(a):
        if isinstance(a, (tuple, list)):
            return len(a) > 0 and all(is_float(x) for x in a)
        if isinstance(a, dict):
            return len(a) > 0 and all(is_float(x) for x in a.values())
        if isinstance(a, np.ndarray):
            return a.dtype.kind == "f"
        return isinstance(a, (float, np.floating))

    return tuple(i for i, a in enumerate(args) if is_float(a))


_SELECTED = CASES[:: max(1, len(CASES) // 45)]
_VM_CASES = [(c, False) for c in _SELECTED] + [
    (c, True) for c in _SELECTED if c.grad and _float_args(c.args)
][:15]


@pytest.mark.parametrize(
    "case, grad", _VM_CASES, ids=[f"{c.fn.__name__}{'-grad' if g else ''}" for c, g in _VM_CASES]
)
def test_output_describes_what_the_vm_computes_on_the_corpus(case, grad):
    try:
        g = myia.ir(case.fn)
    except myia.MyiaSyntaxError:
        pytest.skip("refused by the fence")
    if grad:
        g = grad_graph(g, _float_args(case.args), False, False)
    res = infer(g, case.args)
    try:
        value = run_graph(g, case.args)
    except Exception:
        return  # the program raises: any abstract value will do
    assert describes(res.output, value), (res.output, value)


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("infer_random_programs")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_output_describes_what_the_vm_computes_on_random_programs(program_dir, data):
    source, fn_name, arg_strategy = data.draw(programs(), label="program")
    fn = load_function(source, fn_name, program_dir)
    args = data.draw(arg_strategy, label="args")
    for g in (myia.ir(fn), grad_graph(myia.ir(fn), 0, False, False)):
        res = infer(g, args)
        value = run_graph(g, args)
        assert describes(res.output, value), (source, res.output, value)


def budget_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i)
    return s


def test_inference_gives_up_past_its_budget_and_the_optimizer_goes_on(monkeypatch):
    import myia.infer.engine as engine
    from myia.opt.pipeline import optimize

    monkeypatch.setattr(engine, "MAX_JOINS", 5)
    with pytest.raises(engine.InferenceBudgetExceeded):
        infer(myia.ir(budget_loop), (1.0, 3))
    g = optimize(myia.ir(budget_loop), args=(AScalar(float), AScalar(int)))
    assert run_graph(g, (0.5, 4)) == pytest.approx(budget_loop(0.5, 4))
    assert myia.grad(budget_loop)(0.5, 4) == pytest.approx(sum(i * math.cos(0.5 * i) for i in range(4)))
