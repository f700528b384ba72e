"""`myia.tree_leaves` and `myia.tree_map`: JAX's order of leaves (dict values by sorted key,
None an empty subtree), namedtuples and model objects as nodes (static attributes kept),
and a structure mismatch refused."""

from __future__ import annotations

from collections import namedtuple

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

import myia

P = namedtuple("P", "a b")


class Model:
    def __init__(self, w, inner):
        self.w = w
        self.inner = inner
        self.tag = "m"


leaves = st.floats(-10, 10, allow_nan=False)
trees = st.recursive(
    leaves | st.none(),
    lambda sub: (
        st.tuples(sub, sub)
        | st.lists(sub, max_size=3)
        | st.dictionaries(st.sampled_from("xyz"), sub, max_size=3)
        | st.builds(P, sub, sub)
        | st.builds(Model, sub, sub)
    ),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None)
@given(trees)
def test_tree_map_keeps_the_structure_and_maps_every_leaf(tree):
    doubled = myia.tree_map(lambda x: 2 * x, tree)
    assert myia.tree_leaves(doubled) == [2 * x for x in myia.tree_leaves(tree)]
    assert myia.tree_leaves(myia.tree_map(lambda x, y: x - y, doubled, tree)) == myia.tree_leaves(
        tree
    )
    again = myia.tree_map(lambda x: x, tree)
    assert type(again) is type(tree)


def test_order_of_leaves():
    tree = {"b": [1.0, None, (2.0,)], "a": P(3.0, Model(4.0, {"z": 5.0, "y": 6.0}))}
    assert myia.tree_leaves(tree) == [3.0, 4.0, 6.0, 5.0, 1.0, 2.0]
    out = myia.tree_map(lambda x: -x, tree)
    assert list(out) == ["b", "a"]  # a dict keeps its key order
    assert type(out["a"].b) is Model and out["a"].b.tag == "m" and out["a"].b.w == -4.0


def test_structure_mismatch_is_refused():
    with pytest.raises(ValueError, match="differ in structure"):
        myia.tree_map(lambda x, y: x + y, (1.0, 2.0), [1.0, 2.0])
    with pytest.raises(ValueError, match="different keys"):
        myia.tree_map(lambda x, y: x + y, {"a": 1.0}, {"b": 1.0})
