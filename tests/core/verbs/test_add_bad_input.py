"""Bad input gets one clear error and leaves the repository untouched; concurrent adds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.core.errors import Conflict, InvalidInput, MgitError, NotFound
from tests.support.lineage_models import TinyNet, snapshot, tiny_bert_config

ROOT = Path(__file__).resolve().parents[2]


class Evil:
    """Unpicklable under weights_only: torch.load(weights_only=True) refuses it."""

    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.fixture
def repo(tmp_path):
    r = Repository.init(tmp_path / "r")
    torch.manual_seed(0)
    r.add(TinyNet(), name="base")
    return r


def _refused(repo, exc_type, match, call):
    before = snapshot(repo.root)
    with pytest.raises(exc_type, match=match) as info:
        call()
    assert snapshot(repo.root) == before
    assert info.value.hint, "every refusal says what to do"
    return info.value


def test_missing_file(repo, tmp_path):
    _refused(repo, NotFound, "does not exist", lambda: repo.add(tmp_path / "nope.safetensors", name="x"))


def test_pickle_that_weights_only_refuses(repo, tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.zeros(2), "payload": Evil()}, path)
    err = _refused(repo, InvalidInput, "weights_only=True refused", lambda: repo.add(path, name="evil"))
    assert "state dict" in err.hint
    assert "this must never run" not in capsys.readouterr().out


def test_a_whole_pickled_module_is_refused(repo, tmp_path):
    path = tmp_path / "module.pt"
    torch.save(TinyNet(), path)
    _refused(repo, InvalidInput, "cannot be loaded safely", lambda: repo.add(path, name="module"))


def test_unknown_parent_duplicate_name_and_bad_names(repo):
    sd = TinyNet().state_dict()
    _refused(repo, NotFound, "unknown parent 'ghost'", lambda: repo.add(sd, name="x", parent="ghost"))
    _refused(repo, Conflict, "already exists", lambda: repo.add(sd, name="base"))
    _refused(repo, InvalidInput, "invalid version name", lambda: repo.add(sd, name="a/b"))
    _refused(repo, InvalidInput, "needs a name", lambda: repo.add(sd))
    _refused(repo, InvalidInput, "unknown relation", lambda: repo.add(sd, name="x", parent="base", relation="clone"))


def test_parent_whose_architecture_cannot_be_the_models(repo):
    from transformers import BertForMaskedLM, GPT2Config, GPT2LMHeadModel

    bert = BertForMaskedLM(tiny_bert_config())
    _refused(repo, InvalidInput, "cannot be this model's parent", lambda: repo.add(bert, name="bert", parent="base"))
    repo.add(bert, name="bert", infer=False)
    gpt = GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=1, n_head=2, vocab_size=96, n_positions=32))
    _refused(repo, InvalidInput, "is a bert model and this one a gpt2", lambda: repo.add(gpt, name="g", parent="bert"))
    # a distilled student may differ: allowed when said so
    v = repo.add(gpt, name="student", parent="bert", relation="distill")
    assert repo.graph.parents(v.name)[0][1].value == "distill"


def test_wrong_shapes_for_a_fine_tune(repo):
    _refused(repo, InvalidInput, "same shape", lambda: repo.add(TinyNet(width=64), name="w", parent="base"))


def test_not_a_model(repo, tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    _refused(repo, InvalidInput, "unknown model file type", lambda: repo.add(tmp_path / "notes.txt", name="n"))
    (tmp_path / "junk.safetensors").write_bytes(b"garbage")
    _refused(
        repo, InvalidInput, "not a readable safetensors", lambda: repo.add(tmp_path / "junk.safetensors", name="j")
    )
    (tmp_path / "folder").mkdir()
    _refused(repo, InvalidInput, "without a config.json", lambda: repo.add(tmp_path / "folder", name="f"))
    _refused(repo, InvalidInput, "cannot add a int", lambda: repo.add(3, name="three"))
    _refused(repo, InvalidInput, "not a tensor", lambda: repo.add({"w": [1, 2]}, name="list"))


def test_non_repository_path(tmp_path):
    with pytest.raises(NotFound, match="not inside an mgit repository") as info:
        Repository.open(tmp_path)
    assert "mgit init" in info.value.hint
    with pytest.raises(Conflict):
        Repository.init(tmp_path / "r2") and Repository.init(tmp_path / "r2")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInput, match="is a file"):
        Repository.init(tmp_path / "file")


def test_export_refusals(repo, tmp_path):
    with pytest.raises(InvalidInput, match="not a Hugging Face model"):
        repo.export("base", tmp_path / "folder-out")
    out = tmp_path / "w.safetensors"
    repo.export("base", out)
    with pytest.raises(Conflict, match="already exists"):
        repo.export("base", out)
    repo.export("base", out, overwrite=True)
    assert isinstance(MgitError("x"), Exception)


ADDER = textwrap.dedent(
    """
    import sys, torch
    from mgit_lab.api import Repository
    torch.manual_seed(int(sys.argv[3]))
    net = torch.nn.Sequential(torch.nn.Linear(256, 256), torch.nn.Linear(256, 256))
    Repository.open(sys.argv[1]).add(net, name=sys.argv[2], infer=False)
    """
)


def test_two_processes_adding_at_once_both_succeed(tmp_path):
    repo = Repository.init(tmp_path / "r")
    script = tmp_path / "adder.py"
    script.write_text(ADDER)
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(repo.root), f"model-{i}", str(i)], env=env, stderr=subprocess.PIPE
        )
        for i in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    fresh = Repository.open(repo.root)
    assert sorted(v.name for v in fresh.versions()) == ["model-0", "model-1"]
    assert fresh.revision == 2
    assert fresh.verify().ok
    for name in ("model-0", "model-1"):
        assert len(fresh.checkout(name)) == 4
