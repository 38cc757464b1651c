"""Combining two lineages: the union of their versions, never an overwrite.

Versions are identified by id (a random 64-bit hex made when the version was created), so
a version both sides hold has the same id on both.  Two different versions under one name
(or a tag that names a different version on each side) are a conflict: reported with
every clashing name, and nothing is written.  Records of versions both sides hold are
kept as the receiving side has them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import Conflict, Corrupt
from ..names import check_label

_ID = re.compile(r"^[0-9a-f]{6,64}$")
_FILE = re.compile(r"^[0-9a-f]{6,64}(\.[0-9a-f]{6,64})?\.json$")
_RELATIONS = {"finetune", "version", "prune", "quantize", "distill", "adapter", "merge"}


def empty_lineage() -> dict[str, Any]:
    return {"revision": 0, "nodes": [], "edges": []}


def check_lineage(doc: Any, where: str) -> dict[str, Any]:
    """``doc`` checked as a lineage document read from ``where`` (data from elsewhere)."""
    try:
        if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
            raise ValueError("no node list")
        ids = set()
        for node in doc["nodes"]:
            if not isinstance(node, dict) or not _ID.match(str(node.get("id"))):
                raise ValueError(f"a node without a valid id: {str(node)[:80]}")
            check_label(node.get("name"))
            for tag in node.get("tags") or []:
                check_label(tag, "tag")
            file = node.get("manifest_file")
            if not isinstance(file, str) or not _FILE.match(file):
                raise ValueError(f"version {node['name']!r} names no valid manifest file")
            ids.add(node["id"])
        for edge in doc.get("edges") or []:
            if edge.get("parent") not in ids or edge.get("child") not in ids or edge.get("relation") not in _RELATIONS:
                raise ValueError(f"an invalid edge {str(edge)[:120]}")
        doc.setdefault("edges", [])
        doc["revision"] = int(doc.get("revision", 0))
    except (ValueError, TypeError, AttributeError) as exc:
        raise Corrupt(
            f"the lineage at {where} is damaged: {exc}", hint="repair or replace the remote's lineage.json"
        ) from None
    return doc


def _labels(nodes: Iterable[dict[str, Any]]) -> dict[str, str]:
    """name or tag -> id."""
    out: dict[str, str] = {}
    for n in nodes:
        out[n["name"]] = n["id"]
        for tag in n.get("tags") or []:
            out[tag] = n["id"]
    return out


def conflicts(into: dict[str, Any], nodes: list[dict[str, Any]]) -> list[str]:
    """Names and tags of ``nodes`` that label a different version in ``into``."""
    have = _labels(into["nodes"])
    ids = {n["id"] for n in into["nodes"]}
    out = []
    for n in nodes:
        if n["id"] in ids:
            continue
        for label in [n["name"], *(n.get("tags") or [])]:
            if label in have and have[label] != n["id"]:
                out.append(label)
    return sorted(set(out))


def raise_conflicts(clash: list[str], where: str) -> None:
    if clash:
        names = ", ".join(repr(c) for c in clash[:10]) + (" ..." if len(clash) > 10 else "")
        raise Conflict(
            f"{len(clash)} name(s) label different versions here and at {where}: {names}",
            hint="rename the local version(s) (`mgit mv OLD NEW`) and try again; nothing was overwritten",
        )


def union(into: dict[str, Any], nodes: list[dict[str, Any]], edges: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """``into`` plus the ``nodes`` it lacks and their incoming ``edges`` (a new document).

    Raises
    ------
    Conflict
        When a name or tag labels a different version on each side.
    """
    raise_conflicts(conflicts(into, nodes), where)
    ids = {n["id"] for n in into["nodes"]}
    added = [n for n in nodes if n["id"] not in ids]
    new_ids = {n["id"] for n in added}
    all_ids = ids | new_ids
    extra = [e for e in edges if e["child"] in new_ids and e["parent"] in all_ids]
    return {
        "revision": int(into.get("revision", 0)) + 1,
        "nodes": [*into["nodes"], *added],
        "edges": [*into.get("edges", []), *extra],
    }


def raise_label_conflicts(problems: list[str], where: str) -> None:
    """A version renamed, or a tag set, differently on both sides since they last agreed."""
    if problems:
        raise Conflict(
            f"{len(problems)} name(s) or tag(s) changed differently here and at {where}: "
            + "; ".join(problems[:10])
            + (" ..." if len(problems) > 10 else ""),
            hint="make this side agree with the other (`mgit mv OLD NEW`, `mgit tag VERSION TAG --force`, "
            "`mgit tag -d TAG`), "
            "then push or pull again; nothing was overwritten",
        )
