"""Shared bases of the strategies that compute on tensor values.

:class:`TensorStrategy` decodes every model (and the ancestor when it uses one) into torch
tensors of the computation dtype, calls :meth:`TensorStrategy.compute`, and rounds the
result to the output dtype (rules in ``dtypes.py``).  :class:`ArithmeticStrategy` is the
older two-sided float64 numpy form, kept for third-party strategies written against it.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from .base import MergeStrategy, Param, Signature, TensorJob, show
from .dtypes import compute_dtype, family, from_torch, output_dtype, to_torch


def refuse_values(models: Sequence[Signature | None], ancestor: Signature | None, needs_ancestor: bool) -> str | None:
    """Why these parameters cannot be combined arithmetically, or None."""
    two = len(models) == 2
    for i, m in enumerate(models):
        if m is None:
            who = "AB"[i] if two else f"version {i + 1}"
            return f"{who} lacks the parameter, so there is nothing to combine"
    sigs = [m for m in models if m is not None]
    shapes = {s[1] for s in sigs}
    if len(shapes) > 1:
        if two:
            return f"A is {show(sigs[0])} but B is {show(sigs[1])}"
        return "shapes differ: " + ", ".join(show(s) for s in sigs)
    families = {family(s[0]) for s in sigs}
    if families - {"float", "int"}:
        return f"{sigs[0][0]} parameters cannot be combined arithmetically"
    if len(families) > 1:
        return "dtype conflict: " + ", ".join(s[0] for s in sigs) + " (floating and integer values do not mix)"
    if needs_ancestor:
        if ancestor is None:
            return "the ancestor lacks it, so there are no task vectors"
        if ancestor[1] != sigs[0][1]:
            return f"the ancestor is {show(ancestor)} but the models are {show(sigs[0])}"
        if family(ancestor[0]) not in families:
            return f"dtype conflict: the ancestor is {ancestor[0]}, the models {sigs[0][0]}"
    return None


class TensorStrategy(MergeStrategy):
    """A strategy computing on torch tensors of the computation dtype."""

    resolves: ClassVar[tuple[str, ...]] = ("both_changed", "both_added")

    def refuse(self, models: Sequence[Signature | None], ancestor: Signature | None) -> str | None:
        return refuse_values(models, ancestor, self.needs_ancestor)

    def uses_ancestor(self, job: TensorJob) -> bool:
        """Whether :meth:`compute` receives the ancestor (always when it needs one)."""
        return self.needs_ancestor

    def merge(self, job: TensorJob) -> Param | None:
        models = [m for m in job.models if m is not None]
        out = output_dtype(m[1] for m in models)
        use = self.uses_ancestor(job) and job.ancestor is not None
        dtypes = [m[1] for m in models] + ([job.ancestor[1]] if use and job.ancestor else [])
        cd = compute_dtype(job.dtype, dtypes)
        tensors = [to_torch(m, cd) for m in models]
        base = to_torch(job.ancestor, cd) if use and job.ancestor is not None else None
        with torch.no_grad():
            result = self.compute(tensors, base, job)
        inputs = {t.untyped_storage().data_ptr() for t in [*tensors, *([base] if base is not None else [])]}
        if result.untyped_storage().data_ptr() in inputs:  # an input returned as is: never alias the caller's array
            result = result.clone()
        return from_torch(result, out)

    @abstractmethod
    def compute(self, models: list[torch.Tensor], base: torch.Tensor | None, job: TensorJob) -> torch.Tensor:
        """The merged values (in the computation dtype); ``models`` and ``base`` must not be modified."""


class ArithmeticStrategy(MergeStrategy):
    """A two-model strategy computing on float64 numpy values of A, B (and the ancestor)."""

    resolves: ClassVar[tuple[str, ...]] = ("both_changed", "both_added")
    max_models: ClassVar[int | None] = 2

    def refuse(self, models: Sequence[Signature | None], ancestor: Signature | None) -> str | None:
        return refuse_values(models, ancestor, self.needs_ancestor)

    def merge(self, job: TensorJob) -> Param | None:
        a, b = job.models
        assert a is not None and b is not None
        use = job.ancestor is not None and self.needs_ancestor

        def f64(p: Param) -> np.ndarray:
            return to_torch(p, torch.float64).numpy()

        values = self.combine(f64(a), f64(b), f64(job.ancestor) if use and job.ancestor else None, job.args)
        return from_torch(torch.from_numpy(np.asarray(values, dtype=np.float64)), output_dtype([a[1], b[1]]))

    @abstractmethod
    def combine(
        self,
        a: np.ndarray,
        b: np.ndarray,
        ancestor: np.ndarray | None,
        args: Mapping[str, Any],
    ) -> np.ndarray:
        """The merged float64 values."""
