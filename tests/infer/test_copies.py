"""Function types after copies (`myia.infer.copies`): an option names the program's copies
of its graph, and drops the graph where the program no longer holds it."""

from __future__ import annotations

from myia.infer.abstract import AFunction, AScalar, AStack, ATuple, GraphFn
from myia.infer.copies import retarget_copies
from myia.ir import Constant, Graph, Manager, clone
from myia.ir.clone import inline_clone
from myia.prim import lookup

_mul = lookup("mul")
_make_tuple = lookup("make_tuple")
FLOAT = AScalar(float)


def closure_maker():
    """`f(x)`: the tuple of the closure `h` over x, typed as naming h."""
    f = Graph("f")
    x = f.add_parameter("x")
    x.abstract = FLOAT
    h = Graph("h")
    h.output = h.apply(_mul, x, x)
    h.output.abstract = FLOAT
    f.output = f.apply(_make_tuple, Constant(h))
    f.output.abstract = ATuple([AStack(AFunction([GraphFn(h, None)]))])
    return f, h


def graphs_named(t) -> set[Graph]:
    return {o.graph for o in t.items[0].elem.options}


def test_clone_records_the_originals():
    f, h = closure_maker()
    f2 = clone(f)
    h2 = f2.output.inputs[1].value
    assert f2.copy_of is f and h2.copy_of is h and h2 is not h
    assert clone(f2).copy_of is f2


def test_a_copy_replaces_an_original_the_program_no_longer_holds():
    f, h = closure_maker()
    f2 = clone(f)
    h2 = f2.output.inputs[1].value
    assert graphs_named(f2.output.abstract) == {h}
    retarget_copies(Manager(f2))
    assert graphs_named(f2.output.abstract) == {h2}


def test_copies_join_an_original_the_program_still_holds():
    f, h = closure_maker()
    root = Graph("root")
    x = root.add_parameter("x")
    x.abstract = FLOAT
    call = root.apply(Constant(f), x)
    call.abstract = f.output.abstract
    root.output = root.apply(_make_tuple, call)
    mng = Manager(root)
    inlined = inline_clone(f, root, [x], mng)
    h2 = inlined.inputs[1].value
    assert h2.copy_of is h
    mng.add_input(root.output, inlined)
    retarget_copies(mng)
    assert graphs_named(call.abstract) == {h, h2}
    assert graphs_named(inlined.abstract) == {h, h2}
    assert graphs_named(f.output.abstract) == {h, h2}
