"""The lineage's own DAG (no networkx): structure, reachability, deterministic order."""

from __future__ import annotations

import typing

from mgit_lab.core import schema
from mgit_lab.core.lineage import Relation
from mgit_lab.core.lineage.dag import DAG


def diamond() -> DAG:
    g = DAG()
    for n in "abcde":
        g.add_node(n, version=n.upper())
    for u, v in [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]:
        g.add_edge(u, v, relation="finetune", order=0)
    return g


def test_structure_and_edge_attributes():
    g = diamond()
    assert len(g) == 5 and "e" in g and g.nodes["b"]["version"] == "B"
    assert sorted(g.predecessors("d")) == ["b", "c"] and sorted(g.successors("a")) == ["b", "c"]
    assert g.in_degree("d") == 2 and g.has_edge("a", "b") and not g.has_edge("b", "a")
    assert g.edges["b", "d"]["relation"] == "finetune" and len(g.edges) == 4
    assert sorted(g.edges(data=True)) == sorted((u, v, {"relation": "finetune", "order": 0}) for u, v in g.edges())
    g.remove_node("b")
    assert "b" not in g and g.predecessors("d") == ["c"] and g.successors("a") == ["c"]
    g.remove_edge("c", "d")
    assert g.in_degree("d") == 0


def test_reachability_and_paths():
    g = diamond()
    assert g.ancestors("d") == {"a", "b", "c"} and g.descendants("a") == {"b", "c", "d"}
    assert g.ancestors("a") == set() and g.descendants("e") == set()
    assert g.has_path("a", "d") and not g.has_path("d", "a") and g.has_path("e", "e")
    assert g.shortest_path("a", "d") in (["a", "b", "d"], ["a", "c", "d"])
    assert g.shortest_path("d", "a") is None


def test_topological_order_breaks_ties_by_key_like_networkx():
    g = diamond()
    rank = {"a": 5, "b": 3, "c": 1, "d": 0, "e": 4}
    order = g.topological_order(key=lambda n: rank[n])
    assert order == ["e", "a", "c", "b", "d"]


def test_copies_do_not_share_structure():
    g = diamond()
    h = g.copy()
    h.add_edge("d", "e", relation="merge")
    h.nodes["a"]["version"] = "changed"
    h.edges["a", "b"]["relation"] = "prune"
    assert not g.has_edge("d", "e") and g.nodes["a"]["version"] == "A" and g.edges["a", "b"]["relation"] == "finetune"


def test_the_payload_relation_names_are_the_relations():
    assert set(typing.get_args(schema.RelationName)) == {r.value for r in Relation}
