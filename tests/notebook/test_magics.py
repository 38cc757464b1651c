"""``%mgit`` through IPython's ``run_line_magic``: every verb, variables as models, bad input."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
import torch

from mgit_lab.core.diff import ModelDiff
from mgit_lab.core.lineage import ModelVersion
from mgit_lab.notebook.results import (
    BisectOutcome,
    CascadeOutcome,
    HelpText,
    LineageTable,
    MergeOutcome,
    StorageTable,
    TestResults,
    VerbOutput,
    VersionDetail,
)

TESTS = "mgit_lab.examples.two_tasks"


@pytest.fixture
def lineage(mgit, two_task_models):
    """A repository ``repo`` with base -> ft-a, base -> ft-b added from notebook variables."""
    assert isinstance(mgit("init repo").value, VerbOutput)
    mgit("add base --type two-task --no-infer")
    mgit("add ft_a --name ft-a --parent base")
    mgit("add ft_b --name ft-b --parent base")
    return two_task_models


def test_add_takes_a_notebook_variable_and_returns_the_version(mgit, two_task_models):
    mgit("init repo")
    cell = mgit("add base --type two-task")
    assert isinstance(cell.value, ModelVersion)
    assert cell.value.name == "base"  # the variable's name when --name is not given
    assert "added base" in cell.stdout and "as a root" in cell.stdout
    cell = mgit("add ft_a --name ft-a")
    assert cell.value.name == "ft-a"
    assert "as a finetune of base" in cell.stdout  # parent inferred from the weights
    assert "<table" in cell.value._repr_html_()


def test_add_takes_a_state_dict_variable_and_a_path(mgit, ip, two_task_models, tmp_path):
    mgit("init repo")
    ip.user_ns["sd"] = two_task_models["base"].state_dict()
    assert mgit("add sd --name from-dict --no-infer").value.name == "from-dict"
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in two_task_models["ft_a"].state_dict().items()}, tmp_path / "ft.safetensors")
    assert mgit("add ft.safetensors --name from-file").value.name == "from-file"


def test_log_show_du_return_payloads_that_render(mgit, lineage):
    log = mgit("log").value
    assert isinstance(log, LineageTable)
    assert [n["name"] for n in log["nodes"]] == ["base", "ft-a", "ft-b"]
    html = log._repr_html_()
    assert "ft-b" in html and "finetune of base" in html and "mgit-sort" in html  # sortable
    assert "└─ ft-b" in repr(log)  # the CLI's text as the repr

    detail = mgit("show ft-a").value
    assert isinstance(detail, VersionDetail) and detail["name"] == "ft-a"
    assert "base (finetune)" in detail._repr_html_()

    du = mgit("du").value
    assert isinstance(du, StorageTable) and du["total"]["versions"] == 3
    assert "of plain checkpoints" in du._repr_html_()


def test_show_without_a_version_is_the_live_widget(mgit, lineage):
    from mgit_lab.widget import LineageWidget

    w = mgit("show").value
    assert isinstance(w, LineageWidget)
    assert {n["name"] for n in w.graph["nodes"]} == {"base", "ft-a", "ft-b"}
    w.close()


def test_checkout_without_output_returns_the_loaded_model(mgit, lineage, tmp_path):
    model = mgit("checkout ft-a").value
    assert isinstance(model, torch.nn.Module)
    for k, v in lineage["ft_a"].state_dict().items():
        assert torch.equal(model.state_dict()[k], v)
    out = mgit("checkout ft-a -o ft.safetensors").value
    assert isinstance(out, VerbOutput) and out.payload["num_tensors"] == 8
    assert (tmp_path / "ft.safetensors").is_file()
    assert mgit("export ft-b ft-b.pt").value.payload["format"] == "pt"


def test_diff_of_versions_and_of_a_variable(mgit, ip, lineage):
    diff = mgit("diff base ft-a").value
    assert isinstance(diff, ModelDiff)
    assert diff.a.label == "base" and diff.b.label == "ft-a"
    html = diff._repr_html_()
    assert "<svg" in html and 'class="node changed"' in html  # the coloured graph
    assert "mgit-sort" in html and "trunk.0.weight" in html  # the sortable tensor table
    # a variable against a version: the edited model is not in the repository
    edited = lineage["ft_a"]
    with torch.no_grad():
        edited.head_b.weight.add_(1.0)
    ip.user_ns["edited"] = edited
    diff = mgit("diff ft-a edited").value
    assert diff.b.label == "edited"
    assert [p.a for p in diff.changed_params] == ["head_b.weight"]


def test_tests_test_bisect(mgit, lineage):
    out = mgit(
        f"tests add {TESTS}:task_a --dataset {TESTS}:heldout_a --type two-task "
        "--metric accuracy:higher:'>=0.7' --metric loss:lower"
    ).value
    assert "registered test 'task_a'" in repr(out)
    assert "task_a" in repr(mgit("tests list").value)
    results = mgit("test ft-a").value
    assert isinstance(results, TestResults)
    assert results[0]["version_name"] == "ft-a" and results[0]["status"] == "passed"
    assert "accuracy=" in results._repr_html_()
    # a noisy child of ft-a fails; bisect finds it
    from mgit_lab.examples.two_tasks import add_noise

    lineage["noisy"] = add_noise(lineage["ft_a"], scale=2.0)
    mgit("add noisy --parent ft-a")
    failing = mgit("test noisy").value
    assert failing.failed and failing[0]["status"] == "failed"
    result = mgit("bisect base noisy --test task_a").value
    assert isinstance(result, BisectOutcome) and result["first_bad"] == "noisy"
    assert "first failing version: noisy" in result._repr_html_()
    assert "removed test" in repr(mgit("tests remove task_a").value)


def test_merge_dry_run_and_recorded(mgit, lineage):
    plan = mgit("merge ft-a ft-b --dry-run").value
    assert isinstance(plan, MergeOutcome)
    assert plan["version"] is None and plan["plan"]["ancestor_name"] == "base"
    assert "dry run: nothing was recorded" in plan._repr_html_()
    merged = mgit("merge ft-a ft-b --strategy task-arithmetic --name merged").value
    assert merged["version"] == "merged"
    assert "recorded merged" in merged._repr_html_()
    assert "merged" in [n["name"] for n in mgit("log").value["nodes"]]
    assert "ties" in repr(mgit("merge --strategies").value)


def test_cascade_tag_mv_rm_gc_verify(mgit, lineage):
    from mgit_lab.examples.two_tasks import pretrain

    lineage["base2"] = pretrain(lineage["base"], steps=3)
    mgit("add base2 --name base-v2 --parent base --relation version")
    report = mgit("cascade base base-v2 --dry-run").value
    assert isinstance(report, CascadeOutcome) and report["dry_run"]
    assert "cascade base → base-v2" in report._repr_html_()
    assert "tagged ft-a as prod" in repr(mgit("tag ft-a prod").value)
    assert "renamed ft-b to task-b" in repr(mgit("mv ft-b task-b").value)
    assert "removed task-b" in repr(mgit("rm task-b").value)
    assert "kept" in repr(mgit("gc").value)
    assert repr(mgit("verify").value).startswith("ok:")


def test_help_and_the_docstring_are_the_clis(mgit, ip):
    from mgit_lab.cli import build_parser

    top = mgit("help").value
    assert isinstance(top, HelpText) and "usage: mgit" in top and "merge" in top
    verb = mgit("help diff").value
    assert "usage: mgit diff" in verb and "--structural" in verb
    assert mgit("merge --help").value.startswith("usage: mgit merge")
    doc = ip.find_line_magic("mgit").__doc__
    assert build_parser().format_help() in doc  # what %mgit? shows


def test_a_verb_added_to_the_cli_appears_in_the_magic(mgit, monkeypatch):
    from mgit_lab import cli

    def register(sub):
        p = sub.add_parser("hello", help="say hello")
        p.add_argument("who")
        p.set_defaults(func=lambda args: cli.emit(args, {"who": args.who}, f"hello {args.who}"))

    module = types.ModuleType("mgit_lab.cli.hello_verbs")
    module.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mgit_lab.cli.hello_verbs", module)
    monkeypatch.setattr(cli, "VERB_MODULES", [*cli.VERB_MODULES, "hello_verbs"])
    mgit("init repo")
    from mgit_lab.notebook.magics import MagicSession

    session = MagicSession({})
    session.repo_path = "repo"
    out = session.run("hello world")
    assert out.payload == {"who": "world"} and repr(out) == "hello world"
    assert "say hello" in session.help_text()


def test_cell_magic_runs_one_verb_per_line(mgit, two_task_models):
    cell = mgit("", "init repo\n# a comment\nadd base --no-infer\nadd ft_a --name ft-a --parent base\nlog")
    assert isinstance(cell.value, LineageTable) and len(cell.value["nodes"]) == 2
    assert "Initialised" in cell.text  # earlier lines are displayed


@pytest.mark.parametrize(
    ("line", "message", "hint"),
    [
        ("log", "is not inside an mgit repository", "%mgit init PATH"),
        ("bogus", "invalid choice: 'bogus'", "%mgit help"),
        ("add", "the following arguments are required: model", "%mgit help add"),
        ("diff a", "the following arguments are required: B", "%mgit help diff"),
        ("log --frobnicate", "unrecognized arguments: --frobnicate", "%mgit help"),
        ("checkout nope", "no version named 'nope'", ""),
        ("add nothing_here --name x", "neither a notebook variable nor a model file", "assign the model"),
        ("add text --name x", "holds a str, not a model", "nn.Module"),
        ("diff base 'unclosed", "cannot split the line", "quotes"),
    ],
)
def test_bad_input_is_one_message_not_a_traceback(mgit, ip, line, message, hint):
    ip.user_ns["text"] = "not a model"
    if not line.startswith("log") or "frobnicate" in line:
        mgit("init repo")
    cell = mgit(line)
    assert cell.value is None
    assert message in cell.text and message in cell.html.replace("&#x27;", "'")
    assert hint in cell.text
    assert "Traceback" not in cell.text and "mgit-error" in cell.html


def test_verbs_that_need_no_repository_work_without_one(mgit):
    assert "ties" in repr(mgit("merge --strategies").value)
    assert "usage: mgit log" in mgit("log --help").value


def test_init_and_dash_C_set_the_repository_for_later_lines(mgit, two_task_models, tmp_path: Path):
    mgit("init one")
    mgit("add base --no-infer")
    mgit("init two")  # relative to the working directory, not to the repository in use
    assert (tmp_path / "two" / ".mgit").is_dir()
    assert mgit("log").value["nodes"] == []
    assert len(mgit("-C one log").value["nodes"]) == 1
    assert len(mgit("log").value["nodes"]) == 1  # -C is remembered, like cd


def test_without_init_or_dash_C_the_working_directory_is_followed(mgit, ip, two_task_models, tmp_path, monkeypatch):
    mgit("init a")
    mgit("add base --no-infer")
    mgit("init b")
    ip.find_line_magic("mgit").session.repo_path = None  # a session that never said init or -C
    monkeypatch.chdir(tmp_path / "b")  # what %cd does
    assert mgit("log").value["nodes"] == []
    monkeypatch.chdir(tmp_path / "a")
    assert len(mgit("log").value["nodes"]) == 1


def test_a_hugging_face_model_variable_round_trips(mgit, ip):
    transformers = pytest.importorskip("transformers")
    from mgit_lab.examples.demo_text import config

    torch.manual_seed(0)
    ip.user_ns["bert"] = transformers.BertForSequenceClassification(config())
    mgit("init repo")
    assert mgit("add bert --name bert-tiny --type sentiment").value.name == "bert-tiny"
    model = mgit("checkout bert-tiny").value
    assert type(model).__name__ == "BertForSequenceClassification"
    original = ip.user_ns["bert"].state_dict()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in original.items())
