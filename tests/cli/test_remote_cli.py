"""The remote verbs through the CLI (folder remote): remote add/list/remove, push, clone,
clone --versions + du, fetch, pull, --json shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mgit_lab.api import Repository
from mgit_lab.cli import main
from tests.core.remotes.remote_cases import finetuned, layer_state


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_remote_verbs_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = Repository.init(tmp_path / "src")
    src.add_arrays(layer_state(), "base")
    src.add_arrays(finetuned(layer_state(), 1), "ft", parents=[("base", "finetune")])
    s = str(src.root)
    monkeypatch.chdir(tmp_path)

    assert run(capsys, "-C", s, "remote", "add", "origin", "../shared")[0] == 0  # relative to -C
    code, out, _ = run(capsys, "-C", s, "remote", "list", "--json")
    assert code == 0 and json.loads(out)["remotes"][0]["url"] == str(tmp_path / "shared")
    code, out, _ = run(capsys, "-C", s, "push", "--json")
    assert code == 0 and json.loads(out)["versions"] == ["base", "ft"]
    code, out, _ = run(capsys, "-C", s, "push")
    assert code == 0 and "up to date; 1 request(s)" in out

    code, out, _ = run(capsys, "clone", "shared", "full")
    assert code == 0 and out.startswith("clone: 2 version(s) [base, ft]")
    code, out, _ = run(capsys, "clone", "shared", "part", "--versions", "base")
    assert code == 0
    code, out, _ = run(capsys, "-C", "part", "du")
    assert "partial clone of 'origin': 1 of 2 versions have every tensor here (base)" in out
    code, out, _ = run(capsys, "-C", "part", "checkout", "ft", "-o", str(tmp_path / "ft.safetensors"))
    assert code == 0
    code, out, _ = run(capsys, "-C", "part", "du")
    assert "2 of 2 versions" in out

    full = Repository.open(tmp_path / "full")
    full.add_arrays(finetuned(layer_state(), 2), "ft2", parents=[("ft", "finetune")])
    assert run(capsys, "-C", "full", "push", "origin", "ft2")[0] == 0
    code, out, _ = run(capsys, "-C", s, "fetch", "--json")
    assert code == 0 and json.loads(out)["versions"] == ["ft2"]
    assert "ft2" not in Repository.open(src.root).graph  # fetch leaves the lineage
    code, out, _ = run(capsys, "-C", s, "pull")
    assert code == 0 and "1 version(s) [ft2]" in out
    assert "ft2" in Repository.open(src.root).graph

    code, _, err = run(capsys, "-C", s, "push", "nowhere")
    assert code == 1 and err.startswith("mgit: error: no remote named 'nowhere'")
    code, _, err = run(capsys, "clone", "shared", "full")
    assert code == 1 and "not an empty folder" in err
    assert run(capsys, "-C", s, "remote", "remove", "origin")[0] == 0
    code, out, _ = run(capsys, "-C", s, "remote")
    assert "no remotes" in out


def test_fetch_gc_pull_offline_and_labels_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = Repository.init(tmp_path / "src")
    src.add_arrays(layer_state(), "base")
    s = str(src.root)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "-C", s, "remote", "add", "origin", str(tmp_path / "shared"))[0] == 0
    assert run(capsys, "-C", s, "push")[0] == 0
    assert run(capsys, "clone", "shared", "other")[0] == 0

    src.add_arrays(finetuned(layer_state(), 3), "ft", parents=[("base", "finetune")])
    src.rename("base", "pretrained")
    src.tag("ft", "best")
    code, out, _ = run(capsys, "-C", s, "push")
    assert code == 0 and "on the remote: renamed 'base' -> 'pretrained'" in out
    assert "on the remote: tag 'best' -> 'ft'" in out
    assert run(capsys, "-C", "other", "fetch")[0] == 0
    code, out, _ = run(capsys, "-C", "other", "gc", "--json")
    assert code == 0 and json.loads(out)["objects_removed"] == 0  # the fetched objects stay
    (tmp_path / "shared").rename(tmp_path / "gone")  # the remote is unreachable now
    code, _, err = run(capsys, "-C", "other", "pull")
    assert code == 1 and err.startswith("mgit: error:")
    code, out, _ = run(capsys, "-C", "other", "pull", "--offline", "--json")
    got = json.loads(out)
    assert code == 0 and got["versions"] == ["ft"] and got["requests"] == 0
    assert got["labels"] == ["renamed 'base' -> 'pretrained'", "tag 'best' -> 'ft'"]
    other = Repository.open(tmp_path / "other")
    assert other.tags() == {"best": "ft"} and other.verify().ok
