"""Decoding many objects on all threads (ObjectStore.get_many / map_objects, checkout)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from mgit_lab.api import Repository
from mgit_lab.core.codecs import parallel
from mgit_lab.core.errors import Corrupt
from mgit_lab.core.store import ObjectStore


def _store(tmp_path: Path, **kw) -> ObjectStore:
    (tmp_path / "packs").mkdir(parents=True, exist_ok=True)
    return ObjectStore(tmp_path, **kw)


def test_get_many_decodes_small_objects_concurrently_in_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    store = _store(tmp_path, threads=2)
    roots = [rng.standard_normal((40, 30)).astype(np.float32) for _ in range(12)]
    kids = [(r + np.float32(1e-3) * rng.standard_normal(r.shape).astype(np.float32)) for r in roots]
    big = rng.standard_normal(3 << 20).astype(np.float32)  # decoded alone, on all threads
    with store.writer() as w:
        base_ids = [w.put(r) for r in roots]
        ids = [w.put(k, base=b) for k, b in zip(kids, base_ids, strict=True)] + [w.put(big)]
    store.clear_cache()
    seen: set[str] = set()
    original = store.get

    def get(oid: str) -> np.ndarray:
        seen.add(threading.current_thread().name)
        return original(oid)

    store.get = get  # type: ignore[method-assign]
    got = store.get_many(ids + ids[:2])  # repeated ids too
    assert [a.tobytes() for a in got] == [a.tobytes() for a in [*kids, big, *kids[:2]]]
    assert any(name.startswith("mgit-codec") for name in seen)  # the pool decoded some of them
    assert all(a.flags.writeable for a in got)


def test_get_many_with_one_thread_stays_on_the_caller(tmp_path: Path) -> None:
    store = _store(tmp_path, threads=1)
    with store.writer() as w:
        ids = [w.put(np.full(10, i, np.float32)) for i in range(5)]
    names = []
    store.map_objects(ids, lambda i: names.append(threading.current_thread().name))
    assert set(names) == {threading.current_thread().name}


def test_damage_in_a_concurrent_checkout_is_one_clear_error(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    repo = Repository.init(tmp_path / "repo", threads=2)
    state = {f"l{i}": (rng.standard_normal((32, 32)).astype(np.float32), "float32") for i in range(8)}
    repo.add_arrays(state, "v")
    calls: list[tuple[int, int]] = []
    got = repo.checkout_arrays("v", progress=lambda done, total, what: calls.append((done, total)))
    assert all(got[k][0].tobytes() == a.tobytes() for k, (a, _) in state.items())
    assert sorted(calls) == [(i, 8) for i in range(1, 9)]
    # flip a byte of one tensor's stored bytes: the checkout names it, whichever thread met it
    oid = repo.version("v").manifest["l5"].oid
    entry, pack = repo.store._entry(oid)
    path = repo.store.packs_dir / f"{pack}.h5"
    repo.store.close()
    import h5py

    with h5py.File(path, "r+") as fh:
        blob = fh["blob"]
        offset = entry["chunks"][0][0] + entry["chunks"][0][1] // 2
        blob[offset] = blob[offset] ^ 0xFF
    repo.store.forget_indexes()
    with pytest.raises(Corrupt, match="'l5'"):
        repo.checkout_arrays("v")


def test_pool_tasks_do_not_fan_out_again(tmp_path: Path) -> None:
    """A large object decoded inside a pool task runs its blocks inline (no deadlock)."""
    store = _store(tmp_path, threads=2)
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(2 << 20).astype(np.float32) for _ in range(3)]
    with store.writer() as w:
        ids = [w.put(a) for a in arrays]
    store.clear_cache()
    with parallel.using(2):
        got = parallel.pmap(store.get, ids)
    assert [g.tobytes() for g in got] == [a.tobytes() for a in arrays]
