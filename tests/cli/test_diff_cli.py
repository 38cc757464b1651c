"""`mgit diff` through the command line."""

from __future__ import annotations

import json

import pytest
import torch
import transformers

from mgit_lab.api import Repository
from mgit_lab.cli import build_parser, main
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.tensors import tensor_to_array
from tests.support.diff_models import bert_config, finetune

CHANGED = "bert.encoder.layer.0.intermediate.dense"


@pytest.fixture(scope="module")
def repo_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "repo"
    repo = Repository.init(root)
    torch.manual_seed(0)
    base = transformers.BertForMaskedLM(bert_config()).eval()
    for name, model, parents in [
        ("base", base, None),
        ("tuned", finetune(base, [CHANGED]), [("base", "finetune")]),
    ]:
        state = {k: tensor_to_array(v) for k, v in model.state_dict().items()}
        repo.add_arrays(state, name, parents=parents, architecture=architecture_of(model))
    torch.save(base.state_dict(), root / "base.pt")
    return root


def test_json_output(repo_dir, capsys):
    assert main(["-C", str(repo_dir), "diff", "base", "tuned", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["removed_nodes"] == [CHANGED] == doc["summary"]["added_nodes"]
    assert doc["mode"] == "contextual" and doc["matcher"] == "name"


def test_flags_structural_lcs_collapse_and_html_output(repo_dir, tmp_path, capsys):
    out = tmp_path / "diff.html"
    assert (
        main(
            [
                "-C",
                str(repo_dir),
                "diff",
                "-s",
                "-lcs",
                "-c",
                "BertLayer",
                "-o",
                str(out),
                "base",
                "tuned",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "structural" in text and "no differences" in text and f"wrote {out}" in text
    page = out.read_text()
    assert page.startswith("<!doctype html>") and 'data-id="bert.encoder.layer.0"' in page
    assert (
        main(
            [
                "-C",
                str(repo_dir),
                "diff",
                "-lcs",
                "-o",
                str(tmp_path / "d.json"),
                "base",
                "tuned",
                "--no-color",
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "d.json").read_text())["matcher"] == "lcs"
    text = capsys.readouterr().out
    assert f"- {CHANGED}" in text and f"+ {CHANGED}" in text and "\033[" not in text


def test_lcs_flag_parses_as_one_option():
    args = build_parser().parse_args(["diff", "-lcs", "a", "b"])
    assert args.lcs and not args.structural and args.collapse is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["diff", "base", "missing"],
            "'missing' is neither a version in the repository nor a model path",
        ),
        (
            ["diff", "-c", "NoSuchLayer", "base", "tuned"],
            "'NoSuchLayer' match no module",
        ),
        (["diff", "base.pt", "base.pt"], "state dict with no known architecture"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(repo_dir, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(repo_dir)
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mgit: error: ") and message in err[0]


def test_params_only_works_without_a_repository(repo_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["diff", "-p", str(repo_dir / "base.pt"), str(repo_dir / "base.pt")]) == 0
    assert "no differences" in capsys.readouterr().out
