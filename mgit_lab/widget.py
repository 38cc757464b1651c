"""LineageWidget: the live lineage DAG of a repository as a notebook output (anywidget).

The drawing is the panel's own entry point, ``drawLineage`` (``src/graph/drawLineage.ts``:
the same badges, edges, pan and zoom as the sidebar), bundled with the widget's front
(``src/widget/lineage.ts``) into ``static/lineage.js`` by ``jlpm build:widget``: one
self-contained ES module, no CDN.

The widget follows its repository: it re-reads the graph when the repository's revision
changes, checked after every cell the kernel runs and, between cells, every
``poll_interval`` seconds (a ``stat`` of the lineage file).  Clicking a node selects it
(Shift/Ctrl-click adds a second one, as in the panel); ``selected`` holds the selected
version names and syncs both ways.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .api import Repository
from .core.errors import MgitError

_STATIC = Path(__file__).parent / "static"


class LineageWidget(anywidget.AnyWidget):
    """The lineage DAG of a repository, kept up to date, with a two-way node selection.

    Parameters
    ----------
    repo : Repository, str or Path, optional
        The repository (or a path inside one) to draw and follow.  Without it the widget
        draws the ``graph`` payload it is given and follows nothing.
    graph : dict, optional
        A graph payload (``GET mgit/api/graph``) to draw instead of a repository's.
    poll_interval : float
        Seconds between revision checks while no cell runs (0: only after cells).

    Attributes
    ----------
    selected : list of str
        Names of the selected versions (click a node to select it, Shift/Ctrl-click to add
        a second one).  Assign names, tags
        or ids; they are stored as names.  ``w.observe(fn, names="selected")`` works.
    """

    _esm = _STATIC / "lineage.js"
    _css = _STATIC / "lineage.css"
    graph = traitlets.Dict().tag(sync=True)
    selected = traitlets.List(traitlets.Unicode()).tag(sync=True)
    revision = traitlets.Int(-1).tag(sync=True)

    def __init__(
        self,
        repo: Repository | str | Path | None = None,
        *,
        graph: dict[str, Any] | None = None,
        poll_interval: float = 2.0,
        **kwargs: Any,
    ) -> None:
        if isinstance(repo, dict) and graph is None:  # LineageWidget(payload), as before
            repo, graph = None, repo
        self.repository = Repository.open(repo) if isinstance(repo, (str, Path)) else repo
        payload = graph if graph is not None else self._payload()
        super().__init__(graph=dict(payload or {"nodes": [], "edges": []}), **kwargs)
        self._lock = threading.Lock()
        if self.repository is not None:
            self.revision = self.graph.get("revision", -1)
            self._stop = threading.Event()
            _follow(self, poll_interval)

    # ------------------------------------------------------------ following the repository
    def _payload(self) -> dict[str, Any] | None:
        return dict(self.repository.graph_payload()) if self.repository is not None else None

    def refresh(self, force: bool = False) -> bool:
        """Re-read the graph when the repository changed (or always with ``force``).

        Returns True when the drawing was updated.  Selected versions that no longer
        exist are dropped from ``selected``.
        """
        if self.repository is None:
            return False
        with self._lock:
            return self._refresh(force)

    def _refresh(self, force: bool) -> bool:
        assert self.repository is not None
        try:
            if not force and self.repository.revision == self.revision:
                return False
            payload = self._payload()
        except (MgitError, OSError):
            return False  # a repository mid-change or removed: keep the last drawing
        assert payload is not None
        names = {n["name"] for n in payload["nodes"]}
        with self.hold_sync():
            self.graph = payload
            self.revision = payload["revision"]
            kept = [s for s in self.selected if s in names]
            if kept != list(self.selected):
                self.selected = kept
        return True

    def close(self) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
        super().close()

    # ------------------------------------------------------------ selection
    @traitlets.validate("selected")
    def _names_only(self, proposal: dict[str, Any]) -> list[str]:
        """Names, tags or ids in; version names out (unknown ones refused)."""
        nodes = self.graph.get("nodes", [])
        by_key: dict[str, str] = {}
        for n in nodes:
            by_key[n["id"]] = by_key[n["id"][:12]] = n["name"]
            for tag in n.get("tags", []):
                by_key[tag] = n["name"]
            by_key[n["name"]] = n["name"]
        out: list[str] = []
        for key in proposal["value"]:
            name = by_key.get(key)
            if name is None:
                raise traitlets.TraitError(
                    f"no version named {key!r} in the drawing (known: {', '.join(sorted(n['name'] for n in nodes))})"
                )
            if name not in out:
                out.append(name)
        return out

    def __repr__(self) -> str:
        where = f" of {self.repository.root}" if self.repository is not None else ""
        nodes = len(self.graph.get("nodes", []))
        return f"<LineageWidget{where}: {nodes} versions, selected {list(self.selected)}>"


def _follow(widget: LineageWidget, interval: float) -> None:
    """Refresh ``widget`` after every cell (IPython) and every ``interval`` seconds."""
    ref = weakref.ref(widget)
    stop = widget._stop
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - anywidget brings IPython
        shell = None
    if shell is not None:

        def after_cell(*_: Any) -> None:
            w = ref()
            if w is None or stop.is_set():
                shell.events.unregister("post_run_cell", after_cell)
                return
            w.refresh()

        shell.events.register("post_run_cell", after_cell)
    if interval > 0:

        def poll() -> None:
            while not stop.wait(interval):
                w = ref()
                if w is None:
                    return
                w.refresh()
                del w

        threading.Thread(target=poll, name="mgit-lineage-widget", daemon=True).start()
