"""Tracing models into layer graphs: tracers, node rules, collapse, hashes, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import transformers

from mgit_lab.core.diff import diff_models, trace_model
from mgit_lab.core.diff.hashing import TensorHasher
from mgit_lab.core.errors import InvalidInput
from mgit_lab.core.io.tensors import tensor_to_array
from mgit_lab.core.store import object_id
from tests.support.diff_models import (
    FAMILIES,
    Gated,
    SmallCNN,
    bert_config,
    tiny_bert,
)


def test_bert_is_traced_with_torch_export_into_module_paths():
    g = trace_model(tiny_bert())
    assert g.tracer == "torch.export"
    names = list(g.nodes)
    assert names[:2] == ["input:input_ids", "input:attention_mask"]
    assert names[-2:] == ["output:last_hidden_state", "output:pooler_output"]
    q = g.nodes["encoder.layer.0.attention.self.query"]
    assert q.kind == "module" and q.type == "Linear"
    assert q.attrs == {"in_features": 32, "out_features": 32}
    assert set(q.params) == {"weight", "bias"}
    assert q.params["weight"].key == "encoder.layer.0.attention.self.query.weight"
    assert q.params["weight"].shape == [32, 32]
    # attention arithmetic is glue: query/key/value flow straight into the output projection
    edges = set(g.edges)
    for proj in ("query", "key", "value"):
        assert (
            f"encoder.layer.0.attention.self.{proj}",
            "encoder.layer.0.attention.output.dense",
        ) in edges
        assert ("embeddings.dropout", f"encoder.layer.0.attention.self.{proj}") in edges
    assert ("input:input_ids", "embeddings.word_embeddings") in edges
    assert ("input:attention_mask", "encoder.layer.0.attention.output.dense") in edges
    # the residual connection
    assert ("embeddings.dropout", "encoder.layer.0.attention.output.LayerNorm") in edges
    assert ("encoder.layer.1.output.LayerNorm", "output:last_hidden_state") in edges
    # container modules without tensors of their own are not nodes
    assert "encoder.layer.0.attention.self" not in g.nodes and "encoder" not in g.nodes
    assert len(set(g.edges)) == len(g.edges)


def test_plain_module_uses_symbolic_trace_and_tensor_owning_containers_are_nodes():
    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 4)
            self.scale = torch.nn.Parameter(torch.ones(4))

        def forward(self, x):
            return torch.relu(self.lin(x)) * self.scale + x

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = torch.nn.Linear(4, 2)

        def forward(self, x):
            return {"logits": self.head(self.block(x))}

    g = trace_model(Net())
    assert g.tracer == "symbolic_trace"
    assert list(g.nodes) == ["input:x", "block.lin", "block", "head", "output:logits"]
    assert g.edges == [
        ("input:x", "block.lin"),
        ("block.lin", "block"),
        ("input:x", "block"),
        ("block", "head"),
        ("head", "output:logits"),
    ]
    assert set(g.nodes["block"].params) == {"scale"}


def test_data_dependent_control_flow_falls_back_to_hooks_without_changing_the_model():
    model = Gated().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    g = trace_model(model)
    assert g.tracer == "hooks"
    assert list(g.nodes) == ["input:x", "inp", "norm", "branch", "out", "output:0"]
    assert g.edges == [
        ("input:x", "inp"),
        ("inp", "norm"),
        ("norm", "branch"),
        ("branch", "out"),
        ("out", "output:0"),
    ]
    assert model.training  # flags restored
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # BatchNorm statistics untouched
    # the BatchNorm's running statistics are tensors of its node
    assert set(g.nodes["norm"].params) == {
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    }


def test_hook_tracer_agrees_with_fx_on_a_traceable_model():
    from mgit_lab.core.diff.fx_tracers import trace_symbolic
    from mgit_lab.core.diff.hook_tracer import trace_hooks
    from mgit_lab.core.diff.scopes import Scopes

    model = SmallCNN()
    fx = trace_symbolic(model, Scopes(model))
    hooks = trace_hooks(model, (torch.randn(1, 3, 16, 16),), {}, Scopes(model))
    assert fx.order == hooks.order
    assert fx.edges == hooks.edges


def test_incompatible_example_inputs_get_one_clear_message():
    with pytest.raises(InvalidInput, match="cannot run on the example inputs") as err:
        trace_model(Gated(), torch.randn(2, 7))
    assert err.value.hint and "example inputs" in err.value.hint
    with pytest.raises(InvalidInput, match="not understood"):
        trace_model(Gated(), example_inputs="tensor please")


def test_collapse_turns_each_layer_into_one_node():
    g = trace_model(tiny_bert(), collapse="BertLayer")
    layers = [n for n in g.nodes if n.startswith("encoder.")]
    assert layers == ["encoder.layer.0", "encoder.layer.1"]
    node = g.nodes["encoder.layer.0"]
    assert node.type == "BertLayer"
    assert "attention.self.query.weight" in node.params and len(node.params) == 16
    assert ("encoder.layer.0", "encoder.layer.1") in g.edges
    assert ("embeddings.dropout", "encoder.layer.0") in g.edges
    # a path pattern works too
    g2 = trace_model(tiny_bert(), collapse=["encoder.layer.*"])
    assert [n for n in g2.nodes if n.startswith("encoder.")] == layers


def test_a_collapse_pattern_matching_nothing_is_refused():
    with pytest.raises(InvalidInput, match="'GPT2Block' match no module") as err:
        trace_model(tiny_bert(), collapse="GPT2Block")
    assert "BertLayer" in err.value.hint


def test_tensor_hashes_are_the_store_object_ids():
    model = tiny_bert()
    g = trace_model(model)
    for key, t in model.state_dict().items():
        assert g.tensors[key].hash == object_id(*tensor_to_array(t))
    bf = torch.randn(3, 5).to(torch.bfloat16)
    assert TensorHasher()(bf) == object_id(*tensor_to_array(bf))
    assert (
        g.nodes["encoder.layer.1.output.dense"].params["weight"].hash
        == g.tensors["encoder.layer.1.output.dense.weight"].hash
    )


def test_meta_device_models_trace_without_hashes():
    with torch.device("meta"):
        model = transformers.BertModel(bert_config())
    g = trace_model(model)
    assert g.tracer == "torch.export"
    assert "encoder.layer.1.attention.self.query" in g.nodes
    assert all(t.hash is None for t in g.tensors.values())


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_traces(family):
    g = trace_model(FAMILIES[family]())
    assert g.tracer == ("symbolic_trace" if family == "cnn" else "torch.export")
    modules = [n for n in g.nodes.values() if n.kind == "module"]
    assert len(modules) >= 4
    assert any(n.kind == "input" for n in g.nodes.values()) and any(n.kind == "output" for n in g.nodes.values())
    names = set(g.nodes)
    assert all(s in names and t in names for s, t in g.edges)
    if family == "t5":  # the shared embedding is one node, named where it was registered first
        assert "shared" in names or "encoder.embed_tokens" in names
        assert "input:decoder_input_ids" in names
    if family == "gpt2":
        assert g.nodes["transformer.h.0.attn.c_attn"].type == "Conv1D"


def test_repeated_traces_are_cached_and_identical(fresh_trace_cache):
    model = tiny_bert()
    first = trace_model(model)
    second = trace_model(tiny_bert())
    assert first.to_json() == second.to_json()
    from mgit_lab.core.diff import trace_cache

    assert len(trace_cache._memory) == 1


def test_graph_json_round_trip():
    from mgit_lab.core.diff import ModuleGraph

    g = trace_model(SmallCNN())
    assert ModuleGraph.from_json(g.to_json()).to_json() == g.to_json()
    assert np.isclose(g.num_parameters, sum(p.numel() for p in SmallCNN().state_dict().values()))


def test_layers_named_like_the_model_ends_stay_layers():
    class Ends(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.input = torch.nn.Linear(3, 3)
            self.output = torch.nn.Linear(3, 1)

        def forward(self, x):
            return self.output(self.input(x))

    g = trace_model(Ends())
    assert list(g.nodes) == ["input:x", "input", "output", "output:0"]
    assert [g.nodes[n].kind for n in g.nodes] == ["input", "module", "module", "output"]
    d = diff_models(Ends(), Ends(), structural=True)
    assert d.identical and [n.id for n in d.nodes] == list(g.nodes)
