"""push, fetch, pull and clone against a folder remote and a real S3 API (moto on loopback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from remote_cases import finetuned, layer_state, same_state

from mgit_lab.api import Repository
from mgit_lab.core.errors import Conflict
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.fetch import fetch, pull
from mgit_lab.core.remotes.push import push
from mgit_lab.core.verbs.clone import clone


def test_push_clone_push_child_pull(remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path) -> None:
    url, options = remote
    status.add(source, "origin", url, options)
    first = push(source)
    assert first.versions == ["base", "ft"] and first.objects > 0 and first.packs >= 1
    # about as many requests as packs and files, not one per tensor (12 tensors per version)
    assert first.requests < first.objects

    noop = push(source)
    assert noop.versions == [] and noop.bytes_sent == 0
    assert noop.requests == 1 and noop.listings == 0  # one small read of the remote lineage

    cloned, report = clone(url, tmp_path / "other", options=options)
    other = Repository(cloned.root)
    assert report.versions == ["base", "ft"]
    assert same_state(source, other, "base") and same_state(source, other, "ft")
    assert [v.name for v in other.versions()] == ["base", "ft"]
    assert other.graph.parents("ft")[0][0].name == "base"

    # a fine-tuned child of a version the remote has: about its stored delta travels
    other.add_arrays(finetuned(layer_state(), 2), "ft2", parents=[("ft", "finetune")])
    stored, _ = other.stored_nbytes("ft2")
    child = push(other)
    assert child.versions == ["ft2"]
    assert child.bytes_sent <= 1.05 * stored + 64_000, (child.bytes_sent, stored)

    got = pull(source)
    assert got.versions == ["ft2"] and got.ok
    assert same_state(source, other, "ft2")
    assert source.verify().ok
    assert pull(source).versions == []  # nothing new


def test_fetch_leaves_the_lineage_and_pull_adds(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    url, options = remote
    status.add(source, "origin", url, options)
    push(source)
    empty = Repository.init(tmp_path / "empty")
    status.add(empty, "origin", url, options)
    fetched = fetch(empty)
    assert fetched.objects > 0 and len(empty.versions()) == 0
    pulled = pull(empty)
    assert pulled.objects == 0 and pulled.bytes_received < 20_000  # the objects are here already
    assert same_state(source, empty, "ft")

    # pulling named versions into a full repository adds just those (and their ancestors)
    source.add_arrays(layer_state(seed=9), "other")
    push(source)
    only, _ = clone(url, tmp_path / "only", ["base"], options=options)  # partial: whole graph
    assert len(only.versions()) == 3
    third = Repository.init(tmp_path / "third")
    status.add(third, "origin", url, options)
    assert pull(third, versions=["ft"]).versions == ["base", "ft"]
    assert [v.name for v in third.versions()] == ["base", "ft"] and third.verify().ok


def test_partial_clone_fetches_other_tensors_on_demand(
    s3_remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    url, options = s3_remote
    source.add_arrays(layer_state(seed=7), "unrelated")
    status.add(source, "origin", url, options)
    push(source)
    part, report = clone(url, tmp_path / "part", ["ft"], options=options)
    assert [v.name for v in part.versions()] == ["base", "ft", "unrelated"]  # the whole graph
    assert same_state(source, part, "ft")  # ft and its delta bases are here
    missing = [t.oid for t in part.version("unrelated").manifest.values() if not part.store.has(t.oid)]
    assert len(missing) == 12
    note = status.local_note(part)
    assert note is not None and "2 of 3 versions" in note and "12 tensor(s)" in note
    assert Repository(part.root).verify().ok  # absent tensors of a partial clone are not damage

    again = Repository.open(tmp_path / "part")  # a fresh process would open it like this
    assert same_state(source, again, "unrelated")  # fetched on demand
    assert all(again.store.has(o) for o in missing)
    assert "3 of 3 versions" in (status.local_note(again) or "")
    assert again.verify().ok


def test_same_name_different_content_is_a_conflict(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    url, options = remote
    status.add(source, "origin", url, options)
    push(source)
    rival = Repository.init(tmp_path / "rival")
    rival.add_arrays(layer_state(seed=3), "base")
    status.add(rival, "origin", url, options)
    with pytest.raises(Conflict, match="'base'"):
        push(rival)
    with pytest.raises(Conflict, match="'base'"):
        pull(rival)
    check, _ = clone(url, tmp_path / "check", options=options)
    assert same_state(source, check, "base")  # never overwritten
    assert [v.name for v in rival.versions()] == ["base"]


def test_diverged_lineages_are_combined(remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path) -> None:
    url, options = remote
    status.add(source, "origin", url, options)
    push(source)
    a, _ = clone(url, tmp_path / "a", options=options)
    b, _ = clone(url, tmp_path / "b", options=options)
    a.add_arrays(finetuned(layer_state(), 5), "from-a", parents=[("base", "finetune")])
    b.add_arrays(finetuned(layer_state(), 6), "from-b", parents=[("ft", "finetune")])
    push(a)
    push(b)  # b's view of the remote is stale: combined, not overwritten
    pull(a)
    assert sorted(v.name for v in a.versions()) == ["base", "from-a", "from-b", "ft"]
    assert same_state(b, a, "from-b")
    doc = json.loads(Path(tmp_path / "a" / ".mgit" / "remotes" / "origin" / "lineage.json").read_text())
    assert len(doc["nodes"]) == 4
