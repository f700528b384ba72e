"""Products: `@`, `np.matmul`, `np.dot`, `x.dot`, `np.inner`, `np.outer`, `np.tensordot`,
`np.einsum`, and `np.trace` (`x.trace`). The other functions of `np.linalg` (norm, inv,
det, solve) are in `myia.prim.np_linalg`.

Every product is an einsum: the user's spelling is canonicalized (its `canon` rule) by
naming the axes of its operands with letters, and an einsum of letters becomes the one
product primitive `matmul` wherever that is exact (transposes and reshapes put the batch,
free and contracted letters of each operand in matmul's order, as `np.tensordot` itself
does), an elementwise product and a `sum` when nothing is contracted or the contraction is
a row-wise dot, `sum`/`transpose`/`trace` for one operand. What is left (three operands or
more, repeated letters, mixed dtypes, sizes not known when compiling) is `contract`: an
`np.einsum` with an explicit output and no ellipsis, whose backpropagator is one einsum
per operand (the output sensitivity contracted with the other operands; identity matrices
put it back on the diagonal of a repeated letter), so that it differentiates again.

Example (what user code compiles to, for t of shape (2, 3, 4) and m of shape (3, 2)):
    np.einsum("bij,bjk->bik", x, y)    ->  x @ y
    np.einsum("ij,ij->i", a, b)        ->  np.sum(a * b, axis=1)
    np.tensordot(t, m, axes=([1], [0]))
        ->  np.reshape(np.reshape(np.transpose(t, (0, 2, 1)), (8, 3)) @ m, (2, 4, 2))
"""

from __future__ import annotations

import ast
import math
import operator
import string

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, AScalar, ATuple, describe
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim.arrays import asarray, broadcast_to, expand_dims, reshape, squeeze, transpose
from myia.prim.emitting import template
from myia.prim.jvp import bilinear, linear, tangent_sum
from myia.prim.registry import REGISTRY, primitive
from myia.prim.sens import unbroadcast
from myia.prim.typing import broadcast_shapes, const_int, const_value, scalar_of_dtype

_LETTERS = string.ascii_letters


def _dims(t):
    return str(tuple(t.shape)).replace("None", "?")


def _array(t, what: str) -> AArray:
    """An operand as an array type (a number is 0-d, of the dtype `np.asarray` gives)."""
    if isinstance(t, AArray):
        return t
    if isinstance(t, AScalar):
        return AArray(t.dtype, ())
    raise MyiaTypeError(f"{what} needs numbers or arrays, got {describe(t)}")


def _result(dtype, shape):
    return AArray(dtype, shape) if shape else scalar_of_dtype(dtype)


def _sum_dtype(dtype) -> np.dtype:
    """The dtype `np.sum` gives for an array of `dtype` (small ints promote)."""
    return np.add.reduce(np.zeros(0, dtype)).dtype


def _emit_call(fn: str, names: tuple, defaults: tuple):
    """An emitter of `fn(x, name=value, ...)` keeping only the arguments that differ from
    their defaults (constants)."""

    def emit(e, args):
        call = ast.Call(ast.parse(fn, mode="eval").body, [args[0]], [])
        for k, (name, default) in enumerate(zip(names, defaults), start=1):
            ok, v = e.const(k)
            if ok and (v is default or (v == default and type(v) is type(default))):
                continue
            value = args[k]
            if ok and isinstance(v, float) and math.isinf(v):
                value = ast.parse("np.inf" if v > 0 else "-np.inf", mode="eval").body
            call.keywords.append(ast.keyword(name, value))
        return call

    return emit


# ---------------------------------------------------------------------------------------
# matmul, the one product primitive


@primitive("matmul", py=[operator.matmul, np.matmul], fresh=True)
def matmul(a, b):
    """`a @ b`: vectors, matrices and stacks of matrices with broadcast batch dimensions."""
    return a @ b


@matmul.definfer
def _infer_matmul(a, b):
    for t in (a, b):
        if not isinstance(t, AArray) or t.ndim == 0:
            raise MyiaTypeError(
                f"matmul: operands must be arrays of one dimension or more, got {describe(t)}"
            )
    dtype = _product_dtype(a, b, "matmul")
    sa = a.shape if a.ndim > 1 else (1, a.shape[0])
    sb = b.shape if b.ndim > 1 else (b.shape[0], 1)
    k1, k2 = sa[-1], sb[-2]
    if k1 is not None and k2 is not None and k1 != k2:
        raise MyiaShapeError(
            f"matmul: the shapes {_dims(a)} and {_dims(b)} are not aligned ({k1} != {k2})"
        )
    batch = broadcast_shapes(sa[:-2], sb[:-2])
    shape = (*batch, *(sa[-2:-1] if a.ndim > 1 else ()), *(sb[-1:] if b.ndim > 1 else ()))
    return _result(dtype, shape)


def _product_dtype(a, b, what: str) -> np.dtype:
    try:
        return np.result_type(_array(a, what).dtype, _array(b, what).dtype)
    except TypeError as e:
        raise MyiaTypeError(
            f"{what} does not support {describe(a)} and {describe(b)}: {e}"
        ) from None


matmul.defemit(template("{0} @ {1}"))


def _swap(b, x):
    """The transpose of the last two axes."""
    n = type_of(x).ndim
    return b.apply(transpose, x, None if n == 2 else (*range(n - 2), n - 1, n - 2))


@matmul.defvjp
def _vjp_matmul(r):
    b = r.b
    ta, tb = r.types
    d = r.dout
    da = db = None
    if ta.ndim == 1 and tb.ndim == 1:
        if r.wants(0):
            da = b.apply(O.mul, d, r.x(1))
        if r.wants(1):
            db = b.apply(O.mul, r.x(0), d)
    elif ta.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        if r.wants(0) and tb.ndim == 2:
            da = b.apply(matmul, r.x(1), d)  # (k, m) @ (m,)
        elif r.wants(0):
            da = b.apply(matmul, r.x(1), b.apply(expand_dims, d, -1))
            da = b.apply(squeeze, da, -1)
        if r.wants(1):
            db = b.apply(O.mul, b.apply(expand_dims, r.x(0), -1), b.apply(expand_dims, d, -2))
    elif tb.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        if r.wants(0):
            da = b.apply(O.mul, b.apply(expand_dims, d, -1), r.x(1))
        if r.wants(1) and ta.ndim == 2:
            db = b.apply(matmul, d, r.x(0))  # (n,) @ (n, k)
        elif r.wants(1):
            db = b.apply(matmul, b.apply(expand_dims, d, -2), r.x(0))
            db = b.apply(squeeze, db, -2)
    else:
        if r.wants(0):
            da = b.apply(matmul, d, _swap(b, r.x(1)))
        if r.wants(1):
            db = b.apply(matmul, _swap(b, r.x(0)), d)
    return [unbroadcast(b, da, ta), unbroadcast(b, db, tb)]


# ---------------------------------------------------------------------------------------
# Einsums of letters, in canonical form


def _permute(b, x, s: str, order: str):
    """`x`, whose axes are the letters `s`, with its axes in the order `order`."""
    perm = tuple(s.index(c) for c in order)
    if perm == tuple(range(len(s))):
        return x
    return b.apply(transpose, x, None if perm == tuple(reversed(range(len(s)))) else perm)


def _sum(b, x, s: str, drop: str, dtype):
    """`x` (axes `s`) summed over the letters `drop`, with the result dtype `dtype`."""
    axes = tuple(i for i, c in enumerate(s) if c in drop)
    if not axes:
        return x
    t = type_of(x)
    dt = None if _sum_dtype(t.dtype) == dtype else dtype
    axis = None if len(axes) == t.ndim else axes[0] if len(axes) == 1 else axes
    return b.apply(REGISTRY.lookup("sum"), x, axis, dt, False)


def _aligned(b, x, s: str, letters: str):
    """`x` (axes `s`) broadcastable against the letters `letters` (which hold `s`)."""
    x = _permute(b, x, s, "".join(c for c in letters if c in s))
    if not s:
        return x
    first = min(letters.index(c) for c in s)
    gaps = tuple(i - first for i, c in enumerate(letters) if i >= first and c not in s)
    if gaps:
        x = b.apply(expand_dims, x, gaps[0] if len(gaps) == 1 else gaps)
    return x


def _grouped(b, x, s: str, groups: list[str]):
    """`x` (axes `s`) with the letters of `groups` in order, each group of more than one
    letter merged into one axis (None where a merged size is not known)."""
    x = _permute(b, x, s, "".join(groups))
    if all(len(g) <= 1 for g in groups[1:]):
        return x
    shape = type_of(x).shape
    dims, k = [], 0
    for i, g in enumerate(groups):
        part = shape[k : k + len(g)]
        k += len(g)
        if i == 0:
            dims += part
        elif g:
            if None in part:
                return None
            dims.append(math.prod(part))
    if None in dims:
        return None
    return b.apply(reshape, x, tuple(dims))


def _as_trace(b, sub: str, out: str, x, dtype):
    """A one-operand einsum that is a trace (one letter twice, not kept), or None."""
    twice = [c for c in dict.fromkeys(sub) if sub.count(c) > 1]
    if len(twice) != 1 or sub.count(twice[0]) != 2 or twice[0] in out:
        return None
    c = twice[0]
    rest = sub.replace(c, "")
    if sorted(rest) != sorted(out):
        return None
    i1, i2 = sub.index(c), sub.rindex(c)
    dt = None if _sum_dtype(type_of(x).dtype) == dtype else dtype
    return _permute(b, b.apply(trace, x, 0, i1, i2, dt), rest, out)


def canonical_einsum(b, inputs: list[str], out: str, nodes: list):
    """The einsum `inputs -> out` of `nodes` as matmul, products, sums and transposes
    where that is exact, else None (subscripts explicit, without ellipsis)."""
    types = [type_of(n) for n in nodes]
    if not all(isinstance(t, AArray) and t.ndim for t in types):
        return None
    dtype = types[0].dtype
    if any(t.dtype != dtype for t in types):
        return None
    if any(len(set(s)) != len(s) for s in inputs):
        return _as_trace(b, inputs[0], out, nodes[0], dtype) if len(nodes) == 1 else None
    if len(nodes) == 1:
        x = _sum(b, nodes[0], inputs[0], "".join(c for c in inputs[0] if c not in out), dtype)
        return _permute(b, x, "".join(c for c in inputs[0] if c in out), out)
    if len(nodes) != 2:
        return None
    (sa, sb), (x, y) = inputs, nodes
    x = _sum(b, x, sa, "".join(c for c in sa if c not in sb + out), dtype)
    y = _sum(b, y, sb, "".join(c for c in sb if c not in sa + out), dtype)
    sa = "".join(c for c in sa if c in sb + out)
    sb = "".join(c for c in sb if c in sa + out)
    k = "".join(c for c in sa if c in sb and c not in out)
    if not k:
        return b.apply(O.mul, _aligned(b, x, sa, out), _aligned(b, y, sb, out))
    ta, tb = type_of(x), type_of(y)
    for c in k:
        n1, n2 = ta.shape[sa.index(c)], tb.shape[sb.index(c)]
        if n1 is None or n1 != n2:
            return None  # run-time sizes, or a contracted size-1 axis that broadcasts
    batch = "".join(c for c in out if c in sa and c in sb)
    m = "".join(c for c in out if c in sa and c not in sb)
    n = "".join(c for c in out if c in sb and c not in sa)
    if batch and not (m and n):  # rows of dot products: a product and a sum
        full = out + k
        prod = b.apply(O.mul, _aligned(b, x, sa, full), _aligned(b, y, sb, full))
        return _sum(b, prod, full, k, dtype)
    xg = _grouped(b, x, sa, [batch, m, k])
    yg = _grouped(b, y, sb, [batch, k, n])
    if xg is None or yg is None:
        return None
    z = b.apply(matmul, xg, yg)
    if len(m) > 1 or len(n) > 1:
        shape = type_of(z).shape[: len(batch)]
        shape += tuple(ta.shape[sa.index(c)] for c in m) + tuple(tb.shape[sb.index(c)] for c in n)
        if None in shape:
            return None
        z = b.apply(reshape, z, shape)
    return _permute(b, z, batch + m + n, out)


def einsum_node(b, inputs: list[str], out: str, nodes: list):
    """The einsum `inputs -> out` of `nodes`: canonical when it can be, else `contract`."""
    same = canonical_einsum(b, inputs, out, nodes)
    if same is not None:
        return same
    return b.apply(contract, ",".join(inputs) + "->" + out, *nodes)


def _product_node(b, inputs, out, nodes, out_type):
    """A product of two arrays (`dot`, `inner`, `tensordot`) as an einsum, a 0-d array
    where NumPy returns one."""
    z = einsum_node(b, inputs, out, nodes)
    if isinstance(out_type, AArray) and isinstance(type_of(z), AScalar):
        z = b.apply(asarray, z, None)
    return z


# ---------------------------------------------------------------------------------------
# dot, inner, outer, tensordot


def _contraction(a, b, a_axes, b_axes, what: str):
    """(subscripts of a, of b, of the output, output type) of contracting the axes
    `a_axes` of `a` with `b_axes` of `b` (output: the other axes of a, then of b)."""
    sa = _LETTERS[: a.ndim]
    sb = list(_LETTERS[a.ndim : a.ndim + b.ndim])
    for i, j in zip(a_axes, b_axes):
        n1, n2 = a.shape[i], b.shape[j]
        if n1 is not None and n2 is not None and n1 != n2:
            raise MyiaShapeError(
                f"{what}: the shapes {_dims(a)} and {_dims(b)} are not aligned "
                f"(axis {i} of size {n1} against axis {j} of size {n2})"
            )
        sb[j] = sa[i]
    sb = "".join(sb)
    out = "".join(c for i, c in enumerate(sa) if i not in a_axes)
    out += "".join(c for j, c in enumerate(sb) if j not in b_axes)
    shape = tuple(a.shape[i] for i in range(a.ndim) if i not in a_axes)
    shape += tuple(b.shape[j] for j in range(b.ndim) if j not in b_axes)
    return sa, sb, out, _result(_product_dtype(a, b, what), shape)


def _scalar_operand(ta, tb) -> bool:
    return any(isinstance(t, AScalar) or (isinstance(t, AArray) and t.ndim == 0) for t in (ta, tb))


def _infer_scaled(a, b, what: str):
    """The type of `np.dot`/`np.inner` with a number: NumPy makes arrays of both operands
    first (a Python float is float64, not a weak scalar)."""
    shape = broadcast_shapes(_array(a, what).shape, _array(b, what).shape)
    return _result(_product_dtype(a, b, what), shape)


def _scaled(b, args, out):
    """The product of `args` (one a number) computed in the dtype of the result `out`."""
    from myia.prim.arrays import astype, cast

    xs = []
    for x in args:
        t = type_of(x)
        if isinstance(t, AArray) and t.dtype != out.dtype:
            x = b.apply(astype, x, out.dtype)
        elif isinstance(t, AScalar) and not t.python and t.dtype != out.dtype:
            x = b.apply(cast, x, out.dtype.type)
        xs.append(x)
    z = b.apply(O.mul, *xs)
    if isinstance(out, AScalar) and type_of(z) != out:
        z = b.apply(cast, z, out.pytype)
    return z


@primitive("dot", py=[np.dot], fresh=True)
def dot(a, b):
    """`np.dot(a, b)` and `a.dot(b)`: a product with a number, a matrix product of arrays of
    at most two dimensions, else a sum over the last axis of `a` and the second-to-last
    of `b` (canonicalized to `mul`, `matmul` or a tensordot form)."""
    return np.dot(a, b)


REGISTRY.method("dot", dot)


def _dot_axes(ta, tb):
    return (ta.ndim - 1,), (max(tb.ndim - 2, 0),)


@dot.definfer
def _infer_dot(a, b):
    if _scalar_operand(a, b):
        return _infer_scaled(a, b, "np.dot")
    ta, tb = _array(a, "np.dot"), _array(b, "np.dot")
    if ta.ndim <= 2 and tb.ndim <= 2 or ta.ndim == 1 or tb.ndim == 1:
        return _infer_matmul(ta, tb)
    return _contraction(ta, tb, *_dot_axes(ta, tb), "np.dot")[3]


@dot.defcanon
def _canon_dot(b, args):
    ta, tb = (type_of(x) for x in args)
    if _scalar_operand(ta, tb):
        return _scaled(b, args, _infer_dot(ta, tb))
    if ta.ndim <= 2 and tb.ndim <= 2 or ta.ndim == 1 or tb.ndim == 1:
        return b.apply(matmul, *args)
    sa, sb, out, t = _contraction(ta, tb, *_dot_axes(ta, tb), "np.dot")
    return _product_node(b, [sa, sb], out, list(args), t)


@primitive("inner", py=[np.inner], fresh=True)
def inner(a, b):
    """`np.inner(a, b)`: a sum over the last axes (a product with a number)."""
    return np.inner(a, b)


@inner.definfer
def _infer_inner(a, b):
    if _scalar_operand(a, b):
        return _infer_scaled(a, b, "np.inner")
    ta, tb = _array(a, "np.inner"), _array(b, "np.inner")
    return _contraction(ta, tb, (ta.ndim - 1,), (tb.ndim - 1,), "np.inner")[3]


@inner.defcanon
def _canon_inner(b, args):
    ta, tb = (type_of(x) for x in args)
    if _scalar_operand(ta, tb):
        return _scaled(b, args, _infer_inner(ta, tb))
    sa, sb, out, t = _contraction(ta, tb, (ta.ndim - 1,), (tb.ndim - 1,), "np.inner")
    return _product_node(b, [sa, sb], out, list(args), t)


@primitive("outer", py=[np.outer], fresh=True)
def outer(a, b):
    """`np.outer(a, b)` of flattened inputs (canonicalized to a broadcast `mul`)."""
    return np.outer(a, b)


@outer.definfer
def _infer_outer(a, b):
    ta, tb = _array(a, "np.outer"), _array(b, "np.outer")
    return AArray(_product_dtype(ta, tb, "np.outer"), (ta.size, tb.size))


@outer.defcanon
def _canon_outer(b, args):
    col = b.apply(reshape, args[0], (-1, 1))
    row = b.apply(reshape, args[1], (1, -1))
    return b.apply(O.mul, col, row)


@primitive("tensordot", py=[np.tensordot], fresh=True)
def tensordot(a, b, axes=2):
    """`np.tensordot(a, b, axes)`: `axes` an int (the last axes of `a` against the first of
    `b`) or a pair of axis sequences; canonicalized to reshapes, transposes and `matmul`."""
    return np.tensordot(a, b, axes=axes)


def _tensordot_axes(ta, tb, axes):
    v = const_value(axes, "the axes of np.tensordot")
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        n = int(v)
        if n < 0 or n > ta.ndim or n > tb.ndim:
            raise MyiaShapeError(
                f"np.tensordot: axes={n} for arrays of shapes {_dims(ta)}, {_dims(tb)}"
            )
        return tuple(range(ta.ndim - n, ta.ndim)), tuple(range(n))
    if not (isinstance(v, (tuple, list)) and len(v) == 2):
        raise MyiaTypeError(f"np.tensordot: axes must be an int or a pair of sequences, got {v!r}")
    out = []
    for ax, t in zip(v, (ta, tb)):
        ax = tuple(ax) if isinstance(ax, (tuple, list)) else (ax,)
        if not all(isinstance(i, (int, np.integer)) and -t.ndim <= i < t.ndim for i in ax):
            raise MyiaShapeError(f"np.tensordot: bad axes {v!r} for an array of shape {_dims(t)}")
        out.append(tuple(int(i) % t.ndim for i in ax))
    if len(out[0]) != len(out[1]) or any(len(set(x)) != len(x) for x in out):
        raise MyiaShapeError(f"np.tensordot: the axes {v!r} don't pair up")
    return out[0], out[1]


def _tensordot_form(ta, tb, axes):
    for t in (ta, tb):
        if not isinstance(t, AArray):
            raise MyiaTypeError(f"np.tensordot needs arrays, got {describe(t)}")
    return _contraction(ta, tb, *_tensordot_axes(ta, tb, axes), "np.tensordot")


@tensordot.definfer
def _infer_tensordot(a, b, axes):
    out = _tensordot_form(a, b, axes)[3]
    return out if isinstance(out, AArray) else AArray(out.dtype, ())


@tensordot.defcanon
def _canon_tensordot(b, args):
    ta, tb, tx = (type_of(x) for x in args)
    sa, sb, out, _ = _tensordot_form(ta, tb, tx)
    return _product_node(b, [sa, sb], out, list(args[:2]), _infer_tensordot(ta, tb, tx))


# ---------------------------------------------------------------------------------------
# einsum


def _operand_dtype(t) -> np.dtype:
    return _array(t, "np.einsum").dtype


def parse_einsum(subscripts: str, ranks: list[int]) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output of `np.einsum(subscripts, ...)` on
    operands of `ranks`, the output explicit and each `...` replaced by letters."""
    s = subscripts.replace(" ", "")
    lhs, arrow, out = s.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(ranks):
        raise MyiaTypeError(
            f"np.einsum: {len(inputs)} operand subscripts in {subscripts!r} for {len(ranks)} operands"
        )
    free = iter(c for c in _LETTERS if c not in s)
    extra = []
    for sub, rank in zip(inputs, ranks):
        n = rank - len(sub.replace("...", ""))
        if n < 0 or (n and "..." not in sub):
            raise MyiaShapeError(
                f"np.einsum: the subscripts {sub!r} don't match an operand of {rank} dimensions"
            )
        extra.append(n if "..." in sub else 0)
    ell = "".join(next(free) for _ in range(max(extra, default=0)))
    inputs = [sub.replace("...", ell[len(ell) - n :]) for sub, n in zip(inputs, extra)]
    letters = "".join(inputs)
    if not arrow:
        once = sorted(c for c in set(lhs.replace("...", "").replace(",", "")) if lhs.count(c) == 1)
        out = ell + "".join(once)
    elif "..." in out:
        out = out.replace("...", ell)
    elif ell:
        raise MyiaShapeError(
            "np.einsum: the output has no '...' for the dimensions the operands' '...' stand for"
        )
    for c in letters + out:
        if c not in _LETTERS:
            raise MyiaTypeError(f"np.einsum: invalid subscript {c!r} in {subscripts!r}")
    for c in out:
        if c not in letters or out.count(c) > 1:
            raise MyiaShapeError(f"np.einsum: bad output subscript {c!r} in {subscripts!r}")
    return inputs, out


def _letter_sizes(inputs, types) -> dict:
    sizes: dict[str, list] = {}
    for sub, t in zip(inputs, types):
        own: dict[str, int | None] = {}
        for c, n in zip(sub, _array(t, "np.einsum").shape):
            if own.get(c) is not None and n is not None and own[c] != n:
                raise MyiaShapeError(
                    f"np.einsum: the repeated subscript {c!r} of {sub!r} stands for sizes "
                    f"{own[c]} and {n}"
                )
            own[c] = n if own.get(c) is None else own[c]
            sizes.setdefault(c, []).append(n)
    out = {}
    for c, dims in sizes.items():
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise MyiaShapeError(f"np.einsum: the subscript {c!r} stands for sizes {sorted(known)}")
        out[c] = known.pop() if known else (None if None in dims else 1)
    return out


def _einsum_type(inputs, out, types):
    sizes = _letter_sizes(inputs, types)
    dtype = np.result_type(*[_operand_dtype(t) for t in types])
    return _result(dtype, tuple(sizes[c] for c in out))


def _subscripts_of(t, types) -> tuple[list[str], str]:
    s = const_value(t, "the subscripts of np.einsum")
    if not isinstance(s, str):
        raise MyiaTypeError(f"np.einsum: the subscripts must be a string, got {s!r}")
    return parse_einsum(s, [_array(x, "np.einsum").ndim for x in types])


@primitive("einsum", py=[np.einsum])
def einsum(subscripts, operands, optimize=False):
    """`np.einsum(subscripts, *operands, optimize)` (the parser packs the operands into a
    tuple), canonicalized to `matmul`, `mul`, `sum`, `trace` and `transpose` where they
    coincide with it and to `contract` otherwise (`optimize` is a matter of speed: it is
    accepted where the result does not depend on it)."""
    return np.einsum(subscripts, *operands, optimize=optimize)


@einsum.definfer
def _infer_einsum(subscripts, operands, optimize):
    if not isinstance(operands, ATuple):
        raise MyiaTypeError(f"np.einsum: bad operands {describe(operands)}")
    out = _einsum_type(*_subscripts_of(subscripts, operands.items), operands.items)
    if isinstance(out, AScalar) and const_value(optimize, "optimize") is not False:
        raise MyiaTypeError(
            "np.einsum with `optimize` and a scalar result is not supported (NumPy returns a "
            "number or a 0-d array depending on the contraction path it picks); drop `optimize`"
        )
    return out


@einsum.defcanon
def _canon_einsum(b, args):
    from myia.prim.structures import getitem

    items = type_of(args[1]).items
    inputs, out = _subscripts_of(type_of(args[0]), items)
    nodes = [b.apply(getitem, args[1], i) for i in range(len(items))]
    return einsum_node(b, inputs, out, nodes)


@primitive("contract")
def contract(subscripts, *operands):
    """`np.einsum(subscripts, *operands)` with an explicit output and no `...`; the
    sensitivity of each operand is an einsum of the output sensitivity with the others."""
    return np.einsum(subscripts, *operands)


@contract.definfer
def _infer_contract(subscripts, *operands):
    return _einsum_type(*_subscripts_of(subscripts, operands), operands)


@contract.defemit
def _emit_contract(e, args):
    return ast.Call(ast.parse("np.einsum", mode="eval").body, list(args), [])


def _size(b, r, i: int, axis: int):
    """The size of axis `axis` of input `i` of the application `r` differentiates (a
    constant when the type knows it)."""
    n = r.types[i].shape[axis]
    if n is not None:
        return n
    from myia.prim.structures import getitem

    return b.apply(getitem, b.apply(REGISTRY.lookup("attr.shape"), r.x(i)), axis)


def _eye(b, n, m, k: int, dtype):
    """`np.eye(n, m, k, dtype)` (a constant when the sizes are)."""
    return b.apply(REGISTRY.lookup("eye"), n, m, k, dtype)


@contract.defvjp
def _vjp_contract(r):
    b = r.b
    inputs, out = _subscripts_of(r.types[0], r.types[1:])
    sizes = _letter_sizes(inputs, r.types[1:])
    taken = set("".join(inputs) + out)
    free = iter(c for c in _LETTERS if c not in taken)
    dtype = np.result_type(*[_operand_dtype(t) for t in r.types[1:]])
    sens = [None]
    for k, sub in enumerate(inputs):
        like = r.types[1 + k]
        if not r.wants(1 + k):
            sens.append(None)
            continue
        others = [j for j in range(len(inputs)) if j != k]
        present = set(out).union(*[inputs[j] for j in others])
        subs = [out] + [inputs[j] for j in others]
        nodes = [r.dout] + [r.x(1 + j) for j in others]
        target = ""
        for c in sub:
            if c in target:  # a repeated letter: its diagonal, by an identity matrix
                c2 = next(free)
                n = sizes[c] if sizes[c] is not None else _size(b, r, 1 + k, sub.index(c))
                subs.append(c + c2)
                nodes.append(_eye(b, n, n, 0, dtype.type))
                present |= {c, c2}
                c = c2
            target += c
        kept = "".join(c for c in target if c in present)
        if not out and len(nodes) > 1:  # a number: it scales the einsum of the others
            g = b.apply(O.mul, einsum_node(b, subs[1:], kept, nodes[1:]), r.dout)
        else:
            g = einsum_node(b, subs, kept, nodes)
        missing = tuple(i for i, c in enumerate(target) if c not in present)
        if missing:  # letters only this operand has: the sensitivity is broadcast
            g = b.apply(expand_dims, g, missing)
        shape = tuple(sizes[c] for c in sub)  # and over sizes the others broadcast from 1
        if None in shape and missing:
            g = b.apply(broadcast_to, g, b.apply(REGISTRY.lookup("attr.shape"), r.x(1 + k)))
        elif None not in shape and _array(type_of(g), "np.einsum").shape != shape:
            g = b.apply(broadcast_to, g, shape)
        sens.append(unbroadcast(b, g, like))
    return sens


# ---------------------------------------------------------------------------------------
# trace


@primitive("trace", py=[np.trace], fresh=True)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """`np.trace(a, offset, axis1, axis2, dtype)` and `a.trace(...)`: the sum of the
    diagonal (`offset` above the main one) of the planes of `axis1` and `axis2`."""
    return np.trace(a, offset=offset, axis1=axis1, axis2=axis2, dtype=dtype)


REGISTRY.method("trace", trace)


def _trace_axes(x, offset, axis1, axis2):
    a = _array(x, "np.trace")
    if a.ndim < 2:
        raise MyiaShapeError(
            f"np.trace needs an array of two dimensions or more, got {describe(x)}"
        )
    k = const_int(offset, "the offset of np.trace")
    i1, i2 = const_int(axis1, "axis1"), const_int(axis2, "axis2")
    for i in (i1, i2):
        if not -a.ndim <= i < a.ndim:
            raise MyiaShapeError(f"axis {i} is out of bounds for an array of dimension {a.ndim}")
    i1, i2 = i1 % a.ndim, i2 % a.ndim
    if i1 == i2:
        raise MyiaShapeError("np.trace: axis1 and axis2 cannot be the same")
    return a, k, i1, i2


@trace.definfer
def _infer_trace(a, offset, axis1, axis2, dtype):
    from myia.prim.typing import is_none

    x, _, i1, i2 = _trace_axes(a, offset, axis1, axis2)
    dt = _sum_dtype(x.dtype) if is_none(dtype) else np.dtype(const_value(dtype, "dtype"))
    return _result(dt, tuple(d for i, d in enumerate(x.shape) if i not in (i1, i2)))


@trace.defvjp
def _vjp_trace(r):
    b = r.b
    x, k, i1, i2 = _trace_axes(*r.types[:4])
    if not r.wants(0):
        return [None] * 5
    dt = x.dtype.type if x.dtype.kind in "fc" else np.float64
    n1, n2 = _size(b, r, 0, i1), _size(b, r, 0, i2)
    # the summed diagonal, its axes in the order of the input's
    mask = _eye(b, n1, n2, k, dt) if i1 < i2 else _eye(b, n2, n1, -k, dt)
    d = r.dout
    if x.ndim > 2:
        mask = b.apply(expand_dims, mask, tuple(i for i in range(x.ndim) if i not in (i1, i2)))
        d = b.apply(expand_dims, d, (min(i1, i2), max(i1, i2)))
    return [unbroadcast(b, b.apply(O.mul, d, mask), r.types[0]), None, None, None, None]


trace.defemit(_emit_call("np.trace", ("offset", "axis1", "axis2", "dtype"), (0, 0, 1, None)))


# Tangents (forward mode)
matmul.defjvp(bilinear(0, 1))
trace.defjvp(linear(0))


@contract.defjvp
def _jvp_contract(r):
    """An einsum is linear in each operand: the sum over the operands with a tangent of
    the einsum with that operand replaced by its tangent."""
    args = [r.x(k) for k in range(r.nargs)]
    parts = [
        r.b.apply(contract, *args[:k], r.t(k), *args[k + 1 :])
        for k in range(1, r.nargs)
        if r.t(k) is not None
    ]
    return tangent_sum(r.b, parts)
