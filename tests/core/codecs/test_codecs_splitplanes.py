"""The split-plane entropy stage of the delta codecs: every plane mode across work blocks,
sparse planes decoded block by block, and the tuned compressor kept per thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from mgit_lab.core.codecs import parallel, splitplanes
from mgit_lab.core.codecs.abc import TensorSpec
from mgit_lab.core.codecs.blockframe import unpack_blocks
from mgit_lab.core.codecs.intdelta import BLOCK
from mgit_lab.core.codecs.registry import get_codec
from mgit_lab.core.codecs.splitplanes import PlaneReader, pack_split, plane_compressor, unpack_split

#: a few work blocks and a partial one
N = 3 * BLOCK + 17


def _deltas(rng: np.random.Generator, dtype: str, high_share: float) -> np.ndarray:
    """Small zigzag-like codes with a ``high_share`` of values that reach the top bytes."""
    width = np.dtype(dtype).itemsize
    z = rng.integers(0, 5, N).astype(dtype)
    hit = rng.random(N) < high_share
    z[hit] = rng.integers(0, np.iinfo(dtype).max, int(hit.sum()), dtype=dtype, endpoint=True)
    assert z.dtype.itemsize == width
    return z


@pytest.mark.parametrize("dtype", ["uint16", "uint32", "uint64"])
@pytest.mark.parametrize("high_share", [0.0, 0.002, 0.03, 0.5])
def test_split_planes_round_trip(dtype, high_share) -> None:
    z = _deltas(np.random.default_rng(7), dtype, high_share)
    data = pack_split(z)
    back, end = unpack_split(data)
    assert end == len(data)
    assert back.dtype == z.dtype and back.tobytes() == z.tobytes()


def test_sparse_planes_fill_any_block_range() -> None:
    z = _deltas(np.random.default_rng(8), "uint16", 0.03)
    reader = PlaneReader(pack_split(z))
    assert [k for k, _, _ in reader.sparse] == [1]  # the top plane is stored sparse
    for s, e in [(0, N), (0, 1), (BLOCK - 5, BLOCK + 5), (N - 3, N), (17, 17)]:
        out = np.full(e - s, 0xFFFF, np.uint16)
        assert reader.fill(s, e, out).tobytes() == z[s:e].tobytes()


def test_a_sparse_plane_that_zstd_packs_better_is_kept_as_zstd() -> None:
    # the same run of bytes over and over: zstd's matches beat a list of positions (a plane
    # this small is judged by packing it both ways; larger ones by a sample first)
    n = BLOCK + 30_000
    pattern = np.random.default_rng(9).integers(1, 256, 200).astype(np.uint16) << 8
    z = np.zeros(n, np.uint16)
    for s in range(0, n - 200, 4000):
        z[s : s + 200] = pattern
    reader = PlaneReader(pack_split(z))
    assert [shift for shift, _ in reader.live] == [8] and not reader.sparse
    assert reader.read_all().tobytes() == z.tobytes()


def test_a_stream_whose_length_disagrees_with_its_planes_is_refused() -> None:
    z = _deltas(np.random.default_rng(10), "uint16", 0.03)
    data = bytearray(pack_split(z))
    reader = PlaneReader(bytes(data))
    assert reader.sparse
    data[3:11] = (N // 2).to_bytes(8, "little")  # n (after version, width, r) shrinks below the positions
    with pytest.raises(ValueError):
        PlaneReader(bytes(data))


def test_one_plane_compressor_per_thread_and_level() -> None:
    assert plane_compressor() is plane_compressor()
    assert plane_compressor(3) is not plane_compressor()
    other: list = []
    t = threading.Thread(target=lambda: other.append(plane_compressor()))
    t.start()
    t.join()
    assert other[0] is not plane_compressor()
    assert splitplanes.DEFAULT_LEVEL == 1


def test_ordered_delta_with_sparse_planes_writes_the_same_bytes_whatever_the_thread_count() -> None:
    rng = np.random.default_rng(11)
    base = (rng.standard_normal(40_000) * 0.02).astype(np.float32)
    child = base + (rng.standard_normal(base.size) * 1e-5).astype(np.float32)
    far = rng.random(base.size) < 0.03  # a few elements move far: sparse high planes
    child[far] = -child[far]
    codec = get_codec({"id": "ordered-delta", "block": 4096})
    spec = TensorSpec("float32", child.shape)
    streams = []
    for n in (1, 2):
        with parallel.using(n):
            streams.append(bytes(codec.encode(child, base)))
            assert codec.decode(streams[-1], base, spec).tobytes() == child.tobytes()
    assert streams[0] == streams[1]
    assert any(PlaneReader(payload).sparse for _, _, payload in unpack_blocks(streams[0])[1])
