"""Benchmarks of myia's gradients against hand-written NumPy adjoints.

Run them with `python -m benchmarks.run` (see benchmarks/README.md).
"""
