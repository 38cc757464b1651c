"""End to end on small real models: base, two fine-tunes on generated tasks, two merges
with tests, a new base version, and a cascade rebuilding the fine-tunes and the merges."""

from __future__ import annotations

from mgit_lab.api import Repository
from mgit_lab.cli.merge_verbs import format_cascade
from mgit_lab.core.cascade import run_cascade
from mgit_lab.core.cascade.recipes import derive
from mgit_lab.core.evaluation import register_test, run_tests
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.module_states import model_state
from mgit_lab.core.lineage import Relation
from mgit_lab.core.merge import merge_versions, plan_merge
from mgit_lab.examples import two_tasks

DEMO = "mgit_lab.examples.two_tasks"


def metric(version, test, name="accuracy"):
    return version.tests[test]["metrics"][name]


def test_two_finetunes_merge_and_cascade(tmp_path):
    repo = Repository.init(tmp_path / "r")
    base = two_tasks.make_base()
    repo.add_arrays(
        model_state(base),
        "base",
        model_type="two-task",
        architecture=architecture_of(base),
    )
    for task in ("a", "b"):
        register_test(
            repo,
            f"{DEMO}:task_{task}",
            model_type="two-task",
            dataset=f"{DEMO}:heldout_{task}",
            metrics={
                "accuracy": ("higher", 0.9 if task == "a" else 0.8),
                "loss": "lower",
            },
        )
    run_tests(repo, "base")
    ft_a = derive(
        repo,
        "base",
        f"{DEMO}:finetune",
        name="ft-a",
        kwargs={"task": "a", "steps": 100},
    )
    ft_b = derive(
        repo,
        "base",
        f"{DEMO}:finetune",
        name="ft-b",
        kwargs={"task": "b", "steps": 150},
    )
    b0 = repo.version("base")
    # each fine-tune improves its own task over the base, and forgets some of the other
    assert metric(ft_a, "task_a") > metric(b0, "task_a") + 0.05
    assert metric(ft_b, "task_b") > metric(b0, "task_b") + 0.03
    assert metric(ft_a, "task_b") < metric(b0, "task_b")

    plan = plan_merge(repo, "ft-a", "ft-b")
    states = {e.name: e.state.value for e in plan.entries}
    assert {k for k, s in states.items() if s == "both_changed"} == {
        "trunk.0.weight",
        "trunk.0.bias",
        "trunk.2.weight",
        "trunk.2.bias",
    }
    assert states["head_a.weight"] == "changed_a" and states["head_b.weight"] == "changed_b"

    avg = merge_versions(repo, "ft-a", "ft-b", strategy="average", name="merged-avg")
    ties = merge_versions(repo, "ft-a", "ft-b", strategy="ties", args={"density": 0.5}, name="merged-ties")
    for result in (avg, ties):
        v = result.version
        assert {t["test"] for t in result.tests} == {"task_a", "task_b"}
        # the merge keeps both tasks better than the fine-tune that did not train on them
        assert metric(v, "task_a") > metric(ft_b, "task_a") and metric(v, "task_b") > metric(ft_a, "task_b")
        assert sorted(r for _, r in repo.graph.parents(v.name)) == [
            Relation.MERGE,
            Relation.MERGE,
        ]

    derive(
        repo,
        "base",
        f"{DEMO}:pretrain",
        name="base-v2",
        relation="version",
        kwargs={"steps": 60},
    )
    report = run_cascade(repo, "base", "base-v2")
    assert report.complete, format_cascade(report.to_json())
    assert [(e["old"], e["new"]) for e in report.entries] == [
        ("ft-a", "ft-a@base-v2"),
        ("ft-b", "ft-b@base-v2"),
        ("merged-avg", "merged-avg@base-v2"),
        ("merged-ties", "merged-ties@base-v2"),
    ]
    by = {e["old"]: e for e in report.entries}
    # the stronger base lifts what the fine-tunes forgot, and the merges with them
    assert by["ft-b"]["after"]["task_a"]["accuracy"] > by["ft-b"]["before"]["task_a"]["accuracy"] + 0.1
    assert by["merged-avg"]["after"]["task_a"]["accuracy"] >= by["merged-avg"]["before"]["task_a"]["accuracy"]
    new_merge = repo.version("merged-ties@base-v2")
    assert new_merge.recipe["parents"] == [
        repo.version("ft-a@base-v2").id,
        repo.version("ft-b@base-v2").id,
    ]
    # the stored recipe pins every shared argument (defaults filled in; TIES' scale is now lambda)
    assert new_merge.recipe["args"] == {"density": 0.5, "normalize": True, "lambda": 1.0, "mode": "mergekit"}
    table = format_cascade(report.to_json())
    assert "task_a.accuracy" in table and "merged-ties@base-v2" in table
