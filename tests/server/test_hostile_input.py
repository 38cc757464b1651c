"""Issue 9, findings 7 and 10 over REST: code named by data never runs; hostile input gets 4xx."""

from __future__ import annotations

import pytest

from tests.support.hostile import evil_repo

from .test_jobs import wait_for


async def test_rest_diff_never_imports_a_class_named_by_the_lineage(api, jp_root_dir, tmp_path):
    marker = tmp_path / "pwned"
    evil_repo(jp_root_dir / "evil", marker)
    status, job = await api("POST", "diff", body={"repo": "evil", "a": "a", "b": "b"})
    if status == 202:
        done = await wait_for(api, job["id"])
        assert done["status"] == "failed", done
        message = done["error"]["message"] if isinstance(done.get("error"), dict) else str(done)
    else:
        assert status == 400
        message = job["message"]
    assert "subprocess:run" in message and "Traceback" not in message
    assert not marker.exists()


# ---------------------------------------------------------------- finding 10: bounded input
async def test_a_long_path_component_is_a_400_quoting_a_short_prefix(api, lineage_repo):
    status, doc = await api("GET", "graph", params={"repo": "a" * 5000})
    assert status == 400, doc
    assert "too long" in doc["message"] and len(doc["message"]) < 300


async def test_json_nested_1000_deep_is_a_400(api, lineage_repo):
    raw = '{"repo": "models", "version": "base", "tag": ' + "[" * 1000 + "]" * 1000 + "}"
    status, doc = await api("POST", "tags", raw=raw)
    assert status == 400, doc
    assert "nested more than" in doc["message"]


async def test_a_huge_body_is_a_413_and_a_long_field_name_is_quoted_short(api, lineage_repo, caplog):
    big = "x" * (3 * 1024 * 1024)
    status, doc = await api("POST", "tags", body={"repo": "models", big: 1})
    assert status == 413, str(doc)[:200]
    assert len(doc["message"]) < 300
    name = "y" * 200_000  # under the body bound: refused as an unknown field, quoted short
    status, doc = await api("POST", "tags", body={"repo": "models", "version": "base", "tag": "t", name: 1})
    assert status == 400 and "unknown field" in doc["message"]
    assert len(doc["message"]) + len(doc["hint"] or "") < 500
    assert all(len(r.getMessage()) < 2000 for r in caplog.records)


# ---------------------------------------------------------------- finding 9 over REST: names bounded
@pytest.mark.parametrize(
    ("tag", "code", "words"),
    [
        ("t" * 257, 400, "bytes long"),
        ("x" * (2 * 1024 * 1024), 413, "more than"),
        ("evil\u202etxt", 400, "U+202E"),
        ("bell\x07", 400, "U+0007"),
        ("..", 400, "invalid tag"),
    ],
)
async def test_tags_are_bounded_and_free_of_control_characters(api, lineage_repo, tag, code, words):
    lineage = (lineage_repo.mgit_dir / "lineage.json").read_bytes()
    status, doc = await api("POST", "tags", body={"repo": "models", "version": "base", "tag": tag})
    assert status == code, str(doc)[:300]
    assert words in doc["message"] and len(doc["message"]) < 400
    assert (lineage_repo.mgit_dir / "lineage.json").read_bytes() == lineage


async def test_a_tag_is_stored_nfc_normalised(api, lineage_repo):
    status, doc = await api("POST", "tags", body={"repo": "models", "version": "base", "tag": "cafe\u0301"})
    assert status == 200, doc
    assert "caf\u00e9" in doc["tags"]
    status, _ = await api("DELETE", "tags/cafe\u0301", params={"repo": "models"})  # either spelling
    assert status in (200, 204)
