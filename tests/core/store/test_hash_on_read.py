"""Finding 4 of issue 9: every decode is checked against the object's hash, every codec."""

from __future__ import annotations

import numpy as np
import pytest

from mgit_lab.core.codecs.registry import available_codecs, get_codec
from mgit_lab.core.errors import Corrupt, InvalidInput
from mgit_lab.core.store import ObjectStore, object_id
from tests.support.store_faults import blob_extent


def _pairs(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(base, child) float32 pairs that each delta codec accepts."""
    base = rng.standard_normal((64, 64)).astype(np.float32)
    finetune = base.copy()
    finetune[:4] += 0.01
    pruned = base.copy()
    pruned[np.abs(pruned) < 0.5] = 0
    lowrank = base + np.outer(rng.standard_normal(64), rng.standard_normal(64)).astype(np.float32) * 0.01
    return {"finetune": (base, finetune), "pruned": (base, pruned), "lowrank": (base, lowrank.astype(np.float32))}


def _store_each_codec(tmp_path) -> list[tuple[str, str]]:
    store = ObjectStore(tmp_path)
    store.packs_dir.mkdir(parents=True)
    rng = np.random.default_rng(0)
    made: list[tuple[str, str]] = []
    with store.writer() as w:
        for codec_id in available_codecs():
            try:
                codec = get_codec(codec_id)
            except InvalidInput:  # the lossy codecs need their bound
                codec = get_codec({"id": codec_id, "error_bound": 1e-2})
            for base, child in _pairs(rng).values():
                base_oid = w.put(base, "float32", codec="raw")
                if codec.needs_base:
                    source = child
                elif codec_id == "cast-delta":
                    continue
                else:
                    source = child + np.float32(len(made))  # a fresh object per codec
                try:
                    oid = w.put(source, "float32", base=base_oid if codec.needs_base else None, codec=codec)
                except InvalidInput:
                    continue
                made.append((codec_id, oid))
                break
    store.close()
    return made


def test_every_codec_checks_the_hash_on_read(tmp_path):
    made = _store_each_codec(tmp_path)
    covered = {c for c, _ in made}
    assert {"raw", "zstd-bytegroup", "xor-delta", "sparse-delta"} <= covered, covered
    pack = next((tmp_path / "packs").glob("*.h5"))
    start, _ = blob_extent(pack)
    pristine = pack.read_bytes()
    for codec_id, oid in made:
        store = ObjectStore(tmp_path)
        entry, _ = store._entry(oid)
        offset, length = entry["chunks"][0][:2]
        for where in (length // 2, length - 1):
            data = bytearray(pristine)
            data[start + offset + where] ^= 0x04
            pack.write_bytes(bytes(data))
            fresh = ObjectStore(tmp_path)
            try:
                got = fresh.get(oid)
            except Corrupt as exc:
                assert oid[:12] in str(exc), exc
            else:  # a flip the codec's format ignores: the bytes must still be the right ones
                assert object_id(got, entry["dtype"]) == oid, codec_id
            fresh.close()
        pack.write_bytes(pristine)
        store.close()


@pytest.mark.parametrize("codec_id", ["raw", "zstd-bytegroup"])
def test_a_flipped_bit_in_a_whole_tensor_codec_is_an_error(tmp_path, codec_id):
    store = ObjectStore(tmp_path)
    store.packs_dir.mkdir(parents=True)
    arr = np.random.default_rng(1).standard_normal(4096).astype(np.float32)
    with store.writer() as w:
        oid = w.put(arr, "float32", codec=codec_id)
    entry, _ = store._entry(oid)
    store.close()
    pack = next((tmp_path / "packs").glob("*.h5"))
    start, _ = blob_extent(pack)
    data = bytearray(pack.read_bytes())
    data[start + entry["chunks"][0][0] + entry["chunks"][0][1] // 2] ^= 0x01
    pack.write_bytes(bytes(data))
    with pytest.raises(Corrupt, match=f"object {oid[:12]} .* does not match its hash"):
        ObjectStore(tmp_path).get(oid)


def test_the_codecs_covered(tmp_path):
    """Every registered codec that can encode these pairs is exercised above."""
    covered = {c for c, _ in _store_each_codec(tmp_path)}
    assert len(covered) >= 9, covered  # all but cast-delta (needs a base of another dtype)
