"""Issue 9, finding 1: `mgit checkout/export -f` never deletes the repository, the current
folder or a folder of the user's; writes are atomic."""

from __future__ import annotations

import json

import pytest
import torch
import transformers

from mgit_lab.api import Repository
from mgit_lab.cli import main
from tests.support.diff_models import bert_config


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "work"
    repo = Repository.init(root)
    torch.manual_seed(0)
    repo.add(transformers.BertForMaskedLM(bert_config()).eval(), "bert")
    repo.add({"w": torch.arange(6.0)}, "base")
    monkeypatch.chdir(root)
    return root


def _snapshot(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _refused(capsys, argv, words):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("mgit: error:") and "Traceback" not in err
    assert words in err, err


@pytest.mark.parametrize(
    "argv,words",
    [
        (["checkout", "base", "-o", ".", "--format", "safetensors", "-f"], "contains the repository"),
        (["checkout", "base", "-o", ".mgit", "--format", "safetensors", "-f"], ".mgit"),
        (["checkout", "base", "-o", ".mgit/lineage.json", "--format", "safetensors", "-f"], ".mgit"),
        (["export", "bert", ".", "--format", "hf", "-f"], "contains the repository"),
        (["export", "bert", "..", "--format", "hf", "-f"], "contains the repository"),
    ],
)
def test_repository_and_current_folder_are_never_targets(repo, capsys, argv, words):
    before = _snapshot(repo)
    lineage = (repo / ".mgit" / "lineage.json").read_bytes()
    _refused(capsys, argv, words)
    assert _snapshot(repo) == before
    assert (repo / ".mgit" / "lineage.json").read_bytes() == lineage
    assert Repository.open(repo).version("base").name == "base"


def test_the_current_folder_is_never_a_target(repo, capsys, monkeypatch):
    (repo / "sub").mkdir()
    (repo / "sub" / "notes.txt").write_text("mine")
    monkeypatch.chdir(repo / "sub")
    _refused(capsys, ["-C", "..", "checkout", "base", "-o", ".", "--format", "safetensors", "-f"], "current folder")
    _refused(capsys, ["-C", "..", "export", "bert", ".", "--format", "hf", "-f"], "current folder")
    assert (repo / "sub" / "notes.txt").read_text() == "mine"


def test_force_never_deletes_a_folder_of_the_user(repo, capsys):
    (repo / "d").mkdir()
    (repo / "d" / "notes.txt").write_text("mine")
    _refused(capsys, ["checkout", "base", "-o", "d", "--format", "safetensors", "-f"], "did not write")
    _refused(capsys, ["export", "bert", "d", "--format", "hf", "-f"], "did not write")
    assert (repo / "d" / "notes.txt").read_text() == "mine"


def test_force_replaces_a_file_and_an_export_mgit_wrote(repo, capsys):
    (repo / "w.safetensors").write_text("old")
    assert main(["checkout", "base", "-o", "w.safetensors", "-f"]) == 0
    from safetensors.torch import load_file

    assert torch.equal(load_file("w.safetensors")["w"], torch.arange(6.0))
    assert main(["export", "bert", "out", "--format", "hf"]) == 0
    marker = json.loads((repo / "out" / ".mgit-export").read_text())
    assert marker["written_by"] == "mgit-lab"
    (repo / "out" / "stale.txt").write_text("x")  # replaced wholesale on --force
    _refused(capsys, ["export", "bert", "out", "--format", "hf"], "already exists")
    assert main(["export", "bert", "out", "--format", "hf", "-f"]) == 0
    assert not (repo / "out" / "stale.txt").exists()
    assert transformers.BertForMaskedLM.from_pretrained(str(repo / "out")) is not None
    assert not [p for p in repo.iterdir() if p.name.startswith(".mgit-")]  # no temp files left


def test_a_symlink_is_replaced_not_followed(repo, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    (repo / "link.safetensors").symlink_to(precious)
    assert main(["checkout", "base", "-o", "link.safetensors", "-f"]) == 0
    assert precious.read_text() == "keep"
    assert not (repo / "link.safetensors").is_symlink()


def test_a_300_character_file_name_is_one_clear_error(repo, capsys):
    _refused(capsys, ["checkout", "base", "-o", "x" * 300 + ".safetensors"], "255 bytes")
