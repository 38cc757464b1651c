"""Pack reads straight from the file (``preadv`` at HDF5's offsets) and their fallbacks."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import h5py
import numpy as np
import pytest

from mgit_lab.core.errors import Corrupt
from mgit_lab.core.store import ObjectStore, pack_direct
from mgit_lab.core.store import pack as pack_module
from mgit_lab.core.store.pack import PackReader, PackWriter
from mgit_lab.core.store.pack_direct import DirectReads, direct_reads

RANGES = [(0, 1), (5, 300), (1000, 70_000), (262_100, 200), (0, 600_001), (600_000, 1)]


def _blob(path: Path, data: np.ndarray, **kw) -> None:
    with h5py.File(path, "w", libver="latest") as fh:
        fh.create_dataset("blob", data=data, **kw)


def _data(n: int = 600_001) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, n, dtype=np.uint8)


@pytest.mark.parametrize("layout", ["contiguous", "chunked"])
def test_direct_reads_return_the_bytes_h5py_reads(tmp_path, layout):
    data = _data()
    path = tmp_path / "p.h5"
    _blob(path, data, chunks=(4096,) if layout == "chunked" else None)
    reader = PackReader(path)
    for offset, length in RANGES:
        assert bytes(reader.read(offset, length)) == data[offset : offset + length].tobytes()
    assert reader.reads_directly
    reader.close()


def test_a_streamed_pack_reads_directly(tmp_path, monkeypatch):
    monkeypatch.setattr(pack_module, "_BUFFER_LIMIT", 1 << 16)  # streamed to a chunked dataset
    monkeypatch.setattr(pack_module, "_BLOB_CHUNK", 1 << 14)
    (tmp_path / "packs").mkdir()
    (tmp_path / "tmp").mkdir()
    w = PackWriter(tmp_path / "packs", tmp_path / "tmp")
    parts = [_data(5_000 + 7_919 * i) for i in range(12)]
    where = [w.append(p.tobytes()) for p in parts]
    w.objects["o"] = {"dtype": "uint8", "shape": [1], "base": None, "depth": 0, "chunks": []}
    name = w.commit()
    reader = PackReader(tmp_path / "packs" / f"{name}.h5")
    for (offset, length), p in zip(where, parts, strict=True):
        assert bytes(reader.read(offset, length)) == p.tobytes()
    total = sum(len(p) for p in parts)
    assert bytes(reader.read(0, total)) == b"".join(p.tobytes() for p in parts)
    assert reader.reads_directly


def test_pieces_scattered_in_the_file_are_read_in_runs(tmp_path):
    # large streamed packs have HDF5 metadata between some chunks: pieces out of file order
    piece, count = 1000, 9
    data = _data(piece * count - 17)
    order = [0, 1, 2, 5, 6, 3, 4, 8, 7]  # file slot of each piece
    raw = bytearray(b"H" * 64 + bytes(piece * count))
    for i, slot in enumerate(order):
        chunk = data[i * piece : (i + 1) * piece].tobytes()
        raw[64 + slot * piece : 64 + slot * piece + len(chunk)] = chunk
    path = tmp_path / "raw.bin"
    path.write_bytes(bytes(raw))
    reads = DirectReads(path, data.size, piece, np.array([64 + s * piece for s in order], dtype=np.int64))
    for offset in range(0, data.size, 333):
        for length in (1, 999, 1000, 2500, data.size - offset):
            length = min(length, data.size - offset)
            assert bytes(reads.read(offset, length)) == data[offset : offset + length].tobytes()
    with pytest.raises(OSError):
        reads.read(data.size - 5, 6)


@pytest.mark.parametrize("kind", ["filtered", "hole"])
def test_blobs_that_are_not_plain_file_bytes_are_read_through_h5py(tmp_path, kind):
    data = _data()
    path = tmp_path / "p.h5"
    if kind == "filtered":
        _blob(path, data, chunks=(4096,), compression="gzip")
    else:  # a chunk never written: h5py reads it as zeros
        data[8192:12288] = 0
        with h5py.File(path, "w", libver="latest") as fh:
            ds = fh.create_dataset("blob", shape=data.shape, dtype=np.uint8, chunks=(4096,))
            ds[:8192] = data[:8192]
            ds[12288:] = data[12288:]
    with h5py.File(path, "r") as fh:
        assert direct_reads(path, fh["blob"]) is None
    reader = PackReader(path)
    for offset, length in RANGES:
        assert bytes(reader.read(offset, length)) == data[offset : offset + length].tobytes()
    assert not reader.reads_directly


@pytest.mark.parametrize(("keep", "read"), [(0.5, (0, 50_000)), (-100, (49_950, 50))], ids=["large", "small"])
def test_a_pack_truncated_while_open_elsewhere_is_an_error_not_cached_bytes(tmp_path, keep, read):
    data = _data(50_000)
    path = tmp_path / "p.h5"
    _blob(path, data)
    first = PackReader(path)
    assert bytes(first.read(0, 10)) == data[:10].tobytes()
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: int(size * keep) if keep > 0 else size + keep])  # same file, HDF5 shares it
    second = PackReader(path)
    with pytest.raises(OSError):
        second.read(*read)
    first.close()


def test_a_pack_rewritten_while_open_elsewhere_reads_the_bytes_on_disk(tmp_path):
    """HDF5 shares an open file with every later open of the same inode: h5py would serve
    the first handle's cached bytes (a backup restored over a damaged pack, same inode)."""
    data = _data(50_000)
    path = tmp_path / "p.h5"
    _blob(path, data)
    first = PackReader(path)
    with h5py.File(path, "r") as fh:
        at = int(fh["blob"].id.get_offset())
        assert fh["blob"][-8:].tobytes() == data[-8:].tobytes()  # HDF5 caches the tail now
    first.read(0, 10)
    raw = bytearray(path.read_bytes())
    raw[at + data.size - 3] ^= 0xFF
    path.write_bytes(bytes(raw))  # the same inode
    second = PackReader(path)
    want = data[-8:].copy()
    want[-3] ^= 0xFF
    assert bytes(second.read(data.size - 8, 8)) == want.tobytes()
    first.close()
    second.close()


def test_store_reads_do_not_wait_for_h5py(tmp_path, monkeypatch):
    """Object reads of a committed pack never call into h5py after the pack is opened,
    and run on several threads at once (the store's lock is not held around them)."""
    (tmp_path / "packs").mkdir()
    store = ObjectStore(tmp_path, threads=2)
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(5_000).astype(np.float32) for _ in range(8)]
    with store.writer() as w:
        ids = [w.put(a) for a in arrays]
    store.get(ids[0])  # opens the pack

    def forbidden(*args, **kw):
        raise AssertionError("h5py read on the direct path")

    monkeypatch.setattr(h5py.Dataset, "read_direct", forbidden)
    monkeypatch.setattr(h5py.Dataset, "__getitem__", forbidden)
    inside = []
    real = pack_module.PackReader.read

    def read(self, offset, length):
        inside.append(store._lock._is_owned())  # type: ignore[attr-defined]
        return real(self, offset, length)

    monkeypatch.setattr(pack_module.PackReader, "read", read)
    store.clear_cache()
    got = store.get_many(ids)
    assert [g.tobytes() for g in got] == [a.tobytes() for a in arrays]
    assert inside and not any(inside)


def test_damage_read_directly_is_caught_by_the_hash_check(tmp_path):
    (tmp_path / "packs").mkdir()
    store = ObjectStore(tmp_path)
    arr = np.random.default_rng(4).standard_normal(20_000).astype(np.float32)
    with store.writer() as w:
        oid = w.put(arr)
    entry, pack = store._entry(oid)
    path = tmp_path / "packs" / f"{pack}.h5"
    store.close()
    with h5py.File(path, "r") as fh:
        at = int(fh["blob"].id.get_offset()) + entry["chunks"][0][0] + entry["chunks"][0][1] - 100
    raw = bytearray(path.read_bytes())
    raw[at] ^= 0x01  # a low mantissa bit: still decodes, to other content
    path.write_bytes(bytes(raw))
    store = ObjectStore(tmp_path)
    with pytest.raises(Corrupt, match="does not match its hash"):
        store.get(oid)
    assert store._readers[pack].reads_directly


def test_readers_closed_while_other_threads_read_stay_correct(tmp_path):
    data = _data()
    path = tmp_path / "p.h5"
    _blob(path, data, chunks=(4096,))
    reader = PackReader(path)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                assert bytes(reader.read(1000, 70_000)) == data[1000:71_000].tobytes()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(20):
        reader.close()  # the next read reopens it
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("layout", ["contiguous", "chunked"])
def test_small_reads_keep_the_gil_and_large_reads_release_it(tmp_path, monkeypatch, layout):
    """Small reads go through libc ``pread`` with the GIL held (no ``os.preadv``: tens of
    thousands of brief GIL releases starve the process's other threads); large ones use
    ``os.preadv``, which releases it.  Both return the same bytes."""
    data = _data()
    path = tmp_path / "p.h5"
    _blob(path, data, chunks=(4096,) if layout == "chunked" else None)
    if pack_direct._pread_holding_gil() is None:
        pytest.skip("libc pread is called through ctypes on Linux only")
    calls: list[int] = []
    real = pack_direct.os.preadv
    monkeypatch.setattr(pack_direct.os, "preadv", lambda fd, bufs, at: calls.append(at) or real(fd, bufs, at))
    reader = PackReader(path)
    small = [(0, 1), (5, 300), (4090, 20), (262_100, 200), (600_000, 1), (1, pack_direct._HOLD_GIL_BELOW)]
    for offset, length in small:
        assert bytes(reader.read(offset, length)) == data[offset : offset + length].tobytes()
    assert calls == [], "a small read released the GIL"
    assert bytes(reader.read(0, 600_001)) == data.tobytes()
    assert calls, "a large read kept the GIL"
    reader.close()


def test_a_failed_small_read_names_the_error_and_a_short_file_is_truncated(tmp_path):
    if pack_direct._pread_holding_gil() is None:
        pytest.skip("libc pread is called through ctypes on Linux only")
    fd = os.open(tmp_path, os.O_RDONLY)  # a directory: pread fails with EISDIR
    try:
        with pytest.raises(OSError) as caught:
            pack_direct._read_fully(fd, np.empty(16, np.uint8), 0)
        assert caught.value.errno == errno.EISDIR
    finally:
        os.close(fd)
    short = tmp_path / "short"
    short.write_bytes(b"x" * 10)
    fd = os.open(short, os.O_RDONLY)
    try:
        with pytest.raises(OSError, match="truncated"):
            pack_direct._read_fully(fd, np.empty(16, np.uint8), 0)
    finally:
        os.close(fd)
