"""LineageWidget: the bundled frontend exists and the graph traitlet carries the payload."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgit_lab.api import Repository

STATIC = Path(__file__).resolve().parent.parent / "mgit_lab" / "static"

pytestmark = pytest.mark.skipif(
    not (STATIC / "lineage.js").exists(), reason="widget bundle not built (run `jlpm build:widget`)"
)


def test_widget_carries_the_graph_and_its_bundle(tmp_path: Path):
    from mgit_lab.widget import LineageWidget

    repo = Repository.init(tmp_path)
    w = np.arange(8, dtype=np.float32)
    repo.add_arrays({"w": (w, "float32")}, "base-model")
    repo.add_arrays({"w": (w + 1, "float32")}, "tuned", parents=[("base-model", "finetune")])
    widget = LineageWidget(repo.graph.to_json())
    assert [n["name"] for n in widget.graph["nodes"]] == ["base-model", "tuned"]
    assert widget.graph["edges"][0]["relation"] == "finetune"
    state = widget.get_state()
    assert "export default" in state["_esm"] or "export{" in state["_esm"].replace(" ", "")
    assert ".mgit-Lineage" in state["_css"]


def test_widget_defaults_to_an_empty_graph():
    from mgit_lab.widget import LineageWidget

    assert LineageWidget().graph == {"nodes": [], "edges": []}
