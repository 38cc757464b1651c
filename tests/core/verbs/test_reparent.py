"""Lineage you can correct: reparent (core, CLI, REST) and low-confidence parent inference."""

from __future__ import annotations

import io
import json
import logging

import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.cli import main
from mgit_lab.core.errors import Conflict, InvalidInput, NotFound
from mgit_lab.core.inference import confidence
from tests.support.lineage_models import TinyNet, perturbed


@pytest.fixture
def siblings(tmp_path):
    """base; ft1 = base + tiny noise; ft2 = base + larger noise (ft1 and base look alike to it)."""
    repo = Repository.init(tmp_path / "r")
    torch.manual_seed(0)
    base = TinyNet(width=32).state_dict()
    repo.add(base, name="base", model_type="clf")
    repo.add(perturbed(base, 0.001, 1), name="ft1", parent="base")
    return repo, perturbed(base, 0.05, 2)


def stored(repo: Repository, name: str) -> tuple[dict, dict]:
    v = repo.version(name)
    return {k: t.oid for k, t in v.manifest.items()}, {
        k: a.tobytes() for k, (a, _) in repo.checkout_arrays(name).items()
    }


def test_reparent_changes_edges_only_and_refuses_cycles(siblings):
    repo, ft2 = siblings
    repo.add(ft2, name="ft2", parent="ft1")  # the wrong parent, stored as deltas against ft1's objects
    before = stored(repo, "ft2")
    v = repo.reparent("ft2", ["base"])
    assert [(p.name, r.value) for p, r in repo.graph.parents("ft2")] == [("base", "finetune")]
    assert v.metadata.get("inference") is None
    assert stored(repo, "ft2") == before  # same objects, same bits: deltas name objects, not parents
    assert repo.verify().ok
    repo.reparent("ft2", ["ft1", "base"])
    assert [(p.name, r.value) for p, r in repo.graph.parents("ft2")] == [("ft1", "merge"), ("base", "merge")]
    repo.reparent("ft2", ["base"], relation="prune")
    assert repo.graph.parents("ft2")[0][1].value == "prune"
    repo.reparent("ft2", [])
    assert repo.graph.parents("ft2") == [] and stored(repo, "ft2") == before
    rev = repo.revision
    with pytest.raises(InvalidInput, match="cycle"):
        repo.reparent("base", ["ft1"])
    with pytest.raises(InvalidInput, match="cycle"):
        repo.reparent("ft1", ["ft1"])
    with pytest.raises(NotFound, match="no version named 'nope'"):
        repo.reparent("ft1", ["nope"])
    with pytest.raises(InvalidInput, match="named twice"):
        repo.reparent("ft2", ["base", "base"])
    assert repo.revision == rev  # refused changes write nothing
    repo.gc()
    assert stored(repo, "ft2") == before and repo.verify().ok


def test_a_doubtful_parent_is_added_with_a_warning_naming_the_fix(siblings, caplog):
    repo, ft2 = siblings
    with caplog.at_level(logging.WARNING, logger="mgit_lab"):
        v = repo.add(ft2, name="ft2")
    inference = v.metadata["inference"]
    assert inference["confidence"] < confidence.LOW_CONFIDENCE and confidence.doubtful(inference)
    (record,) = [r for r in caplog.records if "low confidence" in r.getMessage()]
    text = record.getMessage()
    assert "Candidates" in text and "base" in text and "ft1" in text and "distance" in text
    other = "base" if inference["parent"] == "ft1" else "ft1"
    assert f"mgit reparent ft2 --parent {other}" in text


def test_cli_warns_on_stderr_when_not_a_terminal_and_asks_on_one(siblings, tmp_path, capsys, monkeypatch):
    repo, ft2 = siblings
    path = tmp_path / "ft2.pt"
    torch.save(ft2, path)
    monkeypatch.chdir(repo.root)
    assert main(["add", str(path), "--name", "ft2", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["inference"]["confidence"] < confidence.LOW_CONFIDENCE
    assert "is a guess" in err and "mgit reparent ft2 --parent" in err
    repo.remove("ft2")  # ask again for the same model

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("x\nr\n"))
    monkeypatch.setattr("sys.stderr", Terminal())
    assert main(["add", str(path), "--name", "ft2-root"]) == 0
    assert repo.graph.parents("ft2-root") == []
    assert repo.version("ft2-root").metadata["parent_choice"] == "asked on the terminal"
    repo.remove("ft2-root")
    monkeypatch.setattr("sys.stdin", Terminal("2\n"))
    assert main(["add", str(path), "--name", "ft2-second"]) == 0
    second = repo.version("ft2-second").metadata["inference"]["candidates"][1]["name"]
    assert repo.graph.parents("ft2-second")[0][0].name == second


def test_dry_run_works_for_a_name_that_exists(siblings, tmp_path, capsys, monkeypatch):
    repo, ft2 = siblings
    path = tmp_path / "ft1.pt"
    torch.save(repo.checkout("ft1"), path)
    monkeypatch.chdir(repo.root)
    rev = repo.revision
    assert main(["add", str(path), "--name", "ft1", "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["name"] == "ft1" and [p["name"] for p in plan["parents"]] == ["base"]  # not itself
    assert repo.revision == rev
    with pytest.raises(Conflict, match="already exists"):
        repo.add(path, name="ft1")


def test_reparent_through_the_cli(siblings, capsys, monkeypatch):
    repo, ft2 = siblings
    repo.add(ft2, name="ft2", parent="ft1")
    monkeypatch.chdir(repo.root)
    assert main(["reparent", "ft2", "--parent", "base"]) == 0
    assert "ft2 is now a finetune of base (tensors unchanged)" in capsys.readouterr().out
    assert main(["reparent", "ft2", "--root", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parents"] == []
    assert main(["reparent", "base", "--parent", "ft1"]) == 1  # ft1 descends from base
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("mgit: error: ") and "cycle" in err[-1]
    assert main(["reparent", "ft2"]) == 1
