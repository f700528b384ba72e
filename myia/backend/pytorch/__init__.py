"""The PyTorch backend (`backend="torch"`): the typed, optimized programs the NumPy backend
compiles, written as PyTorch tensor code for a device by the same code generator.

- `target.py`: the `Target` of torch code (its prelude, its constants as tensors on the
  device, the choice of emitter per application: host code for numbers, the torch entry
  of the primitive for tensors, a `MyiaBackendError` at the user's line for a refused one);
- `emitters.py`: the torch entry of every primitive (an emitter, the NumPy one where it is
  right for tensors, or the reason for a refusal);
- `runtime.py`: the functions generated torch code calls (functional updates, the
  sensitivity helpers);
- `calls.py`: arguments in (NumPy arrays moved to the device, tensors kept) and results
  out (NumPy arrays for NumPy arguments, tensors for tensors).

torch is imported only when this backend is used.
"""
