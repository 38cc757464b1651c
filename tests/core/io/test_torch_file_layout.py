"""A ``torch.save`` file (``.pt``, ``pytorch_model.bin``) is stored as its tensors plus its
other bytes, not as a second copy of the weights, and comes back byte for byte."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.core.errors import Corrupt
from mgit_lab.core.io.zip_layout import rebuild_cut, storage_spans
from mgit_lab.core.lineage import ModelVersion
from mgit_lab.core.lineage.files_manifest import FilesRecord, files_path, read_files
from tests.support.model_folders import bert_folder, files_of


def _state(seed: int = 0, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "encoder.weight": (torch.randn(128, 128, generator=g) * 0.02).to(dtype),
        "encoder.bias": torch.zeros(128, dtype=dtype),  # under MIN_CUT: stays with the rest
        "decoder.weight": (torch.randn(64, 128, generator=g) * 0.02).to(dtype),
        "steps": torch.arange(400, dtype=torch.int64),
    }


def _pruned(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in state.items():
        if v.ndim == 2:
            cut = v.abs().flatten().kthvalue(v.numel() // 3).values
            out[k] = torch.where(v.abs() <= cut, torch.zeros_like(v), v)
        else:
            out[k] = v.clone()
    return out


def _stored(repo: Repository, name: str) -> int:
    return next(r["stored_bytes"] for r in repo.stats()["versions"] if r["name"] == name)


def _added(
    tmp_path: Path, state: dict[str, torch.Tensor], name: str
) -> tuple[Path, Repository, ModelVersion, FilesRecord]:
    """``state`` saved as ``NAME.pt``, added to a new repository as ``name``: (the file, the
    repository, the version, its files record)."""
    src = tmp_path / f"{name}.pt"
    torch.save(state, src)
    repo = Repository.init(tmp_path / "repo")
    v = repo.add(src, name=name)
    record = read_files(repo.mgit_dir, v.id)
    assert record is not None
    return src, repo, v, record


def test_a_pt_file_is_its_tensors_and_comes_back_identical(tmp_path: Path) -> None:
    src, repo, v, record = _added(tmp_path, _state(), "m")
    entry = record.files[0]
    assert entry.layout == "cut" and entry.oid is None
    # the large tensors are the version's own objects: no second copy of the weights
    assert {s[0] for s in entry.segments} == {"encoder.weight", "decoder.weight", "steps"}
    assert {s[1] for s in entry.segments} <= {ref.oid for ref in v.manifest.values()}
    out = repo.checkout_files("m", tmp_path / "out.pt")
    assert out is not None and out.read_bytes() == src.read_bytes()
    total = repo.stats()["total"]
    assert total["blob_bytes"] < 0.05 * src.stat().st_size  # the pickle and zip headers only


def test_a_pruned_pt_child_costs_its_delta_not_its_file(tmp_path: Path) -> None:
    parent, child = tmp_path / "parent.pt", tmp_path / "pruned.pt"
    state = _state()
    torch.save(state, parent)
    torch.save(_pruned(state), child)
    repo = Repository.init(tmp_path / "repo")
    repo.add(parent, name="parent")
    repo.add(child, name="pruned", parent="parent", relation="prune")
    # was 0.74 of the file when the whole file was kept as a blob beside the tensors
    assert _stored(repo, "pruned") < 0.05 * child.stat().st_size
    out = repo.checkout_files("pruned", tmp_path / "out.pt")
    assert out is not None and out.read_bytes() == child.read_bytes()


def test_bf16_shared_and_view_storages_come_back_exact(tmp_path: Path) -> None:
    base = torch.randn(96, 64, generator=torch.Generator().manual_seed(3))
    state = {
        "bf16.weight": base.to(torch.bfloat16),
        "tied.a": base,
        "tied.b": base,  # one storage, two names
        "view": base[10:50],  # a view: torch saves the whole storage, which is no one tensor
    }
    src, repo, _, record = _added(tmp_path, state, "mixed")
    assert record.files[0].layout == "cut"
    out = repo.checkout_files("mixed", tmp_path / "out.pt")
    assert out is not None and out.read_bytes() == src.read_bytes()
    loaded = torch.load(out, weights_only=True)
    assert torch.equal(loaded["view"], base[10:50]) and loaded["bf16.weight"].dtype == torch.bfloat16


def test_the_legacy_torch_format_stays_one_blob(tmp_path: Path) -> None:
    src = tmp_path / "legacy.pt"
    torch.save(_state(), src, _use_new_zipfile_serialization=False)
    assert storage_spans(src, src.read_bytes()) == []
    repo = Repository.init(tmp_path / "repo")
    v = repo.add(src, name="legacy")
    record = read_files(repo.mgit_dir, v.id)
    assert record is not None and record.files[0].oid is not None and record.files[0].layout is None
    out = repo.checkout_files("legacy", tmp_path / "out.pt")
    assert out is not None and out.read_bytes() == src.read_bytes()


def test_a_compressed_archive_is_not_cut(tmp_path: Path) -> None:
    src = tmp_path / "model.pt"
    torch.save(_state(), src)
    packed = tmp_path / "packed.pt"  # the same entries, deflated: no span is the bytes as stored
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            b.writestr(info.filename, a.read(info))
    assert storage_spans(packed, packed.read_bytes()) == []
    assert storage_spans(tmp_path / "x", b"not a zip") == []


def _bin_folder(folder: Path) -> Path:
    """``folder`` with its weights as ``pytorch_model.bin`` (as older checkpoints have them)."""
    from safetensors.torch import load_file

    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    return folder


def test_a_folder_with_pytorch_model_bin_comes_back_identical(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    base, tuned = (_bin_folder(bert_folder(tmp_path / n, seed=s)) for n, s in (("base", 0), ("tuned", 1)))
    repo = Repository.init(tmp_path / "repo")
    repo.add(base, name="base")
    v = repo.add(tuned, name="tuned", parent="base")
    record = read_files(repo.mgit_dir, v.id)
    assert record is not None
    weights = next(f for f in record.files if f.path == "pytorch_model.bin")
    assert weights.layout == "cut" and len(weights.segments) > 5
    for name, src in (("base", base), ("tuned", tuned)):
        out = repo.checkout_files(name, tmp_path / f"out-{name}")
        assert out is not None and files_of(out) == files_of(src)
    # the files cost little beyond the tensors: the pickle, zip headers, tokenizer, configs
    assert repo.stats()["total"]["blob_bytes"] < 0.25 * (base / "pytorch_model.bin").stat().st_size


def test_a_damaged_cut_record_is_refused_not_written(tmp_path: Path) -> None:
    _, repo, v, record = _added(tmp_path, _state(), "m")
    path = files_path(repo.mgit_dir, v.id)
    text = path.read_text()
    offset = record.files[0].segments[0][4]
    path.write_text(text.replace(f",{offset}]", f",{offset + 10**9}]", 1))
    with pytest.raises(Corrupt, match="does not fit|damaged"):
        repo.checkout_files("m", tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()
    path.write_text(text.replace('"layout":"cut"', '"layout":"future"'))
    with pytest.raises(Corrupt, match="layout 'future'.*upgrade|upgrade"):
        repo.checkout_files("m", tmp_path / "out2.pt")


def test_rebuild_cut_puts_every_piece_back() -> None:
    data = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    cuts = [(100, data[100:1300]), (2000, data[2000:4000])]
    rest = data[:100] + data[1300:2000] + data[4000:]
    assert b"".join(rebuild_cut(rest, cuts)) == data
    with pytest.raises(ValueError):
        list(rebuild_cut(rest, [(2000, data[2000:4000]), (100, data[100:1300])]))
