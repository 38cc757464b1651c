"""A layered (Sugiyama-style) layout of a DAG, pure geometry with no drawing.

Nodes keep the given order as their topological order (edges running backwards are
ignored for layering); each node sits one layer below its lowest predecessor, and nodes
in a layer are ordered by the mean position of their predecessors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Box:
    x: float  # centre
    y: float  # top
    layer: int


def layered_layout(
    nodes: list[str],
    edges: list[tuple[str, str]],
    *,
    width: float,
    height: float,
    hgap: float,
    vgap: float,
) -> tuple[dict[str, Box], float, float]:
    """``(boxes, total width, total height)`` for ``nodes`` drawn ``width`` x ``height``."""
    index = {n: i for i, n in enumerate(nodes)}
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for s, t in edges:
        if s in index and t in index and index[s] < index[t]:
            preds[t].append(s)
    layer: dict[str, int] = {}
    for n in nodes:
        layer[n] = max((layer[p] + 1 for p in preds[n]), default=0)
    rows: dict[int, list[str]] = {}
    for n in nodes:
        rows.setdefault(layer[n], []).append(n)
    position: dict[str, float] = {}
    for lay in sorted(rows):
        row = rows[lay]
        start = {n: float(i) for i, n in enumerate(row)}

        def bary(n: str, start: dict[str, float] = start) -> tuple[float, int]:
            ps = [position[p] for p in preds[n] if p in position]
            return (sum(ps) / len(ps) if ps else start[n], index[n])

        row.sort(key=bary)
        for i, n in enumerate(row):
            position[n] = float(i)
    widest = max((len(r) for r in rows.values()), default=1)
    total_w = widest * width + (widest - 1) * hgap
    boxes: dict[str, Box] = {}
    for lay, row in rows.items():
        row_w = len(row) * width + (len(row) - 1) * hgap
        left = (total_w - row_w) / 2
        for i, n in enumerate(row):
            boxes[n] = Box(left + i * (width + hgap) + width / 2, lay * (height + vgap), lay)
    total_h = (max(rows, default=0) + 1) * (height + vgap) - vgap
    return boxes, total_w, total_h
