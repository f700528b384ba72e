"""Backpropagator chains, written in the supported subset so that they differentiate too.

A chain is a linked list of backpropagators, `(newest, (older, (... , None)))`. A tail
call passes its caller's chain on, so a loop of N iterations builds a chain of N links in
its forward pass without growing the stack, and `run_chain` walks it newest-first in a
plain loop in the backward pass.
"""


def run_chain(chain, d):
    """Run every backpropagator of `chain`, newest first, feeding each the previous result."""
    while chain is not None:
        d = chain[0](d)
        chain = chain[1]
    return d
