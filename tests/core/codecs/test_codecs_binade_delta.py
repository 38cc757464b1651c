"""``binade-delta``: the parent's exponents and a tall matrix's columns make fine-tunes smaller,
bit-exact for every pattern, the same bytes whatever the thread count, and chosen by default."""

from __future__ import annotations

import numpy as np
import pytest

from mgit_lab.core.codecs import parallel
from mgit_lab.core.codecs.abc import CodecNotApplicable, TensorSpec
from mgit_lab.core.codecs.binade_classes import bit_lengths, choose_shift
from mgit_lab.core.codecs.binade_delta import BinadeDelta
from mgit_lab.core.codecs.choose import encode_best
from mgit_lab.core.codecs.floatbits import f32_to_bf16
from mgit_lab.core.codecs.registry import get_codec
from tests.core.codecs.codec_cases import DTYPES, cases
from tests.core.codecs.test_codecs_contract import check_encode_decode

SPECIALS = np.array(
    [0x7FC00001, 0xFFA00000, 0x80000000, 0x00000000, 0x7F800000, 0xFF800000, 0x00000001, 0x807FFFFF],
    np.uint32,
).view(np.float32)


def _finetune(shape: tuple[int, ...], column_scales: bool = False, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(child, parent): Gaussian weights moved by about the same amount in value (as Adam
    does), per column by a different amount when ``column_scales``; special values at
    both ends, as parent and as child, in small and in large parents."""
    rng = np.random.default_rng(seed)
    parent = (rng.standard_normal(shape) * 0.05).astype(np.float32)
    scale = np.logspace(-3, -2, shape[-1]) if column_scales else 3e-4
    child = (parent + rng.standard_normal(shape) * scale).astype(np.float32)
    flat_c, flat_p = child.reshape(-1), parent.reshape(-1)
    flat_c[:8], flat_p[-8:] = SPECIALS, SPECIALS
    flat_c[8:16] = flat_p[8:16] * np.float32(1e-6)  # tiny parents' children and subnormals
    flat_p[16:24] = SPECIALS[::-1]
    return child, parent


def _round_trip(codec: BinadeDelta, child: np.ndarray, parent: np.ndarray) -> bytes:
    data = bytes(codec.encode(child, parent))
    out = codec.decode(data, parent, TensorSpec("float32", child.shape))
    assert out.dtype == child.dtype and out.shape == child.shape
    assert out.tobytes() == child.tobytes()
    return data


def test_small_parents_deltas_are_shifted_and_pay() -> None:
    child, parent = _finetune((400, 300))
    codec = BinadeDelta()
    planned = codec.plan(child, parent)
    assert planned.shift > 0 and planned.r == 2 and not planned.transposed
    data = _round_trip(codec, child, parent)
    ordered = get_codec({"id": "ordered-delta", "block": 1 << 20}).encode(child, parent)
    assert len(data) < 0.99 * len(ordered)


def test_tall_matrix_is_stored_by_column_and_pays() -> None:
    child, parent = _finetune((32768, 16), column_scales=True)  # zstd's tables: every 4 columns
    planned = BinadeDelta().plan(child, parent)
    assert planned.transposed and planned.shift == 0  # not both: decoding would be too slow
    codec = BinadeDelta(columns=True)
    data = _round_trip(codec, child, parent)
    ordered = get_codec({"id": "ordered-delta", "block": 1 << 20}).encode(child, parent)
    assert len(data) < 0.995 * len(ordered)  # (2% on the benchmark's word embedding)
    assert not BinadeDelta(tall_rows=65536).plan(child, parent).transposed


def test_bfloat16_deltas_round_trip_with_a_shift_when_asked() -> None:
    rng = np.random.default_rng(5)
    parent = f32_to_bf16(rng.standard_normal(200_000).astype(np.float32) * 0.05)
    moved = parent.astype(np.int32) + rng.integers(-3, 4, parent.size) * (parent >> 7 < 0x78)
    child = moved.astype(np.uint16)
    child[:4] = [0x7FC1, 0xFFA0, 0x8000, 0x0001]
    codec = BinadeDelta(block=30_000, min_width=2)
    assert codec.plan(child, parent).shift > 0
    data = codec.encode(child, parent)
    assert codec.decode(data, parent, TensorSpec("bfloat16", child.shape)).tobytes() == child.tobytes()
    # by default two-byte words are not shifted: their decoding would fall under 1,300 MB/s
    assert BinadeDelta().plan(child, parent).shift == 0


@pytest.fixture
def threads():
    yield parallel.set_threads
    parallel.set_threads(None)


@pytest.mark.parametrize("shape", [(300, 250), (3000, 40)], ids=["rows", "columns"])
def test_same_bytes_whatever_the_thread_count(shape, threads) -> None:
    child, parent = _finetune(shape, column_scales=shape[0] > 1000, seed=2)
    codec = BinadeDelta(block=7_000, columns=shape[0] > 1000)
    streams = []
    for n in (1, 2, 3):
        threads(n)
        streams.append(_round_trip(codec, child, parent))
    assert streams[0] == streams[1] == streams[2]


def test_damaged_streams_are_refused() -> None:
    child, parent = _finetune((300, 250))
    codec = BinadeDelta(block=20_000)
    data = bytearray(codec.encode(child, parent))
    spec = TensorSpec("float32", child.shape)
    with pytest.raises(ValueError):
        codec.decode(data[:-5], parent, spec)
    with pytest.raises(ValueError):
        codec.decode(bytes(data) + b"\0", parent, spec)
    other = parent.copy()
    other.reshape(-1)[::7] *= np.float32(1e-3)  # another parent: other small parents
    with pytest.raises(ValueError):
        codec.decode(data, other, spec)
    wrong = bytearray(data)
    wrong[0] = 9  # unknown version
    with pytest.raises(ValueError):
        codec.decode(wrong, parent, spec)


def test_no_shift_when_the_exponent_says_nothing() -> None:
    rng = np.random.default_rng(4)
    parent = rng.integers(0, 2**31, 50_000, dtype=np.uint32)
    high = rng.integers(0, 64, 50_000).astype(np.uint16)  # delta sizes independent of the parent
    assert choose_shift(high, parent) == (0, 0, 0.0)
    assert bit_lengths(np.array([0, 1, 2, 3, 255, 256, 65535], np.uint16)).tolist() == [0, 1, 2, 2, 8, 9, 16]
    assert bit_lengths(np.array([0, 1, 2**31, 2**32 - 1], np.uint32)).tolist() == [0, 1, 32, 32]


def test_the_chooser_takes_it_for_large_fine_tunes_only() -> None:
    child, parent = _finetune((400, 300))
    spec = TensorSpec("float32", child.shape)
    codec, data = encode_best(child, spec, parent, spec)
    assert codec.id == "binade-delta"
    assert codec.decode(data, parent, spec).tobytes() == child.tobytes()
    small_child, small_parent = _finetune((200, 100))  # below the sample plan's minimum size
    small = TensorSpec("float32", small_child.shape)
    assert encode_best(small_child, small, small_parent, small)[0].id == "ordered-delta"
    grouped, _ = encode_best(child, spec, parent, spec, effort="small")
    assert grouped.id == "ordered-delta" and grouped.get_config().get("group")


@pytest.mark.parametrize("dtype", DTYPES)
def test_columns_layout_round_trips_every_matrix_case(dtype) -> None:
    codec = get_codec({"id": "binade-delta", "block": 300, "min_size": 64, "columns": True})
    ran = [name for name, child, base in cases(dtype) if check_encode_decode(codec, child, base, dtype)]
    if dtype in ("float32", "float64"):  # (bf16, fp16 deltas of these cases keep no raw halves)
        assert "finetune-columns" in ran and "finetune-37x29" in ran
    with pytest.raises(CodecNotApplicable):
        codec.encode(np.zeros(5, np.float32), np.ones(5, np.float32))


def test_a_repository_stores_a_large_fine_tune_with_it(tmp_path) -> None:
    from mgit_lab.api import Repository

    child, parent = _finetune((400, 300))
    small_child, small_parent = _finetune((100, 30), seed=1)
    repo = Repository.init(tmp_path / "repo")
    repo.add_arrays({"w": (parent, "float32"), "b": (small_parent, "float32")}, "base")
    repo.add_arrays({"w": (child, "float32"), "b": (small_child, "float32")}, "ft", parents=[("base", "finetune")])
    info = repo.store.info(repo.version("ft").manifest["w"].oid)
    assert info.codecs == ("binade-delta",) and info.depth == 1
    assert repo.store.info(repo.version("ft").manifest["b"].oid).codecs == ("ordered-delta",)
    repo.store.clear_cache()
    got = repo.checkout_arrays("ft")
    assert got["w"][0].tobytes() == child.tobytes() and got["b"][0].tobytes() == small_child.tobytes()
