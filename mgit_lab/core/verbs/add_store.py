"""``add``'s storing step: a prepared model stored as a new version (one transaction)."""

from __future__ import annotations

from typing import Any

from ..lineage import ModelVersion, Relation
from ..progress import Progress
from ..repository import Repository
from .add_prepare import PreparedAdd


def store_prepared(
    repo: Repository,
    prep: PreparedAdd,
    *,
    model_type: str | None,
    message: str | None,
    lossy: float | None,
    author: str | None,
    metadata: dict[str, Any] | None,
    metrics: dict[str, Any] | None,
    progress: Progress | None,
    recipe: dict[str, Any] | None = None,
) -> ModelVersion:
    """Store a :class:`PreparedAdd` as a new version (one transaction)."""
    graph = repo.graph
    if model_type is None and prep.parents:
        model_type = graph.g.nodes[prep.parents[0][0]]["version"].model_type
    meta: dict[str, Any] = {"source": prep.loaded.origin}
    architecture = prep.loaded.architecture
    if architecture is None and prep.parents and prep.parents[0][1] != Relation.DISTILL:
        # a bare state dict with exactly its parent's tensors has its parent's architecture
        first = graph.g.nodes[prep.parents[0][0]]["version"]
        same = {k: t.shape for k, t in first.manifest.items()} == {k: t.shape for k, t in prep.manifest.items()}
        if first.architecture is not None and same:
            architecture = first.architecture
            meta["architecture_from"] = first.name
    if prep.inference is not None:
        meta["inference"] = dict(prep.inference)
    meta.update(metadata or {})
    if lossy is not None:
        from ..evaluation import add_lossy_gated
        from ..evaluation.run import specs_for

        if specs_for(repo, ModelVersion(id="", name=prep.name, model_type=model_type)):
            # tests cover this model type: keep the lossy encoding only if they hold up
            version, _report = add_lossy_gated(
                repo,
                prep.loaded.state,
                prep.name,
                lossy_bound=lossy,
                parents=list(prep.parents),
                model_type=model_type,
                architecture=architecture,
                message=message or "",
                author=author,
                metadata=meta,
                metrics=metrics,
                recipe=recipe,
                progress=progress,
            )
            return version
        meta["lossy_gate"] = {"kept": "lossy", "reason": "no tests are registered for this model type"}
    with repo.transaction() as txn:  # the version and its files: one commit
        version = repo.add_arrays(
            prep.loaded.state,
            prep.name,
            parents=list(prep.parents),
            model_type=model_type,
            architecture=architecture,
            message=message or "",
            author=author,
            metadata=meta,
            metrics=metrics,
            lossy_bound=lossy,
            oids=prep.oids,
            sketch=prep.sketch,
            recipe=recipe,
            progress=progress,
        )
        if prep.files is not None:
            from .files import store_files

            store_files(repo, txn, version, prep.files, prep.loaded.state if prep.oids else None)
            prep.files.check_unchanged()
    return version
