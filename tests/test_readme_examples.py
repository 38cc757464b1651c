"""The README's Python examples run as written (with the models they name made up front)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from tests.support.lineage_models import magnitude_pruned, perturbed, tiny_bert_config

README = Path(__file__).resolve().parents[1] / "README.md"


def block(marker: str) -> str:
    """The one Python block of the README that contains ``marker``."""
    hits = [m.group(1) for m in re.finditer(r"```python\n(.*?)```", README.read_text(), re.S) if marker in m.group(1)]
    assert len(hits) == 1, f"no single README block with {marker!r}"
    return hits[0]


@pytest.fixture
def bert_world(tmp_path, monkeypatch):
    """What the Python API example names: a model, ft.safetensors, a pruned state dict, merged/."""
    from transformers import BertForMaskedLM

    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    model = BertForMaskedLM(tiny_bert_config())
    ft = perturbed(model.state_dict(), 0.02, 1)
    save_file({k: v.contiguous() for k, v in ft.items() if "position_ids" not in k}, "ft.safetensors")
    other = BertForMaskedLM(tiny_bert_config())
    other.load_state_dict(perturbed(model.state_dict(), 0.02, 2))
    merged = BertForMaskedLM(tiny_bert_config())
    merged.load_state_dict({k: (ft[k] + other.state_dict()[k]) / 2 for k in ft})
    merged.save_pretrained("merged")
    return {"model": model, "pruned_state_dict": magnitude_pruned(ft, 0.3), "other_model": other}


def test_python_api_example(bert_world):
    code = block('Repository.init("models")')
    env = dict(bert_world)
    exec(compile(code, "README.md", "exec"), env)  # noqa: S102 - the README's own code
    repo = env["repo"]
    assert [p.name for p, _ in repo.graph.parents("merged")] == ["ft", "other"]
    assert repo.graph.parents("ft")[0][0].name == "base"
    assert (Path("ft-hf") / "config.json").is_file()


def test_storage_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    base_state = {f"w{i}": (rng.standard_normal((64, 64)).astype(np.float32), "float32") for i in range(3)}
    child_state = {k: (a + np.float32(1e-3), d) for k, (a, d) in base_state.items()}
    env = {"base_state": base_state, "child_state": child_state}
    storage = block('Repository.init("my-models")  # max_delta_depth')
    lossy = block("lossy_bound=1e-4")
    exec(compile(storage + lossy, "README.md", "exec"), env)  # noqa: S102 - the README's own code
    repo = env["repo"]
    assert [v.name for v in repo.versions()] == ["base", "ft", "ft-small"]
    effort = block('codec_effort="small"')
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    exec(compile("from mgit_lab import Repository\n" + effort, "README.md", "exec"), {})  # noqa: S102
    assert (tmp_path / "other" / "my-models" / ".mgit").is_dir()
