"""The ``mgit`` verbs through a real subprocess: text, ``--json`` shapes, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import h5py
import torch
from safetensors.torch import load_file, save_file

from mgit_lab.cli import build_parser
from mgit_lab.core import schema
from tests.support.lineage_models import WideMLP, magnitude_pruned, perturbed, tiny_bert_config

ROOT = Path(__file__).resolve().parents[2]
VERBS = ["init", "add", "log", "show", "checkout", "export", "rm", "tag", "mv", "du", "gc", "verify"]


def mgit(*args: str, cwd: Path, ok: int | None = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mgit_lab.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )
    if ok is not None:
        assert proc.returncode == ok, f"mgit {' '.join(args)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def keys(td: type) -> set[str]:
    return set(typing.get_type_hints(td))


def test_every_verb_has_help_with_examples():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, type(parser._subparsers._group_actions[0])))
    for verb in VERBS:
        text = sub.choices[verb].format_help()
        assert "examples:" in text and f"mgit {verb}" in text, verb
        assert "--json" in text, verb


def test_new_user_session(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    torch.manual_seed(0)
    base = WideMLP().state_dict()
    save_file(base, work / "base.safetensors")
    ft = perturbed(base, 0.02, 1)
    save_file(ft, work / "sentiment.safetensors")
    torch.save(magnitude_pruned(ft, 0.5), work / "sentiment-pruned.pt")

    out = mgit("init", "--json", cwd=work)
    assert set(json.loads(out.stdout)) == keys(schema.InitPayload)
    mgit("add", "base.safetensors", "--type", "classifier", "-m", "the base model", cwd=work)
    added = json.loads(mgit("add", "sentiment.safetensors", "--json", "--metric", "acc=0.91", cwd=work).stdout)
    assert set(added) == keys(schema.AddPayload)
    assert added["inference"]["parent"] == "base" and added["version"]["model_type"] == "classifier"
    before = (work / ".mgit" / "lineage.json").read_bytes()
    dry = json.loads(mgit("add", "sentiment-pruned.pt", "--dry-run", "--json", cwd=work).stdout)
    assert set(dry) == keys(schema.AddPlanPayload) and dry["parents"][0]["name"] == "sentiment"
    assert dry["inference"]["parent"] == "sentiment" and dry["inference"]["relation"] == "prune"
    assert (work / ".mgit" / "lineage.json").read_bytes() == before
    text = mgit("add", "sentiment-pruned.pt", "--parent", "sentiment", "--relation", "prune", cwd=work).stdout
    assert "added sentiment-pruned" in text and "as a prune of sentiment" in text
    # the .pt file is its tensors plus its pickle and zip headers, not a second copy of them
    assert "new besides the tensors" in text and "1 file(s)" in text
    rows = {r["name"]: r for r in json.loads(mgit("du", "--json", "--bytes", cwd=work).stdout)["versions"]}
    assert rows["sentiment-pruned"]["ratio"] < 0.05, rows["sentiment-pruned"]

    # run from a sub-folder: the repository is found upward
    sub = work / "notebooks"
    sub.mkdir()
    log = mgit("log", cwd=sub).stdout
    assert log.splitlines()[0].startswith("base") and "└─ sentiment-pruned  (prune)" in log
    graph = json.loads(mgit("log", "--json", cwd=sub).stdout)
    assert set(graph) == keys(schema.GraphPayload) and len(graph["nodes"]) == 3 and len(graph["edges"]) == 2

    du = mgit("du", cwd=work).stdout
    assert du.splitlines()[0].split() == ["version", "stored", "raw", "stored/raw"] and "TOTAL" in du
    stats = json.loads(mgit("du", "--json", "--bytes", cwd=work).stdout)
    assert set(stats) == keys(schema.StorageStats)
    assert sum(r["stored_bytes"] for r in stats["versions"]) == stats["total"]["stored_bytes"]

    show = json.loads(mgit("show", "sentiment", "--json", cwd=work).stdout)
    assert set(show) == keys(schema.VersionDetail) and show["metrics"] == {"acc": 0.91}
    assert "inferred base" in mgit("show", "sentiment", "--tensors", cwd=work).stdout

    co = json.loads(mgit("checkout", "sentiment", "-o", "out.safetensors", "--json", cwd=work).stdout)
    assert set(co) == keys(schema.CheckoutPayload)
    back = load_file(work / "out.safetensors")
    assert all(torch.equal(back[k], ft[k]) for k in ft)
    assert mgit("checkout", "sentiment", "-o", "out.safetensors", cwd=work, ok=1).stderr.count("\n") == 1

    assert "ok:" in mgit("verify", cwd=work).stdout
    ver = json.loads(mgit("verify", "--json", cwd=work).stdout)
    assert set(ver) == keys(schema.VerifyPayload) and ver["ok"]

    tags = json.loads(mgit("tag", "sentiment", "prod", "--json", cwd=work).stdout)
    assert tags == {"tags": {"prod": "sentiment"}}
    assert "prod\tsentiment" in mgit("tag", cwd=work).stdout
    mgit("mv", "sentiment", "sentiment-v1", cwd=work)
    assert json.loads(mgit("tag", "-d", "prod", "--json", cwd=work).stdout) == {"tags": {}}

    err = mgit("rm", "sentiment-v1", cwd=work, ok=1).stderr
    assert err.startswith("mgit: error:") and "--reroot" in err and err.count("\n") == 1
    rm = json.loads(mgit("rm", "sentiment-v1", "--reroot", "--json", cwd=work).stdout)
    assert set(rm) == keys(schema.RemovePayload) and rm["rerooted"] == ["sentiment-pruned"]
    gc = json.loads(mgit("gc", "--json", cwd=work).stdout)
    assert set(gc) == keys(schema.GcPayload) and gc["packs_after"] == 1
    assert "ok:" in mgit("verify", cwd=work).stdout


def test_add_and_export_a_hugging_face_folder(tmp_path):
    from transformers import BertForMaskedLM

    torch.manual_seed(0)
    model = BertForMaskedLM(tiny_bert_config())
    model.save_pretrained(tmp_path / "bert-base")
    mgit("init", cwd=tmp_path)
    added = json.loads(mgit("add", "bert-base", "--type", "mlm", "--json", cwd=tmp_path).stdout)
    assert added["version"]["name"] == "bert-base" and added["version"]["num_tensors"] == len(model.state_dict())
    exp = json.loads(mgit("export", "bert-base", "exported", "--json", cwd=tmp_path).stdout)
    assert exp["format"] == "hf" and (tmp_path / "exported" / "config.json").is_file()
    again = BertForMaskedLM.from_pretrained(tmp_path / "exported")
    assert all(torch.equal(again.state_dict()[k], v) for k, v in model.state_dict().items())


def test_errors_exit_1_with_one_line_and_usage_errors_exit_2(tmp_path):
    err = mgit("log", cwd=tmp_path, ok=1).stderr
    assert err == f"mgit: error: {tmp_path.resolve()} is not inside an mgit repository (create one with `mgit init`)\n"
    mgit("init", cwd=tmp_path)
    err = mgit("show", "nothing", cwd=tmp_path, ok=1).stderr
    assert "no version named 'nothing'" in err and err.count("\n") == 1
    assert "does not exist" in mgit("add", "missing.safetensors", cwd=tmp_path, ok=1).stderr
    assert mgit("init", cwd=tmp_path, ok=1).stderr.count("\n") == 1
    usage = mgit("add", cwd=tmp_path, ok=2).stderr
    assert "usage: mgit add" in usage and "required" in usage
    assert mgit("frobnicate", cwd=tmp_path, ok=2).returncode == 2
    assert mgit("add", "x.pt", "--relation", "clone", cwd=tmp_path, ok=2).returncode == 2


def test_verify_names_damaged_objects_and_the_versions_depending_on_them(tmp_path):
    torch.manual_seed(0)
    base = WideMLP().state_dict()
    save_file(base, tmp_path / "base.safetensors")
    save_file(perturbed(base, 0.01, 1), tmp_path / "child.safetensors")
    mgit("init", cwd=tmp_path)
    mgit("add", "base.safetensors", cwd=tmp_path)
    mgit("add", "child.safetensors", "--parent", "base", cwd=tmp_path)
    pack = sorted((tmp_path / ".mgit" / "packs").glob("*.h5"))[0]  # base's pack: the child's deltas need it
    with h5py.File(pack, "r+") as fh:
        blob = fh["blob"]
        blob[100:4000] = 0
    proc = mgit("verify", cwd=tmp_path, ok=1)
    assert "DAMAGED" in proc.stdout and "object " in proc.stdout
    assert "versions that cannot be checked out intact: base, child" in proc.stdout
    payload = json.loads(mgit("verify", "--json", cwd=tmp_path, ok=1).stdout)
    assert payload["damaged_versions"] == ["base", "child"] and not payload["ok"]
