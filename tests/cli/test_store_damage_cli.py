"""Issue 9, findings 2-6 and 12 (store): damage to packs and indexes, through the CLI.

Each test fails on the code before the fix: a gc that deleted a pack whose index was torn,
checkouts that returned flipped bits or a tensor of the wrong shape with exit 0, a
``KeyError`` traceback for one malformed index, a traceback for gc on a truncated pack.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mgit_lab.core.repository import Repository
from tests.support.store_faults import (
    add_version,
    blob_extent,
    build_repo,
    checkout,
    clear_failure,
    disk_full_run,
    mgit,
    model,
    packs,
    same,
)


def _index(pack: Path) -> Path:
    return pack.with_name(pack.name[: -len(".h5")] + ".idx.json")


def _pack_of(root: Path, version: str) -> Path:
    """The pack holding the objects only ``version`` added (each add writes one pack)."""
    repo = Repository.open(root)
    oids = {t.oid for t in repo.version(version).manifest.values()}
    names = {repo.store.info(o).pack for o in oids}
    repo.close()
    newest = sorted(names)[-1]
    return root / ".mgit" / "packs" / (newest + ".h5")


def _all_intact(root: Path, expected: dict) -> list[str]:
    bad = []
    for name, want in expected.items():
        code, _, err, got = checkout(root, name)
        if code != 0 or got is None or not same(got, want):
            bad.append(f"{name}: {code} {err.strip()}")
    return bad


def _thirty_one(root: Path) -> dict:
    """31 small versions, one pack each: the third add after them triggers the automatic repack."""
    mgit(root, "init", str(root))
    repo = Repository.open(root)
    expected = {}
    for i in range(31):
        state = {k: v for k, v in model(i, 0).items() if k.startswith("l")}
        expected[f"v{i}"] = state
        repo.add_arrays({k: (a, a.dtype.name) for k, a in state.items()}, f"v{i}")
    repo.close()
    return expected


def test_finding2_automatic_repack_leaves_a_pack_it_cannot_read(tmp_path):
    root = tmp_path / "repo"
    expected = _thirty_one(root)
    pack = _pack_of(root, "v5")
    _index(pack).write_bytes(b"")
    pack.write_bytes(pack.read_bytes()[:100])
    damaged = pack.read_bytes()
    for j in range(3):
        expected[f"new{j}"] = model(100 + j, 0)
        add_version(root, tmp_path, f"new{j}", expected[f"new{j}"], None)
    assert pack.read_bytes() == damaged  # kept for a restore from backup
    del expected["v5"]
    assert _all_intact(root, expected) == []


def test_finding2_torn_index_then_adds_and_gc_lose_nothing(tmp_path):
    root = tmp_path / "repo"
    expected = _thirty_one(root)
    idx = _index(_pack_of(root, "v5"))
    idx.write_bytes(idx.read_bytes()[: idx.stat().st_size // 2])  # a torn write
    for j in range(3):
        expected[f"new{j}"] = model(100 + j, 0)
        add_version(root, tmp_path, f"new{j}", expected[f"new{j}"], None)
    assert len(packs(root)) < 10  # the automatic repack ran (34 packs otherwise)
    assert _all_intact(root, expected) == []
    code, out, err = mgit(root, "gc")
    assert code == 0, err
    assert _all_intact(root, expected) == []
    assert mgit(root, "verify")[0] == 0  # gc rewrote every index from what it copied


def test_finding2_gc_refuses_when_no_index_copy_is_readable(tmp_path):
    root = tmp_path / "repo"
    expected = build_repo(root, 3)
    pack = _pack_of(root, "v1")
    _index(pack).write_bytes(b"{")
    # keep a quarter: a small pack cut in half can still hold its whole in-pack index and
    # every object (gc then repacks it correctly, every object hash-checked), which is not
    # the fault this test is about
    pack.write_bytes(pack.read_bytes()[: pack.stat().st_size // 4])
    before = sorted(p.name for p in (root / ".mgit" / "packs").iterdir())
    code, out, err = mgit(root, "gc")
    assert clear_failure(code, out, err), err
    assert f"pack {pack.name[:-3]} cannot be read" in err and "mgit verify" in err
    assert sorted(p.name for p in (root / ".mgit" / "packs").iterdir()) == before  # nothing deleted
    assert _all_intact(root, {"v0": expected["v0"]}) == []


def test_finding3_pack_left_without_index_is_dropped_by_gc_as_verify_says(tmp_path):
    root = tmp_path / "repo"
    expected = build_repo(root, 2)
    repo = Repository.open(root)
    with repo.lock.hold(), repo.store.writer(repack=False) as w:  # an add killed before its commit
        w.put(np.full(1000, 3.0, np.float32))
    repo.close()
    orphan = [p for p in packs(root) if not _index(p).exists()]
    assert len(orphan) == 0
    newest = packs(root)[-1]
    _index(newest).unlink()  # ...and before its index file
    code, out, err = mgit(root, "verify")
    assert code == 1 and f"pack {newest.name[:-3]}: its index file is missing" in out
    assert "`mgit gc` keeps what versions need and drops the rest" in out
    code, out, err = mgit(root, "gc")
    assert code == 0, err
    assert not newest.exists() and "removed 1" in out
    assert mgit(root, "verify")[0] == 0
    assert _all_intact(root, expected) == []


def _flip_in_object(root: Path, oid: str) -> None:
    repo = Repository.open(root)
    entry, pack = repo.store._entry(oid)
    repo.close()
    path = root / ".mgit" / "packs" / (pack + ".h5")
    start, _ = blob_extent(path)
    offset, length = entry["chunks"][0][:2]
    data = bytearray(path.read_bytes())
    data[start + offset + length // 2] ^= 0x10
    path.write_bytes(bytes(data))


def test_finding4_flipped_bit_in_any_object_fails_checkout_naming_object_and_versions(tmp_path):
    root = tmp_path / "repo"
    expected = build_repo(root, 3)
    repo = Repository.open(root)
    manifest = repo.version("v0").manifest
    codecs = {k: repo.store.info(t.oid).codecs for k, t in manifest.items()}
    repo.close()
    assert {"raw", "zstd-bytegroup"} & {c for cs in codecs.values() for c in cs}
    saved = root.parent / "saved"
    shutil.copytree(root, saved)
    for key, ref in manifest.items():
        _flip_in_object(root, ref.oid)
        code, out, err, _ = checkout(root, "v0")
        assert clear_failure(code, out, err), (key, codecs[key], err)
        assert ref.oid[:12] in err and "versions that need it: v0" in err, err
        shutil.rmtree(root)
        shutil.copytree(saved, root)
    assert _all_intact(root, expected) == []


def test_finding5_manifest_naming_an_object_of_another_shape_fails_checkout_and_verify(tmp_path):
    root = tmp_path / "repo"
    build_repo(root, 1)
    path = next((root / ".mgit" / "manifests").glob("*.json"))
    doc = json.loads(path.read_text())
    tensors = doc["tensors"]
    tensors["l1.bias"][0] = tensors["l2.bias"][0]  # [oid, dtype, shape]: l2.bias's object
    path.write_text(json.dumps(doc))
    code, out, err, _ = checkout(root, "v0")
    assert clear_failure(code, out, err), err
    assert "'l1.bias'" in err and "[64]" in err and "[16]" in err
    code, out, err = mgit(root, "verify")
    assert code == 1 and "l1.bias" in out and "versions that cannot be checked out intact: v0" in out


@pytest.mark.parametrize("content", [b'{"pack": "x"}', b'{"objects": []}', b'{"objects": {"ab": 3}}'])
def test_finding6_malformed_index_affects_only_the_versions_in_that_pack(tmp_path, content):
    root = tmp_path / "repo"
    mgit(root, "init", str(root))
    expected = {}
    for i in range(3):  # unrelated versions: each in its own pack
        expected[f"v{i}"] = model(10 + i, 0)
        add_version(root, tmp_path, f"v{i}", expected[f"v{i}"], None)
    pack = _pack_of(root, "v1")
    _index(pack).write_bytes(content)
    # the pack holds its own index copy: every version still checks out
    assert _all_intact(root, expected) == []
    code, out, _ = mgit(root, "verify")
    assert code == 1 and "its index file" in out and "mgit verify --repair" in out
    # with that copy damaged too, only v1 fails, with one clear line
    pack.write_bytes(pack.read_bytes()[:200])
    assert _all_intact(root, {k: expected[k] for k in ("v0", "v2")}) == []
    code, out, err, _ = checkout(root, "v1")
    assert clear_failure(code, out, err) and pack.name[:-3] in err and "v1" in err, err
    assert mgit(root, "log")[0] == 0


def test_finding12_gc_on_a_truncated_pack_is_one_clear_error(tmp_path):
    root = tmp_path / "repo"
    expected = build_repo(root, 3)
    pack = _pack_of(root, "v2")
    pack.write_bytes(pack.read_bytes()[: pack.stat().st_size - 100])
    code, out, err = mgit(root, "gc")
    assert clear_failure(code, out, err) and pack.name[:-3] in err, err
    assert pack.exists()
    assert _all_intact(root, {k: expected[k] for k in ("v0", "v1")}) == []


def test_finding12_disk_full_during_add_is_one_clear_error_and_loses_nothing(tmp_path):
    root = tmp_path / "pristine" / "repo"
    expected = build_repo(root, 2)
    outcome = disk_full_run(tmp_path / "mnt", root, expected)
    if isinstance(outcome, str):
        pytest.skip(outcome)
    assert outcome.detected and not (outcome.unclear or outcome.lost or outcome.wrong_bytes), outcome
