"""Renderings of a :class:`ModelDiff`: terminal text (MGit's colours) and HTML/SVG.

Text: uncoloured lines are layers in both models, red (``-``) only in model 1, green
(``+``) only in model 2; a changed layer shows as its removed old and added new form.
"""

from __future__ import annotations

from .graph import GraphNode
from .model_diff import ModelDiff
from .param_diff import ParamDiff
from .render_html import fmt_number as _fmt
from .render_html import render_html

__all__ = ["render_html", "render_text"]

RED, GREEN, DIM, BOLD, RESET = "\033[31m", "\033[32m", "\033[2m", "\033[1m", "\033[0m"


def _label(node: GraphNode) -> str:
    return node.describe() if node.kind == "module" else node.type


def param_row(p: ParamDiff) -> str:
    """One line of the tensor table."""
    name = p.a if p.a == p.b or p.b is None else (p.b if p.a is None else f"{p.a} -> {p.b}")
    if p.status == "added":
        return f"{name}  {p.shape_b} {p.dtype_b}  added"
    if p.status == "removed":
        return f"{name}  {p.shape_a} {p.dtype_a}  removed"
    if p.shape_a != p.shape_b or p.dtype_a != p.dtype_b:
        return f"{name}  {p.shape_a} {p.dtype_a} -> {p.shape_b} {p.dtype_b}"
    parts = [f"{name}  {p.shape_a}"]
    if p.l2 is not None:
        parts.append(f"L2 {_fmt(p.l2)}")
    if p.relative is not None:
        parts.append(f"rel {_fmt(p.relative)}")
    if p.fraction_changed is not None:
        parts.append(f"changed {100 * p.fraction_changed:.1f}%")
    if p.rank is not None:
        parts.append(f"rank {'' if p.rank_exact else '>='}{p.rank}")
    return "  ".join(parts)


def render_text(diff: ModelDiff, color: bool = True, context: int = 2) -> str:
    """The diff as terminal text.

    Parameters
    ----------
    color : bool
        ANSI colours (red = only in model 1, green = only in model 2).
    context : int
        Unchanged layers shown around each difference; negative shows every layer.
    """

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    lines = [
        paint(f"diff {diff.a.label} -> {diff.b.label}", BOLD)
        + f"  ({diff.mode}, matched by {diff.matcher if diff.matcher != 'none' else 'tensor names only'})"
    ]
    if diff.matcher != "none":
        lines.append(
            f"traced: model 1 with {diff.a.tracer} ({diff.a.num_nodes} nodes, {diff.a.num_edges} edges), "
            f"model 2 with {diff.b.tracer} ({diff.b.num_nodes} nodes, {diff.b.num_edges} edges)"
        )
    if diff.collapse:
        lines.append(f"collapsed: {', '.join(diff.collapse)}")
    lines += [f"note: {n}" for n in diff.notes]
    summary = diff.to_json()["summary"]
    if diff.matcher != "none":
        ns, es = summary["nodes"], summary["edges"]
        lines.append(
            f"layers: {ns.get('changed', 0)} changed, {ns.get('removed', 0)} removed, "
            f"{ns.get('added', 0)} added, {ns.get('same', 0)} same; edges: {es.get('removed', 0)} removed, "
            f"{es.get('added', 0)} added, {es.get('same', 0)} same"
        )
    if diff.identical:
        lines.append(f"no differences: the models are identical ({diff.mode})")
    if diff.matcher != "none" and not all(n.status == "same" for n in diff.nodes):
        lines.append("")
        lines += _node_lines(diff, paint, context)
    removed, added = diff.removed_edges, diff.added_edges
    if removed or added:
        lines.append("")
        lines.append("edges:")
        lines += [paint(f"- {s} -> {t}", RED) for s, t in removed]
        lines += [paint(f"+ {s} -> {t}", GREEN) for s, t in added]
    changed = diff.changed_params
    if changed:
        ps = summary["params"]
        lines.append("")
        lines.append(
            f"tensors: {ps.get('changed', 0)} changed, {ps.get('removed', 0)} removed, {ps.get('added', 0)} added, "
            f"{ps.get('same', 0)} same ({summary['changed_elements']:,} elements changed)"
        )
        for p in changed:
            code = GREEN if p.status == "added" else RED if p.status == "removed" else ""
            row = param_row(p)
            lines.append(paint(f"  {row}", code) if code else f"  {row}")
    return "\n".join(lines)


def _node_lines(diff: ModelDiff, paint, context: int) -> list[str]:
    width = max((len(n.id) for n in diff.nodes), default=0)
    width = min(width, 60)
    keep = [n.status != "same" for n in diff.nodes]
    if context >= 0:
        shown = [any(keep[max(0, i - context) : i + context + 1]) for i in range(len(keep))]
    else:
        shown = [True] * len(keep)
    out: list[str] = []
    skipped = 0
    for node, show in zip(diff.nodes, shown, strict=True):
        if not show:
            skipped += 1
            continue
        if skipped:
            out.append(paint(f"  ... {skipped} unchanged", DIM))
            skipped = 0
        if node.status == "same":
            out.append(f"  {node.id:<{width}}  {_label(node.a)}")  # type: ignore[arg-type]
            continue
        if node.a is not None:
            why = f"  [{'; '.join(node.changes)}]" if node.changes else ""
            out.append(paint(f"- {node.a.name:<{width}}  {_label(node.a)}{why}", RED))
        if node.b is not None:
            out.append(paint(f"+ {node.b.name:<{width}}  {_label(node.b)}", GREEN))
    if skipped:
        out.append(paint(f"  ... {skipped} unchanged", DIM))
    return out
