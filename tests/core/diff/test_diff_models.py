"""Diffs of models: identical, fine-tuned, hyper-parameter changes, matchers, families."""

from __future__ import annotations

import itertools

import pytest
import torch

from mgit_lab.core.diff import diff_models, trace_model
from tests.support.diff_models import FAMILIES, finetune, tiny_bert

CHANGED = ["encoder.layer.0.intermediate.dense", "encoder.layer.1.attention.self.query"]


def _layers(diff, status):
    return [n.id for n in diff.nodes if n.status == status]


@pytest.mark.parametrize("lcs", [False, True])
@pytest.mark.parametrize("structural", [False, True])
def test_identical_models_give_an_empty_diff(structural, lcs):
    d = diff_models(tiny_bert(), tiny_bert(), structural=structural, lcs=lcs)
    assert d.identical
    assert d.removed_nodes == [] and d.added_nodes == []
    assert d.removed_edges == [] and d.added_edges == []
    assert d.changed_params == []
    assert all(n.status == "same" for n in d.nodes)
    assert len(d.nodes) == d.a.num_nodes == d.b.num_nodes


@pytest.mark.parametrize("lcs", [False, True])
def test_finetune_structural_diff_is_empty_and_contextual_lists_exactly_the_changed_layers(
    lcs,
):
    base = tiny_bert()
    tuned = finetune(base, CHANGED)
    assert diff_models(base, tuned, structural=True, lcs=lcs).identical
    d = diff_models(base, tuned, lcs=lcs)
    assert not d.identical
    assert d.removed_nodes == CHANGED and d.added_nodes == CHANGED
    assert _layers(d, "changed") == CHANGED
    assert d.removed_edges == [] and d.added_edges == []
    assert [p.a for p in d.changed_params] == [f"{n}.weight" for n in CHANGED]
    for n in d.nodes:
        if n.status == "changed":
            assert n.changes == ["weight values"]


def test_more_layers_add_exactly_the_new_layers_and_their_edges():
    small, big = tiny_bert(), tiny_bert(num_hidden_layers=4)
    gs, gb = trace_model(small), trace_model(big)
    d = diff_models(small, big, structural=True)
    new = [n for n in gb.nodes if n.startswith(("encoder.layer.2.", "encoder.layer.3."))]
    assert d.added_nodes == new and d.removed_nodes == []
    assert _layers(d, "changed") == []
    last = "encoder.layer.1.output.LayerNorm"
    # model 1's last layer no longer feeds the pooler and the output directly ...
    assert sorted(d.removed_edges) == sorted((last, t) for t in gs.successors(last))
    # ... and every edge touching a new layer is added, nothing else
    expected = [(s, t) for s, t in gb.edges if s in new or t in new]
    assert d.added_edges == expected
    # contextual on top: the new layers are still added, and nothing is removed outright
    contextual = diff_models(small, big)
    assert set(new) <= set(contextual.added_nodes)
    assert _layers(contextual, "removed") == []


def test_vocabulary_size_changes_only_the_word_embeddings():
    d = diff_models(tiny_bert(), tiny_bert(vocab_size=120), structural=True)
    assert d.removed_nodes == d.added_nodes == ["embeddings.word_embeddings"]
    assert d.removed_edges == [] and d.added_edges == []
    node = next(n for n in d.nodes if n.status == "changed")
    assert node.changes == [
        "num_embeddings 100 -> 120",
        "weight shape [100, 32] -> [120, 32]",
    ]
    param = next(p for p in d.params if p.a == "embeddings.word_embeddings.weight")
    assert (param.status, param.shape_a, param.shape_b) == (
        "changed",
        [100, 32],
        [120, 32],
    )


def test_hidden_size_changes_every_parameterised_layer():
    small, wide = tiny_bert(), tiny_bert(hidden_size=48, intermediate_size=96)
    d = diff_models(small, wide, structural=True)
    g = trace_model(small)
    with_tensors = [n for n, v in g.nodes.items() if v.params]
    assert d.removed_nodes == with_tensors == d.added_nodes
    assert d.removed_edges == [] and d.added_edges == []
    assert all(n.status == "same" for n in d.nodes if not (n.a and n.a.params))


def test_name_matcher_aligns_a_task_head_model_with_its_base_model():
    import transformers

    from tests.support.diff_models import bert_config

    torch.manual_seed(0)
    mlm = transformers.BertForMaskedLM(bert_config())
    d = diff_models(tiny_bert(), mlm, structural=True)
    assert any("'bert.'" in n for n in d.notes)
    assert not any(n.startswith(("embeddings.", "encoder.")) for n in d.removed_nodes)
    assert d.added_nodes == [n for n in trace_model(mlm).nodes if n.startswith("cls.") or n == "output:logits"]
    same = [n for n in d.nodes if n.status == "same" and n.kind == "module"]
    assert ("encoder.layer.1.output.dense", "bert.encoder.layer.1.output.dense") in [(n.a.name, n.b.name) for n in same]


def test_lcs_honours_structural_mode_and_aligns_renamed_layers():
    import transformers

    cfg = {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "vocab_size": 100,
    }
    bert, roberta = (
        tiny_bert(),
        transformers.RobertaModel(transformers.RobertaConfig(**cfg)),
    )
    by_name = diff_models(bert, roberta, structural=True)
    by_lcs = diff_models(bert, roberta, structural=True, lcs=True)
    assert by_lcs.matcher == "lcs" and by_name.matcher == "name"
    # RoBERTa pads with token 1 and offsets its positions; nothing else differs
    expected = ["embeddings.word_embeddings", "embeddings.position_embeddings"]
    assert by_name.removed_nodes == expected == by_name.added_nodes
    assert by_lcs.removed_nodes == expected == by_lcs.added_nodes
    changes = {n.id: n.changes for n in by_name.nodes if n.status == "changed"}
    assert changes["embeddings.word_embeddings"] == ["padding_idx 0 -> 1"]
    contextual = diff_models(bert, roberta, lcs=True)
    # every layer with weights changes; weight-free layers stay aligned
    assert {n.kind for n in contextual.nodes if n.status == "changed"} == {"module"}
    assert all(n.status == "same" for n in contextual.nodes if n.a is not None and not n.a.params)


def test_parameter_diff_reports_rank_of_a_low_rank_update():
    base = tiny_bert()
    tuned = finetune(base, [])
    gen = torch.Generator().manual_seed(1)
    a, b = (
        torch.randn(64, 3, generator=gen) * 0.1,
        torch.randn(3, 32, generator=gen) * 0.1,
    )
    with torch.no_grad():
        tuned.encoder.layer[0].intermediate.dense.weight.add_(a @ b)
        tuned.encoder.layer[0].output.dense.bias[:5] += 1.0
    d = diff_models(base, tuned)
    w = next(p for p in d.params if p.a == "encoder.layer.0.intermediate.dense.weight")
    assert (w.rank, w.rank_exact) == (3, True)
    assert w.fraction_changed == pytest.approx(1.0, abs=0.01)
    delta = (a @ b).double()
    assert w.l2 == pytest.approx(float(delta.norm()), rel=1e-4)
    assert w.relative == pytest.approx(
        float(delta.norm() / base.encoder.layer[0].intermediate.dense.weight.detach().double().norm()),
        rel=1e-4,
    )
    bias = next(p for p in d.params if p.a == "encoder.layer.0.output.dense.bias")
    assert bias.fraction_changed == pytest.approx(5 / 32)
    assert bias.rank is None  # 1-D
    assert bias.l2 == pytest.approx(5**0.5, rel=1e-6)
    no_stats = diff_models(base, tuned, stats=False)
    assert [p.a for p in no_stats.changed_params] == [p.a for p in d.changed_params]
    assert all(p.l2 is None for p in no_stats.changed_params)


@pytest.fixture(scope="module")
def families():
    return {name: make() for name, make in FAMILIES.items()}


@pytest.mark.parametrize("pair", list(itertools.combinations(sorted(FAMILIES), 2)))
def test_different_families_diff_sensibly(families, pair):
    a, b = (families[n] for n in pair)
    for lcs in (False, True):
        d = diff_models(a, b, structural=True, lcs=lcs)
        assert not d.identical
        ids = {n.id for n in d.nodes}
        assert len(ids) == len(d.nodes)
        assert all(e.source in ids and e.target in ids for e in d.edges)
        # every layer of each model appears exactly once on its side
        assert sorted(n.a.name for n in d.nodes if n.a) == sorted(trace_model(a).nodes)
        assert sorted(n.b.name for n in d.nodes if n.b) == sorted(trace_model(b).nodes)
        d.to_json()
    assert diff_models(a, a).identical
