"""A version added from a model folder travels whole: its files manifest, its small files'
blobs and its safetensors headers go with push and come back with clone (full and partial),
so checkout on the other side rebuilds every file byte for byte."""

from __future__ import annotations

from pathlib import Path

from mgit_lab.api import Repository
from mgit_lab.core.remotes import status
from mgit_lab.core.remotes.push import push
from mgit_lab.core.verbs.clone import clone
from tests.support.model_folders import bert_folder, files_of


def test_a_folder_version_is_checked_out_byte_identical_from_a_clone(
    remote: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, options = remote
    folder = bert_folder(tmp_path / "tiny-bert")
    source = Repository.init(tmp_path / "source")
    source.add(folder, name="tiny-bert")
    status.add(source, "origin", url, options)
    assert push(source).versions == ["tiny-bert"]

    for partial in (False, True):
        where = tmp_path / f"clone-{partial}"
        cloned, _ = clone(url, where, options=options, versions=["tiny-bert"] if partial else None)
        other = Repository(cloned.root)
        out = tmp_path / f"out-{partial}"
        assert other.checkout_files("tiny-bert", out) is not None
        assert files_of(out) == files_of(folder)  # every file, name and byte
        assert other.verify().ok
