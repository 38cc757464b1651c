"""A pack streamed to disk starts its flush early (on a thread, while encoding goes on); its
commit still fsyncs every byte, and an error of an early flush fails the commit."""

from __future__ import annotations

import errno

import numpy as np
import pytest

from mgit_lab.core.store import pack as pack_module
from mgit_lab.core.store.pack import PackReader, PackWriter


def _writer(tmp_path) -> PackWriter:
    (tmp_path / "packs").mkdir()
    (tmp_path / "tmp").mkdir()
    return PackWriter(tmp_path / "packs", tmp_path / "tmp")


def test_a_streamed_pack_flushed_early_reads_back_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(pack_module, "_WRITEBACK_BYTES", 1 << 20)
    flushes = []
    real = pack_module.os.fdatasync
    monkeypatch.setattr(pack_module.os, "fdatasync", lambda fd: (flushes.append(fd), real(fd))[1])
    w = _writer(tmp_path)
    parts = [np.random.default_rng(i).integers(0, 256, (3 << 20) + i, dtype=np.uint8).tobytes() for i in range(5)]
    where = [w.append(p) for p in parts]
    w.objects["o"] = {"dtype": "uint8", "shape": [1], "base": None, "depth": 0, "chunks": []}
    name = w.commit()
    assert name is not None and flushes  # started early, then the commit's own fsync
    reader = PackReader(tmp_path / "packs" / (name + pack_module.PACK_SUFFIX))
    for (offset, length), data in zip(where, parts, strict=True):
        assert bytes(reader.read(offset, length)) == data
    reader.close()


def test_an_early_flush_error_fails_the_commit_and_nothing_becomes_visible(tmp_path, monkeypatch):
    monkeypatch.setattr(pack_module, "_WRITEBACK_BYTES", 1 << 20)

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "simulated write-back error")

    monkeypatch.setattr(pack_module.os, "fdatasync", failing)
    w = _writer(tmp_path)
    w.append(b"x" * (9 << 20))  # past the in-memory buffer: streamed to the file
    w.append(b"y" * (2 << 20))
    w.objects["o"] = {"dtype": "uint8", "shape": [1], "base": None, "depth": 0, "chunks": []}
    with pytest.raises(OSError, match="simulated write-back error"):
        w.commit()
    w.abort()  # what the store's writer does on an error
    assert list((tmp_path / "packs").iterdir()) == []
    assert list((tmp_path / "tmp").iterdir()) == []
