"""``add``'s parent choice: explicit parents checked, an adapter's base, a model card's
declared ``base_model``, and the warning for a parent inferred with low confidence."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from ..inference.confidence import LOW_CONFIDENCE, describe_candidates, reparent_command
from ..lineage import LineageGraph, ModelVersion, Relation, TensorRef
from ..schema import InferenceResult

if TYPE_CHECKING:
    from ..io.state import LoadedModel

log = logging.getLogger("mgit_lab")

#: relations whose child must have its parent's tensor shapes (a distill student need not)
_SAME_SHAPES = {Relation.FINETUNE, Relation.QUANTIZE, Relation.ADAPTER, Relation.MERGE}


def check_parent(
    parent: ModelVersion, child: dict[str, TensorRef], relation: Relation, architecture: dict[str, Any] | None
) -> None:
    """Refuse a parent whose structure cannot be the child's (a distill parent may differ).

    Raises
    ------
    InvalidInput
        When too few of the child's tensors exist in the parent (by name, or with the
        same shape for finetune/quantize/adapter/merge), or when both are Hugging Face
        models of different families.
    """
    if relation == Relation.DISTILL or (architecture or {}).get("kind") == "peft":
        return  # a distilled student, or an adapter: its tensors are its own, not its base's
    from ..inference import compatibility

    hint = "check the parent name, or pass --relation distill if the model has another architecture"
    a, b = architecture or {}, parent.architecture or {}
    if a.get("kind") == b.get("kind") == "transformers":
        ta, tb = (a.get("config") or {}).get("model_type"), (b.get("config") or {}).get("model_type")
        if ta and tb and ta != tb:
            raise InvalidInput(
                f"{parent.name!r} is a {tb} model and this one a {ta} model: it cannot be its parent", hint=hint
            )
    comp = compatibility(child, parent.manifest)
    if comp.name_overlap < 0.5:
        raise InvalidInput(
            f"{parent.name!r} cannot be this model's parent: only {comp.name_overlap:.0%} of the model's "
            f"parameters have a same-named tensor in it",
            hint=hint,
        )
    if relation in _SAME_SHAPES and comp.shape_overlap < 0.5:
        raise InvalidInput(
            f"{parent.name!r} cannot be this model's parent by {relation.value}: only {comp.shape_overlap:.0%} of "
            f"the model's parameters have a same-named tensor of the same shape in it",
            hint=hint,
        )


def _explicit_parents(
    graph: LineageGraph, parent: str | list[str], relation: str | Relation | None
) -> list[tuple[ModelVersion, Relation]]:
    names = [parent] if isinstance(parent, str) else list(parent)
    if not names:
        raise InvalidInput("an empty list of parents was given", hint="leave parent out to infer it")
    if len(set(names)) != len(names):
        raise InvalidInput(f"a parent is named twice: {names}", hint="name each parent once")
    rel = (
        Relation.parse(relation) if relation is not None else (Relation.MERGE if len(names) > 1 else Relation.FINETUNE)
    )
    out = []
    for n in names:
        try:
            out.append((graph.get(n), rel))
        except NotFound as exc:
            raise NotFound(f"unknown parent {n!r}", hint=exc.hint) from None
    return out


def _adapter_base(graph: LineageGraph, loaded: LoadedModel) -> ModelVersion:
    """The base an adapter's ``adapter_config.json`` names, found by name or tag.

    Raises
    ------
    NotFound
        When the repository holds no version by that name.
    """
    from ..io.adapters import base_name
    from ..io.hf_metadata import DeclaredBase, candidate_names

    name = base_name((loaded.architecture or {}).get("config") or {})
    if name is not None:
        for key in candidate_names(DeclaredBase(name, "adapter", "adapter config")):
            try:
                return graph.get(key)
            except NotFound:
                continue
    raise NotFound(
        f"the adapter's base {name!r} is not in the repository" if name else "the adapter names no base model",
        hint="add the base model first (named as adapter_config.json's base_model_name_or_path), or pass --parent",
    )


def _declared_parent(
    graph: LineageGraph,
    folder: Any,
    *,
    prep_parents: list[tuple[str, Relation]],
    inference: InferenceResult | None,
    manifest: dict[str, TensorRef],
    loaded: LoadedModel,
    relation: str | Relation | None,
) -> tuple[list[tuple[str, Relation]], InferenceResult | None]:
    """The parent a folder's model card names (``base_model``), when the repository holds a
    version by that name or tag and its structure fits; the weights' evidence stays in the
    reason.  Otherwise the inferred parents, with the card's claim added to the reason."""
    from ..io.hf_metadata import candidate_names, declared_base

    declared = declared_base(folder)
    if declared is None:
        return prep_parents, inference
    found = None
    for key in candidate_names(declared):
        try:
            found = graph.get(key)
            break
        except NotFound:
            continue
    rel = Relation.parse(relation or declared.relation or "finetune")
    said = f"the {declared.source} names base_model {declared.name!r}"
    if found is not None:
        try:
            check_parent(found, manifest, rel, loaded.architecture)
        except InvalidInput as exc:
            said += f", but {exc.message}"
            found = None
    if inference is None:
        return ([(found.id, rel)] if found else prep_parents), inference
    result = dict(inference)
    if found is not None and inference["parent_id"] in (None, found.id):
        agree = "the weights agree" if inference["parent_id"] else "the weights alone chose no parent"
        result.update(parent=found.name, parent_id=found.id, relation=rel.value)
        result["reason"] = f"{said} ({agree}: {inference['reason']})"
        return [(found.id, rel)], result  # type: ignore[return-value]
    if found is not None:
        result["reason"] = f"{inference['reason']}; {said} ({found.name!r}), but the weights point elsewhere"
    else:
        result["reason"] = f"{inference['reason']}; {said}, which is not in the repository"
    return prep_parents, result  # type: ignore[return-value]


def _warn_doubt(version: ModelVersion, inference: InferenceResult) -> None:
    others = [c["name"] for c in inference["candidates"][1:2]]
    log.warning(
        "the parent of %r was inferred with low confidence (%.3g < %g): added under %r. Candidates:\n  %s\n"
        "If that is wrong: %s",
        version.name,
        inference["confidence"],
        LOW_CONFIDENCE,
        inference["parent"],
        "\n  ".join(describe_candidates(inference)),
        reparent_command(version.name, others[0] if others else None),
    )
