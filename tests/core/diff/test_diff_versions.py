"""Diffs of stored versions and of model files: hashes reused, traces cached, bad input."""

from __future__ import annotations

import json

import pytest
import torch
import transformers
from safetensors.torch import save_file

from mgit_lab.api import Repository
from mgit_lab.core.diff import diff_refs, diff_versions, trace_cache
from mgit_lab.core.errors import InvalidInput, NotFound
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.tensors import tensor_to_array
from tests.support.diff_models import bert_config, finetune, tiny_bert

CHANGED = [
    "bert.encoder.layer.1.attention.self.query",
    "cls.predictions.transform.dense",
]


def _mlm() -> transformers.BertForMaskedLM:
    torch.manual_seed(0)
    return transformers.BertForMaskedLM(bert_config()).eval()


def _add(repo, model, name, parents=None, architecture=True):
    state = {k: tensor_to_array(v) for k, v in model.state_dict().items()}
    arch = architecture_of(model) if architecture else None
    return repo.add_arrays(state, name, parents=parents, architecture=arch, model_type="mlm")


@pytest.fixture
def repo(tmp_path):
    r = Repository.init(tmp_path / "models")
    base = _mlm()
    _add(r, base, "base")
    _add(r, finetune(base, CHANGED), "tuned", parents=[("base", "finetune")])
    _add(r, base, "bare", architecture=False)
    return r


def test_versions_diff_lists_changed_layers_with_stored_hashes(repo, fresh_trace_cache):
    d = diff_versions(repo, "base", "tuned")
    assert d.a.label == "base" and d.b.label == "tuned"
    assert d.removed_nodes == CHANGED == d.added_nodes
    assert [p.a for p in d.changed_params] == [f"{n}.weight" for n in CHANGED]
    manifest = repo.version("tuned").manifest
    node = next(n for n in d.nodes if n.id == CHANGED[0])
    assert node.b.params["weight"].hash == manifest[f"{CHANGED[0]}.weight"].oid
    q = d.changed_params[0]
    assert q.l2 == pytest.approx(0.01 * 32, rel=1e-4) and q.rank == 1
    assert diff_versions(repo, "base", "tuned", structural=True).identical
    assert diff_versions(repo, "base", "base").identical


def test_traces_are_cached_on_disk_and_reused(repo, fresh_trace_cache):
    diff_versions(repo, "base", "tuned")
    files = list((repo.mgit_dir / "cache" / "diff").glob("*.json"))
    assert len(files) == 1  # one architecture, traced once
    trace_cache.clear_memory()
    again = diff_versions(repo, "base", "tuned", stats=False)
    assert again.removed_nodes == CHANGED
    assert all(p.l2 is None for p in again.changed_params)


def test_tied_weights_and_hf_folders(tmp_path, repo):
    model = finetune(_mlm(), CHANGED)
    model.save_pretrained(tmp_path / "hf")
    d = diff_refs("base", str(tmp_path / "hf"), repo=repo)
    assert d.removed_nodes == CHANGED
    assert [p.a for p in d.changed_params] == [f"{n}.weight" for n in CHANGED]  # the tied decoder is no removal


def test_state_dict_files_borrow_a_fitting_architecture_or_are_refused(tmp_path, repo):
    tuned = finetune(_mlm(), CHANGED)
    save_file(
        {k: v.clone().contiguous() for k, v in tuned.state_dict().items()},
        tmp_path / "tuned.safetensors",
    )
    torch.save(_mlm().state_dict(), tmp_path / "base.pt")
    d = diff_refs("base", str(tmp_path / "tuned.safetensors"), repo=repo)
    assert d.removed_nodes == CHANGED
    assert any("records no architecture" in n for n in d.notes)
    with pytest.raises(InvalidInput, match="state dict with no known architecture") as err:
        diff_refs(str(tmp_path / "base.pt"), str(tmp_path / "tuned.safetensors"))
    assert "--params-only" in err.value.hint
    p = diff_refs(str(tmp_path / "base.pt"), str(tmp_path / "tuned.safetensors"), params_only=True)
    assert p.matcher == "none" and p.nodes == []
    assert [x.a for x in p.changed_params] == [f"{n}.weight" for n in CHANGED]


def test_a_bare_version_needs_params_only(repo):
    with pytest.raises(InvalidInput, match="no known architecture"):
        diff_versions(repo, "bare", "bare")
    assert diff_versions(repo, "bare", "tuned", params_only=True).changed_params
    # a bare version diffed against one with an architecture borrows it when its tensors fit
    d = diff_versions(repo, "bare", "tuned")
    assert d.removed_nodes == CHANGED


def test_bad_paths_get_one_clear_message(tmp_path, repo):
    (tmp_path / "notes.txt").write_text("not a model")
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.safetensors").write_bytes(b"\x00garbage")
    (tmp_path / "list.pt").write_bytes(b"")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    cases = {
        "notes.txt": "not a model file",
        "empty": "without a config.json",
        "broken.safetensors": "not a readable safetensors file",
        "list.pt": "holds no state dict",
    }
    for name, message in cases.items():
        with pytest.raises(InvalidInput, match=message):
            diff_refs(str(tmp_path / name), "base", repo=repo)
    with pytest.raises(NotFound, match="neither a version in the repository nor a model path"):
        diff_refs("nope", "base", repo=repo)
    with pytest.raises(NotFound):
        diff_versions(repo, "base", str(tmp_path / "notes.txt"))


def test_a_state_dict_that_does_not_fit_the_architecture_is_refused(tmp_path, repo):
    other = tiny_bert(hidden_size=48, intermediate_size=96)  # different shapes, no architecture of its own
    save_file(
        {k: v.contiguous() for k, v in other.state_dict().items()},
        tmp_path / "other.safetensors",
    )
    with pytest.raises(InvalidInput, match="do not fit its architecture|has shape"):
        diff_refs("base", str(tmp_path / "other.safetensors"), repo=repo)


def test_json_payload_is_plain_json(repo):
    doc = diff_versions(repo, "base", "tuned").to_json()
    assert json.loads(json.dumps(doc)) == doc
