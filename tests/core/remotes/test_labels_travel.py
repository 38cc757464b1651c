"""Tags and renames travel with push and pull between two clones; clashes are conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from remote_cases import finetuned, layer_state, same_state

from mgit_lab.api import Repository
from mgit_lab.core.errors import Conflict
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.config import get_remote
from mgit_lab.core.remotes.fetch import pull
from mgit_lab.core.remotes.lineage_slot import LineageSlot
from mgit_lab.core.remotes.push import push
from mgit_lab.core.remotes.transport import RemoteFS
from mgit_lab.core.verbs.clone import clone


def _two_clones(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> tuple[Repository, Repository]:
    url, options = remote
    status.add(source, "origin", url, options)
    push(source)
    a, _ = clone(url, tmp_path / "a", options=options)
    b, _ = clone(url, tmp_path / "b", options=options)
    return Repository(a.root), Repository(b.root)


def _remote_labels(repo: Repository) -> tuple[dict[str, str], dict[str, str]]:
    """(id -> name, tag -> name) of the remote's lineage."""
    doc = LineageSlot(RemoteFS(get_remote(repo.mgit_dir, "origin"))).read()
    assert doc is not None
    names = {n["id"]: n["name"] for n in doc["nodes"]}
    return names, {t: n["name"] for n in doc["nodes"] for t in n.get("tags") or []}


def _labels(repo: Repository) -> tuple[dict[str, str], dict[str, str]]:
    fresh = Repository.open(repo.root)
    return {v.id: v.name for v in fresh.versions()}, fresh.tags()


def test_renames_and_tags_travel_both_ways(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    a, b = _two_clones(remote, source, tmp_path)
    ft_id = a.version("ft").id
    a.rename("ft", "ft-sst2")
    a.tag("ft-sst2", "best")
    sent = push(a)
    assert sent.versions == [] and sent.bytes_sent < 10_000  # labels only: no object travels
    assert sent.labels == ["renamed 'ft' -> 'ft-sst2'", "tag 'best' -> 'ft-sst2'"]
    assert _remote_labels(a) == _labels(a)

    got = pull(b)
    assert got.labels == ["renamed 'ft' -> 'ft-sst2'", "tag 'best' -> 'ft-sst2'"]
    assert b.version("best").id == ft_id  # the same version, renamed and tagged
    assert _labels(b) == _labels(a)

    # b adds a child, moves the tag onto it and renames the root; a takes all of it
    b.add_arrays(finetuned(layer_state(), 8), "ft3", parents=[("ft-sst2", "finetune")])
    b.tag("ft3", "best", move=True)
    b.tag("base", "v1")
    b.rename("base", "pretrained")
    push(b)
    back = pull(a)
    assert back.versions == ["ft3"]
    assert set(back.labels) == {"renamed 'base' -> 'pretrained'", "tag 'best' -> 'ft3'", "tag 'v1' -> 'pretrained'"}
    assert _labels(a) == _labels(b) and same_state(a, b, "best")

    # removing a tag travels too; a second pull and push change nothing
    a.untag("v1")
    assert push(a).labels == ["tag 'v1' removed"]
    assert pull(b).labels == ["tag 'v1' removed"] and "v1" not in b.tags()
    assert pull(b).labels == [] and push(b).labels == [] and push(b).requests == 1


def test_labels_changed_on_both_sides_are_conflicts(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    a, b = _two_clones(remote, source, tmp_path)
    a.rename("ft", "ft-a")
    a.tag("ft-a", "prod")
    push(a)
    b.rename("ft", "ft-b")
    b.tag("base", "prod")
    with pytest.raises(Conflict) as caught:
        push(b)
    text = caught.value.message
    assert "'ft-b' here and 'ft-a' on the remote (it was 'ft')" in text
    assert "tag 'prod' is on 'base' here and on 'ft-a' on the remote" in text
    assert _remote_labels(a) == _labels(a)  # nothing overwritten
    with pytest.raises(Conflict, match="'ft-a' at the remote and 'ft-b' here"):
        pull(b)
    assert _labels(b)[0][b.version("ft-b").id] == "ft-b"  # nothing changed here either

    # resolved by making b agree with the remote: then everything travels again
    b.rename("ft-b", "ft-a")
    b.untag("prod")
    b.add_arrays(finetuned(layer_state(), 9), "from-b", parents=[("ft-a", "finetune")])
    assert push(b).versions == ["from-b"]
    assert pull(b).labels == ["tag 'prod' -> 'ft-a'"]
    assert _labels(b) == _remote_labels(b)

    # a tag the remote has on a version b has not pulled yet, set here on another: a conflict
    pull(a)
    a.add_arrays(finetuned(layer_state(), 12), "only-a", parents=[("ft-a", "finetune")])
    a.tag("only-a", "rc")
    push(a)
    b.tag("from-b", "rc")
    with pytest.raises(Conflict, match="tag 'rc' is on 'from-b' here and on 'only-a' on the remote"):
        push(b)


def test_a_push_keeps_what_others_changed_and_a_name_clash_is_refused(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    a, b = _two_clones(remote, source, tmp_path)
    a.rename("ft", "ft-renamed")
    a.tag("base", "stable")
    push(a)
    # b has not pulled: its old name and missing tag are not a change to send
    b.add_arrays(finetuned(layer_state(), 10), "from-b", parents=[("ft", "finetune")])
    sent = push(b)
    assert sent.versions == ["from-b"] and sent.labels == []
    assert sent.label_notes == ["'ft' was renamed 'ft-renamed' on the remote"]
    names, tags = _remote_labels(a)
    assert "ft-renamed" in names.values() and tags == {"stable": "base"}

    # a name taken on the other side by a different version is refused, before anything moves
    a.rename("base", "from-b")
    with pytest.raises(Conflict, match="'from-b'"):
        push(a)
    with pytest.raises(Conflict, match="'from-b'"):
        pull(a)
    # a push of some versions never touches the tags of versions it does not send
    a.rename("from-b", "base")
    pull(a)
    a.tag("from-b", "b-best")
    push(a)
    a.untag("b-best")
    assert push(a, versions=["ft-renamed"]).labels == []
    assert _remote_labels(a)[1] == {"stable": "base", "b-best": "from-b"}
    assert push(a).labels == ["tag 'b-best' removed"]
