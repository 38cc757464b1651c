"""Jupyter's authorizer decides who may read and who may change repositories."""

from __future__ import annotations

import pytest
from jupyter_server.auth import Authorizer


class ReadOnlyMgit(Authorizer):
    """Lets users read mgit repositories but not change them."""

    def is_authorized(self, handler, user, action, resource):
        return not (resource == "mgit" and action != "read")


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mgit_lab": True}, "authorizer_class": ReadOnlyMgit}}


async def test_reads_allowed_writes_refused(api, lineage_repo):
    status, doc = await api("GET", "graph", params={"repo": "models"})
    assert status == 200 and len(doc["nodes"]) == 4
    for method, path, body in [
        ("POST", "tags", {"repo": "models", "version": "base", "tag": "x"}),
        ("POST", "verify", {"repo": "models"}),
        ("DELETE", "versions/v2", None),
    ]:
        status, doc = await api(method, path, body=body, params={"repo": "models"} if body is None else None)
        assert status == 403, (method, path, doc)
        assert "not authorized to write" in doc["message"]
    assert "v2" in lineage_repo.graph
