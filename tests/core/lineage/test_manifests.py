"""Manifests live in per-version files; lineage records carry the summary figures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mgit_lab.api import Repository
from mgit_lab.core import repository as repository_module
from mgit_lab.core.lineage import manifest_figures, manifest_to_json
from mgit_lab.core.lineage.accounting import charge
from mgit_lab.core.lineage.manifests import manifest_dir


def _state(rng: np.random.Generator, n: int = 4) -> dict:
    return {f"l{i}.weight": (rng.standard_normal((8, 8)).astype(np.float32), "float32") for i in range(n)}


def _changed(rng: np.random.Generator, state: dict, keys: list[str]) -> dict:
    out = dict(state)
    for k in keys:
        out[k] = (rng.standard_normal((8, 8)).astype(np.float32), "float32")
    return out


def _lineage(repo: Repository) -> dict:
    return json.loads((repo.mgit_dir / "lineage.json").read_text())


def _assert_figures_match_accounting(repo: Repository) -> None:
    fresh = Repository.open(repo.root)
    acc = charge(fresh.graph, fresh.store)
    for v in fresh.versions():
        assert v.summary is not None
        expect = {**manifest_figures(v.manifest), "stored_bytes": acc.charged[v.id], "objects": acc.counts[v.id]}
        assert v.summary == expect, v.name
    assert fresh.accounts().charged == acc.charged
    assert fresh.accounts().stored_bytes == acc.stored_bytes
    fresh.close()


@pytest.fixture
def repo(tmp_path):
    rng = np.random.default_rng(0)
    repo = Repository.init(tmp_path / "r")
    a = _state(rng)
    repo.add_arrays(a, "a")
    b = _changed(rng, a, ["l0.weight"])
    repo.add_arrays(b, "b", parents=[("a", "finetune")])
    c = _changed(rng, b, ["l1.weight", "l2.weight"])
    repo.add_arrays(c, "c", parents=[("b", "finetune")])
    d = _changed(rng, a, ["l3.weight"])
    repo.add_arrays(d, "d", parents=[("a", "version")])
    yield repo
    repo.close()


def test_lineage_json_holds_no_manifests_and_each_version_has_a_file(repo):
    doc = _lineage(repo)
    for node in doc["nodes"]:
        assert "manifest" not in node
        assert node["manifest_file"] == f"{node['id']}.json"
        assert set(node["summary"]) == {"raw_bytes", "num_parameters", "num_tensors", "stored_bytes", "objects"}
        assert (manifest_dir(repo.mgit_dir) / node["manifest_file"]).is_file()
    fresh = Repository.open(repo.root)
    for v in repo.versions():
        other = fresh.version(v.name)
        assert not other.manifest_loaded  # listing reads no manifest
        assert other.manifest == v.manifest
        assert fresh.checkout_arrays(v.name).keys() == v.manifest.keys()


def test_graph_payload_and_stats_read_no_manifest(repo):
    fresh = Repository.open(repo.root)
    payload = fresh.graph_payload()
    stats = fresh.stats()
    assert not any(v.manifest_loaded for v in fresh.versions())
    expect = Repository.open(repo.root)
    acc = charge(expect.graph, expect.store)
    for node in payload["nodes"]:
        v = expect.version(node["id"])
        assert node["num_tensors"] == len(v.manifest)
        assert node["raw_bytes"] == manifest_figures(v.manifest)["raw_bytes"]
        assert node["stored_bytes"] == acc.charged[v.id]
    assert stats["total"]["stored_bytes"] == acc.stored_bytes
    assert stats["total"]["objects"] == acc.objects


def test_rename_tag_never_rewrite_manifests(repo):
    folder = manifest_dir(repo.mgit_dir)
    before = {f.name: f.stat().st_mtime_ns for f in folder.iterdir()}
    repo.tag("a", "stable")
    repo.rename("b", "b2")
    assert {f.name: f.stat().st_mtime_ns for f in folder.iterdir()} == before


def test_summary_figures_equal_accounting_through_adds_removes_and_gc(repo):
    rng = np.random.default_rng(1)
    _assert_figures_match_accounting(repo)
    # a tensor equal to one of an unrelated version: charged to the earlier one
    c = repo.checkout_arrays("c")
    e = _changed(rng, {"l0.weight": c["l1.weight"], "l1.weight": c["l0.weight"]}, [])
    repo.add_arrays(e, "e", parents=[("d", "finetune")])
    _assert_figures_match_accounting(repo)
    repo.remove("b", reroot=True)  # c's new tensors may now be charged differently
    _assert_figures_match_accounting(repo)
    repo.remove("c")
    again = Repository.open(repo.root)
    again.add_arrays(c, "c-again", parents=[("a", "finetune")])  # objects kept from removed c
    _assert_figures_match_accounting(repo)
    repo.gc()
    _assert_figures_match_accounting(repo)
    with repo.transaction():  # several versions in one commit
        repo.add_arrays(_changed(rng, c, ["l0.weight"]), "f", parents=[("c-again", "finetune")])
        repo.add_arrays(_changed(rng, c, ["l3.weight"]), "g", parents=[("f", "finetune")])
    _assert_figures_match_accounting(repo)


def test_manifest_file_is_written_before_lineage_json(repo, monkeypatch):
    rng = np.random.default_rng(2)
    written: list[str] = []
    real = repository_module.atomic_write_bytes

    def crash_at_lineage(path, data):
        written.append(path.name)
        if path.name == "lineage.json":
            raise OSError("simulated crash before the commit point")
        real(path, data)

    real_many = repository_module.atomic_write_many

    def many(items):  # a commit's files, flushed together before the lineage
        written.extend(path.name for path, _ in items)
        real_many(items)

    monkeypatch.setattr(repository_module, "atomic_write_bytes", crash_at_lineage)
    monkeypatch.setattr(repository_module, "atomic_write_many", many)
    monkeypatch.setattr("mgit_lab.core.lineage.manifests.atomic_write_bytes", crash_at_lineage)
    with pytest.raises(OSError, match="simulated crash"):
        repo.add_arrays(_state(rng), "lost")
    monkeypatch.undo()
    assert written[-1] == "lineage.json"
    manifests = [n for n in written if n.endswith(".json") and n != "lineage.json"]
    assert len(manifests) == 1 and written.index(manifests[0]) < written.index("lineage.json")
    orphan = manifest_dir(repo.mgit_dir) / manifests[0]
    assert orphan.is_file()
    fresh = Repository.open(repo.root)  # the old lineage is intact and complete
    assert sorted(v.name for v in fresh.versions()) == ["a", "b", "c", "d"]
    assert fresh.verify().ok
    fresh.gc()
    assert not orphan.exists()
    assert all((manifest_dir(repo.mgit_dir) / f"{v.id}.json").is_file() for v in fresh.versions())


def test_verify_names_the_version_whose_manifest_is_missing_or_damaged(repo):
    b, c = repo.version("b"), repo.version("c")
    (manifest_dir(repo.mgit_dir) / f"{b.id}.json").unlink()
    (manifest_dir(repo.mgit_dir) / f"{c.id}.json").write_text("{not json")
    report = Repository.open(repo.root).verify()
    assert not report.ok
    assert report.damaged_versions == ["b", "c"]
    whats = " ".join(p.what for p in report.problems)
    assert "'b'" in whats and "missing" in whats and "'c'" in whats and "damaged" in whats


def test_replaced_manifest_gets_a_new_file_and_gc_drops_the_old(repo):
    c = repo.version("c")
    with repo.transaction() as txn:
        v = txn.graph.edit("c")
        v.manifest = {k: t for k, t in v.manifest.items() if k != "l3.weight"}
    new = repo.version("c")
    assert new.manifest_file != f"{c.id}.json" and new.manifest_file.startswith(c.id)
    assert Repository.open(repo.root).version("c").manifest.keys() == {"l0.weight", "l1.weight", "l2.weight"}
    assert (manifest_dir(repo.mgit_dir) / f"{c.id}.json").is_file()
    _assert_figures_match_accounting(repo)
    repo.gc()
    assert not (manifest_dir(repo.mgit_dir) / f"{c.id}.json").exists()
    assert (manifest_dir(repo.mgit_dir) / new.manifest_file).is_file()


def test_older_layout_with_inline_manifests_opens_and_migrates(repo):
    doc = _lineage(repo)
    fresh = Repository.open(repo.root)
    for node in doc["nodes"]:
        node["manifest"] = manifest_to_json(fresh.version(node["id"]).manifest)
        del node["manifest_file"], node["summary"]
    (repo.mgit_dir / "lineage.json").write_text(json.dumps(doc))
    for f in manifest_dir(repo.mgit_dir).iterdir():
        f.unlink()
    old = Repository.open(repo.root)
    expect = charge(old.graph, old.store)
    payload = old.graph_payload()
    assert {n["name"]: n["stored_bytes"] for n in payload["nodes"]} == {
        v.name: expect.charged[v.id] for v in old.versions()
    }
    assert old.verify().ok
    old.tag("d", "migrated")  # the next commit writes the files and the figures
    migrated = _lineage(repo)
    assert all("manifest" not in n and n["summary"] for n in migrated["nodes"])
    _assert_figures_match_accounting(repo)
    again = Repository.open(repo.root)
    assert again.checkout_arrays("c").keys() == fresh.version("c").manifest.keys()
