"""Issue 9, findings 11 and 12: hostile or broken Hugging Face folders given to `mgit add`
and `mgit diff`: files read only inside the folder; one clear error, never a traceback."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from mgit_lab.api import Repository
from mgit_lab.cli import main

CONFIG = {"architectures": ["BertForMaskedLM"], "model_type": "bert"}


@pytest.fixture
def repo(tmp_path):
    Repository.init(tmp_path / "r")
    return tmp_path / "r"


def _folder(tmp_path, config=CONFIG, name="m"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def _error(capsys, argv):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("mgit: error:") and "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("shard", ["/abs/outside.safetensors", "../../x.safetensors", "sub/../../x.safetensors"])
def test_a_shard_index_naming_a_file_outside_the_folder_is_refused(tmp_path, repo, capsys, shard):
    outside = tmp_path / "x.safetensors"
    save_file({"secret": torch.ones(2)}, str(outside))
    folder = _folder(tmp_path)
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": shard}}))
    err = _error(capsys, ["-C", str(repo), "add", str(folder)])
    assert "not a file inside the folder" in err or "outside the model folder" in err
    assert len(Repository.open(repo).graph) == 0


def test_a_symlink_out_of_the_folder_is_refused(tmp_path, repo, capsys):
    outside = tmp_path / "secret.safetensors"
    save_file({"secret": torch.ones(2)}, str(outside))
    folder = _folder(tmp_path)
    (folder / "model.safetensors").symlink_to(outside)
    assert "outside the model folder" in _error(capsys, ["-C", str(repo), "add", str(folder)])
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "link.safetensors"}}))
    (folder / "link.safetensors").symlink_to(outside)
    assert "outside the model folder" in _error(capsys, ["-C", str(repo), "add", str(folder)])
    other = _folder(tmp_path, name="other")
    save_file({"secret": torch.zeros(2)}, str(other / "model.safetensors"))
    assert "outside the model folder" in _error(capsys, ["-C", str(repo), "diff", str(folder), str(other)])


@pytest.mark.parametrize(
    "config,words",
    [
        ([1, 2], "not an object"),
        ({"architectures": 7, "model_type": "bert"}, "'architectures' must be a list"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_broken_config_is_one_clear_error(tmp_path, repo, capsys, config, words):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
    save_file({"w": torch.zeros(2)}, str(folder / "model.safetensors"))
    assert words in _error(capsys, ["-C", str(repo), "add", str(folder)])
    if not isinstance(config, str):
        other = _folder(tmp_path, name="other")
        save_file({"w": torch.zeros(2)}, str(other / "model.safetensors"))
        assert words in _error(capsys, ["-C", str(repo), "diff", str(folder), str(other)])


def test_export_of_an_unknown_model_type_is_one_clear_error(tmp_path, repo, capsys):
    folder = _folder(tmp_path, {"architectures": ["NopeForMaskedLM"], "model_type": "nope-nope"})
    save_file({"w": torch.zeros(2)}, str(folder / "model.safetensors"))
    assert main(["-C", str(repo), "add", str(folder), "-n", "odd"]) == 0
    capsys.readouterr()
    err = _error(capsys, ["-C", str(repo), "export", "odd", str(tmp_path / "out"), "--format", "hf"])
    assert "model type 'nope-nope'" in err
    assert not (tmp_path / "out").exists()
