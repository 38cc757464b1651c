"""A tour of the REST API: one example exchange per route, against a real Jupyter server.

Builds a small repository of real torch models (base, two fine-tunes made by a recipe, a
new upstream version, two registered model tests), starts ``jupyter server`` with the
mgit_lab extension on it, and prints every request and the answer (long answers cut).

Usage::

    python examples/rest_api_tour.py [--full]
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402 - after the sys.path line above
from torch import nn  # noqa: E402

from mgit_lab.api import Repository  # noqa: E402
from mgit_lab.core.cascade.recipes import derive  # noqa: E402
from mgit_lab.core.evaluation import register_test  # noqa: E402
from mgit_lab.core.io.architecture import architecture_of  # noqa: E402
from mgit_lab.core.io.module_states import model_state  # noqa: E402
from mgit_lab.server.local import start_local_server  # noqa: E402


class TourNet(nn.Module):
    """A 2-layer MLP rebuilt from ``mgit_init``."""

    def __init__(self, n_in: int = 8, hidden: int = 4) -> None:
        super().__init__()
        self.mgit_init = {"n_in": n_in, "hidden": hidden}
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


def accuracy(model: nn.Module) -> dict[str, float]:
    """A model test: agreement with a fixed rule on generated inputs (higher is better)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 8, generator=g)
    y = (x[:, 0] > 0).long()
    with torch.no_grad():
        return {"accuracy": float((model(x).argmax(1) == y).float().mean())}


def nudge(parent_model: nn.Module, amount: float = 0.1) -> nn.Module:
    """A creation recipe: the parent with every weight moved by ``amount``."""
    child = copy.deepcopy(parent_model)
    with torch.no_grad():
        for p in child.parameters():
            p.add_(amount)
    return child


MODULE = "rest_api_tour"  # this file, importable by the server (examples/ is on its path)


def build(root: Path) -> None:
    import rest_api_tour as me  # the importable copy of this module: recorded references must resolve

    torch.manual_seed(0)
    repo = Repository.init(root / "models")
    model = me.TourNet()
    repo.add_arrays(model_state(model), "base", architecture=architecture_of(model), model_type="mlp")
    derive(repo, "base", f"{MODULE}:nudge", name="ft-a", kwargs={"amount": 0.05})
    derive(repo, "base", f"{MODULE}:nudge", name="ft-b", kwargs={"amount": -0.05})
    derive(repo, "base", f"{MODULE}:nudge", name="base-v2", kwargs={"amount": 0.2}, relation="version")
    register_test(repo, f"{MODULE}:accuracy", model_type="mlp", metrics={"accuracy": ("higher", ">= 0.3")})


def start_server(root: Path, token: str) -> tuple[subprocess.Popen, int]:
    return start_local_server(root, token, [str(ROOT), str(Path(__file__).resolve().parent)])


class Tour:
    def __init__(self, port: int, token: str, full: bool) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token = token
        self.full = full

    def __call__(self, method: str, path: str, body: Any = None, quiet: bool = False) -> Any:
        headers = {"Authorization": f"token {self.token}"}
        data = None if body is None else json.dumps(body)
        self.conn.request(method, "/mgit/api/" + path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        doc = json.loads(raw) if raw else None
        if not quiet:
            print(f"\n> {method} /mgit/api/{path}" + (f"\n> {data}" if data else ""))
            text = json.dumps(doc, ensure_ascii=False) if doc is not None else ""
            if not self.full and len(text) > 500:
                text = text[:500] + " ... (cut; --full prints everything)"
            print(f"< {resp.status} {text}")
        return doc

    def job(self, path: str, body: Any) -> Any:
        job = self("POST", path, body)
        while job["status"] in ("queued", "running"):
            time.sleep(0.1)
            job = self("GET", f"jobs/{job['id']}", quiet=True)
        return self("GET", f"jobs/{job['id']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="print whole answers")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        build(root)
        token = secrets.token_hex(16)
        proc, port = start_server(root, token)
        try:
            api = Tour(port, token, args.full)
            api("GET", "version")
            api("GET", "repos?near=models/runs")
            api("GET", "graph?repo=models")
            api("GET", "revision?repo=models")
            api("GET", "versions/ft-a?repo=models")
            api("GET", "stats?repo=models")
            api("GET", "codecs")
            api("GET", "merge/strategies")
            api("GET", "tests?repo=models")
            api.job("tests/run", {"repo": "models", "versions": ["ft-a", "ft-b"]})
            api.job("diff", {"repo": "models", "a": "base", "b": "ft-a"})
            api("GET", "merge/plan?repo=models&a=ft-a&b=ft-b")
            api.job("merge", {"repo": "models", "a": "ft-a", "b": "ft-b", "strategy": "average", "name": "ab"})
            api.job("cascade", {"repo": "models", "old": "base", "new": "base-v2", "dry_run": True})
            api("POST", "tags", {"repo": "models", "version": "ab", "tag": "best"})
            api("GET", "tags?repo=models")
            api("DELETE", "tags/best?repo=models")
            api("POST", "versions/ab/rename", {"repo": "models", "name": "ft-ab"}, quiet=True)
            print("\n> POST /mgit/api/versions/ab/rename  {'repo': 'models', 'name': 'ft-ab'}  (answer: VersionDetail)")
            api("DELETE", "versions/ft-ab?repo=models")
            api.job("gc", {"repo": "models"})
            job = api.job("verify", {"repo": "models"})
            api("GET", "jobs", quiet=True)
            print(f"\n> GET /mgit/api/jobs   (lists {len(api('GET', 'jobs', quiet=True)['jobs'])} jobs)")
            api("DELETE", f"jobs/{job['id']}")
            api("GET", "versions/nope?repo=models")
            api("GET", "graph?repo=../etc")
            api("POST", "merge", {"repo": "models", "a": "ft-a", "b": "ft-b", "strategy": "nope"})
        finally:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
