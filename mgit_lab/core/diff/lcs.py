"""Longest common subsequence of two sequences of hashable keys (numpy, O(n*m) cells).

Among subsequences of the greatest length, one pairing the most elements with equal
*tags* (e.g. module paths) wins, so equal-length alignments prefer same-named layers.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np


def lcs_pairs(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    tags_a: Sequence[Hashable] | None = None,
    tags_b: Sequence[Hashable] | None = None,
) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)`` with ``a[i] == b[j]`` forming a longest common subsequence.

    Common prefixes and suffixes (of keys and tags) are matched first; the rest runs one
    vectorised dynamic-programming row per element of ``a``.
    """
    n, m = len(a), len(b)
    ta = list(tags_a) if tags_a is not None else [None] * n
    tb = list(tags_b) if tags_b is not None else [None] * m
    head = 0
    while head < n and head < m and a[head] == b[head] and ta[head] == tb[head]:
        head += 1
    tail = 0
    while (
        tail < n - head
        and tail < m - head
        and a[n - 1 - tail] == b[m - 1 - tail]
        and ta[n - 1 - tail] == tb[m - 1 - tail]
    ):
        tail += 1
    pairs = [(i, i) for i in range(head)]
    mid = _dp(a[head : n - tail], b[head : m - tail], ta[head : n - tail], tb[head : m - tail])
    pairs += [(head + i, head + j) for i, j in mid]
    pairs += [(n - tail + k, m - tail + k) for k in range(tail)]
    return pairs


def _codes(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    codes: dict[Hashable, int] = {}
    ca = np.array([codes.setdefault(x, len(codes)) for x in a], dtype=np.int64)
    cb = np.array([codes.setdefault(x, len(codes)) for x in b], dtype=np.int64)
    return ca, cb


def _dp(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    ta: Sequence[Hashable],
    tb: Sequence[Hashable],
) -> list[tuple[int, int]]:
    n, m = len(a), len(b)
    if not n or not m:
        return []
    ca, cb = _codes(a, b)
    ga, gb = _codes(ta, tb)
    big = n + m + 1  # one more matched element outweighs any number of tag agreements
    table = np.zeros((n + 1, m + 1), dtype=np.int64)
    floor = np.full(m, -1, dtype=np.int64)
    for i in range(1, n + 1):
        prev = table[i - 1]
        weight = big + (gb == ga[i - 1])
        diag = np.where(cb == ca[i - 1], prev[:-1] + weight, floor)
        table[i, 1:] = np.maximum.accumulate(np.maximum(prev[1:], diag))
    out = []
    i, j = n, m
    while i > 0 and j > 0:
        w = big + (1 if ga[i - 1] == gb[j - 1] else 0)
        if ca[i - 1] == cb[j - 1] and table[i, j] == table[i - 1, j - 1] + w:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif table[i - 1, j] >= table[i, j - 1]:
            i -= 1
        else:
            j -= 1
    out.reverse()
    return out
