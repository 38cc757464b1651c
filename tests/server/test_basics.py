"""Smoke tests of the framework routes."""

from __future__ import annotations


async def test_version(api):
    status, doc = await api("GET", "version")
    assert status == 200
    assert doc["version"]


async def test_graph(api, lineage_repo):
    status, doc = await api("GET", "graph", params={"repo": "models"})
    assert status == 200, doc
    assert {n["name"] for n in doc["nodes"]} == {"base", "ft", "quant", "v2"}
