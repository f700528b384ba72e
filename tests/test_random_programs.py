"""Random programs compiled by myia and compared with Python.

This file owns the test that `myia.jit(f)(*args)` equals `f(*args)` on random programs of
the generator in tests/random_programs.py (`programs()`, a Hypothesis strategy) and random
inputs, and the test of the generator itself.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from tests.random_programs import load_function, programs


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("random_programs")


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_program_matches_python(program_dir, data):
    source, fn_name, arg_strategy = data.draw(programs(), label="program")
    fn = load_function(source, fn_name, program_dir)
    for _ in range(3):
        args = data.draw(arg_strategy, label="args")
        expected = fn(*args)
        got = myia.jit(fn)(*args)
        assert type(got) is type(expected), f"{type(got)} != {type(expected)}\n{source}"
        assert got == expected or math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), (
            f"myia: {got!r}, Python: {expected!r} on {args}\n{source}"
        )


def test_generated_programs_are_valid_python():
    """The generator itself: programs compile and return floats (no myia involved)."""

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data):
        source, fn_name, arg_strategy = data.draw(programs())
        namespace: dict = {}
        exec(compile(source, "<random program>", "exec"), namespace)
        out = namespace[fn_name](*data.draw(arg_strategy))
        assert isinstance(out, float) and math.isfinite(out), source

    check()
