"""What a fetch brought is a gc root (git's refs/remotes): fetch, gc, then an offline pull."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from remote_cases import finetuned, layer_state, same_state

from mgit_lab.api import Repository
from mgit_lab.core.errors import MgitError, NotFound
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.fetch import fetch, pull
from mgit_lab.core.remotes.push import push
from mgit_lab.core.verbs.clone import clone


def _cut_off(repo: Repository, url: str) -> None:
    """Make the remote unreachable: a folder remote is deleted, an S3 remote points at a
    port nothing listens on."""
    if url.startswith("s3://"):
        config = repo.mgit_dir / "config.json"
        doc = json.loads(config.read_text())
        doc["remotes"]["origin"]["options"]["endpoint_url"] = "http://127.0.0.1:9"
        config.write_text(json.dumps(doc))
    else:
        shutil.rmtree(url)


def test_fetch_gc_then_offline_pull_is_bit_exact(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    url, options = remote
    status.add(source, "origin", url, options)
    push(source)
    other = Repository(clone(url, tmp_path / "other", options=options)[0].root)
    source.add_arrays(finetuned(layer_state(), 4, touched=3), "ft2", parents=[("ft", "finetune")])
    source.add_arrays(layer_state(seed=5), "fresh")  # a root: whole tensors, no delta base here
    push(source)

    fetched = fetch(other)
    assert sorted(fetched.versions) == ["fresh", "ft2"] and fetched.objects > 0
    assert [v.name for v in other.versions()] == ["base", "ft"]
    gc = other.gc()
    assert gc.objects_removed == 0  # the fetched objects are kept: the tracked lineage names them
    _cut_off(other, url)

    with pytest.raises(MgitError, match="cannot be reached|no mgit lineage"):
        pull(other)  # the remote is gone: an online pull says so
    pulled = pull(other, offline=True)
    assert sorted(pulled.versions) == ["fresh", "ft2"] and pulled.ok and pulled.requests == 0
    again = Repository.open(other.root)
    assert same_state(source, again, "ft2") and same_state(source, again, "fresh")
    assert again.verify().ok
    assert again.gc().objects_removed == 0


def test_removing_the_remote_releases_what_was_fetched(
    remote: tuple[str, dict[str, str]], source: Repository, tmp_path: Path
) -> None:
    url, options = remote
    status.add(source, "origin", url, options)
    push(source)
    empty = Repository.init(tmp_path / "empty")
    status.add(empty, "origin", url, options)
    assert fetch(empty).objects > 0
    kept = len(empty.store.object_ids())
    assert empty.gc().objects_removed == 0 and len(empty.store.object_ids()) == kept
    status.remove(empty, "origin")  # git drops refs/remotes/origin likewise
    assert not (empty.mgit_dir / "remotes" / "origin").exists()
    assert empty.gc().objects_removed == kept
    status.add(empty, "origin", url, options)
    with pytest.raises(NotFound, match="nothing was fetched"):
        pull(empty, offline=True)
