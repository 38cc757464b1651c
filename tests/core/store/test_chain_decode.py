"""Consecutive delta hops of blocked codecs decode in one pass (store/chain_decode.py,
codecs/delta_chain.py): bit-exact, from the nearest cached base, across ordered-delta and
binade-delta hops, split where a hop does not chain, and damage in any hop is one clear
error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgit_lab.core.codecs import delta_chain, parallel
from mgit_lab.core.codecs.abc import TensorSpec
from mgit_lab.core.codecs.registry import get_codec
from mgit_lab.core.errors import Corrupt
from mgit_lab.core.store import ObjectStore

#: small blocks so that a small tensor spans several (and ends in a partial one)
DELTA = {"id": "ordered-delta", "block": 1000}


def _versions(n: int, size: int = 4321, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(size) * 0.05).astype(np.float32)
    out = [x]
    for _ in range(n):
        x = (x + rng.standard_normal(size).astype(np.float32) * np.float32(1e-4)).astype(np.float32)
        out.append(x)
    out[-1][7] = np.float32(np.nan)  # specials survive every hop
    out[-1][8] = np.float32(-0.0)
    return out


def _store(tmp_path: Path, versions: list[np.ndarray], codecs: list, **kw) -> tuple[ObjectStore, list[str]]:
    (tmp_path / "packs").mkdir(parents=True, exist_ok=True)
    store = ObjectStore(tmp_path, max_depth=32, **kw)
    oids: list[str] = []
    with store.writer() as w:
        for v, codec in zip(versions, codecs, strict=True):
            oids.append(w.put(v, base=oids[-1] if oids else None, codec=codec))
    store.clear_cache()
    return store, oids


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of hops of every chained decode from now on."""
    runs: list[int] = []
    original = delta_chain.decode_chain

    def spy(hops, base, spec):
        runs.append(len(hops))
        return original(hops, base, spec)

    monkeypatch.setattr(delta_chain, "decode_chain", spy)
    return runs


@pytest.mark.parametrize("threads", [1, 2])
def test_a_chain_of_deltas_decodes_in_one_pass_bit_exact(tmp_path, monkeypatch, threads):
    versions = _versions(6)
    store, oids = _store(tmp_path, versions, ["float-planes"] + [DELTA] * 6, threads=threads)
    runs = _spy(monkeypatch)
    for oid, want in zip(oids, versions, strict=True):
        store.clear_cache()
        assert store.get(oid).tobytes() == want.tobytes()
    assert runs == [2, 3, 4, 5, 6]  # generation 1 is one hop: decoded as before


def test_the_run_starts_at_the_nearest_cached_base(tmp_path, monkeypatch):
    versions = _versions(6)
    store, oids = _store(tmp_path, versions, ["float-planes"] + [DELTA] * 6)
    store._chunk(oids[3], 0, keep=True)  # e.g. decoded as the base of an earlier write
    runs = _spy(monkeypatch)
    assert store.get(oids[6]).tobytes() == versions[6].tobytes()
    assert runs == [3]  # generations 4, 5, 6 on the cached 3


def test_another_codec_in_the_chain_splits_the_run(tmp_path, monkeypatch):
    versions = _versions(6)
    codecs = ["float-planes", DELTA, DELTA, "xor-delta", DELTA, DELTA, {"id": "ordered-delta", "block": 700}]
    store, oids = _store(tmp_path, versions, codecs)
    runs = _spy(monkeypatch)
    assert store.get(oids[6]).tobytes() == versions[6].tobytes()
    assert runs == [2, 2]  # (4, 5) on the xor hop 3, and (1, 2) below it; 6 has other blocks
    store.clear_cache()
    for oid, want in zip(oids, versions, strict=True):
        assert store.get(oid).tobytes() == want.tobytes()


def test_damage_in_a_middle_hop_is_one_clear_error(tmp_path):
    versions = _versions(4)
    store, oids = _store(tmp_path, versions, ["float-planes"] + [DELTA] * 4)
    entry, pack = store._entry(oids[2])
    offset, length = entry["chunks"][0][:2]
    original = store._read

    def damaged(p: str, o: int, n: int):
        data = bytearray(original(p, o, n))
        if (o, n) == (offset, length):
            data[30:34] = b"\xff\xff\xff\xff"  # inside the first block's frame lengths
        return memoryview(data)

    store._read = damaged  # type: ignore[method-assign]
    with pytest.raises(Corrupt, match=oids[4][:12] + ".*" + oids[2][:12]):
        store.get(oids[4])


def test_ordered_and_binade_hops_chain_together(tmp_path, monkeypatch):
    versions = _versions(4, size=3 * 1000 + 5)
    binade = {"id": "binade-delta", "block": 1000, "min_size": 1}
    store, oids = _store(tmp_path, versions, ["float-planes", DELTA, binade, DELTA, binade])
    assert [store.info(o).codecs for o in oids[1:]] == [("ordered-delta",), ("binade-delta",)] * 2
    runs = _spy(monkeypatch)
    assert store.get(oids[4]).tobytes() == versions[4].tobytes()
    assert runs == [4]


def test_decode_chain_matches_hop_by_hop_and_refuses_misaligned_blocks():
    versions = _versions(3, size=2500)
    codec = get_codec(DELTA)
    spec = TensorSpec("float32", versions[0].shape)
    hops = [(codec, codec.encode(b, a)) for a, b in zip(versions[:-1], versions[1:], strict=True)]
    for threads in (1, 3):
        with parallel.using(threads):
            assert delta_chain.decode_chain(hops, versions[0], spec).tobytes() == versions[3].tobytes()
    other = get_codec({"id": "ordered-delta", "block": 999})
    with pytest.raises(ValueError, match="other blocks"):
        delta_chain.decode_chain([hops[0], (other, other.encode(versions[2], versions[1]))], versions[0], spec)
    with pytest.raises(ValueError, match="cannot be decoded in a chain"):
        xor = get_codec("xor-delta")
        delta_chain.decode_chain([hops[0], (xor, xor.encode(versions[2], versions[1]))], versions[0], spec)
