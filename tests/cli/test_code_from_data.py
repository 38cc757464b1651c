"""Issue 9, findings 7 and 8: repository data and model folders never name code that runs."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.cli import main
from mgit_lab.core.errors import InvalidInput
from tests.support.hostile import evil_repo


def test_cli_diff_never_imports_a_class_named_by_the_lineage(tmp_path, capsys):
    marker = tmp_path / "pwned"
    evil_repo(tmp_path / "r", marker)
    assert main(["-C", str(tmp_path / "r"), "diff", "a", "b"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mgit: error:") and "'subprocess:run'" in err and "mgit trust" in err
    assert not marker.exists()
    # the tensors still diff
    assert main(["-C", str(tmp_path / "r"), "diff", "a", "b", "--params-only"]) == 0
    assert not marker.exists()


def test_a_trusted_class_is_rebuilt_and_the_trust_lives_outside_the_repository(tmp_path, capsys):
    from tests.support.models import Tiny

    repo = Repository.init(tmp_path / "r")
    repo.add(Tiny(), "t")  # the user handed over a Tiny: its class is trusted
    assert type(repo.load("t")).__name__ == "Tiny"
    assert main(["trust", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "tests.support.models:Tiny" in doc["references"]
    assert not str(doc["file"]).startswith(str(tmp_path / "r"))


def test_cascade_never_runs_a_recipe_read_from_the_lineage(tmp_path, capsys):
    repo = Repository.init(tmp_path / "r")
    state = {"w": (np.arange(4, dtype=np.float32), "float32")}
    repo.add_arrays(state, "base")
    repo.add_arrays(state, "base2", parents=[("base", "version")])
    repo.add_arrays(
        state,
        "child",
        parents=[("base", "finetune")],
        recipe={"kind": "function", "ref": "os:system", "kwargs": {}, "parent": repo.version("base").id},
    )
    assert main(["-C", str(tmp_path / "r"), "cascade", "base", "base2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mgit: error:") and "'os:system'" in err
    assert "child@base2" not in Repository.open(tmp_path / "r").graph


def _custom_code_folder(folder, marker):
    """A Hugging Face folder whose config asks for its own modeling code (auto_map)."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir()
    config = {
        "architectures": ["AutoModel"],
        "model_type": "evil",
        "auto_map": {"AutoConfig": "configuration_evil.EvilConfig", "AutoModel": "modeling_evil.EvilModel"},
    }
    (folder / "config.json").write_text(json.dumps(config))
    code = f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
    (folder / "configuration_evil.py").write_text(code)
    (folder / "modeling_evil.py").write_text(code)
    save_file({"w": torch.zeros(3)}, str(folder / "model.safetensors"))


def test_add_of_a_folder_with_custom_code_never_runs_it(tmp_path):
    marker = tmp_path / "pwned"
    _custom_code_folder(tmp_path / "m", marker)
    Repository.init(tmp_path / "r")
    proc = subprocess.run(
        [sys.executable, "-m", "mgit_lab.cli", "-C", str(tmp_path / "r"), "add", str(tmp_path / "m")],
        input="y\ny\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.startswith("mgit: error:") and "custom code" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "[y/N]" not in proc.stdout + proc.stderr
    assert not marker.exists()


def test_mgit_trust_names_a_class_a_travelled_lineage_needs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MGIT_LAB_TRUST_FILE", str(tmp_path / "trust.json"))  # a fresh user
    repo = Repository.init(tmp_path / "r")
    record = {"kind": "class", "class": "tests.support.models:Tiny", "init": {"n_in": 4, "hidden": 3}}
    from tests.support.models import Tiny

    state = {k: (v.detach().numpy(), "float32") for k, v in Tiny().state_dict().items() if v.dtype == torch.float32}
    state["steps"] = (np.zeros((), dtype=np.int64), "int64")
    repo.add_arrays(state, "t", architecture=record)  # as if it arrived from elsewhere
    with pytest.raises(InvalidInput, match="mgit trust tests.support.models:Tiny"):
        repo.load("t")
    assert main(["trust", "tests.support.models:Tiny"]) == 0
    assert "tests.support.models:Tiny" in capsys.readouterr().out
    assert type(repo.load("t")).__name__ == "Tiny"
    assert not (tmp_path / "r" / ".mgit" / "trust.json").exists()


def test_a_test_reference_in_a_travelled_tests_json_never_runs(tmp_path, monkeypatch, capsys):
    from tests.support.models import Tiny

    monkeypatch.setenv("MGIT_LAB_TRUST_FILE", str(tmp_path / "trust.json"))
    monkeypatch.setenv("MGIT_TEST_MARKER", str(tmp_path / "pwned"))
    repo = Repository.init(tmp_path / "r")
    repo.add(Tiny(), "t")
    from mgit_lab.core.evaluation import register_test

    register_test(repo, "tests.support.models:weight_sum", graph=True, metrics={"score": "higher"})
    path = tmp_path / "r" / ".mgit" / "tests.json"
    path.write_text(path.read_text().replace("tests.support.models:weight_sum", "tests.support.hostile:touch_marker"))
    code = main(["-C", str(tmp_path / "r"), "test", "t"])
    captured = capsys.readouterr()
    assert code == 1 and "named by repository data" in captured.out + captured.err
    assert not (tmp_path / "pwned").exists()
