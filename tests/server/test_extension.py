"""The Jupyter hooks: the server extension loads and serves /version and /graph."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tornado.httpclient import HTTPClientError

import mgit_lab
from mgit_lab.api import Repository

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mgit_lab": True}}}


def test_labextension_paths_point_at_the_built_extension():
    (path,) = mgit_lab._jupyter_labextension_paths()
    assert path == {"src": "labextension", "dest": "mgit-lab"}
    assert mgit_lab._jupyter_server_extension_points() == [{"module": "mgit_lab"}]


async def test_version_route(jp_fetch):
    response = await jp_fetch("mgit", "api", "version")
    assert response.code == 200
    assert json.loads(response.body) == {"version": mgit_lab.__version__}


async def test_routes_require_authentication(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mgit", "api", "version", headers={"Authorization": "token wrong"})
    assert info.value.code == 403


async def test_graph_without_repository_is_404_with_message(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mgit", "api", "graph")
    assert info.value.code == 404
    body = json.loads(info.value.response.body)
    assert "no mgit repository" in body["message"]
    assert "mgit init" in body["hint"]


async def test_graph_lists_versions_and_edges(jp_fetch, jp_root_dir: Path):
    repo = Repository.init(jp_root_dir)
    rng = np.random.default_rng(0)
    base = {"w": (rng.standard_normal(16).astype(np.float32), "float32")}
    repo.add_arrays(base, "base-model", model_type="mlm")
    tuned = {"w": (base["w"][0] + 0.01, "float32")}
    repo.add_arrays(tuned, "fine-tuned", parents=[("base-model", "finetune")])
    repo.close()

    response = await jp_fetch("mgit", "api", "graph")
    graph = json.loads(response.body)
    assert graph["revision"] == 2
    names = {n["name"]: n for n in graph["nodes"]}
    assert set(names) == {"base-model", "fine-tuned"}
    assert "manifest" not in names["base-model"]
    assert [p["id"] for p in names["fine-tuned"]["parents"]] == [names["base-model"]["id"]]
    assert graph["edges"] == [
        {"parent": names["base-model"]["id"], "child": names["fine-tuned"]["id"], "relation": "finetune"}
    ]
