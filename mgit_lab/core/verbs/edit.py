"""Changing the lineage without touching tensors: rename, tag, remove, annotate, reparent.

Each is one atomic transaction over the kernel."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from ..lineage import ModelVersion, Relation
from ..repository import Repository


def rename(repo: Repository, key: str, new_name: str) -> ModelVersion:
    """Give a version a new name (its id, tags and edges stay)."""
    with repo.transaction() as txn:
        txn.graph.rename(key, new_name)
        return txn.graph.get(new_name)


def tag(repo: Repository, key: str, tag: str, *, move: bool = False) -> ModelVersion:
    """Attach ``tag`` to a version; ``move`` takes it from the version that has it."""
    with repo.transaction() as txn:
        txn.graph.tag(key, tag, move=move)
        return txn.graph.get(tag)


def untag(repo: Repository, tag: str) -> ModelVersion:
    """Remove a tag; returns the version it was on."""
    with repo.transaction() as txn:
        return txn.graph.edit(txn.graph.untag(tag))


def tags(repo: Repository) -> dict[str, str]:
    """tag -> version name."""
    graph = repo.graph
    return {t: graph.g.nodes[vid]["version"].name for t, vid in sorted(graph.tags().items())}


def remove(repo: Repository, key: str, *, reroot: bool = False) -> tuple[ModelVersion, list[str]]:
    """Remove a version; returns it and the names of children re-rooted onto its parents.

    Its stored objects stay until ``gc`` (children's deltas may still need them).

    Raises
    ------
    Conflict
        When other versions depend on it and ``reroot`` is False.
    """
    with repo.transaction() as txn:
        kids = [c.name for c in txn.graph.dependants(key)]
        removed = txn.graph.remove_version(key, reroot=reroot)
    return removed, kids


def annotate(
    repo: Repository,
    key: str,
    *,
    message: str | None = None,
    model_type: str | None = None,
    metadata: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
) -> ModelVersion:
    """Change a version's message or model type, or merge keys into its metadata/metrics."""
    with repo.transaction() as txn:
        v = txn.graph.edit(key)
        if message is not None:
            v.message = message
        if model_type is not None:
            v.model_type = model_type or None
        v.metadata.update(metadata or {})
        v.metrics.update(metrics or {})
        return v


def reparent(
    repo: Repository,
    key: str,
    parents: list[str],
    *,
    relation: str | Relation | None = None,
) -> ModelVersion:
    """Replace the parents of version ``key`` (an empty list makes it a root).

    Only the lineage changes: the version's tensors, and the stored deltas of any
    version, stay as they are (a delta names its base *object*, never a parent).  The
    relation defaults to the version's current one (``merge`` for several parents).  The
    inference record in its metadata, if any, is kept and marked as corrected.

    Raises
    ------
    NotFound
        For an unknown version or parent.
    InvalidInput
        When a parent is the version itself or one of its descendants (a cycle), or is
        named twice.
    """
    if len(set(parents)) != len(parents):
        raise InvalidInput(f"a parent is named twice: {parents}", hint="name each parent once")
    with repo.transaction() as txn:
        graph = txn.graph
        version = graph.edit(key)
        current = graph.parents(version.id)
        if relation is not None:
            rel = Relation.parse(relation)
        elif len(parents) > 1:
            rel = Relation.MERGE
        else:
            rel = current[0][1] if current and current[0][1] != Relation.MERGE else Relation.FINETUNE
        graph.set_parents(version.id, [(graph.resolve(p), rel) for p in parents])
        inference = version.metadata.get("inference")
        if isinstance(inference, dict):
            version.metadata["inference"] = {**inference, "corrected": True}
        return version
