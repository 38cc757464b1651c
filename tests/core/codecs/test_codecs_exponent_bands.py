"""``exponent-bands``: matrices whose rows or columns differ in scale, bit-exact in every float
dtype, the same bytes whatever the thread count, and picked by the chooser only where it pays."""

from __future__ import annotations

import numpy as np
import pytest

from mgit_lab.core.codecs import exponent_bands, parallel
from mgit_lab.core.codecs.abc import CodecNotApplicable, TensorSpec
from mgit_lab.core.codecs.choose import encode_best
from mgit_lab.core.codecs.exponent_bands import band_gain
from mgit_lab.core.codecs.registry import get_codec
from mgit_lab.core.store import ObjectStore, WriterLock, verify_store
from tests.core.codecs.codec_cases import FLOATS, _specials, to_storage

#: small bands and blocks, so that small test matrices have many of both
SMALL = {"id": "exponent-bands", "min_band": 64, "block": 200}


def scaled(dtype: str, shape: tuple[int, ...], axis: int, seed: int = 0) -> np.ndarray:
    """Gaussian values whose lines along ``axis`` have log-normal scales; specials spread in."""
    rng = np.random.default_rng(seed)
    scale_shape = [1] * len(shape)
    scale_shape[axis] = shape[axis]
    values = rng.standard_normal(shape) * np.exp(rng.normal(-4, 1.5, scale_shape))
    out = to_storage(values, dtype).reshape(-1)
    sp = _specials(dtype)
    out[rng.choice(out.size, sp.size, replace=False)] = sp  # NaN payloads, +-0.0, +-inf, subnormals
    return out.reshape(shape)


@pytest.fixture
def threads():
    yield parallel.set_threads
    parallel.set_threads(None)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("shape", "axis", "transposed"), [((90, 70), 0, 0), ((50, 120), 1, 1), ((6, 15, 40), 2, 1)])
def test_round_trip_is_bit_exact(dtype: str, shape: tuple[int, ...], axis: int, transposed: int) -> None:
    child = scaled(dtype, shape, axis)
    codec = get_codec(SMALL)
    data = codec.encode(child)
    assert data[1] == transposed, "the band axis follows the lines whose scales differ"
    assert int.from_bytes(data[2:4], "little") > 1, "the test must cover several bands"
    out = codec.decode(data, None, TensorSpec(dtype, shape))
    assert out.dtype == child.dtype and out.shape == child.shape
    assert out.tobytes() == child.tobytes()


def test_same_bytes_whatever_the_thread_count(threads) -> None:
    child = scaled("bfloat16", (300, 256), 0, seed=2)
    codec = get_codec({**SMALL, "block": 4096})
    spec = TensorSpec("bfloat16", child.shape)
    streams = []
    for n in (1, 2, 3):
        threads(n)
        data = bytes(codec.encode(child))
        streams.append(data)
        assert codec.decode(data, None, spec).tobytes() == child.tobytes()
    assert streams[0] == streams[1] == streams[2]


def test_only_float_matrices() -> None:
    codec = get_codec("exponent-bands")
    assert not codec.accepts(TensorSpec("float32", (100,)), None)
    assert not codec.accepts(TensorSpec("int32", (10, 10)), None)
    assert codec.accepts(TensorSpec("bfloat16", (10, 10)), None)
    with pytest.raises(CodecNotApplicable):
        codec.encode(np.zeros((4, 4), np.int32))
    assert band_gain(np.zeros(100, np.float32)) == 0.0


def test_stream_of_another_shape_or_damaged_is_refused() -> None:
    child = scaled("float32", (90, 70), 0)
    codec = get_codec(SMALL)
    data = codec.encode(child)
    with pytest.raises(ValueError, match="does not fit"):
        codec.decode(data, None, TensorSpec("float32", (70, 90)))
    with pytest.raises(ValueError):
        codec.decode(data[:-5], None, TensorSpec("float32", (90, 70)))


def test_chooser_takes_bands_where_lines_differ_in_scale() -> None:
    child = scaled("bfloat16", (1024, 384), 1, seed=4)
    spec = TensorSpec("bfloat16", child.shape)
    assert band_gain(child) > 0.3
    codec, data = encode_best(child, spec, None, None)
    assert codec.id == "exponent-bands"
    assert len(data) < 0.98 * len(get_codec("float-planes").encode(child))
    assert codec.decode(data, None, spec).tobytes() == child.tobytes()


def test_chooser_keeps_float_planes_for_uniform_scales_and_children() -> None:
    rng = np.random.default_rng(5)
    child = to_storage(rng.standard_normal((1024, 384)) * 0.02, "bfloat16")
    spec = TensorSpec("bfloat16", child.shape)
    assert band_gain(child) < 0.02
    assert encode_best(child, spec, None, None)[0].id == "float-planes"
    scaled_child = scaled("bfloat16", (1024, 384), 1, seed=4)
    codec, _ = encode_best(scaled_child, spec, scaled_child ^ np.uint16(1), spec)
    assert codec.id != "exponent-bands", "a child with a parent keeps the delta codecs"
    chunk = scaled_child.reshape(-1)
    assert encode_best(chunk, TensorSpec("bfloat16", chunk.shape), None, None, whole=False)[0].id == "float-planes"


def test_store_writes_bands_for_a_whole_root_and_float_planes_for_its_chunks(tmp_path) -> None:
    child = scaled("float32", (512, 256), 1, seed=6)
    for chunk_elems, want in ((1 << 20, {"exponent-bands"}), (40_000, {"float-planes"})):
        (tmp_path / str(chunk_elems) / "packs").mkdir(parents=True)
        store = ObjectStore(tmp_path / str(chunk_elems), chunk_elems=chunk_elems)
        with WriterLock(store.root / "lock").hold(), store.writer() as w:
            oid = w.put(child, None)
        assert set(store.info(oid).codecs) == want
        store.clear_cache()
        assert store.get(oid).tobytes() == child.tobytes()
        assert verify_store(store).ok


def test_chooser_estimate_reads_a_bounded_sample(monkeypatch) -> None:
    """The chooser's test costs the same small sample on any size (it runs on every root
    matrix, bands or not): a 64 x 64 grid of exponents, then a 128 x 128 one for the
    entropy estimate, which is skipped (no classes) where the line means hardly differ."""
    from mgit_lab.core.codecs import exponent_bands

    read, classed = [], []
    exponents, classes = exponent_bands._exponents, exponent_bands._classes
    monkeypatch.setattr(exponent_bands, "_exponents", lambda m: read.append(m.size) or exponents(m))
    monkeypatch.setattr(exponent_bands, "_classes", lambda *a: classed.append(1) or classes(*a))
    big = scaled("float32", (4000, 1500), 0, seed=7)
    assert band_gain(big) > 0.3
    assert sum(read) <= 64 * 64 + 128 * 128 and classed == [1]

    read.clear()
    classed.clear()
    rng = np.random.default_rng(8)
    uniform = to_storage(rng.standard_normal((4000, 1500)) * 0.02, "bfloat16")
    spec = TensorSpec("bfloat16", uniform.shape)
    assert encode_best(uniform, spec, None, None)[0].id == "float-planes"
    assert sum(read) <= 64 * 64, "the chooser read more than its first grid"
    assert not classed, "uniform scales must not reach the entropy estimate"


@pytest.mark.parametrize("dtype", FLOATS)
def test_columns_moved_in_tiles_write_the_same_stream(monkeypatch, threads, dtype: str) -> None:
    """The encoder gathers and transposes column bands a tile of rows at a time, on the codec
    threads: tile edges and thread counts change nothing in the stream."""
    child = scaled(dtype, (203, 60), 1, seed=3)
    codec = get_codec(SMALL)
    whole = bytes(codec.encode(child))
    assert whole[1] == 1, "the bands must be columns"
    monkeypatch.setattr(exponent_bands, "_TILE_BYTES", 7 * 60 * child.itemsize)  # 7 rows a tile, a ragged last one
    for n in (1, 2):
        threads(n)
        assert bytes(codec.encode(child)) == whole
    out = codec.decode(whole, None, TensorSpec(dtype, child.shape))
    assert out.tobytes() == child.tobytes()
