# The Hessian-vector product of the peer benchmark's `tanh_cube`, as myia times it.
#
# This is not a module of its own: benchmarks.loading appends this text to the source of
# peer_workloads.py and loads the two as one module (from a file on disk, as myia needs), so
# `np` and `tanh_cube` below are that module's. myia times myia.grad(hvp_objective)(x, v),
# which is H(x) v; its baseline is peer_workloads.hand_hvp_tanh_cube(x, v).
import myia


def hvp_objective(x, v):
    return np.sum(myia.grad(tanh_cube)(x) * v)  # noqa: F821 (np, tanh_cube: see above)
