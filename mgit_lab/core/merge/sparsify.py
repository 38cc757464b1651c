"""Sparsifying a task vector: which entries of ``delta = model - ancestor`` survive.

Four selections, each in the two arithmetic modes strategies offer:

- ``magnitude`` (TIES' trim).  mergekit: keep ``k = max(1, int(density * n))`` entries,
  the first ``k`` of ``torch.argsort(|delta|, descending=True)``, so entries tied at the
  threshold are cut to exactly ``k`` in argsort order.  paper: keep every entry whose
  magnitude reaches the ``ceil(density * n)``-th largest (ties at the threshold all kept).
- ``random`` (DARE).  Keep each entry with probability ``density`` (one Bernoulli draw per
  entry, from the job's generator, in model order).  mergekit rescales the kept entries so
  the L1 norm is unchanged (``rescale``); paper divides them by ``density``.
- ``magnitude_outliers`` (Model Breadcrumbs): drop the ``int(gamma * n)`` largest entries,
  then the smallest, keeping ``int(density * n)`` (one mode: mergekit's equals the paper's
  with beta = 1 - density - gamma).
- ``della`` (DELLA's MAGPRUNE): rank the entries of each row by magnitude; keep each with
  probability ``density - epsilon + 2 * epsilon * rank / (n - 1)``.  mergekit rescales to
  the L1 norm (``rescale``); paper divides each kept entry by its own keep probability.

The arithmetic is written to follow mergekit 0.1.5's operation order, so results agree
with it bit for bit in float32 (see tests/core/merge/test_mergekit_agreement.py).
"""

from __future__ import annotations

import math

import torch


def rescale_l1(delta: torch.Tensor, mask: torch.Tensor, rescale: bool, eps: float = 1e-7) -> torch.Tensor:
    """``delta * mask``, scaled so its L1 norm equals ``delta``'s when ``rescale`` (and both are > eps)."""
    masked = delta * mask
    if not rescale:
        return masked
    before, after = delta.abs().sum(), masked.abs().sum()
    if before < eps or after < eps:
        return masked
    return masked * (before / after)


def magnitude(delta: torch.Tensor, density: float, rescale: bool, mode: str) -> torch.Tensor:
    if density >= 1:
        return delta
    if density <= 0 or delta.numel() == 0:
        return torch.zeros_like(delta)
    w = delta.abs().reshape(-1).float()
    if mode == "paper":
        keep = max(1, math.ceil(density * delta.numel()))
        threshold = torch.topk(w, keep).values[-1]
        return rescale_l1(delta, (w >= threshold).reshape_as(delta).to(delta.dtype), rescale)
    k = max(1, int(density * delta.numel()))
    mask = torch.zeros(delta.numel(), dtype=delta.dtype)
    mask[torch.argsort(w, descending=True)[:k]] = 1
    return rescale_l1(delta, mask.reshape_as(delta), rescale)


def _work_dtype(delta: torch.Tensor) -> torch.dtype:
    return torch.bfloat16 if delta.dtype == torch.bfloat16 else torch.float32


def bernoulli(
    delta: torch.Tensor, density: float, rescale: bool, mode: str, generator: torch.Generator
) -> torch.Tensor:
    if density >= 1:
        return delta
    work = _work_dtype(delta)
    mask = torch.bernoulli(torch.full_like(delta, density, dtype=work), generator=generator)
    if mode == "paper":
        return (delta * mask.to(delta.dtype)) / density if density > 0 else torch.zeros_like(delta)
    return rescale_l1(delta.to(work), mask, rescale).to(delta.dtype)


def magnitude_outliers(delta: torch.Tensor, density: float, gamma: float, rescale: bool) -> torch.Tensor:
    if density >= 1:
        return delta
    n = delta.numel()
    target = int(density * n)
    n_top = int(gamma * n)
    n_bottom = max(0, n - target - n_top)
    order = torch.sort(delta.abs().reshape(-1).float(), descending=False).indices
    mask = torch.zeros(n, dtype=delta.dtype)
    mask[order[n_bottom : n_bottom + target]] = 1
    return rescale_l1(delta, mask.reshape_as(delta), rescale)


def della(
    delta: torch.Tensor,
    density: float,
    epsilon: float,
    rescale: bool,
    mode: str,
    generator: torch.Generator,
) -> torch.Tensor:
    if density >= 1:
        return delta
    if density <= 0:
        return torch.zeros_like(delta)
    shape = delta.shape
    work = _work_dtype(delta)
    rows = delta.unsqueeze(0) if delta.dim() < 2 else delta
    ranks = torch.argsort(rows.abs(), dim=1, descending=False).argsort(dim=1).to(work) + 1
    low, high = ranks.min(dim=1, keepdim=True).values, ranks.max(dim=1, keepdim=True).values
    span = high - low  # zero for rows of one entry, where mergekit divides 0 by 0
    rank_norm = torch.where(span > 0, (ranks - low) / torch.where(span > 0, span, 1), 0).clamp(0, 1)
    probs = (density - epsilon) + rank_norm * 2 * epsilon
    mask = torch.bernoulli(probs, generator=generator).to(work)
    if mode == "paper":
        return ((rows.to(work) * mask) / probs).to(delta.dtype).reshape(shape)
    return rescale_l1(rows.to(work), mask, rescale).to(delta.dtype).reshape(shape)
