"""LineageWidget: the lineage DAG as a notebook output (anywidget).

The drawing code is the frontend's own (``src/widget/lineage.ts``), bundled with d3 and
dagre-d3-es into ``static/lineage.js`` by ``jlpm build:widget``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

_STATIC = Path(__file__).parent / "static"


class LineageWidget(anywidget.AnyWidget):
    """Draws a lineage graph payload (``{"nodes": [...], "edges": [...]}``) as a DAG.

    Parameters
    ----------
    graph : dict, optional
        A graph payload as ``GET mgit/api/graph`` returns it: nodes with ``id`` and
        ``name``, edges with ``parent``, ``child`` and ``relation``.
    """

    _esm = _STATIC / "lineage.js"
    _css = _STATIC / "lineage.css"
    graph = traitlets.Dict().tag(sync=True)

    def __init__(self, graph: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(graph=dict(graph or {"nodes": [], "edges": []}), **kwargs)
