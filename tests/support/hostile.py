"""Repositories whose data names code, for the tests that check it never runs."""

from __future__ import annotations

import numpy as np

from mgit_lab.api import Repository


def evil_repo(root, marker):
    """Two versions whose lineage record names ``subprocess:run`` as their architecture."""
    repo = Repository.init(root)
    evil = {"kind": "class", "class": "subprocess:run", "init": {"args": ["touch", str(marker)]}}
    state = {"w": (np.arange(4, dtype=np.float32), "float32")}
    repo.add_arrays(state, "a", architecture=evil)
    repo.add_arrays({"w": (np.arange(4, dtype=np.float32) + 1, "float32")}, "b", architecture=evil)
    return repo


def touch_marker(model) -> dict[str, float]:
    """A 'test function' with a visible side effect: it creates the file $MGIT_TEST_MARKER."""
    import os
    from pathlib import Path

    Path(os.environ["MGIT_TEST_MARKER"]).touch()
    return {"score": 1.0}
