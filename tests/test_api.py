"""Repository.add / checkout / load / export on real torch and Hugging Face models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from mgit_lab.api import Repository
from mgit_lab.core.errors import InvalidInput, NotFound
from tests.support.lineage_models import TinyNet, perturbed, tiny_bert_config

ALL_DTYPES = [
    torch.float64,
    torch.float32,
    torch.float16,
    torch.bfloat16,
    torch.int64,
    torch.int32,
    torch.int16,
    torch.int8,
    torch.uint8,
    torch.bool,
    torch.complex64,
]


def _odd_values(dtype: torch.dtype) -> torch.Tensor:
    """A tensor with awkward bit patterns for ``dtype`` (NaN payloads, -0.0, extremes)."""
    g = torch.Generator().manual_seed(1)
    if dtype == torch.bool:
        return torch.rand(5, 7, generator=g) > 0.5
    if dtype.is_complex:
        return torch.randn(4, 3, generator=g, dtype=dtype)
    if dtype.is_floating_point:
        t = torch.randn(5, 7, generator=g).to(dtype)
        t[0, 0], t[0, 1], t[0, 2] = -0.0, float("inf"), float("nan")
        if dtype in (torch.float32, torch.float16, torch.bfloat16):
            bits = {torch.float32: torch.int32, torch.float16: torch.int16, torch.bfloat16: torch.int16}[dtype]
            v = t.view(bits)
            v[0, 3] = v[0, 2] | 1  # a NaN with a different payload
        return t
    info = torch.iinfo(dtype)
    t = torch.randint(info.min, info.max, (5, 7), generator=g, dtype=torch.int64).to(dtype)
    t[0, 0], t[0, 1] = info.min, info.max
    return t


def _bits_equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return a.reshape(-1).contiguous().view(torch.uint8).equal(b.reshape(-1).contiguous().view(torch.uint8))


@pytest.fixture
def repo(tmp_path):
    return Repository.init(tmp_path / "repo")


def test_open_finds_the_repository_upward(tmp_path):
    Repository.init(tmp_path)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert Repository.open(deep).root == tmp_path.resolve()
    with pytest.raises(NotFound, match="not inside an mgit repository"):
        Repository.open(tmp_path.parent / "elsewhere-not-a-repo")


def test_every_dtype_round_trips_bit_exact_through_add_checkout_and_export(repo, tmp_path):
    state = {f"t_{str(d).split('.')[-1]}": _odd_values(d) for d in ALL_DTYPES}
    repo.add(state, name="all-dtypes")
    out = repo.checkout("all-dtypes")
    assert set(out) == set(state)
    for k in state:
        assert _bits_equal(out[k], state[k]), k
    # through both file formats and back in again: same objects, nothing new stored
    repo.export("all-dtypes", tmp_path / "x.safetensors")
    repo.export("all-dtypes", tmp_path / "x.pt")
    for k, v in load_file(tmp_path / "x.safetensors").items():
        assert _bits_equal(v, state[k]), k
    for k, v in torch.load(tmp_path / "x.pt", weights_only=True).items():
        assert _bits_equal(v, state[k]), k
    again = repo.add(tmp_path / "x.pt", name="again", parent="all-dtypes", relation="version")
    assert again.manifest == repo.version("all-dtypes").manifest
    assert repo.stored_nbytes("again")[0] == 0


def test_nn_module_with_importable_class_is_rebuilt_by_load(repo):
    torch.manual_seed(3)
    net = TinyNet(width=24)
    v = repo.add(net, name="tiny", model_type="classifier", message="hello", metrics={"acc": 0.5})
    assert v.architecture == {
        "kind": "class",
        "class": "tests.support.lineage_models:TinyNet",
        "init": {"width": 24, "classes": 4},
    }
    model = repo.load("tiny")
    assert isinstance(model, TinyNet) and model.fc1.out_features == 24
    for k, t in net.state_dict().items():
        assert _bits_equal(model.state_dict()[k], t)
    x = torch.randn(3, 8)
    assert torch.equal(model(x), net(x))
    assert repo.version("tiny").metrics == {"acc": 0.5} and repo.version("tiny").message == "hello"


def test_unchanged_tensors_cost_nothing_and_changed_ones_are_deltas(repo):
    torch.manual_seed(0)
    net = TinyNet(width=64)
    base = repo.add(net, name="base")
    sd = net.state_dict()
    child_sd = perturbed(sd, 0.01, seed=1, keys={"fc2.weight", "fc2.bias"})
    child = repo.add(child_sd, name="head-tuned", parent="base")
    same = [k for k in sd if child.manifest[k].oid == base.manifest[k].oid]
    assert set(same) == set(sd) - {"fc2.weight", "fc2.bias"}
    stored, raw = repo.stored_nbytes("head-tuned")
    head_raw = sd["fc2.weight"].numel() * 4 + sd["fc2.bias"].numel() * 4
    assert 0 < stored <= head_raw
    # the changed weight is stored against the parent's tensor
    assert repo.store.info(child.manifest["fc2.weight"].oid).base == base.manifest["fc2.weight"].oid
    # the per-version figures add up to the whole repository
    stats = repo.stats()
    assert sum(r["stored_bytes"] for r in stats["versions"]) == stats["total"]["stored_bytes"]
    assert stats["total"]["raw_bytes"] == 2 * raw


def test_hugging_face_model_round_trips_through_load_export_and_folder_add(repo, tmp_path):
    from transformers import AutoModelForMaskedLM, BertForMaskedLM

    torch.manual_seed(0)
    mlm = BertForMaskedLM(tiny_bert_config())
    v = repo.add(mlm, name="bert", model_type="mlm")
    assert v.architecture["kind"] == "transformers" and v.architecture["class"] == "BertForMaskedLM"
    loaded = repo.load("bert")
    assert isinstance(loaded, BertForMaskedLM) and not loaded.training
    # tied weights are tied again
    assert loaded.cls.predictions.decoder.weight is loaded.bert.embeddings.word_embeddings.weight
    ids = torch.randint(0, 96, (2, 9))
    with torch.no_grad():
        assert torch.equal(loaded(ids).logits, mlm.eval()(ids).logits)

    folder = tmp_path / "bert-hf"
    repo.export("bert", folder)
    reopened = AutoModelForMaskedLM.from_pretrained(folder)
    for k, t in mlm.state_dict().items():
        assert _bits_equal(reopened.state_dict()[k], t), k
    # adding the exported folder finds the same objects: nothing new is stored
    again = repo.add(folder, name="bert-again")
    assert again.manifest == v.manifest
    assert repo.stored_nbytes("bert-again")[0] == 0
    assert repo.graph.parents("bert-again")[0][0].name == "bert"


def test_fp16_version_loads_as_fp16_and_safetensors_file_adds(repo, tmp_path):
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    cls = BertForSequenceClassification(tiny_bert_config(num_labels=3))
    repo.add(cls, name="cls", model_type="classifier")
    half = {k: (t.half() if t.is_floating_point() else t) for k, t in cls.state_dict().items()}
    save_file(half, tmp_path / "half.safetensors")
    v = repo.add(tmp_path / "half.safetensors", name="cls-fp16", parent="cls", relation="quantize")
    assert v.model_type == "classifier"  # inherited
    # a bare file with exactly its parent's tensors takes its parent's architecture
    assert v.architecture == repo.version("cls").architecture and v.metadata["architecture_from"] == "cls"
    out = repo.checkout("cls-fp16")
    assert all(_bits_equal(out[k], half[k]) for k in half)
    model = repo.load("cls-fp16")
    assert model.classifier.weight.dtype == torch.float16
    assert all(_bits_equal(model.state_dict()[k], half[k]) for k in half)
    # a bare file as a root records none, so it checks out but does not load
    repo.add(tmp_path / "half.safetensors", name="orphan", infer=False)
    with pytest.raises(InvalidInput, match="records no architecture"):
        repo.load("orphan")


def test_lossy_add_stays_within_its_bound(repo):
    torch.manual_seed(0)
    net = TinyNet(width=64)
    repo.add(net, name="base")
    child = perturbed(net.state_dict(), 0.05, seed=2)
    v = repo.add(child, name="lossy", parent="base", lossy=1e-3)
    assert v.metadata["lossy_bound"] == 1e-3
    out = repo.checkout("lossy")
    for k, t in child.items():
        if t.is_floating_point():
            assert float((out[k] - t).abs().max()) <= 1e-3 + 1e-9
        else:
            assert torch.equal(out[k], t)
    assert np.isfinite(repo.stats()["total"]["ratio"])
