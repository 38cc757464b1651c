"""When an inferred parent is a guess: the threshold, the candidates in words, the fix.

``add`` never chooses silently below :data:`LOW_CONFIDENCE`: it says so, naming the top
candidates with their evidence and the exact ``mgit reparent`` command that changes the
choice (the CLI asks instead on a terminal).  Light: no numpy.
"""

from __future__ import annotations

import shlex

from ..schema import InferenceResult

#: below this inference confidence ``add`` says so (candidates, evidence, how to change it)
LOW_CONFIDENCE = 0.2

#: inference leaves a model a root when the best candidate's score exceeds this
DEFAULT_MAX_DISTANCE = 0.5


def doubtful(inference: InferenceResult | None) -> bool:
    """True when a parent was inferred with a confidence below :data:`LOW_CONFIDENCE`."""
    return bool(inference and inference["parent_id"] and inference["confidence"] < LOW_CONFIDENCE)


def describe_candidates(inference: InferenceResult, limit: int = 3) -> list[str]:
    """One line per top candidate: name, score, distance and the bit-level evidence."""
    return [
        f"{i}. {c['name']}: score {c['score']:.3g}, distance {c['distance']:.2%}, "
        f"{c['equal_fraction']:.0%} equal weights, {c['identical_fraction']:.0%} identical tensors"
        for i, c in enumerate(inference["candidates"][:limit], 1)
    ]


def reparent_command(name: str, parent: str | None = None) -> str:
    """The exact command that changes the parent of version ``name``."""
    target = f"--parent {shlex.quote(parent)}" if parent else "--parent OTHER"
    return f"mgit reparent {shlex.quote(name)} {target}"
