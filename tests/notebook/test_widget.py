"""LineageWidget: the bundled frontend exists and the graph traitlet carries the payload."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgit_lab import Repository

STATIC = Path(__file__).resolve().parents[2] / "mgit_lab" / "static"

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


def _repo_with_two(tmp_path: Path) -> Repository:
    repo = Repository.init(tmp_path / "repo")
    w = np.arange(8, dtype=np.float32)
    repo.add_arrays({"w": (w, "float32")}, "base-model")
    repo.add_arrays({"w": (w + 1, "float32")}, "tuned", parents=[("base-model", "finetune")])
    return repo


def test_selection_round_trip_names_tags_and_ids(tmp_path: Path):
    from mgit_lab.widget import LineageWidget

    repo = _repo_with_two(tmp_path)
    repo.tag("tuned", "prod")
    widget = LineageWidget(repo, poll_interval=0)
    seen: list[list[str]] = []
    widget.observe(lambda change: seen.append(change["new"]), names="selected")
    base_id = repo.version("base-model").id
    widget.selected = [base_id, "prod"]  # an id and a tag come back as names
    assert widget.selected == ["base-model", "tuned"]
    assert seen == [["base-model", "tuned"]]
    assert widget.get_state()["selected"] == ["base-model", "tuned"]  # what the front receives
    # what a click in the front sends: the state update from the browser
    widget.set_state({"selected": ["tuned"]})
    assert widget.selected == ["tuned"] and seen[-1] == ["tuned"]
    import traitlets

    with pytest.raises(traitlets.TraitError, match="no version named 'nope'"):
        widget.selected = ["nope"]
    widget.close()


def test_widget_follows_the_repository_after_each_cell(shell, tmp_path: Path):
    from mgit_lab.widget import LineageWidget

    ip = shell
    repo = _repo_with_two(tmp_path)
    widget = LineageWidget(str(repo.root), poll_interval=0)
    widget.selected = ["tuned"]
    assert len(widget.graph["nodes"]) == 2
    ip.user_ns["repo_path"] = str(repo.root)
    ip.run_cell(
        "import numpy as np\n"
        "from mgit_lab import Repository\n"
        "r = Repository.open(repo_path)\n"
        "r.add_arrays({'w': (np.zeros(8, np.float32), 'float32')}, 'third', parents=[('tuned', 'finetune')])"
    )
    # the post-run-cell hook re-read the graph: the version added in the cell is drawn
    assert [n["name"] for n in widget.graph["nodes"]] == ["base-model", "tuned", "third"]
    assert widget.revision == repo.revision
    Repository.open(repo.root).remove("tuned", reroot=True)
    ip.run_cell("pass")
    assert widget.selected == []  # a removed version leaves the selection
    widget.close()
    Repository.open(repo.root).remove("third")
    ip.run_cell("pass")
    assert len(widget.graph["nodes"]) == 2  # closed: no longer follows


def test_widget_polls_between_cells(tmp_path: Path):
    import time

    from mgit_lab.widget import LineageWidget

    repo = _repo_with_two(tmp_path)
    widget = LineageWidget(repo.root, poll_interval=0.05)
    repo.add_arrays({"w": (np.ones(8, np.float32), "float32")}, "later", parents=[("tuned", "finetune")])
    deadline = time.monotonic() + 5
    while len(widget.graph["nodes"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(widget.graph["nodes"]) == 3
    widget.close()


def test_widget_repr_is_readable(tmp_path: Path):
    from mgit_lab.widget import LineageWidget

    repo = _repo_with_two(tmp_path)
    widget = LineageWidget(repo, poll_interval=0)
    widget.selected = ["tuned"]
    assert repr(widget) == f"<LineageWidget of {repo.root}: 2 versions, selected ['tuned']>"
    widget.close()
