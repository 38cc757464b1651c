"""The example notebooks (``examples/*.ipynb``, the Binder demos) run top to bottom with
nbclient in a real kernel, and their outputs show the facts each one is there to show."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(p.name for p in EXAMPLES.glob("[0-9][0-9]_*.ipynb"))
#: the issue's bound for one notebook on this machine
MAX_SECONDS = 120


def _execute(name: str, cwd: Path) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=MAX_SECONDS, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb, time.perf_counter() - start


def _outputs(nb: nbformat.NotebookNode) -> str:
    """Every text and HTML output of the notebook, in order."""
    parts: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                parts.append(out["text"])
            for key in ("text/plain", "text/html"):
                parts.append(str(out.get("data", {}).get(key, "")))
    return "\n".join(parts)


def _widgets(nb: nbformat.NotebookNode) -> list[dict]:
    """The saved state of every LineageWidget the notebook displayed."""
    states = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    return [s["state"] for s in states.values() if "graph" in s.get("state", {})]


def test_there_are_four_story_notebooks():
    assert NOTEBOOKS == [
        "01_build_a_lineage.ipynb",
        "02_diff_and_tests.ipynb",
        "03_merge_and_cascade.ipynb",
        "04_magics_tour.ipynb",
    ]


@pytest.mark.parametrize("name", [*NOTEBOOKS, "lineage_widget.ipynb"])
def test_notebooks_are_stored_without_outputs_and_with_a_kernel(name: str):
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"  # Galata and Binder open it with a kernel
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs not stripped"


def test_01_build_a_lineage(tmp_path: Path):
    nb, seconds = _execute("01_build_a_lineage.ipynb", tmp_path)
    text = _outputs(nb)
    assert seconds < MAX_SECONDS
    assert re.search(r"ft-a: parent inferred: .*'base'", text)
    assert "ft-b: parent inferred" in text
    saving = int(re.search(r"saving: (\d+)%", text).group(1))
    assert saving >= 30, f"the repository saves only {saving}% against plain checkpoints"
    assert "bit-exact: ft-a, ft-a-pruned" in text
    [widget] = _widgets(nb)
    names = {n["name"] for n in widget["graph"]["nodes"]}
    assert names == {"base", "ft-a", "ft-b", "ft-a-pruned", "ft-a-fp16"}
    relations = {e["relation"] for e in widget["graph"]["edges"]}
    assert relations == {"finetune", "prune", "quantize"}


def test_02_diff_and_tests(tmp_path: Path):
    nb, seconds = _execute("02_diff_and_tests.ipynb", tmp_path)
    text = _outputs(nb)
    assert seconds < MAX_SECONDS
    assert "<ModelDiff base -> ft-a (contextual), layers 3 changed" in text
    assert 'class="node changed"' in text  # the coloured graph is in the output
    assert "untouched: ['head_b.bias', 'head_b.weight']" in text  # the frozen head
    first_bad = re.search(r"first failing version: (ft-a-edit\d)", text)
    assert first_bad, "bisect did not name a first failing version"
    assert re.search(r"ft-a-edit6\s+task_a\s+failed", text)


def test_03_merge_and_cascade(tmp_path: Path):
    nb, seconds = _execute("03_merge_and_cascade.ipynb", tmp_path)
    text = _outputs(nb)
    assert seconds < MAX_SECONDS
    assert "common ancestor: base" in text and "dry run: nothing was recorded" in text
    # the comparison shows both tasks' metrics for every strategy and both fine-tunes
    rows = {
        m.group(1).strip(): (float(m.group(2)), float(m.group(3)))
        for m in re.finditer(r"^(\S+(?: \(unmerged\))?)\s+(0\.\d{3})\s+(0\.\d{3})$", text, re.M)
    }
    assert set(rows) == {"average", "task-arithmetic", "ties", "ft-a (unmerged)", "ft-b (unmerged)"}
    # a merge keeps most of each task: better than the fine-tune made for the other task
    for strategy in ("average", "task-arithmetic", "ties"):
        assert rows[strategy][0] > rows["ft-b (unmerged)"][0]
        assert rows[strategy][1] > rows["ft-a (unmerged)"][1]
    assert "cascade base → base-v2 (dry run)" in text
    assert "ft-a@base-v2" in text
    [widget] = _widgets(nb)
    assert "merged-ties@base-v2" in {n["name"] for n in widget["graph"]["nodes"]}


def test_04_magics_tour(tmp_path: Path):
    nb, seconds = _execute("04_magics_tour.ipynb", tmp_path)
    text = _outputs(nb)
    assert seconds < MAX_SECONDS
    assert "usage: mgit" in text and "usage: mgit merge" in text
    assert "<ModelDiff ft-a -> ft-b" in text  # diff of the widget's selection
    assert "('ft-a', 'passed')" in text
    assert re.search(r"TwoTaskNet accuracy on task a: 0\.9\d", text)
    assert "tagged ft-a as production" in text
    assert "mgit: error: no version named 'no-such-version'" in text
    assert "the following arguments are required: model" in text
    assert "Traceback" not in text
    [widget] = _widgets(nb)
    assert widget["selected"] == ["ft-a", "ft-b"]
