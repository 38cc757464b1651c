"""Per-tensor change statistics and the LCS alignment underneath the -lcs matcher."""

from __future__ import annotations

import random
from itertools import pairwise

import numpy as np
import pytest

from mgit_lab.core.diff.lcs import lcs_pairs
from mgit_lab.core.diff.param_diff import RANK_PROBE, update_rank, update_stats


def test_stats_match_numpy_on_float32():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 200)).astype(np.float32)
    b = a.copy()
    b[:10] += rng.standard_normal((10, 200)).astype(np.float32)
    out = update_stats(a, b, "float32")
    d = b.astype(np.float64) - a.astype(np.float64)
    assert out["l2"] == pytest.approx(np.linalg.norm(d), rel=1e-5)
    assert out["relative"] == pytest.approx(np.linalg.norm(d) / np.linalg.norm(a.astype(np.float64)), rel=1e-5)
    assert out["fraction_changed"] == pytest.approx(np.count_nonzero(a != b) / a.size)
    assert (out["rank"], out["rank_exact"]) == (10, True)


def test_low_rank_updates_are_found_by_the_sketch_and_full_rank_ones_are_a_lower_bound():
    rng = np.random.default_rng(1)
    w = (rng.standard_normal((512, 384)) * 0.02).astype(np.float32)
    lora = ((rng.standard_normal((512, 4)) * 0.01) @ (rng.standard_normal((4, 384)) * 0.01)).astype(np.float32)
    assert update_rank(w, w + lora, "float32") == (4, True)
    noise = (rng.standard_normal((512, 384)) * 1e-3).astype(np.float32)
    assert update_rank(w, w + noise, "float32") == (RANK_PROBE, False)


def test_bfloat16_integers_and_booleans():
    rng = np.random.default_rng(2)
    f = rng.standard_normal(1000).astype(np.float32)
    bits_a = (f.view(np.uint32) >> 16).astype(np.uint16)  # bfloat16 as stored: uint16 bit patterns
    bits_b = bits_a.copy()
    bits_b[:100] ^= 1
    out = update_stats(bits_a, bits_b, "bfloat16")
    assert out["fraction_changed"] == pytest.approx(0.1)

    def widen(x):
        return (x.astype(np.uint32) << 16).view(np.float32).astype(np.float64)

    assert out["l2"] == pytest.approx(np.linalg.norm(widen(bits_b) - widen(bits_a)), rel=1e-5)
    ints = update_stats(np.arange(10, dtype=np.int64), np.arange(10, dtype=np.int64) * 2, "int64")
    assert ints["l2"] == pytest.approx(np.linalg.norm(np.arange(10)))
    assert ints["fraction_changed"] == pytest.approx(0.9)
    flags = update_stats(np.zeros(8, bool), np.array([1, 0, 0, 0, 0, 0, 0, 1], bool), "bool")
    assert flags == {"fraction_changed": 0.25}


def test_nan_to_nan_is_unchanged_and_zero_base_has_no_relative_change():
    a = np.array([np.nan, 1.0, 0.0], np.float32)
    assert update_stats(a, a.copy(), "float32")["fraction_changed"] == 0
    z = np.zeros(4, np.float32)
    assert update_stats(z, z + 1, "float32")["relative"] is None


def _lcs_length(a, b):
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            t[i + 1][j + 1] = t[i][j] + 1 if x == y else max(t[i][j + 1], t[i + 1][j])
    return t[-1][-1]


def test_lcs_is_longest_and_prefers_equal_tags():
    rnd = random.Random(0)
    for _ in range(300):
        a = [rnd.randint(0, 3) for _ in range(rnd.randint(0, 12))]
        b = [rnd.randint(0, 3) for _ in range(rnd.randint(0, 12))]
        pairs = lcs_pairs(a, b)
        assert len(pairs) == _lcs_length(a, b)
        assert all(a[i] == b[j] for i, j in pairs)
        assert all(p < q for (p, _), (q, _) in pairwise(pairs))
        assert all(p < q for (_, p), (_, q) in pairwise(pairs))
    # two equally long alignments: the one pairing same-named elements wins
    assert lcs_pairs(["L", "L"], ["L"], ["x", "y"], ["y"]) == [(1, 0)]
    assert lcs_pairs(["L", "L"], ["L"], ["x", "y"], ["x"]) == [(0, 0)]
