"""Skip-deltas (store/base_choice.py): deep lineages decode in log hops, bit-exact, and
gc, verify, repack and remotes keep the new chain shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgit_lab.api import Repository
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.push import push
from mgit_lab.core.store import ObjectStore, collect_garbage, verify_store
from mgit_lab.core.store.base_choice import skip_target
from mgit_lab.core.store.repack import repack_small_packs
from mgit_lab.core.verbs.clone import clone


def _store(tmp_path: Path, **kw) -> ObjectStore:
    (tmp_path / "packs").mkdir(parents=True, exist_ok=True)
    return ObjectStore(tmp_path, **kw)


def _chain(rng: np.random.Generator, n: int, shape=(64, 48), scale: float = 1e-3) -> list[np.ndarray]:
    """``n + 1`` successive fine-tunes: every element moves a little each generation."""
    x = (rng.standard_normal(shape) * 0.05).astype(np.float32)
    out = [x]
    for _ in range(n):
        x = (x + rng.standard_normal(shape).astype(np.float32) * scale * 0.05).astype(np.float32)
        out.append(x)
    return out


def _put_chain(store: ObjectStore, versions: list[np.ndarray]) -> list[str]:
    oids: list[str] = []
    with store.writer() as w:
        for v in versions:
            oids.append(w.put(v, base=oids[-1] if oids else None))
    return oids


def _count_reads(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the pack of every encoded chunk read from now on (one read per decoded chunk)."""
    reads: list[str] = []
    original = store._read

    def counting(pack: str, offset: int, length: int) -> bytes:
        reads.append(pack)
        return original(pack, offset, length)

    monkeypatch.setattr(store, "_read", counting)
    return reads


def test_sixteen_generations_take_popcount_hops_and_round_trip(tmp_path: Path) -> None:
    store = _store(tmp_path, max_depth=8)
    versions = _chain(np.random.default_rng(0), 16)
    oids = _put_chain(store, versions)
    by_oid = {o: g for g, o in enumerate(oids)}
    for g, oid in enumerate(oids):
        info = store.info(oid)
        assert info.generation == g
        assert info.depth == bin(g).count("1")
        if g:
            assert by_oid[info.base] == skip_target(g)  # a delta of generation g & (g - 1)
    store.clear_cache()
    for oid, want in zip(oids, versions, strict=True):
        assert store.get(oid).tobytes() == want.tobytes()
    # the skip deltas cost a little more than deltas of the parents, far less than whole tensors
    whole = store.info(oids[0]).stored_nbytes
    assert store.info(oids[8]).stored_nbytes < 0.8 * whole


def test_a_ten_deep_version_decodes_at_most_two_hops_per_tensor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structural, not timing: checkout of the 10th successive fine-tune reads 3 encoded
    chunks per tensor (the whole tensor and 2 deltas), where a plain chain reads 11."""
    rng = np.random.default_rng(1)
    repo = Repository.init(tmp_path / "repo", max_delta_depth=16)
    names = ["a.weight", "b.weight", "c.bias"]
    shapes = [(64, 48), (32, 32), (48,)]
    chains = {n: _chain(rng, 10, s) for n, s in zip(names, shapes, strict=True)}
    for g in range(11):
        state = {n: (chains[n][g], "float32") for n in names}
        repo.add_arrays(state, f"g{g}", parents=[(f"g{g - 1}", "finetune")] if g else None)
    store = repo.store
    store.clear_cache()
    reads = _count_reads(store, monkeypatch)
    got = repo.checkout_arrays("g10")
    assert all(got[n][0].tobytes() == chains[n][10].tobytes() for n in names)
    assert len(reads) == 3 * len(names)
    for n in names:
        info = store.info(repo.version("g10").manifest[n].oid)
        assert (info.generation, info.depth) == (10, 2)
    assert repo.verify().ok


def test_skip_base_is_refused_when_the_parent_is_a_much_better_base(tmp_path: Path) -> None:
    """A pruned parent: its fine-tune is far from the unpruned grandparent, so the skip to
    generation 0 would cost much more than a delta of the parent; the parent is taken."""
    rng = np.random.default_rng(2)
    store = _store(tmp_path)
    root = (rng.standard_normal(4096) * 0.05).astype(np.float32)
    pruned = np.where(np.abs(root) < 0.03, np.float32(0), root).astype(np.float32)
    tuned = np.where(pruned != 0, pruned * np.float32(1.0001), pruned).astype(np.float32)
    oids = _put_chain(store, [root, pruned, tuned])
    info = store.info(oids[2])
    assert info.base == oids[1] and info.depth == 2 and info.generation == 2
    # a smooth fine-tune of the same parent takes the skip
    smooth = _chain(np.random.default_rng(3), 2, shape=(4096,))
    s = _put_chain(store, smooth)
    assert store.info(s[2]).base == s[0] and store.info(s[2]).depth == 1
    store.clear_cache()
    assert store.get(oids[2]).tobytes() == tuned.tobytes()


def test_casts_and_other_dtypes_are_never_skipped_over(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    store = _store(tmp_path)
    f32 = _chain(rng, 1, shape=(256,))
    with store.writer() as w:
        a = w.put(f32[0])
        b = w.put(f32[1], base=a)
        half = f32[1].astype(np.float16)
        c = w.put(half, base=b)  # a cast child: a delta of its parent only
        tuned = (half + np.float16(0.001)).astype(np.float16)
        d = w.put(tuned, base=c)  # generation 3 -> target 2 (itself c's parent chain stops at the cast)
    assert store.info(c).base == b
    assert store.info(d).base == c
    store.clear_cache()
    assert store.get(d).tobytes() == tuned.tobytes()


def test_objects_without_a_generation_count_their_depth(tmp_path: Path) -> None:
    """Packs written before skip-deltas have linear chains and no ``gen``: generation = depth."""
    store = _store(tmp_path)
    versions = _chain(np.random.default_rng(5), 4)
    oids: list[str] = []
    with store.writer() as w:
        for v in versions[:3]:  # a plain chain of 3, written as older versions did
            oids.append(w.put(v, base=oids[-1] if oids else None, codec={"id": "ordered-delta"} if oids else "auto"))
            w.pack.objects[oids[-1]].pop("gen")
    assert [store.info(o).generation for o in oids] == [0, 1, 2]
    assert [store.info(o).depth for o in oids] == [0, 1, 2]
    with store.writer() as w:
        new = w.put(versions[3], base=oids[2])  # generation 3 -> a delta of generation 2
    assert store.info(new).generation == 3 and store.info(new).base == oids[2]
    with store.writer() as w:
        four = w.put(versions[4], base=new)  # generation 4 -> a delta of generation 0
    assert store.info(four).base == oids[0] and store.info(four).depth == 1
    store.clear_cache()
    assert store.get(four).tobytes() == versions[4].tobytes()


def test_gc_verify_and_repack_keep_skip_chains(tmp_path: Path) -> None:
    store = _store(tmp_path)
    versions = _chain(np.random.default_rng(6), 10)
    oids = []
    for v in versions:  # one pack per version, as adds do
        with store.writer(repack=False) as w:
            oids.append(w.put(v, base=oids[-1] if oids else None))
    assert repack_small_packs(store, max_small=4) == 11
    assert len(store.pack_names()) == 1
    report = collect_garbage(store, [oids[10]])
    assert report.objects_kept == 3  # generation 10, its skip base 8, and the whole tensor
    assert {store.info(o).generation for o in store.object_ids()} == {0, 8, 10}
    assert verify_store(store).ok
    store.clear_cache()
    assert store.get(oids[10]).tobytes() == versions[10].tobytes()
    with store.writer() as w:  # the chain goes on from what gc kept
        eleven = w.put(versions[10] + np.float32(1e-6), base=oids[10])
    assert store.info(eleven).generation == 11 and store.info(eleven).base == oids[10]


def test_remotes_carry_generations(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    source = Repository.init(tmp_path / "source")
    versions = _chain(rng, 6)
    for g, v in enumerate(versions):
        source.add_arrays({"w": (v, "float32")}, f"g{g}", parents=[(f"g{g - 1}", "finetune")] if g else None)
    status.add(source, "origin", str(tmp_path / "shared"), {})
    push(source)
    cloned, _ = clone(str(tmp_path / "shared"), tmp_path / "other")
    other = Repository(cloned.root)
    oid = other.version("g6").manifest["w"].oid
    assert (other.store.info(oid).generation, other.store.info(oid).depth) == (6, 2)
    nxt = (versions[6] + np.float32(1e-6)).astype(np.float32)
    other.add_arrays({"w": (nxt, "float32")}, "g7", parents=[("g6", "finetune")])
    info = other.store.info(other.version("g7").manifest["w"].oid)
    assert info.generation == 7 and info.depth == 3
    assert other.checkout_arrays("g7")["w"][0].tobytes() == nxt.tobytes()
    assert other.verify().ok


def test_an_index_with_a_bad_generation_is_rejected() -> None:
    import json

    from mgit_lab.core.remotes.packs import check_entry
    from mgit_lab.core.store.index_doc import BadIndex, parse_index

    entry = {"dtype": "float32", "shape": [2], "base": None, "depth": 0, "chunks": [[0, 8, 2, {"id": "raw"}]]}
    oid = "a" * 64
    assert parse_index(json.dumps({"objects": {oid: {**entry, "gen": 3}}}))[oid]["gen"] == 3
    assert check_entry(oid, {**entry, "gen": 3}, 8)["gen"] == 3
    for bad in (-1, "3", True):
        with pytest.raises(BadIndex, match="generation"):
            parse_index(json.dumps({"objects": {oid: {**entry, "gen": bad}}}))
        with pytest.raises(ValueError, match="generation"):
            check_entry(oid, {**entry, "gen": bad}, 8)
