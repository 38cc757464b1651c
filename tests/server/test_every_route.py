"""Every documented operation, called once with a valid request: it succeeds and its answer
(and a finished job's result) validates against openapi.yaml."""

from __future__ import annotations

from .test_jobs import wait_for

R = {"repo": "zoo"}

#: (template, method) -> (path, body or params); run in this order (later ones change the repository)
EXAMPLES: list[tuple[str, str, str, dict | None]] = [
    ("/version", "get", "version", None),
    ("/repos", "get", "repos", {"near": "zoo"}),
    ("/repos", "post", "repos", {"path": "more/new-repo"}),
    ("/graph", "get", "graph", R),
    ("/revision", "get", "revision", R),
    ("/versions/{key}", "get", "versions/c1", R),
    ("/versions/{key}/export", "post", "versions/c1/export", {**R, "path": "c1.safetensors"}),
    ("/stats", "get", "stats", R),
    ("/codecs", "get", "codecs", None),
    ("/merge/strategies", "get", "merge/strategies", None),
    ("/tests", "get", "tests", R),
    ("/merge/plan", "get", "merge/plan", {**R, "a": "c1", "b": "c2"}),
    ("/diff", "post", "diff", {**R, "a": "c1", "b": "c2"}),
    ("/tests/run", "post", "tests/run", {**R, "versions": ["c1"], "names": ["score"]}),
    ("/merge", "post", "merge", {**R, "a": "c1", "b": "c2", "name": "m"}),
    ("/cascade", "post", "cascade", {**R, "old": "base", "new": "base2", "dry_run": True}),
    ("/tags", "post", "tags", {**R, "version": "m", "tag": "best"}),
    ("/tags", "get", "tags", R),
    ("/tags/{tag}", "delete", "tags/best", R),
    ("/versions/{key}/reparent", "post", "versions/m/reparent", {**R, "parents": ["c1", "c2"], "relation": "merge"}),
    ("/versions/{key}/rename", "post", "versions/m/rename", {**R, "name": "merged"}),
    ("/versions/{key}", "delete", "versions/merged", R),
    ("/remotes", "post", "remotes", {**R, "name": "origin", "url": "shared/models"}),
    ("/remotes", "get", "remotes", R),
    ("/push", "post", "push", R),
    ("/remotes/{name}/status", "get", "remotes/origin/status", R),
    ("/fetch", "post", "fetch", R),
    ("/pull", "post", "pull", {**R, "remote": "origin", "versions": ["c1"]}),
    ("/remotes/{name}", "delete", "remotes/origin", R),
    ("/gc", "post", "gc", R),
    ("/verify", "post", "verify", R),
    ("/jobs", "get", "jobs", None),
    ("/jobs/{job_id}", "get", "jobs/{last}", None),
    ("/jobs/{job_id}", "delete", "jobs/{last}", None),
]


def test_the_examples_cover_every_documented_operation(openapi):
    assert {(t, m) for t, m, _, _ in EXAMPLES} == openapi.operations()


async def test_every_route_answers_as_documented(api, zoo):
    last = None
    for template, method, path, args in EXAMPLES:
        path = path.replace("{last}", str(last))
        if method in ("get", "delete"):
            status, doc = await api(method.upper(), path, params=args)
        else:
            status, doc = await api(method.upper(), path, body=args)
        assert 200 <= status < 300, (method, template, status, doc)
        if status == 202:  # a job: follow it to its end (the checker validates its result)
            last = doc["id"]
            done = await wait_for(api, last)
            assert done["status"] == "done", done
