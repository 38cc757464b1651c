"""Checks of the two small JSON documents of a repository, before anything uses them:
``.mgit/lineage.json`` (nodes, edges) and ``.mgit/config.json`` (settings).

Damage is reported as what it is (``node 3 has no 'id'``, ``edge 2 makes a cycle``,
``unknown relation 'evil'``), as :class:`~.errors.Corrupt`, never as a traceback nor as
"not valid JSON" when the JSON is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Corrupt
from .dag import DAG

_HINT = "restore .mgit/lineage.json from a backup (or fix the entry named)"
_RELATIONS = ("finetune", "version", "prune", "quantize", "distill", "adapter", "merge")
#: optional node fields and the JSON types they may hold
_NODE_FIELDS: dict[str, tuple[type, ...]] = {
    "model_type": (str, type(None)),
    "architecture": (dict, type(None)),
    "manifest": (dict, type(None)),
    "manifest_file": (str, type(None)),
    "message": (str,),
    "author": (str,),
    "created": (str,),
    "metadata": (dict, type(None)),
    "metrics": (dict, type(None)),
    "tests": (dict, type(None)),
    "tags": (list, type(None)),
    "recipe": (dict, type(None)),
    "summary": (dict, type(None)),
}


_TYPE_WORDS: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}


def _type(value: Any) -> str:
    return _TYPE_WORDS.get(type(value), type(value).__name__)


def check_lineage(doc: Any, path: Path) -> None:
    """Raise :class:`Corrupt` naming the first problem of a parsed ``lineage.json``."""

    def bad(what: str) -> Corrupt:
        return Corrupt(f"{path} is damaged: {what}", hint=_HINT)

    if not isinstance(doc, dict):
        raise bad(f"it holds {_type(doc)}, not an object with 'nodes' and 'edges'")
    nodes, edges = doc.get("nodes", []), doc.get("edges", [])
    if not isinstance(nodes, list):
        raise bad(f"'nodes' is {_type(nodes)}, not a list")
    if not isinstance(edges, list):
        raise bad(f"'edges' is {_type(edges)}, not a list")
    if not isinstance(doc.get("revision", 0), int):
        raise bad("'revision' is not an integer")
    ids: set[str] = set()
    names: set[str] = set()
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            raise bad(f"node {i} is {_type(node)}, not an object")
        for key in ("id", "name"):
            if not isinstance(node.get(key), str) or not node[key]:
                raise bad(f"node {i} has no {key!r} (a non-empty string)")
        if node["id"] in ids:
            raise bad(f"two nodes have the id {node['id'][:80]!r}")
        if node["name"] in names:
            raise bad(f"two nodes have the name {node['name'][:80]!r}")
        ids.add(node["id"])
        names.add(node["name"])
        for key, kinds in _NODE_FIELDS.items():
            if key in node and not isinstance(node[key], kinds):
                raise bad(f"node {node['name'][:80]!r}: {key!r} is {_type(node[key])}")
        if not all(isinstance(t, str) for t in node.get("tags") or []):
            raise bad(f"node {node['name'][:80]!r}: a tag is not a string")
    graph = DAG()
    for vid in ids:
        graph.add_node(vid)
    for i, edge in enumerate(edges):
        if not isinstance(edge, dict):
            raise bad(f"edge {i} is {_type(edge)}, not an object")
        for key in ("parent", "child"):
            if edge.get(key) not in ids:
                raise bad(f"edge {i}: its {key} {str(edge.get(key))[:80]!r} is not a node")
        if edge.get("relation") not in _RELATIONS:
            raise bad(
                f"edge {i}: unknown relation {str(edge.get('relation'))[:40]!r} "
                f"(one of {', '.join(_RELATIONS)} is expected)"
            )
        if not isinstance(edge.get("order", 0), int):
            raise bad(f"edge {i}: 'order' is not an integer")
        graph.add_edge(edge["parent"], edge["child"])
    cycle = graph.find_cycle()
    if cycle is not None:
        raise bad(f"its edges make a cycle ({' -> '.join(str(u)[:12] for u in cycle)})")


def check_config(config: Any, path: Path) -> None:
    """Raise :class:`Corrupt` naming the first bad setting of a parsed ``config.json``."""
    hint = f'fix {path}: e.g. "max_delta_depth": 8, "codec_effort": "fast"'
    if not isinstance(config, dict):
        raise Corrupt(f"{path} holds {_type(config)}, not an object of settings", hint=hint)
    depth = config.get("max_delta_depth", 8)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise Corrupt(f"{path}: max_delta_depth must be an integer >= 0, got {str(depth)[:40]!r}", hint=hint)
    if not isinstance(config.get("codec_effort", "fast"), str):
        raise Corrupt(f"{path}: codec_effort must be a string", hint=hint)
    threads = config.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise Corrupt(f"{path}: threads must be a positive integer, got {str(threads)[:40]!r}", hint=hint)
