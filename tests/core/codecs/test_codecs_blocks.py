"""Codecs coded in independent blocks: every dtype across block edges, and the same bytes
whatever the thread count."""

from __future__ import annotations

import numpy as np
import pytest

from mgit_lab.core.codecs import parallel
from mgit_lab.core.codecs.abc import TensorSpec
from mgit_lab.core.codecs.blockframe import pack_blocks, unpack_blocks
from mgit_lab.core.codecs.floatbits import f32_to_bf16
from mgit_lab.core.codecs.registry import get_codec
from tests.core.codecs.codec_cases import DTYPES, cases
from tests.core.codecs.test_codecs_contract import check_encode_decode

#: small blocks, so that the cases cross block edges (and end in a partial block)
BLOCKED = [
    {"id": "float-planes", "block": 257},
    {"id": "ordered-delta", "block": 257},
    {"id": "binade-delta", "block": 257, "min_size": 64, "tall_rows": 8},
]
#: larger cases are covered by the thread-count test (many blocks each is slow)
_MAX_CASE = 5000


@pytest.fixture
def threads():
    """Set the codec thread count for one test, restored afterwards."""
    yield parallel.set_threads
    parallel.set_threads(None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", BLOCKED, ids=lambda c: c["id"])
def test_blocked_codecs_round_trip_every_case(config, dtype, threads) -> None:
    threads(2)
    codec = get_codec(config)
    for _, child, base in cases(dtype):
        if child.size > _MAX_CASE or codec.needs_base and (base is None or base.dtype != child.dtype):
            continue
        assert check_encode_decode(codec, child, base, dtype)


def _bf16_model(rng: np.random.Generator, n: int) -> np.ndarray:
    return f32_to_bf16(rng.standard_normal(n).astype(np.float32) * 0.02)


@pytest.mark.parametrize("codec_id", ["float-planes", "ordered-delta", "binade-delta"])
def test_same_bytes_whatever_the_thread_count(codec_id, threads) -> None:
    rng = np.random.default_rng(3)
    base = _bf16_model(rng, 50_000)
    child = base.copy()
    child[::3] += np.uint16(1)
    codec = get_codec({"id": codec_id, "block": 4096})
    spec = TensorSpec("bfloat16", child.shape)
    streams = []
    for n in (1, 2, 3):
        threads(n)
        data = bytes(codec.encode(child, base if codec.needs_base else None))
        streams.append(data)
        assert codec.decode(data, base if codec.needs_base else None, spec).tobytes() == child.tobytes()
    assert streams[0] == streams[1] == streams[2]


def test_bf16_specials_survive_float_planes() -> None:
    bits = np.array([0x7FC1, 0xFFC0, 0x7F81, 0x8000, 0x0000, 0x7F80, 0xFF80, 0x0001, 0x807F, 0x3F80], np.uint16)
    array = np.tile(bits, 3000)
    codec = get_codec("float-planes")
    out = codec.decode(codec.encode(array), None, TensorSpec("bfloat16", array.shape))
    assert out.tobytes() == array.tobytes()


def test_float_planes_beats_byte_groups_on_weights() -> None:
    rng = np.random.default_rng(4)
    array = _bf16_model(rng, 1 << 17)
    planes = len(get_codec("float-planes").encode(array))
    groups = len(get_codec("zstd-bytegroup").encode(array))
    assert planes < 0.98 * groups


def test_damaged_block_frame_says_so() -> None:
    data = pack_blocks(10, 4, lambda s, e: bytes(e - s))
    assert [(s, e, len(p)) for s, e, p in unpack_blocks(data)[1]] == [(0, 4, 4), (4, 8, 4), (8, 10, 2)]
    for bad in (data[:-1], data + b"x", data[:5]):
        with pytest.raises(ValueError):
            unpack_blocks(bad)


def test_threads_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="positive"):
        parallel.set_threads(0)


def test_measuring_splits_cpu_time_into_parallel_and_serial() -> None:
    rng = np.random.default_rng(5)
    codec = get_codec({"id": "float-planes", "block": 1 << 16})
    big, small = _bf16_model(rng, 1 << 19), _bf16_model(rng, 1 << 12)
    with parallel.measuring() as many:
        assert parallel.threads() == 1
        codec.encode(big)  # 8 blocks: their encodes are the parallel part
    assert 0 < many.parallel < many.total
    assert 0 < many.serial_share < 0.5 and 1 < many.bound(2) < 2
    with parallel.measuring() as one:
        codec.encode(small)  # one block: nothing to share
    assert one.parallel == 0 and one.serial_share == 1 and one.bound(2) == 1


@pytest.mark.parametrize("n", [0, 3, 10, 4096 * 3 + 1])
def test_block_frame_bytes_are_header_lengths_and_payloads(n, threads) -> None:
    """The frame is assembled in a buffer that is not zero-filled: every byte must be written."""
    import struct

    def payload(s: int, e: int) -> bytes:
        return bytes((7 * s + i) % 251 for i in range(e - s + 3))

    block = 4
    ranges = [(0, 0)] if n == 0 else [(s, min(n, s + block)) for s in range(0, n, block)]
    parts = [payload(s, e) for s, e in ranges]
    want = struct.pack("<BQII", 1, n, block, len(parts)) + np.array([len(p) for p in parts], "<u8").tobytes()
    want += b"".join(parts)
    for count in (1, 2):
        threads(count)
        got = pack_blocks(n, block, payload)
        assert isinstance(got, bytearray) and bytes(got) == want
