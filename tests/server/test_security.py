"""Authentication on every route, XSRF on writes, paths confined to the root, bad input -> 4xx."""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from jupyter_server.utils import url_path_join
from tornado import web

from mgit_lab.api import Repository
from mgit_lab.server import ROUTES

from .conftest import small_state

METHODS = ("get", "post", "put", "patch", "delete")


def route_methods() -> list[tuple[str, str]]:
    """Every (template, method) the server implements, from the routes table."""
    out = []
    for template, cls in ROUTES:
        for m in METHODS:
            if getattr(cls, m) is not getattr(web.RequestHandler, m):
                out.append((template, m.upper()))
    return out


def concrete(template: str) -> str:
    return re.sub(r"\{\w+\}", "x", template)


def test_routes_and_openapi_agree(openapi):
    implemented = {(t, m.lower()) for t, m in route_methods()}
    assert implemented == openapi.operations()


async def test_every_route_refuses_unauthenticated(jp_fetch, lineage_repo):
    routes = route_methods()
    assert len(routes) >= 10
    for template, method in routes:
        kwargs = {
            "method": method,
            "raise_error": False,
            "headers": {"Authorization": ""},
        }
        if method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = json.dumps({"repo": "models"})
        resp = await jp_fetch("mgit", "api", *concrete(template).strip("/").split("/"), **kwargs)
        assert resp.code == 403, (method, template, resp.code)
        assert b"Traceback" not in resp.body


async def test_every_route_refuses_a_wrong_token(jp_fetch, lineage_repo):
    for template, method in route_methods():
        kwargs = {
            "method": method,
            "raise_error": False,
            "headers": {"Authorization": "token not-the-token"},
        }
        if method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = "{}"
        resp = await jp_fetch("mgit", "api", *concrete(template).strip("/").split("/"), **kwargs)
        assert resp.code == 403, (method, template, resp.code)


async def _login_cookies(jp_serverapp, http_server_client, jp_base_url) -> dict[str, str]:
    """Log in through Jupyter's login form like a browser; return the cookies it sets."""
    login_url = url_path_join(jp_base_url, "login")
    first = await http_server_client.fetch(login_url)
    jar = SimpleCookie()
    for header in first.headers.get_list("Set-Cookie"):
        jar.load(header)
    xsrf = jar["_xsrf"].value
    form = urllib.parse.urlencode({"_xsrf": xsrf, "password": jp_serverapp.identity_provider.token})
    resp = await http_server_client.fetch(
        login_url,
        method="POST",
        body=form,
        headers={"Cookie": f"_xsrf={xsrf}"},
        follow_redirects=False,
        raise_error=False,
    )
    assert resp.code == 302, resp.code
    for header in resp.headers.get_list("Set-Cookie"):
        jar.load(header)
    return {k: v.value for k, v in jar.items()}


async def test_writes_need_the_xsrf_token_with_cookie_auth(jp_serverapp, http_server_client, jp_base_url, lineage_repo):
    cookies = await _login_cookies(jp_serverapp, http_server_client, jp_base_url)
    cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    url = url_path_join(jp_base_url, "mgit", "api", "verify")
    body = json.dumps({"repo": "models"})
    # a cookie-authenticated GET works without the XSRF token
    graph = await http_server_client.fetch(
        url_path_join(jp_base_url, "mgit", "api", "graph") + "?repo=models",
        headers={"Cookie": cookie_header},
        raise_error=False,
    )
    assert graph.code == 200
    # a POST with the cookie but no XSRF token is refused
    refused = await http_server_client.fetch(
        url,
        method="POST",
        body=body,
        headers={"Cookie": cookie_header},
        raise_error=False,
    )
    assert refused.code == 403
    # ... and accepted with it
    accepted = await http_server_client.fetch(
        url,
        method="POST",
        body=body,
        headers={"Cookie": cookie_header, "X-XSRFToken": cookies["_xsrf"]},
        raise_error=False,
    )
    assert accepted.code == 202, accepted.body
    # DELETE is a write too
    job_id = json.loads(accepted.body)["id"]
    job_url = url_path_join(jp_base_url, "mgit", "api", "jobs", job_id)
    refused = await http_server_client.fetch(
        job_url, method="DELETE", headers={"Cookie": cookie_header}, raise_error=False
    )
    assert refused.code == 403


# ---------------------------------------------------------------- paths confined to the root
@pytest.fixture
def outside_repo(tmp_path):
    """A repository outside the server root (jp_root_dir is tmp_path/root_dir)."""
    repo = Repository.init(tmp_path / "outside")
    repo.add_arrays(small_state(5), "secret")
    return repo


BAD_PATHS = ["..", "../outside", "models/../..", "models/../../outside"]


@pytest.mark.parametrize("path", BAD_PATHS)
async def test_dotdot_is_refused(api, lineage_repo, outside_repo, path):
    for route in ("graph", "revision"):
        status, doc = await api("GET", route, params={"repo": path})
        assert status == 403, (route, path, doc)
        assert "outside the server's root" in doc["message"]
    status, doc = await api("GET", "repos", params={"near": path})
    assert status == 403
    status, doc = await api("POST", "verify", body={"repo": path})
    assert status == 403


async def test_absolute_paths_are_refused(api, lineage_repo, outside_repo, jp_root_dir):
    for path in [str(outside_repo.root), str(jp_root_dir / "models"), "/", "//etc"]:
        status, doc = await api("GET", "graph", params={"repo": path})
        assert status == 400, (path, doc)
        assert "absolute path" in doc["message"]
        assert doc["hint"]


async def test_symlinks_pointing_outside_are_refused(api, jp_root_dir, outside_repo):
    os.symlink(outside_repo.root, jp_root_dir / "link-to-outside")
    status, doc = await api("GET", "graph", params={"repo": "link-to-outside"})
    assert status == 403, doc
    # a repository whose .mgit folder is a symlink to one outside is not a repository here
    (jp_root_dir / "trojan").mkdir()
    os.symlink(outside_repo.mgit_dir, jp_root_dir / "trojan" / ".mgit")
    status, doc = await api("GET", "graph", params={"repo": "trojan"})
    assert status == 404, doc
    status, doc = await api("GET", "repos")
    assert status == 200
    assert doc["repositories"] == []
    # nor is a root-level search walked into the outside repository's folder
    assert "secret" not in json.dumps(doc)


async def test_symlinks_inside_the_root_are_followed(api, lineage_repo, jp_root_dir):
    os.symlink(jp_root_dir / "models", jp_root_dir / "alias")
    status, doc = await api("GET", "graph", params={"repo": "alias"})
    assert status == 200
    assert len(doc["nodes"]) == 4


async def test_nul_byte_is_refused(api, lineage_repo):
    # (tornado strips control characters from query arguments; a JSON body keeps them)
    status, doc = await api("POST", "verify", body={"repo": "models\x00/../.."})
    assert status == 400
    assert "invalid path" in doc["message"]


# ---------------------------------------------------------------- malformed input
@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"models"', "must be a JSON object"),
        (b"\xff\xfe", "not valid JSON"),
        ('{"repo": "models", "repiar": true}', "unknown field(s) 'repiar'"),
        ('{"repo": 3}', "field 'repo' must be a string"),
        ('{"repo": "models", "repair": "yes"}', "field 'repair' must be true or false"),
    ],
)
async def test_malformed_bodies_get_400(api, lineage_repo, raw, words):
    status, doc = await api("POST", "verify", raw=raw)
    assert status == 400, doc
    assert words in doc["message"]
    assert "Traceback" not in json.dumps(doc)


async def test_unknown_things_get_404(api, lineage_repo, jp_root_dir):
    status, doc = await api("GET", "jobs/nope")
    assert status == 404
    assert "no job 'nope'" in doc["message"]
    (jp_root_dir / "empty").mkdir()
    status, doc = await api("GET", "graph", params={"repo": "empty"})
    assert status == 404
    assert "no mgit repository" in doc["message"] and "mgit init" in doc["hint"]
    status, doc = await api("GET", "graph", params={"repo": "no/such/folder"})
    assert status == 404


async def test_unknown_route_is_404(jp_fetch):
    resp = await jp_fetch("mgit", "api", "nope", raise_error=False)
    assert resp.code == 404


def test_openapi_payload_schemas_are_generated_from_schema_py(openapi):
    """The checked-in document matches core/schema.py (regenerate: python -m mgit_lab.server.openapi)."""
    from mgit_lab.server.openapi import payload_schemas

    for name, generated in payload_schemas().items():
        assert openapi.components["schemas"].get(name) == generated, f"{name} is stale in openapi.yaml"
