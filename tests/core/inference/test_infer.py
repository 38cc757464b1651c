"""Automatic parent inference on real (small) models with a known lineage."""

from __future__ import annotations

import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.core import schema
from tests.support.lineage_models import WideMLP, magnitude_pruned, perturbed, snapshot, tiny_bert_config


@pytest.fixture
def lineage(tmp_path):
    """Two unrelated roots of one architecture, a chain of fine-tunes and a sibling."""
    repo = Repository.init(tmp_path / "r")
    torch.manual_seed(0)
    base = WideMLP().state_dict()
    other = WideMLP().state_dict()
    repo.add(base, name="base", infer=False)
    repo.add(other, name="other", infer=False)
    ft1 = perturbed(base, 0.02, 1)
    repo.add(ft1, name="ft1", parent="base")
    repo.add(perturbed(base, 0.02, 2), name="sibling", parent="base")
    return repo, base, ft1


def _inferred(version):
    return version.metadata["inference"]


def test_fine_tune_of_a_fine_tune_finds_its_true_parent(lineage):
    repo, _, ft1 = lineage
    v = repo.add(perturbed(ft1, 0.01, 7), name="ft2")
    assert [p.name for p, _ in repo.graph.parents("ft2")] == ["ft1"]
    inf = _inferred(v)
    assert inf["parent"] == "ft1" and inf["relation"] == "finetune"
    assert 0 < inf["confidence"] <= 1 and "ft1" in inf["reason"]


def test_pruned_and_cast_children_get_prune_and_quantize(lineage):
    repo, _, ft1 = lineage
    v = repo.add(magnitude_pruned(ft1, 0.5), name="pruned")
    assert _inferred(v)["parent"] == "ft1"
    assert repo.graph.parents("pruned")[0][1].value == "prune"
    assert _inferred(v)["confidence"] > 0.9
    h = repo.add({k: t.half() for k, t in ft1.items()}, name="half")
    assert repo.graph.parents("half")[0][0].name == "ft1"
    assert repo.graph.parents("half")[0][1].value == "quantize"
    b = repo.add({k: t.bfloat16() for k, t in ft1.items()}, name="bf16")
    assert repo.graph.parents("bf16")[0][0].name == "ft1" and "lower precision" in _inferred(b)["reason"]
    assert h.model_type is None


def test_partial_fine_tune_prefers_the_version_sharing_most_tensors(lineage):
    repo, base, _ = lineage
    head = {"layers.4.weight", "layers.4.bias"}
    c1 = perturbed(base, 0.05, 11, keys=head | {"layers.2.weight", "layers.2.bias"})
    repo.add(c1, name="last-two")
    c2 = perturbed(c1, 0.05, 12, keys=head)
    v = repo.add(c2, name="last-one")
    assert _inferred(v)["parent"] == "last-two"
    assert "bit-for-bit" in _inferred(v)["reason"]


def test_adapter_child_with_new_tensors(lineage):
    repo, _, ft1 = lineage
    adapted = dict(ft1)
    adapted["adapter.down.weight"] = torch.randn(8, 512)
    adapted["adapter.up.weight"] = torch.zeros(512, 8)
    v = repo.add(adapted, name="adapted")
    assert _inferred(v)["parent"] == "ft1" and repo.graph.parents("adapted")[0][1].value == "adapter"


def test_unrelated_model_stays_a_root_and_says_why(lineage):
    repo, _, _ = lineage
    torch.manual_seed(99)
    v = repo.add(WideMLP().state_dict(), name="stranger")
    assert repo.graph.parents("stranger") == []
    inf = _inferred(v)
    assert inf["parent"] is None and "root threshold" in inf["reason"]
    # a model of another architecture has no candidates at all
    from transformers import BertForMaskedLM

    v = repo.add(BertForMaskedLM(tiny_bert_config()), name="bert")
    assert _inferred(v)["parent"] is None and _inferred(v)["candidates"] == []


def test_infer_parent_dry_run_writes_nothing_and_matches_the_schema(lineage):
    repo, _, ft1 = lineage
    before = snapshot(repo.root)
    result = repo.infer_parent(perturbed(ft1, 0.01, 5))
    assert snapshot(repo.root) == before
    assert set(result) == set(schema.InferenceResult.__annotations__)
    assert result["parent"] == "ft1" and result["compared"] == 4
    assert set(result["candidates"][0]) == set(schema.InferenceCandidate.__annotations__)
    scores = [c["score"] for c in result["candidates"]]
    assert scores == sorted(scores)


def test_sketches_are_rebuilt_when_missing(lineage):
    repo, _, ft1 = lineage
    for f in (repo.mgit_dir / "sketches").glob("*.f32"):
        f.unlink()
    fresh = Repository.open(repo.root)
    assert fresh.infer_parent(perturbed(ft1, 0.01, 5))["parent"] == "ft1"
    assert len(list((repo.mgit_dir / "sketches").glob("*.f32"))) == 4


def test_models_without_float_tensors_are_matched_by_identical_tensors(tmp_path):
    repo = Repository.init(tmp_path / "r")
    ids = {"vocab": torch.arange(1000), "mask": torch.ones(64, dtype=torch.bool)}
    repo.add(ids, name="tok")
    v = repo.add({**ids, "extra": torch.zeros(3, dtype=torch.int64)}, name="tok2")
    assert _inferred(v)["parent"] == "tok"
    v = repo.add({"vocab": torch.arange(1000) * 2, "mask": torch.zeros(64, dtype=torch.bool)}, name="other")
    assert _inferred(v)["parent"] is None


def test_an_all_zero_model_is_not_attached_to_everything(lineage):
    repo, base, _ = lineage
    v = repo.add({k: torch.zeros_like(t) for k, t in base.items()}, name="zeros")
    assert _inferred(v)["parent"] is None
