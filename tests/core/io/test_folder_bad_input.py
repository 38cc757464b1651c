"""Bad model folders and files: one clear error each, nothing half-added."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from mgit_lab.api import Repository
from mgit_lab.core.errors import InvalidInput, NotFound


def _folder(path: Path) -> Path:
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"hidden": 4}))
    save_file({"w": torch.ones(2, 2)}, str(path / "model.safetensors"))
    (path / "tokenizer.json").write_text("{}")
    return path


def _nothing_added(repo: Repository) -> None:
    assert repo.versions() == []
    assert not list((repo.mgit_dir / "files").glob("*.json")) if (repo.mgit_dir / "files").is_dir() else True


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    return Repository.init(tmp_path / "repo")


def test_a_symlink_out_of_the_folder(tmp_path: Path, repo: Repository) -> None:
    folder = _folder(tmp_path / "m")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "notes.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(InvalidInput, match="leads outside the model folder"):
        repo.add(folder)
    _nothing_added(repo)


def test_two_weight_formats(tmp_path: Path, repo: Repository) -> None:
    folder = _folder(tmp_path / "m")
    torch.save({"w": torch.ones(2, 2)}, folder / "pytorch_model.bin")
    with pytest.raises(InvalidInput, match="two weight formats") as exc:
        repo.add(folder)
    assert ".mgitignore" in (exc.value.hint or "")
    _nothing_added(repo)
    (folder / ".mgitignore").write_text("# the old format\npytorch_model*.bin\n")
    repo.add(folder, name="m")  # the ignore file settles it
    assert "pytorch_model.bin" not in {f.path for f in repo.files("m").files}  # type: ignore[union-attr]


def test_a_shard_index_naming_a_missing_shard(tmp_path: Path, repo: Repository) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    save_file({"a": torch.ones(2)}, str(folder / "model-00001-of-00002.safetensors"))
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(NotFound, match="model-00002-of-00002.safetensors"):
        repo.add(folder)
    _nothing_added(repo)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 64]}, "outside the 16 bytes of data"),
        ({"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 16]}, "needs 24 bytes"),
        ({"dtype": "Q4", "shape": [2, 2], "data_offsets": [0, 16]}, "unknown dtype"),
    ],
)
def test_a_safetensors_header_that_lies(tmp_path: Path, repo: Repository, entry: dict, message: str) -> None:
    header = json.dumps({"w": entry}).encode()
    path = tmp_path / "liar.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\x00" * 16)
    with pytest.raises(InvalidInput, match=message):
        repo.add(path)
    _nothing_added(repo)


def test_a_file_changing_while_it_is_added(tmp_path: Path, repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path / "m")
    from mgit_lab.core.io import sources

    real = sources.load_source

    def load_and_touch(model):  # noqa: ANN001, ANN202 - a writer finishing the folder meanwhile
        out = real(model)
        (folder / "tokenizer.json").write_text('{"changed": true}')
        return out

    monkeypatch.setattr(sources, "load_source", load_and_touch)
    with pytest.raises(InvalidInput, match="changed while it was being added"):
        repo.add(folder)
    _nothing_added(repo)


def test_ignore_rules_and_opaque_files(tmp_path: Path, repo: Repository) -> None:
    folder = _folder(tmp_path / "m")
    (folder / "training_args.bin").write_bytes(b"\x80\x04not-unpickled")
    (folder / "checkpoint").mkdir()
    (folder / "checkpoint" / "optimizer.pt").write_bytes(b"x" * 100)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref")
    (folder / ".mgitignore").write_text("checkpoint/\n")
    repo.add(folder, name="m")
    paths = [f.path for f in repo.files("m").files]  # type: ignore[union-attr]
    assert paths == [".mgitignore", "config.json", "model.safetensors", "tokenizer.json", "training_args.bin"]
    out = repo.checkout_files("m", tmp_path / "out")
    assert out is not None and (out / "training_args.bin").read_bytes() == b"\x80\x04not-unpickled"
