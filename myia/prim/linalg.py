"""Linear algebra primitives: `np.dot`, `np.matmul`, `np.inner`, `np.outer`, `np.tensordot`,
`np.einsum`, `np.trace`, `np.linalg.norm`, `np.linalg.solve`, `np.linalg.inv`,
`np.linalg.det`, and the helpers their backpropagators use.

The products are bilinear: their backpropagators go through the `bilinear` family, whose
sensitivities are einsum contractions of the output sensitivity with the other operand, so
they differentiate again within the same family. `np.einsum` takes any number of operands
and differentiates each operand by an einsum with a subscript string built for it.
"""

from __future__ import annotations

import string

import numpy as np

from myia.prim.reductions import expand_reduced, unreduce
from myia.prim.registry import primitive
from myia.prim.sens import ZERO, gadd, sens_at, sens_get, sum_to, zeros_of

# Bilinear products and their sensitivities


def _product_subscripts(op, a, b, params):
    """Einsum subscripts `(sa, sb, so)` of the bilinear product `op` (operands of `outer`
    are flattened)."""
    if op == "einsum":
        inputs, so = params.split("->")
        sa, sb = inputs.split(",")
        return sa, sb, so
    if op == "outer":
        return "i", "j", "ij"
    na, nb = np.ndim(a), np.ndim(b)
    if op == "matmul":
        sa = "...mk" if na >= 2 else "...k"
        sb = "...kn" if nb >= 2 else "...k"
        return sa, sb, "..." + ("m" if na >= 2 else "") + ("n" if nb >= 2 else "")
    sa, sb = string.ascii_letters[:na], string.ascii_letters[na : na + nb]
    if op in ("dot", "inner") and (na == 0 or nb == 0):
        return sa, sb, sa + sb
    if op == "dot":
        pos = nb - 2 if nb >= 2 else 0
        sb = sb[:pos] + sa[-1] + sb[pos + 1 :]
        return sa, sb, sa[:-1] + sb.replace(sa[-1], "")
    if op == "inner":
        sb = sb[:-1] + sa[-1]
        return sa, sb, sa[:-1] + sb[:-1]
    if isinstance(params, int):
        a_axes, b_axes = tuple(range(na - params, na)), tuple(range(params))
    else:
        a_axes, b_axes = (tuple(np.atleast_1d(ax) % n) for ax, n in zip(params, (na, nb)))
    sb = list(sb)
    for i, j in zip(a_axes, b_axes):
        sb[j] = sa[i]
    so = "".join(c for i, c in enumerate(sa) if i not in a_axes)
    so += "".join(c for j, c in enumerate(sb) if j not in b_axes)
    return sa, "".join(sb), so


def _operand(op, x):
    """`x` as the bilinear product `op` uses it (flattened for `outer`)."""
    return np.ravel(x) if op == "outer" else x


@primitive("bilinear")
def bilinear(op, a, b, params):
    """The bilinear product `op` ("dot", "matmul", "inner", "outer", "tensordot" with axes
    `params`, "einsum" with two-operand subscripts `params`) of `a` and `b`."""
    if op == "einsum":
        return np.einsum(params, a, b)
    if op == "tensordot":
        return np.tensordot(a, b, axes=params)
    return {"dot": np.dot, "matmul": np.matmul, "inner": np.inner, "outer": np.outer}[op](a, b)


@bilinear.defbprop
def bprop_bilinear(op, a, b, params, out, dout):
    return (
        ZERO,
        bilinear_sens_a(op, a, b, params, dout),
        bilinear_sens_b(op, a, b, params, dout),
        ZERO,
    )


@primitive("bilinear_sens_a")
def bilinear_sens_a(op, a, b, params, dout):
    """The sensitivity of `a` in `bilinear(op, a, b, params)` for output sensitivity `dout`
    (only `a`'s shape and type are used)."""
    sa, sb, so = _product_subscripts(op, a, b, params)
    g = np.einsum(f"{so},{sb}->{sa}", dout, _operand(op, b))
    return sum_to(np.reshape(g, np.shape(a)) if op == "outer" else g, a)


@bilinear_sens_a.defbprop
def bprop_bilinear_sens_a(op, a, b, params, dout, out, ds):
    return (
        ZERO,
        ZERO,
        bilinear_sens_b(op, ds, b, params, dout),
        ZERO,
        sum_to(bilinear(op, ds, b, params), dout),
    )


@primitive("bilinear_sens_b")
def bilinear_sens_b(op, a, b, params, dout):
    """The sensitivity of `b` in `bilinear(op, a, b, params)` for output sensitivity `dout`
    (only `b`'s shape and type are used)."""
    sa, sb, so = _product_subscripts(op, a, b, params)
    g = np.einsum(f"{so},{sa}->{sb}", dout, _operand(op, a))
    return sum_to(np.reshape(g, np.shape(b)) if op == "outer" else g, b)


@bilinear_sens_b.defbprop
def bprop_bilinear_sens_b(op, a, b, params, dout, out, ds):
    return (
        ZERO,
        bilinear_sens_a(op, a, ds, params, dout),
        ZERO,
        ZERO,
        sum_to(bilinear(op, a, ds, params), dout),
    )


# Products


@primitive("np.dot", py=[np.dot])
def np_dot(a, b):
    """`np.dot(a, b)`: scalar product, inner product, matrix products (NumPy semantics)."""
    return np.dot(a, b)


@np_dot.defbprop
def bprop_np_dot(a, b, out, dout):
    return (
        bilinear_sens_a("dot", a, b, None, dout),
        bilinear_sens_b("dot", a, b, None, dout),
    )


@primitive("np.matmul", py=[np.matmul])
def np_matmul(x1, x2):
    """`np.matmul(x1, x2)`, with batch broadcasting and 1-D operands promoted."""
    return np.matmul(x1, x2)


@np_matmul.defbprop
def bprop_np_matmul(x1, x2, out, dout):
    return (
        bilinear_sens_a("matmul", x1, x2, None, dout),
        bilinear_sens_b("matmul", x1, x2, None, dout),
    )


@primitive("np.inner", py=[np.inner])
def np_inner(a, b):
    """`np.inner(a, b)`: contraction over the last axes."""
    return np.inner(a, b)


@np_inner.defbprop
def bprop_np_inner(a, b, out, dout):
    return (
        bilinear_sens_a("inner", a, b, None, dout),
        bilinear_sens_b("inner", a, b, None, dout),
    )


@primitive("np.outer", py=[np.outer])
def np_outer(a, b):
    """`np.outer(a, b)` of the flattened inputs."""
    return np.outer(a, b)


@np_outer.defbprop
def bprop_np_outer(a, b, out, dout):
    return (
        bilinear_sens_a("outer", a, b, None, dout),
        bilinear_sens_b("outer", a, b, None, dout),
    )


@primitive("np.tensordot", py=[np.tensordot])
def np_tensordot(a, b, axes=2):
    """`np.tensordot(a, b, axes)`, `axes` an int or a pair of axis sequences."""
    return np.tensordot(a, b, axes=axes)


@np_tensordot.defbprop
def bprop_np_tensordot(a, b, axes, out, dout):
    return (
        bilinear_sens_a("tensordot", a, b, axes, dout),
        bilinear_sens_b("tensordot", a, b, axes, dout),
        ZERO,
    )


# Einsum


def _parse_einsum(subscripts):
    """The input subscripts (a list) and the output subscript of an einsum string."""
    s = subscripts.replace(" ", "")
    if "." in s:
        raise NotImplementedError("the gradient of np.einsum does not support '...'")
    if "->" in s:
        lhs, out = s.split("->")
    else:
        lhs = s
        letters = lhs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return lhs.split(","), out


def _einsum_kept(subscripts, k):
    """Operand `k`'s subscript and its distinct letters also found in the output or in
    another operand (the letters of its sensitivity einsum, in first-appearance order)."""
    inputs, out = _parse_einsum(subscripts)
    elsewhere = out + "".join(s for j, s in enumerate(inputs) if j != k)
    sub = inputs[k]
    return sub, "".join(c for c in dict.fromkeys(sub) if c in elsewhere)


@primitive("np.einsum", py=[np.einsum])
def np_einsum(subscripts, operands):
    """`np.einsum(subscripts, *operands)`: the parser packs the operands into the tuple
    `operands` (primitives are not variadic). Explicit `->` and implicit outputs; the
    gradient does not support `...`."""
    return np.einsum(subscripts, *operands)


@np_einsum.defbprop
def bprop_np_einsum(subscripts, operands, out, dout):
    sens = zeros_of(operands)
    for k in range(len(operands)):  # a loop: the number of operands varies
        partial = np_einsum(einsum_sens_subscripts(subscripts, k), einsum_pack(dout, operands, k))
        g = einsum_unfold(partial, subscripts, operands, k)
        sens = gadd(sens, sens_at(operands, k, g))
    return (ZERO, sens)


@primitive("einsum_sens_subscripts", nondiff=True)
def einsum_sens_subscripts(subscripts, k):
    """The einsum contracting (output sensitivity, other operands) into operand `k`'s kept
    letters (see `einsum_unfold`)."""
    inputs, out = _parse_einsum(subscripts)
    _, kept = _einsum_kept(subscripts, k)
    return ",".join([out] + [s for j, s in enumerate(inputs) if j != k]) + "->" + kept


@primitive("einsum_fold_subscripts", nondiff=True)
def einsum_fold_subscripts(subscripts, k):
    """The einsum taking operand `k` to its kept letters (the adjoint of `einsum_unfold`)."""
    sub, kept = _einsum_kept(subscripts, k)
    return sub + "->" + kept


@primitive("einsum_pack")
def einsum_pack(first, operands, k):
    """The tuple `(first, *operands without operands[k])`."""
    return (first,) + tuple(operands[:k]) + tuple(operands[k + 1 :])


@einsum_pack.defbprop
def bprop_einsum_pack(first, operands, k, out, dout):
    return (sens_get(dout, 0), einsum_unpack(dout, operands, k), ZERO)


@primitive("einsum_unpack")
def einsum_unpack(packed, operands, k):
    """The inverse of `einsum_pack` on sensitivities: `packed[1:]` with `ZERO` re-inserted
    at `k`, shaped like the tuple `operands`."""
    if packed is ZERO:
        return ZERO
    rest = tuple(packed[1:])
    return rest[:k] + (ZERO,) + rest[k:]


@einsum_unpack.defbprop
def bprop_einsum_unpack(packed, operands, k, out, dout):
    return (einsum_pack(ZERO, dout, k), ZERO, ZERO)


@primitive("einsum_unfold")
def einsum_unfold(g, subscripts, operands, k):
    """The sensitivity of operand `k` from `g`, its value on the kept letters: broadcast over
    the letters found only in operand `k`, placed on the diagonal of repeated letters."""
    sub, kept = _einsum_kept(subscripts, k)
    like = operands[k]
    sizes = dict(zip(sub, np.shape(like)))
    distinct = "".join(dict.fromkeys(sub))
    expanded = np.reshape(g, [sizes[c] if c in kept else 1 for c in distinct])
    full = np.broadcast_to(expanded, [sizes[c] for c in distinct])
    if distinct == sub:
        return sum_to(np.array(full), like)
    placed = np.zeros(np.shape(like), dtype=full.dtype)
    np.einsum(f"{sub}->{distinct}", placed)[...] = full
    return sum_to(placed, like)


@einsum_unfold.defbprop
def bprop_einsum_unfold(g, subscripts, operands, k, out, dout):
    folded = np_einsum(einsum_fold_subscripts(subscripts, k), (dout,))
    return (sum_to(folded, g), ZERO, ZERO, ZERO)


# Trace


@primitive("np.trace", py=[np.trace])
def np_trace(a, offset=0, axis1=0, axis2=1):
    """`np.trace(a, offset, axis1, axis2)`."""
    return np.trace(a, offset=offset, axis1=axis1, axis2=axis2)


@np_trace.defbprop
def bprop_np_trace(a, offset, axis1, axis2, out, dout):
    return (trace_sens(dout, a, offset, axis1, axis2), ZERO, ZERO, ZERO)


@primitive("trace_sens")
def trace_sens(d, a, offset, axis1, axis2):
    """Zeros shaped like `a` with `d` on the diagonal that `np.trace` sums (the adjoint of
    `np.trace`)."""
    d = np.asarray(d)
    placed = np.zeros(np.shape(a), dtype=d.dtype)
    view = np.moveaxis(placed, (axis1, axis2), (-2, -1))
    rows, cols = view.shape[-2:]
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    i = np.arange(n)
    view[..., i - min(offset, 0), i + max(offset, 0)] = d[..., None]
    return sum_to(placed, a)


@trace_sens.defbprop
def bprop_trace_sens(d, a, offset, axis1, axis2, out, dout):
    diag = np.trace(dout, offset=offset, axis1=axis1, axis2=axis2)
    return (sum_to(diag, d), ZERO, ZERO, ZERO, ZERO)


# Norms


def _norm_axes(x, ord, axis):
    """The normalized axis tuple `np.linalg.norm` reduces (1 axis: vector, 2: matrix)."""
    ndim = np.ndim(x)
    if axis is None:
        axis = tuple(range(ndim)) if ord is None or ndim in (1, 2) else (0, 1)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(int(ax) % ndim for ax in axes)


@primitive("norm_kind", nondiff=True)
def norm_kind(x, ord, axis):
    """How `np.linalg.norm(x, ord, axis)` is differentiated: "two" (2-norm or Frobenius),
    "one" (vector 1-norm), "p" (other vector p-norms) or "extreme" (vector ±inf, matrix ±1
    and ±inf: a maximum or minimum, ties sharing the gradient equally)."""
    axes = _norm_axes(x, ord, axis)
    if ord is None or (len(axes) == 1 and ord == 2) or (len(axes) == 2 and ord == "fro"):
        return "two"
    if len(axes) == 2 and ord in (1, -1, np.inf, -np.inf):
        return "extreme"
    if len(axes) == 1 and ord in (np.inf, -np.inf):
        return "extreme"
    if len(axes) == 1 and ord == 1:
        return "one"
    if len(axes) == 1 and ord != 0 and not isinstance(ord, str):
        return "p"
    raise NotImplementedError(f"the gradient of np.linalg.norm with ord={ord!r} is not supported")


@primitive("norm_inner_axes", nondiff=True)
def norm_inner_axes(x, ord, axis):
    """The axes an "extreme" norm sums `abs(x)` over before taking the extremum: none for
    vectors, the rows for matrix ord ±1, the columns for matrix ord ±inf."""
    axes = _norm_axes(x, ord, axis)
    if len(axes) == 1:
        return ()
    return (axes[0],) if ord in (1, -1) else (axes[1],)


@primitive("np.linalg.norm", py=[np.linalg.norm])
def np_linalg_norm(x, ord=None, axis=None, keepdims=False):
    """`np.linalg.norm(x, ord, axis, keepdims)`.

    Gradients: 2-norm and Frobenius norm (zero gradient at a zero vector, not NaN), vector
    1-norm (derivative of abs is 0 at 0), other vector p-norms, vector ±inf and matrix ±1,
    ±inf norms (ties divide the gradient equally). Matrix 2-norms and nuclear norms raise
    NotImplementedError when differentiated.
    """
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@np_linalg_norm.defbprop
def bprop_np_linalg_norm(x, ord, axis, keepdims, out, dout):
    kind = norm_kind(x, ord, axis)
    d = unreduce(dout, x, axis, keepdims)
    o = expand_reduced(out, x, axis, keepdims)
    sign = (x > 0) * 1.0 - (x < 0) * 1.0
    if kind == "two":
        g = d * x / (o + (o == 0))
    elif kind == "one":
        g = d * sign
    elif kind == "p":
        g = d * sign * (x * sign / (o + (o == 0))) ** (ord - 1)
    else:
        inner = np.sum(x * sign, axis=norm_inner_axes(x, ord, axis), keepdims=True)
        hit = inner == o
        g = d * sign * hit / np.sum(hit, axis=axis, keepdims=True)
    return (sum_to(g, x), ZERO, ZERO, ZERO)


# Matrix inverse, determinant, solve


@primitive("matrix_transpose")
def matrix_transpose(x):
    """`x` with its last two axes swapped."""
    return np.swapaxes(x, -1, -2)


@matrix_transpose.defbprop
def bprop_matrix_transpose(x, out, dout):
    return (matrix_transpose(dout),)


@primitive("np.linalg.inv", py=[np.linalg.inv])
def np_linalg_inv(a):
    """`np.linalg.inv(a)` (stacks of square matrices)."""
    return np.linalg.inv(a)


@np_linalg_inv.defbprop
def bprop_np_linalg_inv(a, out, dout):
    t = matrix_transpose(out)
    return (-np.matmul(np.matmul(t, dout), t),)


@primitive("np.linalg.det", py=[np.linalg.det])
def np_linalg_det(a):
    """`np.linalg.det(a)`; its gradient `det(a) * inv(a).T` needs `a` invertible."""
    return np.linalg.det(a)


@np_linalg_det.defbprop
def bprop_np_linalg_det(a, out, dout):
    scale = expand_reduced(dout * out, a, (-2, -1), False)
    return (sum_to(scale * matrix_transpose(np.linalg.inv(a)), a),)


@primitive("solve_subscripts", nondiff=True)
def solve_subscripts(a, b):
    """The einsum of `-sens(a)` from `(sens(b), x)` for `x = np.linalg.solve(a, b)`."""
    if np.ndim(b) == 1:
        if np.ndim(a) > 2:
            raise NotImplementedError(
                "the gradient of np.linalg.solve with stacked `a` and a 1-D `b` is not supported"
            )
        return "i,j->ij"
    return "...ik,...jk->...ij"


@primitive("np.linalg.solve", py=[np.linalg.solve])
def np_linalg_solve(a, b):
    """`np.linalg.solve(a, b)`, `b` a vector or (stacks of) matrices; the gradient does not
    support a stack of matrices `a` with a 1-D `b`."""
    return np.linalg.solve(a, b)


@np_linalg_solve.defbprop
def bprop_np_linalg_solve(a, b, out, dout):
    subscripts = solve_subscripts(a, b)
    db = np.linalg.solve(matrix_transpose(a), dout)
    return (sum_to(-bilinear("einsum", db, out, subscripts), a), sum_to(db, b))
