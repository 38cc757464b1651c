"""Jupyter server configuration for the Galata UI tests.

Serves a temporary root folder holding an mgit repository with a small lineage
(four versions, four edges, one of them a merge), so the sidebar has a graph to draw.
"""

import numpy as np
from jupyterlab.galata import configure_jupyter_server

from mgit_lab.core.repository import Repository

configure_jupyter_server(c)  # port 8888, no token, window.jupyterapp exposed
c.ServerApp.allow_root = True  # CI runs as root
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.jpserver_extensions = {"mgit_lab": True}
# the tests' own contents requests fill the log with 404 warnings: show errors only
c.ServerApp.log_level = "ERROR"
c.LabApp.log_level = "ERROR"


def make_lineage(root: str) -> None:
    """base-model -> fine-tuned -> quantized-int8; base-model -> pruned; merged from two."""
    repo = Repository.init(root)
    rng = np.random.default_rng(0)

    def state(offset: float) -> dict:
        return {
            "encoder.weight": ((rng.standard_normal((8, 8)) + offset).astype(np.float32), "float32"),
            "encoder.bias": (np.full(8, offset, dtype=np.float32), "float32"),
        }

    repo.add_arrays(state(0.0), "base-model", model_type="mlm", message="pretrained")
    repo.add_arrays(state(0.1), "fine-tuned", parents=[("base-model", "finetune")], model_type="classifier")
    repo.add_arrays(state(0.2), "quantized-int8", parents=[("fine-tuned", "quantize")], model_type="classifier")
    repo.add_arrays(state(0.3), "pruned", parents=[("base-model", "prune")], model_type="mlm")
    repo.add_arrays(
        state(0.4),
        "merged",
        parents=[("fine-tuned", "merge"), ("pruned", "merge")],
        model_type="classifier",
    )
    repo.close()


make_lineage(c.ServerApp.root_dir)
