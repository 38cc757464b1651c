"""The repositories the Galata tests run against (real models, real tests, real recipes).

Under the server's root:

    models/                 repository "models" (the panel finds it from models/ or below)
      base                  two-task MLP, model type "two-task"; tests task_a, task_b registered
      ├─ ft-a, ft-b         fine-tunes with recipes (so a cascade can rebuild them)
      │  └─ ft-b -> sweep-0 ... sweep-7   eight leaf fine-tunes (clustered in the panel)
      ├─ base-v2            a new version of base (relation "version")
      └─ pruned             (tagged "small")
    models/notebooks/       a plain subfolder
    other/                  a second repository with two versions

derive() runs the registered tests on what it adds (ft-a, ft-b, base-v2, pruned: badges
"pass"); base and the sweep start "not run".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mgit_lab import Repository
from mgit_lab.core.cascade.recipes import derive
from mgit_lab.core.evaluation import register_test
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.module_states import model_state
from mgit_lab.examples import two_tasks

DEMO = "mgit_lab.examples.two_tasks"


def make_models(root: Path) -> None:
    repo = Repository.init(root / "models")
    (root / "models" / "notebooks").mkdir()
    base = two_tasks.make_base(steps=5)
    arch = architecture_of(base)
    repo.add_arrays(model_state(base), "base", model_type="two-task", architecture=arch, message="pre-trained")
    for name, data in (("task_a", "heldout_a"), ("task_b", "heldout_b")):
        register_test(
            repo,
            f"{DEMO}:{name}",
            model_type="two-task",
            name=name,
            dataset=f"{DEMO}:{data}",
            metrics={"accuracy": ("higher", ">= 0.5"), "loss": "lower"},
        )
    derive(repo, "base", f"{DEMO}:finetune", name="ft-a", kwargs={"task": "a", "steps": 20})
    derive(repo, "base", f"{DEMO}:finetune", name="ft-b", kwargs={"task": "b", "steps": 20})
    derive(repo, "base", f"{DEMO}:pretrain", name="base-v2", relation="version", kwargs={"steps": 10})
    derive(repo, "base", f"{DEMO}:add_noise", name="pruned", relation="prune", kwargs={"scale": 0.01})
    repo.tag("pruned", "small")
    ftb = repo.load("ft-b")
    for i in range(8):
        model = two_tasks.add_noise(ftb, scale=0.001 * (i + 1), seed=i)
        repo.add_arrays(
            model_state(model),
            f"sweep-{i}",
            parents=[("ft-b", "finetune")],
            model_type="two-task",
            architecture=arch,
            message=f"learning-rate sweep point {i}",
        )
    repo.close()


def make_other(root: Path) -> None:
    repo = Repository.init(root / "other")
    rng = np.random.default_rng(1)
    w = rng.standard_normal(64).astype(np.float32)
    repo.add_arrays({"w": (w, "float32")}, "other-base", model_type="mlm")
    repo.add_arrays({"w": (w + 1, "float32")}, "other-ft", parents=[("other-base", "finetune")])
    repo.close()


def make_fixture(root: str) -> None:
    make_models(Path(root))
    make_other(Path(root))
