"""Fixtures for the REST API tests: a real Jupyter server with the extension, real repositories."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mgit_lab.api import Repository
from mgit_lab.core.cascade.recipes import derive
from mgit_lab.core.evaluation import register_test
from mgit_lab.core.io.architecture import architecture_of
from mgit_lab.core.io.module_states import model_state
from tests.support.server_models import tiny

from .openapi_check import OpenAPIChecker

MODELS = "tests.support.server_models"


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"mgit_lab": True}}}


def small_state(seed: int, n: int = 4, size: int = 64) -> dict[str, tuple[np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    return {f"layer{i}.weight": (rng.standard_normal(size).astype(np.float32), "float32") for i in range(n)}


@pytest.fixture
def lineage_repo(jp_root_dir: Path) -> Repository:
    """A repository at ``models/`` under the server root: base -> ft -> quant, base -> v2."""
    repo = Repository.init(jp_root_dir / "models")
    base = small_state(1)
    repo.add_arrays(base, "base", model_type="mlm", message="the base model")
    ft = {k: (a + 0.01, d) for k, (a, d) in base.items()}
    repo.add_arrays(ft, "ft", parents=[("base", "finetune")], model_type="mlm")
    repo.add_arrays(
        {k: (a.astype(np.float16), "float16") for k, (a, _) in ft.items()},
        "quant",
        parents=[("ft", "quantize")],
    )
    repo.add_arrays(small_state(2), "v2", parents=[("base", "version")], model_type="mlm")
    return repo


@pytest.fixture(scope="session")
def zoo_template(tmp_path_factory):
    """base -> c1, c2 (recipes: shift), base -> base2 (a new upstream); tests on type 'tiny'."""
    repo = Repository.init(tmp_path_factory.mktemp("zoo") / "zoo")
    model = tiny(0)
    repo.add_arrays(model_state(model), "base", architecture=architecture_of(model), model_type="tiny")
    derive(repo, "base", f"{MODELS}:shift", name="c1", kwargs={"amount": 0.5})
    derive(repo, "base", f"{MODELS}:shift", name="c2", kwargs={"amount": -0.25})
    derive(repo, "base", f"{MODELS}:shift", name="base2", kwargs={"amount": 1.0}, relation="version")
    register_test(repo, f"{MODELS}:score", model_type="tiny", metrics={"score": ("higher", ">= -100")})
    register_test(repo, f"{MODELS}:slow", model_type="tiny", metrics={"score": "higher"})
    return repo.root


@pytest.fixture
def zoo(zoo_template, jp_root_dir):
    shutil.copytree(zoo_template, jp_root_dir / "zoo")
    return Repository.open(jp_root_dir / "zoo")


@pytest.fixture(scope="session")
def openapi() -> OpenAPIChecker:
    return OpenAPIChecker.load()


@pytest.fixture
def api(jp_fetch, openapi):
    """``await api(method, path, body=None, params=None, headers=None)`` -> (status, json|None).

    Every answer is validated against openapi.yaml; errors do not raise.
    """

    async def call(
        method: str,
        path: str,
        body: Any = None,
        params: dict | None = None,
        headers=None,
        raw=None,
    ):
        kwargs: dict[str, Any] = {
            "method": method,
            "raise_error": False,
            "headers": headers or {},
        }
        if params:
            kwargs["params"] = params
        if raw is not None:
            kwargs["body"] = raw
        elif body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = ""
        if method == "DELETE" and "body" in kwargs:
            kwargs["allow_nonstandard_methods"] = True
        resp = await jp_fetch("mgit", "api", *path.strip("/").split("/"), **kwargs)
        doc = json.loads(resp.body) if resp.body else None
        openapi.check(method, "/" + path.strip("/"), resp.code, doc)
        return resp.code, doc

    return call
