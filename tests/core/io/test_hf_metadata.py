"""A model card's base_model is parent evidence when the repository holds that base."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgit_lab.api import Repository
from mgit_lab.core.io.hf_metadata import declared_base
from tests.support.model_folders import bert_folder, tiny_bert

pytest.importorskip("transformers")


def test_the_card_is_read_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "---\nlicense: mit\nbase_model:\n- org/base\nbase_model_relation: quantized\n---\n"
    )
    d = declared_base(tmp_path)
    assert d is not None and (d.name, d.relation) == ("org/base", "quantize")
    (tmp_path / "README.md").write_text("# no front matter\nbase_model: x\n")
    assert declared_base(tmp_path) is None


def _tuned(folder: Path, seed: int, card: str) -> Path:
    import torch

    model = tiny_bert(seed)
    with torch.no_grad():
        model.pooler.dense.bias.add_(1e-3)  # a small change of the seed's model
    model.save_pretrained(str(folder))
    (folder / "README.md").write_text(card)
    return folder


def test_a_named_base_in_the_repository_gives_parent_and_relation(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "repo")
    repo.add(bert_folder(tmp_path / "base", seed=0), name="base")
    repo.tag("base", "prod")
    repo.add(bert_folder(tmp_path / "other", seed=5), name="other")
    card = "---\nbase_model: someorg/prod\nbase_model_relation: quantized\n---\n"
    child = repo.add(_tuned(tmp_path / "child", 0, card), name="child")
    inference = child.metadata["inference"]
    assert inference["parent"] == "base" and inference["relation"] == "quantize"
    assert "the model card names base_model 'someorg/prod' (the weights agree" in inference["reason"]
    assert [(p.name, r.value) for p, r in repo.graph.parents("child")] == [("base", "quantize")]
    # a base the repository does not hold is only mentioned
    lone = repo.add(_tuned(tmp_path / "lone", 0, "---\nbase_model: nowhere/unknown\n---\n"), name="lone")
    assert "'nowhere/unknown', which is not in the repository" in lone.metadata["inference"]["reason"]


def test_a_fine_tune_the_weights_place_elsewhere_keeps_the_weights(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "repo")
    repo.add(bert_folder(tmp_path / "base", seed=0), name="base")
    repo.add(bert_folder(tmp_path / "other", seed=5), name="other")
    child = repo.add(_tuned(tmp_path / "ft", 5, "---\nbase_model: base\n---\n"), name="ft")  # tuned from other
    assert child.metadata["inference"]["parent"] == "other"
    assert "but the weights point elsewhere" in child.metadata["inference"]["reason"]
