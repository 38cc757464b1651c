"""Issue 9, finding 12: a damaged lineage.json or config.json is one clear `mgit: error:`
line naming the damage, never a traceback (and never "not valid JSON" for valid JSON)."""

from __future__ import annotations

import json

import pytest
import torch

from mgit_lab.api import Repository
from mgit_lab.cli import main


@pytest.fixture
def repo(tmp_path):
    repo = Repository.init(tmp_path / "r")
    repo.add({"w": torch.arange(4.0)}, "a")
    repo.add({"w": torch.arange(4.0) + 1}, "b", parent="a")
    return tmp_path / "r"


def _lineage(repo):
    return json.loads((repo / ".mgit" / "lineage.json").read_text())


def _damage(repo, doc):
    (repo / ".mgit" / "lineage.json").write_text(json.dumps(doc))


def _one_error(capsys, repo, argv=("log",)):
    assert main(["-C", str(repo), *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mgit: error:") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _without_id(doc):
    del doc["nodes"][0]["id"]
    return doc


def _cycle(doc):
    e = doc["edges"][0]
    doc["edges"].append({"parent": e["child"], "child": e["parent"], "relation": "finetune", "order": 0})
    return doc


def _evil(doc):
    doc["edges"][0]["relation"] = "evil"
    return doc


@pytest.mark.parametrize(
    "damage,words",
    [
        (lambda d: [], "holds a list, not an object"),
        (lambda d: {"nodes": "abc"}, "'nodes' is a string"),
        (_without_id, "node 0 has no 'id'"),
        (_cycle, "make a cycle"),
        (_evil, "unknown relation 'evil'"),
    ],
)
def test_a_damaged_lineage_is_named(repo, capsys, damage, words):
    _damage(repo, damage(_lineage(repo)))
    err = _one_error(capsys, repo)
    assert words in err and "not valid JSON" not in err


@pytest.mark.parametrize(
    "config,words",
    [
        ({"max_delta_depth": "x"}, "max_delta_depth must be an integer"),
        ([1], "holds a list"),
    ],
)
def test_a_damaged_config_is_named(repo, capsys, config, words):
    path = repo / ".mgit" / "config.json"
    doc = json.loads(path.read_text())
    if isinstance(config, dict):
        doc.update(config)
        config = doc
    path.write_text(json.dumps(config))
    assert words in _one_error(capsys, repo)
