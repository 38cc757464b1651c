"""``atomic_write_many``: a commit's files flushed side by side, each as safe as one
``atomic_write_bytes``: all in place and fsynced on return, none half-written on an error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mgit_lab.core.store import atomic as atomic_module
from mgit_lab.core.store.atomic import atomic_write_many


def test_every_file_is_written_fsynced_and_no_temporary_is_left(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "old.json").write_bytes(b"old")
    items = [
        (tmp_path / "a" / "old.json", b"new"),
        (tmp_path / "a" / "x.f32", b"\0" * 100_000),
        (tmp_path / "b" / "m", b"m"),
    ]
    synced_files: list[int] = []
    synced_dirs: list[Path] = []
    real_fsync, real_dir = os.fsync, atomic_module.fsync_dir
    monkeypatch.setattr(atomic_module.os, "fsync", lambda fd: (synced_files.append(fd), real_fsync(fd))[1])
    monkeypatch.setattr(atomic_module, "fsync_dir", lambda p: (synced_dirs.append(p), real_dir(p))[1])
    atomic_write_many(items)
    for path, data in items:
        assert path.read_bytes() == data
    assert len(synced_files) == 3 + 2  # every file's data before its rename, then each folder
    assert sorted(synced_dirs) == [tmp_path / "a", tmp_path / "b"]  # every folder entry after
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["m", "old.json", "x.f32"]


def test_an_error_leaves_no_file_half_written_and_no_temporary(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "kept").write_bytes(b"before")
    items = [(tmp_path / "a" / "kept", b"after"), (tmp_path / "missing" / "x", b"x")]
    with pytest.raises(FileNotFoundError):
        atomic_write_many(items)
    assert (tmp_path / "a" / "kept").read_bytes() == b"before"  # nothing renamed before all are durable
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["kept"]
