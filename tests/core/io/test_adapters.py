"""A PEFT adapter folder is an ``adapter`` version of its base: stored small, checked out as
the adapter folder, loaded as base + adapter with the same outputs as peft's own loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.core.errors import NotFound
from tests.support.model_folders import bert_folder, files_of, tiny_bert

peft = pytest.importorskip("peft")
# peft 0.21 calls a transformers 5 API that warns of its removal (the reference side only)
pytestmark = pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing.*:FutureWarning")


def _adapter(tmp_path: Path, base_dir: Path, base_name: str) -> Path:
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(1)
    model = get_peft_model(tiny_bert(0), LoraConfig(r=2, target_modules=["query", "value"], init_lora_weights=False))
    out = tmp_path / "lora"
    model.save_pretrained(str(out))
    cfg = json.loads((out / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = base_name
    (out / "adapter_config.json").write_text(json.dumps(cfg, indent=2))
    return out


def test_an_adapter_round_trip(tmp_path: Path) -> None:
    from peft import PeftModel

    repo = Repository.init(tmp_path / "repo")
    base_dir = bert_folder(tmp_path / "base", seed=0)
    repo.add(base_dir, name="tiny-base")
    lora = _adapter(tmp_path, base_dir, "someorg/tiny-base")
    v = repo.add(lora, name="lora")
    assert [(p.name, r.value) for p, r in repo.graph.parents("lora")] == [("tiny-base", "adapter")]
    assert all("lora_" in k for k in v.manifest) and v.raw_nbytes < repo.version("tiny-base").raw_nbytes / 10
    out = repo.checkout_files("lora", tmp_path / "back")
    assert out is not None and files_of(out) == files_of(lora)
    loaded = repo.load("lora")
    reference = PeftModel.from_pretrained(tiny_bert(0), str(lora)).eval()
    ids = torch.tensor([[2, 5, 6, 7, 3]])
    with torch.no_grad():
        assert torch.equal(loaded(input_ids=ids).last_hidden_state, reference(input_ids=ids).last_hidden_state)


def test_an_adapter_without_its_base_is_refused(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "repo")
    lora = _adapter(tmp_path, tmp_path, "nowhere/base")
    with pytest.raises(NotFound, match="'nowhere/base' is not in the repository"):
        repo.add(lora)
    assert repo.versions() == []
