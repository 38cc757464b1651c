"""A self-contained HTML page (inline SVG and CSS, no scripts or fetches) of a diff."""

from __future__ import annotations

import itertools
import re
from html import escape
from typing import Any, Protocol

from .. import render_html as fragments
from .graph_diff import NodeDiff
from .layout import layered_layout


class ModelDiff(Protocol):
    """What the renderers read of a :class:`.model_diff.ModelDiff` (which renders itself
    through this module, so this names its fields rather than importing it)."""

    a: Any
    b: Any
    mode: str
    matcher: str
    collapse: Any
    notes: list[str]
    nodes: list[NodeDiff]
    edges: Any
    params: Any

    def to_json(self) -> Any: ...


def fmt_number(value: float | None) -> str:
    """A figure for a table cell: ``-`` for none, ``0``, else three significant digits."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    return f"{value:.3g}"


NODE_W, NODE_H, HGAP, VGAP, PAD = 250.0, 40.0, 24.0, 26.0, 20.0
_LEGEND = [
    ("same", "in both"),
    ("removed", "only in model 1"),
    ("added", "only in model 2"),
    ("changed", "changed: model 1's form removed, model 2's added"),
]

#: the graph's own styles live inside the SVG, so an .svg file written alone renders too.
_SVG_CSS = (
    "text{font:12px ui-monospace,monospace} .type{fill:#555}"
    " .same rect{fill:#fff;stroke:#888} .removed rect{fill:#ffebee;stroke:#c62828}"
    " .added rect{fill:#e8f5e9;stroke:#2e7d32} .changed rect{fill:url(#changed);stroke:#8d6e00}"
    " path.e{fill:none;stroke:#999;stroke-width:1.2} path.e.removed{stroke:#c62828;stroke-width:2}"
    " path.e.added{stroke:#2e7d32;stroke-width:2}"
)

_DEFS = (
    f"<defs><style>{_SVG_CSS}</style>"
    '<linearGradient id="changed" x1="0" y1="0" x2="0" y2="1">'
    '<stop offset="50%" stop-color="#ffebee"/><stop offset="50%" stop-color="#e8f5e9"/>'
    '</linearGradient><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
    'markerWidth="6" markerHeight="6" orient="auto">'
    '<path d="M0,0L10,5L0,10z" fill="#777"/></marker></defs>'
)

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 8px} .meta{color:#555;margin:2px 0}
table{border-collapse:collapse;margin:12px 0} td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.legend span{display:inline-block;margin-right:16px} .legend i{display:inline-block;width:14px;height:14px;
vertical-align:middle;margin-right:4px;border:1.5px solid}
.legend .same{background:#fff;border-color:#888} .legend .removed{background:#ffebee;border-color:#c62828}
.legend .added{background:#e8f5e9;border-color:#2e7d32}
.legend .changed{background:linear-gradient(#ffebee 50%,#e8f5e9 50%);border-color:#8d6e00}
tr.removed td{color:#c62828} tr.added td{color:#2e7d32}
"""


def _short(name: str, limit: int = 32) -> str:
    """A module path cut from the left (its end names the layer)."""
    return name if len(name) <= limit else "\u2026" + name[-(limit - 1) :]


def _cut(text: str, limit: int = 32) -> str:
    """A type label cut from the right (its start names the class)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _node_svg(node: NodeDiff, x: float, y: float) -> str:
    layer = node.b if node.status == "added" else node.a
    assert layer is not None
    title = node.id
    if node.status == "changed":
        title += "\n" + "\n".join(node.changes)
        if node.b is not None and node.b.name != node.id:
            title += f"\nmodel 2: {node.b.name}"
    kind = layer.describe() if layer.kind == "module" else layer.type
    if (
        node.status == "changed"
        and node.a is not None
        and node.b is not None
        and node.a.describe() != node.b.describe()
    ):
        kind = f"{node.a.describe()} \u2192 {node.b.describe()}"
    a_name = escape(node.a.name, quote=True) if node.a else ""
    b_name = escape(node.b.name, quote=True) if node.b else ""
    return (
        f'<g class="node {node.status}" data-id="{escape(node.id, quote=True)}" data-a="{a_name}" data-b="{b_name}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="{x - NODE_W / 2:.1f}" y="{y:.1f}" width="{NODE_W:.0f}" height="{NODE_H:.0f}" rx="5"/>'
        f'<text x="{x - NODE_W / 2 + 8:.1f}" y="{y + 16:.1f}">{escape(_short(node.id))}</text>'
        f'<text class="type" x="{x - NODE_W / 2 + 8:.1f}" y="{y + 32:.1f}">{escape(_cut(kind))}</text></g>'
    )


def render_svg(diff: ModelDiff) -> str:
    """The union graph as an SVG element (empty string for a tensors-only diff)."""
    if not diff.nodes:
        return ""
    ids = [n.id for n in diff.nodes]
    pairs = [(e.source, e.target) for e in diff.edges]
    boxes, width, height = layered_layout(ids, pairs, width=NODE_W, height=NODE_H, hgap=HGAP, vgap=VGAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 2 * PAD + 120:.0f}" height="{height + 2 * PAD:.0f}">',
        _DEFS,
        f'<g transform="translate({PAD},{PAD})">',
    ]
    for e in diff.edges:
        s, t = boxes[e.source], boxes[e.target]
        sx, sy, tx, ty = s.x, s.y + NODE_H, t.x, t.y
        span = t.layer - s.layer
        if span == 1:
            mid = (sy + ty) / 2
            d = f"M{sx:.1f},{sy:.1f}C{sx:.1f},{mid:.1f} {tx:.1f},{mid:.1f} {tx:.1f},{ty:.1f}"
        else:  # long (residual or backward) edges bulge to the right of the boxes
            off = NODE_W / 2 + 12 + 6 * min(abs(span), 12)
            d = f"M{sx:.1f},{sy:.1f}C{sx + off:.1f},{sy + 30:.1f} {tx + off:.1f},{ty - 30:.1f} {tx:.1f},{ty:.1f}"
        parts.append(f'<path class="e {e.status}" d="{d}" marker-end="url(#arrow)"/>')
    for n in diff.nodes:
        b = boxes[n.id]
        parts.append(_node_svg(n, b.x, b.y))
    parts.append("</g></svg>")
    return "".join(parts)


def _param_table(diff: ModelDiff) -> str:
    rows = []
    for p in diff.params:
        if p.status == "same":
            continue
        name = p.a if p.a == p.b or p.b is None else (p.b if p.a is None else f"{p.a} \u2192 {p.b}")
        shape = (
            p.shape_a
            if p.shape_a == p.shape_b
            else f"{p.shape_a} \u2192 {p.shape_b}"
            if p.shape_a and p.shape_b
            else (p.shape_a or p.shape_b)
        )
        frac = f"{100 * p.fraction_changed:.1f}%" if p.fraction_changed is not None else "-"
        rank = "-" if p.rank is None else ("" if p.rank_exact else "\u2265") + str(p.rank)
        rows.append(
            f'<tr class="{p.status}"><td>{escape(str(name))}</td><td>{p.status}</td><td>{escape(str(shape))}</td>'
            f'<td class="num">{fmt_number(p.l2)}</td><td class="num">{fmt_number(p.relative)}</td>'
            f'<td class="num">{frac}</td>'
            f'<td class="num">{rank}</td></tr>'
        )
    if not rows:
        return "<p>No tensor differs.</p>"
    head = (
        "<tr><th>tensor</th><th>status</th><th>shape</th><th>L2</th><th>relative</th><th>changed</th><th>rank</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def render_html(diff: ModelDiff) -> str:
    """A self-contained HTML page: summary, legend, the union graph as SVG, tensor table."""
    s = diff.to_json()["summary"]
    title = f"mgit diff {diff.a.label} \u2192 {diff.b.label}"
    meta = [
        f"mode: {diff.mode}; matcher: {diff.matcher}"
        + (f"; collapsed: {', '.join(diff.collapse)}" if diff.collapse else "")
    ]
    if diff.matcher != "none":
        meta.append(
            f"model 1 traced with {diff.a.tracer} ({diff.a.num_nodes} nodes, {diff.a.num_edges} edges); "
            f"model 2 with {diff.b.tracer} ({diff.b.num_nodes} nodes, {diff.b.num_edges} edges)"
        )
        ns, es = s["nodes"], s["edges"]
        meta.append(
            f"layers: {ns.get('changed', 0)} changed, {ns.get('removed', 0)} removed, {ns.get('added', 0)} added, "
            f"{ns.get('same', 0)} same; edges: {es.get('removed', 0)} removed, {es.get('added', 0)} added"
        )
    if s["identical"]:
        meta.append(f"No differences: the models are identical ({diff.mode}).")
    meta += [f"note: {n}" for n in diff.notes]
    legend = "".join(f'<span><i class="{cls}"></i>{escape(text)}</span>' for cls, text in _LEGEND)
    body = [
        f"<h1>{escape(title)}</h1>",
        *(f'<p class="meta">{escape(m)}</p>' for m in meta),
    ]
    if diff.nodes:
        body += [f'<p class="legend">{legend}</p>', render_svg(diff)]
    body += ["<h2>Tensors</h2>", _param_table(diff)]
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )


_fragment_ids = itertools.count(1)
#: the legend's swatches (the graph's own styles are in its SVG) and the table's colours
_LEGEND_CSS = (
    ".removed rect{fill:#ffebee;stroke:#c62828}",
    ".added rect{fill:#e8f5e9;stroke:#2e7d32}",
    ".same rect{fill:#fff;stroke:#888}",
    ".changed rect{fill:#fff8e1;stroke:#8d6e00}",
)
_TABLE_CSS = (
    ".mgit-html td.removed{color:#c62828} .mgit-html td.added{color:#2e7d32} .mgit-html td.changed{color:#8d6e00}"
)


def _scoped_svg(diff: ModelDiff, scope: str) -> str:
    """``render_svg`` with its styles and ids confined to one output (a page may hold many)."""
    svg = render_svg(diff)
    css = re.sub(
        r"(^|})\s*([^{}]+){",
        lambda m: m.group(1) + ",".join(f".{scope} {sel.strip()}" for sel in m.group(2).split(",")) + "{",
        _SVG_CSS,
    )
    svg = svg.replace(_SVG_CSS, css)
    for name in ("changed", "arrow"):
        svg = svg.replace(f'id="{name}"', f'id="{name}-{scope}"').replace(f"url(#{name})", f"url(#{name}-{scope})")
    return svg


def render_fragment(diff: ModelDiff) -> str:
    """A notebook output of a diff: summary, legend, the coloured union graph and a
    sortable table of changed tensors (styles scoped to this output)."""
    s = diff.to_json()["summary"]
    scope = f"mgit-diff-{next(_fragment_ids)}"
    ns = s["nodes"]
    head = f'<div class="mgit-head">diff {escape(diff.a.label)} \u2192 {escape(diff.b.label)}</div>'
    meta = [f"mode: {diff.mode}; matcher: {diff.matcher}"]
    if diff.matcher != "none":
        meta.append(
            f"layers: {ns.get('changed', 0)} changed, {ns.get('removed', 0)} removed, {ns.get('added', 0)} added, "
            f"{ns.get('same', 0)} same"
        )
    if s["identical"]:
        meta.append(f"No differences: the models are identical ({diff.mode}).")
    meta += [f"note: {n}" for n in diff.notes]
    body = head + "".join(f'<div class="mgit-meta">{escape(m)}</div>' for m in meta)
    if diff.nodes:
        legend = "".join(
            f'<span style="margin-right:14px"><svg class="{cls}" width="14" height="14"><rect x="1" y="1" '
            f'width="12" height="12"/></svg> {escape(text)}</span>'
            for cls, text in _LEGEND
        )
        graph = f'<div style="max-height:520px;overflow:auto">{_scoped_svg(diff, scope)}</div>'
        body += f'<div class="{scope}"><div>{legend}</div>{graph}</div>'
    rows = []
    for p in diff.params:
        if p.status == "same":
            continue
        name = p.a if p.a == p.b or p.b is None else (p.b if p.a is None else f"{p.a} \u2192 {p.b}")
        shape = p.shape_a if p.shape_a == p.shape_b else f"{p.shape_a} \u2192 {p.shape_b}"
        rows.append(
            [
                fragments.cell(name),
                fragments.cell(p.status, cls=p.status),
                str(shape if shape is not None else p.shape_b),
                fragments.cell(fmt_number(p.l2), cls="num", sort="" if p.l2 is None else p.l2),
                fragments.cell(fmt_number(p.relative), cls="num", sort="" if p.relative is None else p.relative),
                fragments.num(p.fraction_changed, "{:.1%}"),
                fragments.cell(
                    "-" if p.rank is None else ("" if p.rank_exact else "\u2265") + str(p.rank),
                    cls="num",
                    sort=p.rank if p.rank is not None else "",
                ),
            ]
        )
    body += f'<div class="mgit-head">{len(rows)} tensors differ</div>'
    if rows:
        body += fragments.table(["tensor", "status", "shape", "L2", "relative", "changed", "rank"], rows, sortable=True)
    style = "<style>" + "".join(f".{scope} {rule}" for rule in _LEGEND_CSS) + _TABLE_CSS + "</style>"
    return fragments.wrap(style + body)
