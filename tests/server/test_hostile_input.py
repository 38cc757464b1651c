"""Issue 9, findings 7 and 10 over REST: code named by data never runs; hostile input gets 4xx."""

from __future__ import annotations

from tests.cli.test_code_from_data import evil_repo

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
