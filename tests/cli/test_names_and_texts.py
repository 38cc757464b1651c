"""Issue 9, finding 9 through the CLI: names, tags and messages are bounded and free of
control characters; terminal output escapes control sequences already in a lineage."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from mgit_lab.api import Repository
from mgit_lab.cli import main


@pytest.fixture
def repo(tmp_path):
    repo = Repository.init(tmp_path / "r")
    repo.add({"w": torch.arange(4.0)}, "a", message="first")
    save_file({"w": torch.arange(4.0) * 3}, str(tmp_path / "m.safetensors"))
    return tmp_path / "r"


def _refused(capsys, argv, words):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("mgit: error:") and words in err, err
    assert "\x1b" not in err and len(err) < 1000


@pytest.mark.parametrize(
    "extra,words",
    [
        (["-n", "n" * 300], "300 bytes long"),
        (["-n", "."], "invalid version name"),
        (["-n", ".."], "invalid version name"),
        (["-n", "right\u202eleft"], "U+202E"),
        (["-n", "tab\there"], "U+0009"),
        (["-n", "ok", "-m", "title\x1b]0;pwned\x07\x1b[2J"], "control character U+001B"),
        (["-n", "ok", "-m", "m" * (64 * 1024 + 1)], "more than the 65536 allowed"),
        (["-n", "ok", "--meta", "k\x1b=v"], "control character"),
    ],
)
def test_add_refuses_bad_names_and_texts(repo, capsys, extra, words):
    _refused(capsys, ["-C", str(repo), "add", str(repo.parent / "m.safetensors"), "--no-infer", *extra], words)
    assert "ok" not in Repository.open(repo).graph


def test_tag_and_rename_refuse_bad_names(repo, capsys):
    _refused(capsys, ["-C", str(repo), "tag", "a", "t" * 257], "bytes long")
    _refused(capsys, ["-C", str(repo), "tag", "a", ".."], "invalid tag")
    _refused(capsys, ["-C", str(repo), "mv", "a", "x\x00y"], "U+0000")


def test_names_are_stored_nfc_normalised(repo, capsys):
    assert main(["-C", str(repo), "mv", "a", "cafe\u0301"]) == 0
    assert "caf\u00e9" in Repository.open(repo).graph
    assert main(["-C", str(repo), "show", "caf\u00e9"]) == 0


def test_log_escapes_control_sequences_already_in_a_lineage(repo, capsys):
    path = repo / ".mgit" / "lineage.json"
    doc = json.loads(path.read_text())
    doc["nodes"][0]["message"] = "merge\x1b]0;owned\x07\x1b[2J\u202eevil"  # written by another tool
    path.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["-C", str(repo), "log"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;owned" in out
