"""HTML reprs of the core's objects (``core/render_html.py``): what they show, and that
text from a repository is escaped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mgit_lab import Repository
from mgit_lab.core import render_html

EVIL = "<img src=x onerror=alert(1)>"


def _repo(tmp_path: Path) -> Repository:
    repo = Repository.init(tmp_path / "repo")
    w = np.arange(16, dtype=np.float32)
    repo.add_arrays({"w": (w, "float32")}, "base", message=EVIL)
    repo.add_arrays({"w": (w + 1, "float32")}, "tuned", parents=[("base", "finetune")])
    repo.tag("tuned", "prod")
    return repo


def test_repository_repr_lists_versions_and_savings(tmp_path: Path):
    repo = _repo(tmp_path)
    assert repr(repo) == f"<mgit Repository {repo.root}: 2 versions>"
    html = repo._repr_html_()
    assert "2 versions; stored" in html and "of checkpoints" in html
    assert "finetune of base" in html and '<span class="tag">prod</span>' in html
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_version_repr_without_the_graph(tmp_path: Path):
    version = _repo(tmp_path).version("base")
    html = version._repr_html_()
    assert "version base" in html and "16 in 1 tensors" in html
    assert EVIL not in html


def test_a_version_name_cannot_inject_markup():
    payload = {
        "revision": 1,
        "nodes": [
            {
                "id": "0" * 16,
                "name": "a<b>",
                "model_type": None,
                "parents": [],
                "relation": None,
                "created": "",
                "author": "",
                "message": "",
                "tags": ["<script>"],
                "num_parameters": 1,
                "num_tensors": 1,
                "stored_bytes": 1,
                "raw_bytes": 4,
                "test_status": "none",
            }
        ],
        "edges": [],
    }
    html = render_html.log_table(payload)
    assert "a<b>" not in html and "a&lt;b&gt;" in html
    assert "<script>" not in html.replace("<script>(function", "")  # only our sort script


def test_error_box_has_message_and_hint():
    html = render_html.error("no version named 'x'", "see `%mgit log`")
    assert "mgit-error" in html and "no version named &#x27;x&#x27;" in html and "see `%mgit log`" in html
