"""Caches that follow the program (issue 13; API "Caches").

Compiled code reads the globals, closure cells, defaults and helper functions it uses as
they are at each call, and global arrays when it runs; cache keys hold everything the
specializer is told of the arguments; a source file edited after import is refused;
first calls from several threads compile once and agree; the caches keep no closure and
no argument alive, and `myia.clear_caches()` empties them.

The programs live in modules written to a temporary folder (myia reads their source),
which the tests then change as a user would.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import itertools
import os
import sys
import textwrap
import threading
import weakref

import numpy as np
import pytest

import myia
from myia.keys import signature
from myia.pipeline import signature_types
from tests.ad.fd import assert_close, fd_gradient

_names = itertools.count()


@pytest.fixture
def load(tmp_path):
    """`load(text)`: the module of `text`, written to a file and imported."""
    made = []

    def load(text: str, name: str | None = None):
        name = name or f"_myia_caches_{next(_names)}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(text))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        made.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in made:
        sys.modules.pop(name, None)


def check_fd(fn, x, got):
    assert_close(got, fd_gradient(fn, (x,), 0), rtol=1e-6, atol=1e-8)


# Item 1: globals, helpers, cells, defaults --------------------------------------------------


def test_rebound_global_number_is_seen_by_old_and_new_compiled_functions(load):
    m = load(
        """
        SCALE = 2.0

        def f(x):
            return x * SCALE
        """
    )
    jf, gf = myia.jit(m.f), myia.grad(m.f)
    assert (jf(1.0), gf(1.0)) == (2.0, 2.0)
    m.SCALE = 5.0
    assert (jf(1.0), gf(1.0)) == (5.0, 5.0)
    assert myia.jit(m.f)(np.float32(1.0)) == m.f(np.float32(1.0))  # a new signature
    assert myia.grad(m.f)(3.0) == 5.0  # a new object


def test_rebound_helper_is_seen(load):
    m = load(
        """
        def helper(x):
            return x * x

        def other(x):
            return np.sin(x) * x

        def f(x):
            return helper(x) + 1.0

        import numpy as np
        """
    )
    jf, gf = myia.jit(m.f), myia.grad(m.f)
    assert (jf(2.0), gf(2.0)) == (5.0, 4.0)
    m.helper = m.other  # a notebook cell defining `helper` again
    assert jf(2.0) == m.f(2.0)
    check_fd(m.f, 2.0, gf(2.0))


def test_helper_of_a_helper_reads_its_own_globals_at_each_call(load):
    m = load(
        """
        K = 3.0

        def inner(x):
            return x * K

        def outer(x):
            return inner(x) * x
        """
    )
    g = myia.grad(m.outer)
    assert g(2.0) == 12.0
    m.K = 10.0
    assert g(2.0) == 40.0


def test_global_array_changed_in_place_is_seen_by_every_signature(load):
    m = load(
        """
        import numpy as np

        W = np.array([1.0, 2.0, 3.0])

        def h(x):
            return np.sum(W * 2.0) * x

        def lin(x):
            return np.sum(W * x)
        """
    )
    jh, gl = myia.jit(m.h), myia.grad(m.lin)
    assert jh(1.0) == 12.0
    np.testing.assert_array_equal(gl(np.ones(3)), [1.0, 2.0, 3.0])
    m.W *= 5.0
    assert jh(1.0) == 60.0
    assert jh(np.float32(1.0)) == m.h(np.float32(1.0)) == 60.0
    check_fd(m.lin, np.ones(3), gl(np.ones(3)))
    m.W = np.array([1.0])  # rebound, to another shape
    assert jh(1.0) == 2.0


def test_rebound_closure_cell_is_seen(load):
    m = load(
        """
        def make():
            scale = 2.0

            def f(x):
                return x * scale

            def set_scale(v):
                nonlocal scale
                scale = v

            return f, set_scale
        """
    )
    f, set_scale = m.make()
    jf = myia.jit(f)
    assert jf(1.0) == 2.0
    set_scale(7.0)
    assert jf(1.0) == 7.0


def test_changed_defaults_of_a_helper_are_seen(load):
    m = load(
        """
        def helper(x, k=2.0):
            return x * k

        def f(x):
            return helper(x)
        """
    )
    jf = myia.jit(m.f)
    assert jf(1.0) == 2.0
    m.helper.__defaults__ = (3.0,)
    assert jf(1.0) == 3.0


def test_array_default_filled_in_through_a_function_value_is_read_at_each_call(load):
    # A call through a value (a parameter, by position or by keyword; a gradient's or a
    # jvp's callee) gets its defaults from the specializer, not the parser: an array default
    # is read when the code runs there too.
    m = load(
        """
        import numpy as np
        import myia

        W = np.ones(3)

        def scale(x, w=W, k=1.0):
            return np.sum(x * w) * k

        def apply(f, x):
            return f(x)

        def apply_keyword(f, x):
            return f(x, k=2.0)

        def by_value(x):
            return apply(scale, x)

        def by_keyword(x):
            return apply_keyword(scale, x)

        def gradient_inside(x):
            return np.sum(myia.grad(scale)(x))

        def tangent_inside(x):
            return myia.jvp(scale, (x,), (np.ones(3),))[1]
        """
    )
    x = np.array([1.0, 2.0, 3.0])
    fns = [m.by_value, m.by_keyword, m.gradient_inside, m.tangent_inside]
    jitted = [myia.jit(f) for f in fns]
    g = myia.grad(m.by_value)
    for j, f in zip(jitted, fns):
        assert j(x) == f(x)
    m.W[:] = [5.0, -1.0, 0.5]
    for j, f in zip(jitted, fns):
        assert j(x) == pytest.approx(f(x), rel=1e-12)
    check_fd(m.by_value, x, g(x))
    np.testing.assert_allclose(g(x), m.W)


def test_global_list_changed_in_place_is_seen(load):
    m = load(
        """
        FACTORS = [2.0, 3.0]

        def f(x):
            return x * FACTORS[0] + FACTORS[1]
        """
    )
    jf = myia.jit(m.f)
    assert jf(1.0) == 5.0
    m.FACTORS[0] = 10.0
    assert jf(1.0) == 13.0
    m.FACTORS.append(1.0)
    assert jf(1.0) == 13.0


def test_attribute_of_a_user_module_is_seen(load):
    cfg = load("SCALE = 2.0\n")
    m = load(
        """
        def f(x):
            return x * cfg.SCALE
        """
    )
    m.cfg = cfg
    jf = myia.jit(m.f)
    assert jf(1.0) == 2.0
    cfg.SCALE = 4.0
    assert jf(1.0) == 4.0


def test_builtin_shadowed_by_a_new_global_is_seen(load):
    m = load(
        """
        def tenfold(x):
            return x * 10.0

        def f(x):
            return abs(x)
        """
    )
    jf = myia.jit(m.f)
    assert jf(-1.0) == 1.0
    m.abs = m.tenfold
    assert jf(-1.0) == -10.0


def test_deleted_global_is_refused(load):
    m = load(
        """
        SCALE = 2.0

        def f(x):
            return x * SCALE
        """
    )
    jf = myia.jit(m.f)
    assert jf(1.0) == 2.0
    del m.SCALE
    with pytest.raises(myia.MyiaNameError, match="SCALE"):
        jf(1.0)


def test_unchanged_program_compiles_once(load):
    m = load(
        """
        SCALE = 2.0

        def f(x):
            return x * SCALE
        """
    )
    jf = myia.jit(m.f)
    for _ in range(3):
        jf(1.0)
    m.SCALE = m.SCALE  # the same object: nothing to compile again
    jf(1.0)
    assert jf.compilations == 1


def test_code_reading_only_numpy_has_nothing_to_check_at_each_call(load):
    m = load(
        """
        import numpy as np

        SCALE = 2.0

        def pure(x):
            return np.sum(np.tanh(x) * x)

        def scaled(x):
            return np.sum(x) * SCALE
        """
    )
    jp, js = myia.jit(m.pure), myia.jit(m.scaled)
    jp(np.ones(3)), js(np.ones(3))
    assert jp.cache.guard is None  # `np` and its attributes are taken as fixed
    assert js.cache.guard is not None


# Item 3: cache keys -------------------------------------------------------------------------


def test_range_argument_is_part_of_the_key(load):
    m = load(
        """
        def total(x, r):
            s = 0.0
            for i in r:
                s = s + x
            return s
        """
    )
    jt = myia.jit(m.total)
    assert jt(1.0, range(2)) == 2.0
    assert jt(1.0, range(5)) == 5.0


def test_shape_of_an_array_subclass_is_part_of_the_key(load, tmp_path):
    m = load(
        """
        def length(x):
            return len(x) * 1.0
        """
    )
    a = np.memmap(tmp_path / "a.bin", dtype=np.float64, mode="w+", shape=(2,))
    b = np.memmap(tmp_path / "b.bin", dtype=np.float64, mode="w+", shape=(4,))
    jl = myia.jit(m.length)
    assert (jl(a), jl(b)) == (2.0, 4.0)


def test_arguments_of_one_key_are_the_same_to_the_specializer(tmp_path):
    mm = np.memmap(tmp_path / "m.bin", dtype=np.float64, mode="w+", shape=(3,))
    samples = [
        1.0, 2.0, 1, 3, True, False, None, "a", "b", np.str_("a"), np.str_("b"),
        np.float32(1.0), np.float64(2.0), range(2), range(5), slice(1, 2),
        np.ones(3), np.ones(2), np.ones(3, np.float32), mm, mm[:2],
        (1.0, "a"), (1.0, "b"), [1.0, np.ones(2)], {"k": 1.0}, {"k": np.ones(2)},
    ]  # fmt: skip
    for a, b in itertools.product(samples, repeat=2):
        if signature((a,)) == signature((b,)):  # one compiled program for both
            assert signature_types((a,)) == signature_types((b,)), (a, b)


# Item 4: sources edited after import --------------------------------------------------------


def test_source_edited_after_import_is_refused_until_reloaded(load):
    m = load(
        """
        def f(x):
            return x * 2.0
        """
    )
    path = m.__file__
    with open(path, "w") as out:
        out.write("\ndef f(x):\n    return x * 1000.0\n")
    os.utime(path, (0, 0))  # a new mtime, even within the same second
    with pytest.raises(myia.MyiaSourceError, match=r"changed after it was imported") as e:
        myia.jit(m.f)(1.0)
    assert e.value.loc.filename == path and e.value.loc.lineno == 3  # the line that changed
    assert isinstance(e.value, myia.MyiaError)
    m.__spec__.loader.exec_module(m)  # reloaded
    assert myia.jit(m.f)(1.0) == 1000.0


def test_source_check_accepts_the_functions_of_the_standard_library():
    import fractions
    import json.decoder
    import statistics
    import types

    from myia.parser.source import _check_matches

    count = 0
    for module in (fractions, json.decoder, statistics):
        for value in vars(module).values():
            fns = [value] if isinstance(value, types.FunctionType) else []
            if isinstance(value, type):
                fns = [v for v in vars(value).values() if isinstance(v, types.FunctionType)]
            for fn in fns:
                if fn.__code__.co_filename == module.__file__:
                    _check_matches(fn, module.__file__)
                    count += 1
    assert count > 100


# Item 10: threads ---------------------------------------------------------------------------


_THREADED = """
import numpy as np

def helper(x, k):
    y = x * k
    if np.sum(y) > 0.0:
        y = np.tanh(y)
    else:
        y = np.sin(y)
    return y * y + 1.0

def f0(x):
    return np.sum(helper(x, 1.0) * x)

def f1(x):
    return np.sum(helper(x, 2.0) ** 2)

def f2(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(helper(x, 3.0) * i)
    return s

def f3(x):
    return np.sum(np.exp(-helper(x, 4.0)))

FNS = [f0, f1, f2, f3]
"""


def test_first_calls_from_eight_threads_agree_with_one_thread(load, monkeypatch):
    x = np.linspace(0.1, 1.0, 5)
    expected = [myia.grad(f)(x) for f in load(_THREADED).FNS]
    fns = load(_THREADED).FNS  # the same functions, never compiled
    compiles = []
    compile_graph = myia.api.compile_graph
    monkeypatch.setattr(myia.api, "compile_graph", lambda g: compiles.append(g) or compile_graph(g))
    results, errors = [], []
    barrier = threading.Barrier(8)

    def work(k):
        barrier.wait()
        for i in range(8):
            j = (k + i) % len(fns)
            try:
                results.append((j, myia.grad(fns[j])(x), myia.jit(fns[j])(x)))
            except Exception as e:  # noqa: BLE001  (reported below)
                errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert len(results) == 64
    for j, g, v in results:
        np.testing.assert_array_equal(g, expected[j])
        assert v == fns[j](x)
    assert len(compiles) == 2 * len(fns)  # one compile per function and signature


# Item 12: memory ----------------------------------------------------------------------------


def test_array_captured_by_a_closure_is_freed_with_the_closure(load):
    m = load(
        """
        import numpy as np

        def make(batch):
            def loss(w):
                return np.sum(w * batch)
            return loss
        """
    )
    w = np.ones(1000)
    refs = []
    for _ in range(4):
        batch = np.random.default_rng(0).normal(size=1000)
        refs.append(weakref.ref(batch))
        loss = m.make(batch)
        np.testing.assert_allclose(myia.grad(loss)(w), batch)
        assert myia.jit(loss)(w) == pytest.approx(np.sum(batch))
    del batch, loss
    gc.collect()
    assert all(r() is None for r in refs)


def test_arguments_are_not_kept_alive(load):
    m = load(
        """
        import numpy as np

        def f(x):
            return np.sum(x * x)
        """
    )
    x = np.ones(1000)
    ref = weakref.ref(x)
    myia.grad(m.f)(x)
    del x
    gc.collect()
    assert ref() is None


def test_clear_caches_drops_every_compiled_program(load):
    m = load(
        """
        def f(x):
            return x * 3.0
        """
    )
    jf = myia.jit(m.f)
    parsed = myia.ir(m.f)
    assert jf(1.0) == 3.0
    myia.clear_caches()
    assert not jf.cache
    assert myia.ir(m.f) is not parsed
    assert jf(1.0) == 3.0
    assert jf.compilations == 2


def rec_pow(x, n):
    if n == 0:
        return 1.0
    return x * rec_pow(x, n - 1)


def test_a_steering_int_is_in_the_key_while_small():
    g = myia.grad(rec_pow)
    for n, runs in [(3, 1), (20, 2), (3, 2), (100, 3), (120, 3), (20, 3), (True, 4)]:
        got = g(1.01, n)
        assert np.isclose(got, n * 1.01 ** (n - 1), rtol=1e-12), (n, got)
        assert g.compilations == runs, (n, g.compilations)
    assert g.key((1.01, 3)) == (*signature((1.01, 3)), 3)
    assert g.key((1.01, 100)) == (*signature((1.01, 100)), None)


# The object `myia.jvp` runs is made once per function -----------------------------------------


def test_jvp_reuses_its_compiled_function_holds_it_weakly_and_clear_caches_drops_it():
    from myia.transforms import _TANGENT_FUNCTIONS

    def f(x):
        return np.sin(x) * x

    for x in (0.3, 1.2, -2.0):  # the tangent of x * sin(x): sin(x) + x cos(x), times 2
        out, t = myia.jvp(f, (x,), (2.0,))
        assert np.isclose(out, np.sin(x) * x) and np.isclose(t, 2 * (np.sin(x) + x * np.cos(x)))
    (made,) = _TANGENT_FUNCTIONS[f].values()
    assert made.compilations == 1  # the three calls ran one program
    ref = weakref.ref(f)
    del f, made
    gc.collect()
    assert ref() is None  # the cache kept the function (and its object) alive

    def g(x):
        return x * x

    assert myia.jvp(g, (3.0,), (1.0,)) == (9.0, 6.0)
    assert g in _TANGENT_FUNCTIONS
    myia.clear_caches()
    assert g not in _TANGENT_FUNCTIONS
    assert myia.jvp(g, (3.0,), (1.0,)) == (9.0, 6.0)
