"""The automatic codec choice picks the structure each child has, and the smallest encoding."""

from __future__ import annotations

import numpy as np
import pytest

from mgit_lab.core.codecs.abc import TensorSpec
from mgit_lab.core.codecs.choose import encode_best
from mgit_lab.core.codecs.registry import get_codec
from tests.core.codecs.codec_cases import to_storage


def spec(a: np.ndarray, dtype: str | None = None) -> TensorSpec:
    return TensorSpec(dtype or a.dtype.name, tuple(a.shape))


def choose(child, base=None, *, dtype=None, base_dtype=None, whole=True, lossy_bound=None):
    codec, data = encode_best(
        child,
        spec(child, dtype),
        base,
        None if base is None else spec(base, base_dtype),
        whole=whole,
        lossy_bound=lossy_bound,
    )
    out = codec.decode(data, base if codec.needs_base else None, spec(child, dtype))
    if codec.lossless:
        assert out.tobytes() == child.tobytes()
    return codec, data


@pytest.fixture
def parent() -> np.ndarray:
    return (np.random.default_rng(0).standard_normal((256, 192)) * 0.05).astype(np.float32)


def test_fine_tune_gets_the_ordered_delta(parent) -> None:
    child = (parent + np.random.default_rng(1).standard_normal(parent.shape).astype(np.float32) * 1e-3).astype(
        np.float32
    )
    codec, data = choose(child, parent)
    assert codec.id == "ordered-delta"
    assert len(data) <= len(get_codec("xor-delta").encode(child, parent))


def test_magnitude_pruning_costs_almost_nothing(parent) -> None:
    child = parent * (np.abs(parent) >= np.quantile(np.abs(parent), 0.5))  # -0.0 where negative
    codec, data = choose(child.astype(np.float32), parent)
    assert codec.id == "prune-delta"
    assert len(data) < 0.002 * child.nbytes


def test_random_pruning_falls_back_to_an_explicit_mask(parent) -> None:
    mask = np.random.default_rng(2).random(parent.shape) < 0.5
    child = np.where(mask, parent, np.float32(0)).astype(np.float32)
    codec, data = choose(child, parent)
    assert codec.id == "prune-delta"
    assert len(data) < 0.05 * child.nbytes  # about one bit per element


def test_merged_low_rank_update_is_factorised(parent) -> None:
    rng = np.random.default_rng(3)
    b, a = rng.standard_normal((256, 8)) * 0.01, rng.standard_normal((8, 192)) * 0.01
    child = (parent + (b @ a).astype(np.float32) * 2).astype(np.float32)  # W + scale * B A, in float32
    codec, data = choose(child, parent)
    assert codec.id == "lowrank-delta"
    assert len(data) < 0.15 * child.nbytes
    codec, _ = choose(child, parent, whole=False)
    assert codec.id != "lowrank-delta"


@pytest.mark.parametrize("target", ["float16", "bfloat16"])
def test_dtype_cast_child_costs_almost_nothing(parent, target) -> None:
    child = to_storage(parent.astype(np.float64), target)
    codec, data = choose(child, parent, dtype=target, base_dtype="float32")
    assert codec.id == "cast-delta"
    assert len(data) < 64


def test_few_changed_elements_get_the_sparse_delta(parent) -> None:
    child = parent.copy()
    child[7, :] += 0.01
    child[100, 5] = 1.0
    codec, data = choose(child, parent)
    assert codec.id == "sparse-delta"
    assert len(data) < 0.02 * child.nbytes


def test_without_a_base_the_whole_tensor_is_compressed(parent) -> None:
    codec, data = choose(parent)
    assert codec.id == "float-planes"
    assert len(data) < 0.95 * parent.nbytes


def test_a_replaced_tensor_is_not_stored_as_a_delta(parent) -> None:
    fresh = (np.random.default_rng(4).standard_normal(parent.shape) * 0.05).astype(np.float32)
    codec, _ = choose(fresh, parent)
    assert codec.id == "float-planes"


def test_incompressible_bytes_are_stored_raw() -> None:
    noise = np.random.default_rng(5).integers(0, 256, 5000, dtype=np.uint8)
    codec, data = choose(noise)
    assert codec.id == "raw" and len(data) == noise.nbytes


def test_choice_is_the_smallest_of_the_generic_candidates() -> None:
    rng = np.random.default_rng(6)
    for scale in (1e-6, 1e-3, 1e-1):
        base = (rng.standard_normal(3000) * 0.05).astype(np.float32)
        child = (base + rng.standard_normal(3000) * scale).astype(np.float32)
        _, data = choose(child, base)
        for cid in ("ordered-delta", "xor-delta", "zstd-bytegroup", "float-planes", "raw"):
            codec = get_codec(cid)
            assert len(data) <= len(codec.encode(child, base if codec.needs_base else None))


def test_lossy_only_when_a_bound_is_given(parent) -> None:
    child = (parent + np.random.default_rng(7).standard_normal(parent.shape).astype(np.float32) * 1e-3).astype(
        np.float32
    )
    assert choose(child, parent)[0].lossless
    codec, data = choose(child, parent, lossy_bound=1e-4)
    assert codec.id == "lossy-delta" and codec.get_config()["error_bound"] == 1e-4
    out = codec.decode(data, parent, spec(child))
    assert np.max(np.abs(out.astype(np.float64) - child)) <= 1e-4
    codec, _ = choose(child, None, lossy_bound=1e-4)
    assert codec.id == "lossy-quant"
    ints = np.arange(100, dtype=np.int32)
    assert choose(ints, None, lossy_bound=1e-4)[0].lossless
