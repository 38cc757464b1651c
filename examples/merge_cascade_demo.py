"""End-to-end demo: model tests, merges and an update cascade on small real models.

A two-task MLP (``mgit_lab.examples.two_tasks``) is pre-trained briefly (``base``),
fine-tuned on task a and on task b (generated data), the two fine-tunes are merged with
two strategies (tests run on each), a new base version is trained, and a cascade rebuilds
the fine-tunes and both merges on it.  A damaging edit chain shows ``mgit bisect``.

Run:  python examples/merge_cascade_demo.py [FOLDER]   (default: a temporary folder)
"""

from __future__ import annotations

import shlex
import sys
import tempfile
import time
from pathlib import Path

from mgit_lab.api import Repository
from mgit_lab.cli import main as mgit
from mgit_lab.core.cascade.recipes import derive
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.module_states import model_state
from mgit_lab.examples import two_tasks

DEMO = "mgit_lab.examples.two_tasks"


def run(repo: Path, command: str) -> int:
    print(f"\n$ mgit {command}")
    sys.stdout.flush()
    try:
        return mgit(["-C", str(repo), *shlex.split(command)])
    except SystemExit as exc:  # argparse rejects a usage error with exit code 2
        return int(exc.code or 0)


def main(folder: str | None = None) -> None:
    start = time.perf_counter()
    root = Path(folder or tempfile.mkdtemp(prefix="mgit-demo-"))
    repo = Repository.init(root)
    base = two_tasks.make_base()
    repo.add_arrays(
        model_state(base),
        "base",
        model_type="two-task",
        architecture=architecture_of(base),
        message="pre-trained 10 steps on both tasks",
    )
    print(f"repository: {root}")

    # tests: registered on the model type, with a dataset function and declared directions
    run(
        root,
        f"tests add {DEMO}:task_a --type two-task --dataset {DEMO}:heldout_a "
        "--metric accuracy:higher:'>=0.9' --metric loss:lower",
    )
    run(
        root,
        f"tests add {DEMO}:task_b --type two-task --dataset {DEMO}:heldout_b "
        "--metric accuracy:higher:'>=0.8' --metric loss:lower",
    )

    # two fine-tunes, each recorded with its creation recipe (and its tests run)
    derive(
        repo,
        "base",
        f"{DEMO}:finetune",
        name="ft-a",
        kwargs={"task": "a", "steps": 100},
    )
    derive(
        repo,
        "base",
        f"{DEMO}:finetune",
        name="ft-b",
        kwargs={"task": "b", "steps": 150},
    )
    run(root, "test --all")

    # merge: the plan, then two strategies
    run(root, "merge ft-a ft-b --dry-run")
    run(root, "merge ft-a ft-b --strategy average --name merged-avg")
    run(root, "merge ft-a ft-b --strategy ties --arg density=0.5 --name merged-ties")

    # a new version of the upstream model, then the cascade
    derive(
        repo,
        "base",
        f"{DEMO}:pretrain",
        name="base-v2",
        relation="version",
        kwargs={"steps": 60},
    )
    run(root, "cascade base base-v2 --dry-run")
    run(root, "cascade base base-v2")

    # bisect: a chain of damaging edits after ft-a
    parent = "ft-a"
    for i, scale in enumerate((0.01, 0.02, 0.05, 0.1, 0.2, 0.4), start=1):
        derive(
            repo,
            parent,
            f"{DEMO}:add_noise",
            name=f"ft-a-edit{i}",
            relation="finetune",
            kwargs={"scale": scale, "seed": i},
        )
        parent = f"ft-a-edit{i}"
    run(root, f"bisect ft-a {parent} --test task_a")

    # bad input: one clear line each, repository unchanged
    run(root, "merge ft-a ft-b --strategy weighted-average --arg alpha=1.5")
    run(root, "merge ft-a ft-b --strategy median")
    print(f"\ndemo finished in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
