"""Match the nodes of two module graphs and classify nodes and edges.

Two matchers:

- ``name`` (default): nodes with the same module path correspond.  When the two models
  name their layers under different top-level prefixes (``bert.encoder...`` in
  ``BertForMaskedLM`` against ``encoder...`` in ``BertModel``), the prefix pair that
  aligns the most paths is used.
- ``lcs``: the longest common subsequence of the two execution orders, comparing node
  keys (structure, or structure and weights); names play no part, so renamed or
  re-prefixed layers still align.  Between two aligned stretches, leftover nodes with the
  same structure (contextual mode) or the same name are paired as *changed*.

A matched pair is *same* when its key agrees, else *changed* (in graph-edit terms: remove
the old node, add the new one; its edges are kept).  Unmatched nodes are *removed* (only
in model 1) or *added* (only in model 2).  An edge of model 1 is *same* when its mapped
endpoints are an edge of model 2, else *removed*; model 2's other edges are *added*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from .graph import GraphNode, ModuleGraph
from .lcs import lcs_pairs


@dataclass
class NodeDiff:
    """One node of the union of both graphs."""

    id: str
    status: str  # "same" | "changed" | "removed" | "added"
    a: GraphNode | None
    b: GraphNode | None
    changes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return (self.a or self.b).kind  # type: ignore[union-attr]


@dataclass
class EdgeDiff:
    """One edge of the union, between :attr:`NodeDiff.id` values."""

    source: str
    target: str
    status: str  # "same" | "removed" | "added"


@dataclass
class GraphMatch:
    nodes: list[NodeDiff]
    edges: list[EdgeDiff]
    pairs: list[tuple[str, str]]  # (a name, b name) of every matched node
    notes: list[str]
    prefix: tuple[str, str] = ("", "")  # module-path prefixes the name matcher aligned


def node_key(node: GraphNode, structural: bool) -> str:
    """What the matcher compares: inputs and outputs by name, layers by structure (and weights)."""
    if node.kind != "module":
        return f"{node.kind}|{node.name}|{node.structure_key()}"
    return node.structure_key() if structural else node.content_key()


def match_graphs(ga: ModuleGraph, gb: ModuleGraph, *, structural: bool = False, lcs: bool = False) -> GraphMatch:
    """Node and edge differences between ``ga`` (model 1) and ``gb`` (model 2)."""
    notes: list[str] = []
    prefix = ("", "")
    if lcs:
        pairs = _match_lcs(ga, gb, structural)
    else:
        pairs, prefix = _match_names(ga, gb)
        if prefix != ("", ""):
            notes.append(
                f"layer paths aligned with prefix {prefix[0] or '(none)'!r} in model 1 "
                f"and {prefix[1] or '(none)'!r} in model 2"
            )
    nodes = _classify(ga, gb, pairs, structural)
    edges = _edges(ga, gb, nodes)
    return GraphMatch(nodes, edges, pairs, notes, prefix)


# ---------------------------------------------------------------- name matcher
def _prefixes(names: list[str]) -> list[str]:
    seen = {""}
    for n in names:
        if "." in n:
            seen.add(n.split(".", 1)[0] + ".")
    return sorted(seen, key=lambda p: (len(p), p))


def _match_names(ga: ModuleGraph, gb: ModuleGraph) -> tuple[list[tuple[str, str]], tuple[str, str]]:
    a_mods = [n for n, v in ga.nodes.items() if v.kind == "module"]
    b_mods = [n for n, v in gb.nodes.items() if v.kind == "module"]
    best, best_count = ("", ""), len(set(a_mods) & set(b_mods))
    for pa in _prefixes(a_mods):
        a_rest = {n[len(pa) :] for n in a_mods if n.startswith(pa)}
        for pb in _prefixes(b_mods):
            if (pa, pb) == ("", ""):
                continue
            count = len(a_rest & {n[len(pb) :] for n in b_mods if n.startswith(pb)})
            if count > best_count:
                best, best_count = (pa, pb), count
    pa, pb = best

    def key_a(n: str) -> str:
        return n[len(pa) :] if n.startswith(pa) else "\0" + n

    def key_b(n: str) -> str:
        return n[len(pb) :] if n.startswith(pb) else "\0" + n

    b_by_key = {key_b(n): n for n in b_mods}
    pairs: list[tuple[str, str]] = []
    used: set[str] = set()
    for n in a_mods:
        m = b_by_key.get(key_a(n))
        if m is not None:
            pairs.append((n, m))
            used.add(m)
    leftover_b = {n for n in b_mods if n not in used}
    matched_a = {a for a, _ in pairs}
    for n in a_mods:  # layers outside the prefix keep their exact names
        if n not in matched_a and n in leftover_b:
            pairs.append((n, n))
            leftover_b.discard(n)
    for n, v in ga.nodes.items():
        if v.kind != "module" and n in gb.nodes and gb.nodes[n].kind == v.kind:
            pairs.append((n, n))
    return pairs, best


# ---------------------------------------------------------------- LCS matcher
def _match_lcs(ga: ModuleGraph, gb: ModuleGraph, structural: bool) -> list[tuple[str, str]]:
    a_names, b_names = list(ga.nodes), list(gb.nodes)
    anchors = lcs_pairs(
        [node_key(ga.nodes[n], structural) for n in a_names],
        [node_key(gb.nodes[n], structural) for n in b_names],
        a_names,
        b_names,
    )
    pairs = [(a_names[i], b_names[j]) for i, j in anchors]
    bounds = [(-1, -1), *anchors, (len(a_names), len(b_names))]
    for (i0, j0), (i1, j1) in pairwise(bounds):
        gap_a, gap_b = a_names[i0 + 1 : i1], b_names[j0 + 1 : j1]
        if gap_a and gap_b:
            pairs += _pair_gap(ga, gb, gap_a, gap_b, structural)
    return pairs


def _pair_gap(
    ga: ModuleGraph,
    gb: ModuleGraph,
    gap_a: list[str],
    gap_b: list[str],
    structural: bool,
) -> list[tuple[str, str]]:
    """Pairs of changed nodes inside one unaligned stretch."""
    pairs: list[tuple[str, str]] = []
    if not structural:
        same_shape = lcs_pairs(
            [node_key(ga.nodes[n], True) for n in gap_a],
            [node_key(gb.nodes[n], True) for n in gap_b],
            gap_a,
            gap_b,
        )
        pairs = [(gap_a[i], gap_b[j]) for i, j in same_shape]
    used_a, used_b = {a for a, _ in pairs}, {b for _, b in pairs}
    b_left = {n: n for n in gap_b if n not in used_b}
    for n in gap_a:
        if n not in used_a and n in b_left and ga.nodes[n].kind == gb.nodes[n].kind:
            pairs.append((n, n))
            del b_left[n]
    return pairs


# ---------------------------------------------------------------- classification
def describe_changes(a: GraphNode, b: GraphNode, structural: bool) -> list[str]:
    """Readable reasons why two matched nodes differ."""
    out = []
    if a.type != b.type:
        out.append(f"type {a.type} -> {b.type}")
    for k in sorted(set(a.attrs) | set(b.attrs)):
        va, vb = a.attrs.get(k), b.attrs.get(k)
        if va != vb:
            out.append(f"{k} {va} -> {vb}")
    for name in sorted(set(a.params) | set(b.params)):
        ta, tb = a.params.get(name), b.params.get(name)
        if ta is None:
            out.append(f"{name} added")
        elif tb is None:
            out.append(f"{name} removed")
        elif ta.shape != tb.shape:
            out.append(f"{name} shape {ta.shape} -> {tb.shape}")
        elif ta.dtype != tb.dtype:
            out.append(f"{name} dtype {ta.dtype} -> {tb.dtype}")
        elif not structural and ta.hash != tb.hash:
            out.append(f"{name} values")
    return out


def _classify(ga: ModuleGraph, gb: ModuleGraph, pairs: list[tuple[str, str]], structural: bool) -> list[NodeDiff]:
    a_to_b = dict(pairs)
    b_to_a = {b: a for a, b in pairs}
    diffs: dict[str, NodeDiff] = {}
    for name, node in ga.nodes.items():
        other = a_to_b.get(name)
        if other is None:
            diffs[name] = NodeDiff(name, "removed", node, None)
            continue
        bnode = gb.nodes[other]
        same = node_key(node, structural) == node_key(bnode, structural)
        changes = [] if same else describe_changes(node, bnode, structural)
        diffs[name] = NodeDiff(name, "same" if same else "changed", node, bnode, changes)
    order = _merged_order(list(ga.nodes), list(gb.nodes), b_to_a)
    out: list[NodeDiff] = []
    for side, name in order:
        if side == "a":
            out.append(diffs[name])
        else:
            node_id = name if name not in ga.nodes else f"b:{name}"
            out.append(NodeDiff(node_id, "added", None, gb.nodes[name]))
    return out


def _merged_order(a_names: list[str], b_names: list[str], b_to_a: dict[str, str]) -> list[tuple[str, str]]:
    """Model 1's order with model 2's unmatched nodes after their nearest matched predecessor."""
    after: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for n in b_names:
        if n in b_to_a:
            anchor = b_to_a[n]
        else:
            after.setdefault(anchor, []).append(n)

    def is_output(n: str) -> bool:
        return n.startswith("output:")  # module paths never contain a colon

    order: list[tuple[str, str]] = [("b", m) for m in after.get(None, []) if not is_output(m)]
    for n in a_names:
        order.append(("a", n))
        order += [("b", m) for m in after.get(n, []) if not is_output(m)]
    order += [("b", m) for ms in after.values() for m in ms if is_output(m)]
    return order


def _edges(ga: ModuleGraph, gb: ModuleGraph, nodes: list[NodeDiff]) -> list[EdgeDiff]:
    a_id = {d.a.name: d.id for d in nodes if d.a is not None}
    b_id = {d.b.name: d.id for d in nodes if d.b is not None}
    b_edges = {(b_id[s], b_id[t]) for s, t in gb.edges}
    a_edges = {(a_id[s], a_id[t]) for s, t in ga.edges}
    out = [
        EdgeDiff(s, t, "same" if (s, t) in b_edges else "removed") for s, t in ((a_id[s], a_id[t]) for s, t in ga.edges)
    ]
    out += [EdgeDiff(s, t, "added") for s, t in ((b_id[s], b_id[t]) for s, t in gb.edges) if (s, t) not in a_edges]
    return out
