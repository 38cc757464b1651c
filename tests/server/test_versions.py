"""One version in full, remove, rename, tags, storage statistics."""

from __future__ import annotations

from mgit_lab.api import Repository

R = {"repo": "models"}


async def test_show_version(api, lineage_repo):
    status, doc = await api("GET", "versions/quant", params=R)
    assert status == 200
    assert doc["name"] == "quant" and doc["relation"] == "quantize"
    assert doc["manifest"]["num_tensors"] == 4 and doc["manifest"]["dtypes"] == {"float16": 4}
    assert {t["name"] for t in doc["tensors"]} == {f"layer{i}.weight" for i in range(4)}
    assert doc["children"] == [] and doc["tests"] == {} and doc["metadata"] == {}
    # by id and by id prefix too
    status, by_id = await api("GET", f"versions/{doc['id'][:8]}", params=R)
    assert status == 200 and by_id["name"] == "quant"


async def test_show_unknown_version_is_404(api, lineage_repo):
    status, doc = await api("GET", "versions/nope", params=R)
    assert status == 404
    assert "no version named 'nope'" in doc["message"] and "base" in doc["hint"]


async def test_names_with_odd_characters_travel_in_the_url(api, lineage_repo):
    status, doc = await api("POST", "versions/ft/rename", body={**R, "name": "ft v1.0+ä"})
    assert status == 200 and doc["name"] == "ft v1.0+ä"
    # (jp_fetch percent-encodes the path: "ft%20v1.0%2B%C3%A4")
    status, doc = await api("GET", "versions/ft v1.0+ä", params=R)
    assert status == 200 and doc["name"] == "ft v1.0+ä"


async def test_rename(api, lineage_repo):
    status, doc = await api("POST", "versions/ft/rename", body={**R, "name": "ft-good"})
    assert status == 200 and doc["name"] == "ft-good"
    assert Repository.open(lineage_repo.root).version("ft-good").id == doc["id"]
    status, doc = await api("POST", "versions/ft-good/rename", body={**R, "name": "base"})
    assert status == 409 and "already exists" in doc["message"]
    status, doc = await api("POST", "versions/ft-good/rename", body={**R, "name": "a/b"})
    assert status == 400
    status, doc = await api("POST", "versions/ft-good/rename", body=R)
    assert status == 400 and "field 'name' is required" in doc["message"]
    status, doc = await api("POST", "versions/nope/rename", body={**R, "name": "x"})
    assert status == 404


async def test_tags(api, lineage_repo):
    status, doc = await api("GET", "tags", params=R)
    assert doc == {"tags": {}}
    status, doc = await api("POST", "tags", body={**R, "version": "ft", "tag": "prod"})
    assert status == 200 and doc == {"tags": {"prod": "ft"}}
    # a tag names the version everywhere
    status, doc = await api("GET", "versions/prod", params=R)
    assert doc["name"] == "ft" and doc["tags"] == ["prod"]
    # taken: refused unless moved
    status, doc = await api("POST", "tags", body={**R, "version": "v2", "tag": "prod"})
    assert status == 409, doc
    status, doc = await api("POST", "tags", body={**R, "version": "v2", "tag": "prod", "move": True})
    assert status == 200 and doc == {"tags": {"prod": "v2"}}
    status, doc = await api("DELETE", "tags/prod", params=R)
    assert status == 200 and doc == {"tags": {}}
    status, doc = await api("DELETE", "tags/prod", params=R)
    assert status == 404
    status, doc = await api("POST", "tags", body={**R, "version": "nope", "tag": "x"})
    assert status == 404


async def test_remove(api, lineage_repo):
    # ft has a child: refused without reroot
    status, doc = await api("DELETE", "versions/ft", params=R)
    assert status == 409 and "reroot" in (doc["message"] + (doc["hint"] or ""))
    assert "ft" in Repository.open(lineage_repo.root).graph
    status, doc = await api("DELETE", "versions/ft", params={**R, "reroot": "true"})
    assert status == 200 and doc["removed"] == "ft" and doc["rerooted"] == ["quant"]
    status, graph = await api("GET", "graph", params=R)
    quant = next(n for n in graph["nodes"] if n["name"] == "quant")
    assert [p["name"] for p in quant["parents"]] == ["base"]
    status, doc = await api("DELETE", "versions/v2", params=R)
    assert status == 200 and doc["rerooted"] == []
    status, doc = await api("DELETE", "versions/v2", params=R)
    assert status == 404
    status, doc = await api("DELETE", "versions/quant", params={**R, "reroot": "maybe"})
    assert status == 400 and "true or false" in doc["message"]


async def test_stats(api, lineage_repo):
    status, doc = await api("GET", "stats", params=R)
    assert status == 200
    assert [v["name"] for v in doc["versions"]] == [v.name for v in lineage_repo.versions()]
    assert doc["total"]["versions"] == 4
    assert doc["total"]["stored_bytes"] == sum(v["stored_bytes"] for v in doc["versions"])
    assert doc["total"]["raw_bytes"] == sum(v.raw_nbytes for v in lineage_repo.versions())


async def test_writes_bump_the_revision(api, lineage_repo):
    _, before = await api("GET", "revision", params=R)
    await api("POST", "tags", body={**R, "version": "base", "tag": "t1"})
    await api("POST", "versions/v2/rename", body={**R, "name": "v2b"})
    _, after = await api("GET", "revision", params=R)
    assert after["revision"] == before["revision"] + 2
    _, graph = await api("GET", "graph", params=R)
    assert graph["revision"] == after["revision"]
    assert {n["name"] for n in graph["nodes"]} == {"base", "ft", "quant", "v2b"}


async def test_reparent(api, lineage_repo):
    before = {k: t.oid for k, t in lineage_repo.version("quant").manifest.items()}
    status, doc = await api("POST", "versions/quant/reparent", body={**R, "parents": ["base"]})
    assert status == 200 and [(p["name"], p["relation"]) for p in doc["parents"]] == [("base", "quantize")]
    repo = Repository.open(lineage_repo.root)
    assert {k: t.oid for k, t in repo.version("quant").manifest.items()} == before
    status, doc = await api("POST", "versions/quant/reparent", body={**R, "parents": ["ft", "v2"]})
    assert status == 200 and [p["relation"] for p in doc["parents"]] == ["merge", "merge"]
    status, doc = await api("POST", "versions/base/reparent", body={**R, "parents": ["ft"]})
    assert status == 400 and "cycle" in doc["message"]
    status, doc = await api("POST", "versions/ft/reparent", body={**R, "parents": ["nope"]})
    assert status == 404
    status, doc = await api("POST", "versions/ft/reparent", body={**R, "parents": "base"})
    assert status == 400 and "must be a list" in doc["message"]
    status, doc = await api("POST", "versions/ft/reparent", body={**R, "parents": [], "relation": "sideways"})
    assert status == 400 and "unknown relation" in doc["message"]
    status, doc = await api("POST", "versions/ft/reparent", body={**R, "parents": []})
    assert status == 200 and doc["parents"] == []
