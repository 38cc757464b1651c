"""Create (or complete) the demo repository that ``make lab`` opens.

    python examples/make_demo.py demo

A small lineage of real models, all made here in well under a minute (no downloads):

    base              tiny BERT (masked LM) trained on generated text           <mlm>
    ├─ sentiment      fine-tuned to classify the polarity of a sequence          <sentiment>
    │  ├─ sentiment-pruned   50% magnitude pruning                               <sentiment>
    │  └─ sentiment-fp16     cast to float16                                     <sentiment>
    ├─ topic          fine-tuned to classify the topic of a sequence             <topic>
    └─ base-v2        a new version: more masked-LM training                     <mlm>

Each model type gets its test (held-out accuracy and loss, or masked-LM loss) when the
model-test registry is installed, and the tests are run so the panel shows their status.
Running it again adds only what is missing.  It ends by printing what the lineage costs on
disk against one safetensors checkpoint per version.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mgit_lab.api import Repository  # noqa: E402
from mgit_lab.core.errors import NotFound  # noqa: E402
from mgit_lab.core.render_text import human_bytes, render_log  # noqa: E402

DEMO = "mgit_lab.examples.demo_text"


def _recipe(repo: Repository, fn: str, parent: str, **kwargs) -> dict:
    return {"kind": "function", "ref": f"{DEMO}:{fn}", "kwargs": kwargs, "parent": repo.version(parent).id}


def build(repo: Repository) -> list[str]:
    """Add every demo version that is missing; returns the names added."""
    from mgit_lab.examples import demo_text as d

    added: list[str] = []
    have = set(repo.graph.names())

    def add(name: str, make, **kw) -> None:
        if name in have:
            return
        t0 = time.perf_counter()
        repo.add(make(), name=name, **kw)
        added.append(name)
        print(f"  added {name:18s} ({time.perf_counter() - t0:.1f} s)", flush=True)

    add(
        "base",
        lambda: d.pretrain(steps=40),
        model_type="mlm",
        infer=False,
        message="tiny BERT, 40 masked-LM steps on generated text",
    )
    add(
        "sentiment",
        lambda: d.finetune_classifier(repo.load("base"), "sentiment", seed=0),
        parent="base",
        relation="finetune",
        model_type="sentiment",
        message="fine-tuned on the sentiment task (40 steps)",
        recipe=_recipe(repo, "finetune_classifier", "base", task="sentiment", seed=0),
    )
    add(
        "topic",
        lambda: d.finetune_classifier(repo.load("base"), "topic", seed=1),
        parent="base",
        relation="finetune",
        model_type="topic",
        message="fine-tuned on the topic task (40 steps)",
        recipe=_recipe(repo, "finetune_classifier", "base", task="topic", seed=1),
    )
    add(
        "sentiment-pruned",
        lambda: d.magnitude_prune(repo.load("sentiment"), 0.5),
        parent="sentiment",
        relation="prune",
        message="50% magnitude pruning of every Linear weight",
        recipe=_recipe(repo, "magnitude_prune", "sentiment", fraction=0.5),
    )
    add(
        "sentiment-fp16",
        lambda: repo.load("sentiment").half(),
        parent="sentiment",
        relation="quantize",
        message="cast to float16",
    )
    add(
        "base-v2",
        lambda: d.pretrain(repo.load("base"), steps=20, seed=7),
        parent="base",
        relation="version",
        message="20 more masked-LM steps",
        recipe=_recipe(repo, "pretrain", "base", steps=20, seed=7),
    )
    return added


def register_and_run_tests(repo: Repository) -> None:
    """Register one test per model type and run them (skipped when the registry is absent)."""
    try:
        from mgit_lab.core import testing
    except ImportError:
        print("  (model tests are not installed: skipping them)")
        return
    tests = {
        "mlm": ("mlm_test", {"loss": ("lower", "< 5.0")}),
        "sentiment": ("sentiment_test", {"accuracy": ("higher", ">= 0.9"), "loss": "lower"}),
        "topic": ("topic_test", {"accuracy": ("higher", ">= 0.9"), "loss": "lower"}),
    }
    for model_type, (fn, metrics) in tests.items():
        testing.register_test(
            repo, f"{DEMO}:{fn}", model_type=model_type, name=fn.replace("_test", ""), metrics=metrics, replace=True
        )
    for v in repo.versions():
        if not v.tests:
            testing.run_tests(repo, v.name)


def checkpoint_bytes(repo: Repository) -> int:
    """What one safetensors file per version would take (written, measured, deleted)."""
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for v in repo.versions():
            path = Path(tmp) / f"{v.id}.safetensors"
            repo.export(v.name, path)
            total += path.stat().st_size
            path.unlink()
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Create (or complete) the mgit-lab demo repository.")
    ap.add_argument("dest", nargs="?", default="demo", help="folder of the demo repository (default: demo)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    dest = Path(args.dest)
    try:
        repo = Repository.open(dest) if (dest / ".mgit").exists() else Repository.init(dest)
    except NotFound:
        repo = Repository.init(dest)
    print(f"demo repository: {repo.root}")
    added = build(repo)
    register_and_run_tests(repo)
    print()
    print(render_log(repo.graph_payload()))
    stats = repo.stats()["total"]
    ckpt = checkpoint_bytes(repo)
    print(
        f"\n{len(added)} version(s) added in {time.perf_counter() - start:.0f} s. The lineage stores "
        f"{human_bytes(stats['stored_bytes'])} of objects ({human_bytes(stats['pack_file_bytes'])} of pack files) "
        f"for {stats['versions']} versions; one safetensors checkpoint per version would take {human_bytes(ckpt)} "
        f"({stats['stored_bytes'] / ckpt:.0%})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
