"""A version is the whole model folder, and checkout gives back exactly what was added."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.core.errors import Corrupt
from mgit_lab.core.lineage.files_manifest import files_path
from tests.support.model_folders import SENTENCES, bert_folder, files_of, sentence_transformers_folder

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("folders")
    return {
        "st": sentence_transformers_folder(base / "st"),
        "tuned": sentence_transformers_folder(base / "tuned", seed=1),
        "sharded": bert_folder(base / "sharded", seed=2, max_shard_size="20KB"),
    }


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_folder_comes_back_byte_identical(tmp_path: Path, folders: dict[str, Path]) -> None:
    repo = Repository.init(tmp_path / "repo")
    repo.add(folders["st"], name="st")
    repo.add(folders["tuned"], name="tuned", parent="st")
    for name, src in (("st", folders["st"]), ("tuned", folders["tuned"])):
        out = repo.checkout_files(name, tmp_path / f"out-{name}")
        assert out is not None
        assert files_of(out) == files_of(src)  # every file, name and byte (cmp -r)
        assert (out / "1_Pooling" / "config.json").is_file()
        mode = os.stat(out / "tokenizer.json").st_mode & 0o777
        assert mode == 0o666 & ~_umask() and os.stat(out).st_mode & 0o777 == 0o777 & ~_umask()
    listing = {f["path"]: f["kind"] for f in repo.show("tuned")["files"]}
    assert listing["model.safetensors"] == "safetensors" and listing["tokenizer.json"] == "tokenizer"
    assert listing["modules.json"] == "config" and listing["README.md"] == "card"
    # the tokenizer and configs are shared: stored once for both versions
    total = repo.stats()["total"]
    # 7 small files and the header (same keys and shapes) are the same bytes in both versions
    assert total["files"] == 16 and total["blob_objects"] == 8
    assert total["blob_bytes"] > 0


def test_a_sharded_checkpoint_is_one_version(tmp_path: Path, folders: dict[str, Path]) -> None:
    repo = Repository.init(tmp_path / "repo")
    src = folders["sharded"]
    assert len(list(src.glob("model-*.safetensors"))) > 1
    v = repo.add(src, name="sharded")
    assert "encoder.layer.1.output.dense.weight" in v.manifest
    shard_oids = {s[1] for f in repo.files("sharded").files if f.kind == "safetensors" for s in f.segments}  # type: ignore[union-attr]
    assert {t.oid for t in v.manifest.values()} <= shard_oids  # tensors stored once, shared with the shards
    out = repo.checkout_files("sharded", tmp_path / "out")
    assert out is not None and files_of(out) == files_of(src)


def _odd_safetensors(path: Path) -> bytes:
    """A safetensors file no library writes by default: keys out of order, metadata, a header
    padded with spaces, indented JSON."""
    a = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    b = torch.tensor([1, 2, 3], dtype=torch.int64).to(torch.bfloat16)
    header = {
        "z.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "__metadata__": {"format": "pt", "note": "kept"},
        "a.bias": {"dtype": "BF16", "shape": [3], "data_offsets": [24, 30]},
    }
    text = json.dumps(header, indent=1).encode() + b"   "
    data = a.numpy().tobytes() + b.view(torch.int16).numpy().tobytes()
    raw = struct.pack("<Q", len(text)) + text + data
    path.write_bytes(raw)
    return raw


def test_a_safetensors_file_comes_back_byte_identical(tmp_path: Path) -> None:
    raw = _odd_safetensors(tmp_path / "odd.safetensors")
    repo = Repository.init(tmp_path / "repo")
    repo.add(tmp_path / "odd.safetensors")
    out = repo.checkout_files("odd", tmp_path / "back.safetensors")
    assert out is not None and out.read_bytes() == raw
    # in-memory models have no files: checkout writes a canonical file as before
    repo.add(torch.nn.Linear(2, 2), name="mem")
    assert repo.checkout_files("mem", tmp_path / "mem.safetensors") is None


def test_checkout_never_writes_bytes_that_differ(tmp_path: Path) -> None:
    _odd_safetensors(tmp_path / "odd.safetensors")
    repo = Repository.init(tmp_path / "repo")
    v = repo.add(tmp_path / "odd.safetensors")
    path = files_path(repo.mgit_dir, v.id)
    doc = json.loads(path.read_text())
    doc["files"][0]["sha256"] = "0" * 64
    path.write_text(json.dumps(doc))
    with pytest.raises(Corrupt, match="differs from the file that was added"):
        repo.checkout_files("odd", tmp_path / "back.safetensors")
    assert not (tmp_path / "back.safetensors").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mgit-")] == []


def test_gc_keeps_the_files_and_drops_those_of_removed_versions(tmp_path: Path, folders: dict[str, Path]) -> None:
    repo = Repository.init(tmp_path / "repo")
    keep = repo.add(folders["st"], name="st")
    gone = repo.add(folders["sharded"], name="sharded", parent=None, relation=None)
    repo.remove("sharded")
    repo.gc()
    assert not files_path(repo.mgit_dir, gone.id).exists() and files_path(repo.mgit_dir, keep.id).exists()
    out = repo.checkout_files("st", tmp_path / "out")
    assert out is not None and files_of(out) == files_of(folders["st"])
    assert not repo.verify().problems


def test_hf_export_loads_with_the_same_outputs(tmp_path: Path, folders: dict[str, Path]) -> None:
    from transformers import AutoModel, AutoTokenizer

    repo = Repository.init(tmp_path / "repo")
    repo.add(folders["st"], name="st")
    out = repo.export("st", tmp_path / "exp", "hf")
    assert os.stat(out / "config.json").st_mode & 0o777 == 0o666 & ~_umask()
    for folder in (folders["st"], out):
        tok = AutoTokenizer.from_pretrained(str(folder))
        assert tok.tokenize("the model") == ["the", "model"]
    enc = AutoTokenizer.from_pretrained(str(out))(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        a = AutoModel.from_pretrained(str(folders["st"])).eval()(**enc).last_hidden_state
        b = AutoModel.from_pretrained(str(out)).eval()(**enc).last_hidden_state
    assert torch.equal(a, b)
    st = pytest.importorskip("sentence_transformers")
    ea = st.SentenceTransformer(str(folders["st"]), device="cpu").encode(SENTENCES)
    eb = st.SentenceTransformer(str(out), device="cpu").encode(SENTENCES)
    assert ea.shape == (3, 32) and (ea == eb).all()


def test_an_export_without_a_tokenizer_says_so(tmp_path: Path) -> None:
    from mgit_lab.core.verbs.files import hf_extras
    from tests.support.model_folders import tiny_bert

    repo = Repository.init(tmp_path / "repo")
    repo.add(tiny_bert(), name="mem")
    _extra, notes = hf_extras(repo, "mem")
    assert any("no tokenizer was stored" in n for n in notes)
