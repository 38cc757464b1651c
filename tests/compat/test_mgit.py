"""MGit's API names over mgit-lab: a ported MGit script runs by changing its import."""

from __future__ import annotations

import re

import pytest
import torch
from safetensors.torch import save_file

from mgit_lab.compat.mgit import LineageGraph, LineageNode, LineageTest
from mgit_lab.core.errors import InvalidInput, NotFound
from tests.support.lineage_models import TinyNet, mean_output, perturbed, tiny_bert_config


def test_an_mgit_style_script(tmp_path, capsys, monkeypatch):
    from transformers import BertForMaskedLM

    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    bert = BertForMaskedLM(tiny_bert_config())
    bert.save_pretrained(tmp_path / "bert-base")
    tuned = BertForMaskedLM(tiny_bert_config())
    tuned.load_state_dict(perturbed(bert.state_dict(), 0.01, 1))
    tuned.save_pretrained(tmp_path / "bert-tuned")

    g = LineageGraph()  # creates the repository in the working directory
    assert g.add_root(LineageNode(init_checkpoint="bert-base", output_dir="bert-base", model_type="mlm"))
    assert g.add(LineageNode(init_checkpoint="bert-tuned", output_dir="bert-tuned", model_type="mlm"))
    assert g.add(
        LineageNode(output_dir="bert-v2", model=perturbed(bert.state_dict(), 0.05, 2)),
        etype="versioned",
        parent="bert-base",
    )
    g.save("./")

    g = LineageGraph.load_from_file("./")
    assert list(g.nodes) == ["bert-base", "bert-tuned", "bert-v2"] and g.root == ["bert-base"]
    node = g.get_node("bert-tuned")
    assert [p.name for p in node.get_parents("adapted")] == ["bert-base"]  # inferred, like MGit's adapted
    assert [c.name for c in g.get_node("bert-base").get_children("versioned")] == ["bert-v2"]
    model = node.get_model().model
    assert isinstance(model, BertForMaskedLM)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in tuned.state_dict().items())
    assert [n.name for n in g.get_all_nodes("bert-base")] == ["bert-tuned", "bert-v2"]

    text = g.show(save_path="lineage.html")
    assert "bert-tuned" in capsys.readouterr().out and re.search(r"└─ bert-v2 +\(version\)", text)
    assert "<pre" in (tmp_path / "lineage.html").read_text()
    with pytest.raises(InvalidInput, match="stored in"):
        g.save(tmp_path.parent)


def test_refusals_say_what_differs(tmp_path):
    g = LineageGraph(tmp_path)
    with pytest.raises(NotFound, match="not a local path"):
        g.add_root(LineageNode(init_checkpoint="bert-base-uncased", output_dir="hub"))
    with pytest.raises(InvalidInput, match="has no model"):
        g.add_root(LineageNode(output_dir="empty"))
    with pytest.raises(InvalidInput, match="in-place"):
        g.add(LineageNode(output_dir="x", model=TinyNet()), inplace=True)
    with pytest.raises(NotFound):
        LineageGraph.load_from_file(tmp_path.parent / "no-repository-here")
    with pytest.raises(InvalidInput, match="greater_is_better"):
        LineageTest(name="t", custom_test_function=mean_output, metric_for_best_model="mean")
    with pytest.raises(InvalidInput, match="not supported"):
        LineageTest(name="t", custom_test_function=mean_output, test_success_condition=lambda r: True)


def test_lineage_test_maps_onto_the_test_registry(tmp_path):
    g = LineageGraph(tmp_path)
    save_file(TinyNet().state_dict(), tmp_path / "tiny.safetensors")
    g.add_root(LineageNode(init_checkpoint=str(tmp_path / "tiny.safetensors"), output_dir="tiny", model_type="mlp"))
    test = LineageTest(
        name="mean-out", custom_test_function=mean_output, metric_for_best_model="mean", greater_is_better=True
    )
    assert test.metrics == {"mean": "higher"}
    try:
        import mgit_lab.core.evaluation as testing
    except ImportError:  # the registry is another feature's module; the adapter says so plainly
        with pytest.raises(InvalidInput, match="not available"):
            g.register_test_to_type(test, "mlp")
        return
    g.register_test_to_type(test, "mlp")
    assert [t["name"] for t in testing.list_tests(g.repo, "tiny")] == ["mean-out"]
