"""The in-memory index of sketches: every version's sketch, stacked per layout.

Versions whose float tensors have the same names, dtypes and shapes share a *layout*; their
sketches are rows of one float32 matrix, so a new model is compared with all of them in a
few vectorised operations.  Rows are read from ``.mgit/sketches/`` on first use (straight
into the matrix) and kept; a missing or stale file is rebuilt from the objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..lineage import ModelVersion
from .sketch import Layout, layout_for_key, layout_key, sketch_path

LayoutKey = tuple[tuple[str, str, tuple[int, ...]], ...]


class SketchIndex:
    """Sketch vectors by version id, stacked per layout (see the module docstring).

    ``rebuild(version, layout)`` returns a missing sketch (decoded from the store) and may
    persist it.
    """

    def __init__(self, mgit_dir: str | Path, rebuild: Callable[[ModelVersion, Layout], np.ndarray] | None) -> None:
        self.mgit_dir = Path(mgit_dir)
        self._rebuild = rebuild
        self._vectors: dict[str, np.ndarray] = {}
        self._keys: dict[str, str] = {}  # version id -> layout id
        self._ids: dict[LayoutKey, str] = {}
        self._layouts: dict[str, Layout] = {}
        self._stacks: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}

    def key(self, version: ModelVersion) -> str:
        """A short id of the version's layout (computed once per version; cheap to hash)."""
        lid = self._keys.get(version.id)
        if lid is None:
            full = layout_key(version.manifest)
            lid = self._ids.get(full)
            if lid is None:
                lid = self._ids[full] = f"layout-{len(self._ids)}"
                self._layouts[lid] = layout_for_key(full)
            self._keys[version.id] = lid
        return lid

    def layout(self, version: ModelVersion) -> Layout:
        return self._layouts[self.key(version)]

    def _read_into(self, version: ModelVersion, row: np.ndarray) -> bool:
        try:
            with open(sketch_path(self.mgit_dir, version.id), "rb") as fh:
                got = fh.readinto(memoryview(row).cast("B"))  # type: ignore[arg-type]  # ndarray is a buffer
                return got == row.nbytes and not fh.read(1)
        except OSError:
            return False

    def _fill(self, version: ModelVersion, row: np.ndarray) -> None:
        if not self._read_into(version, row):
            if self._rebuild is None:
                raise FileNotFoundError(f"no sketch for version {version.id}")
            row[:] = self._rebuild(version, self.layout(version))

    def vector(self, version: ModelVersion) -> np.ndarray:
        """The sketch of ``version`` (float32, its layout's size)."""
        vec = self._vectors.get(version.id)
        if vec is None:
            vec = np.empty(self.layout(version).size, dtype="<f4")
            self._fill(version, vec)
            self._vectors[version.id] = vec
        return vec

    def remember(self, vid: str, vector: np.ndarray) -> None:
        self._vectors[vid] = np.asarray(vector, dtype=np.float32)

    def forget(self, vid: str) -> None:
        self._vectors.pop(vid, None)

    def stack(self, key: str, versions: list[ModelVersion]) -> np.ndarray:
        """The matrix of the sketches of ``versions`` (all of layout ``key``), one row each."""
        vids = tuple(v.id for v in versions)
        hit = self._stacks.get(key)
        if hit is not None and hit[0] == vids:
            return hit[1]
        old = dict(zip(hit[0], hit[1], strict=True)) if hit is not None else {}
        matrix = np.empty((len(versions), self._layouts[key].size), dtype=np.float32)
        for i, v in enumerate(versions):
            known = old.get(v.id)
            if known is None:
                known = self._vectors.get(v.id)
            if known is not None:
                matrix[i] = known
            else:
                self._fill(v, matrix[i])
            self._vectors[v.id] = matrix[i]
        self._stacks[key] = (vids, matrix)
        return matrix

    def groups(self, versions: Iterable[ModelVersion]) -> dict[str, list[ModelVersion]]:
        """Versions by layout id."""
        out: dict[str, list[ModelVersion]] = {}
        for v in versions:
            out.setdefault(self.key(v), []).append(v)
        return out
