"""``add``: read a model, choose (or check) its parents, store it.

When the parent is inferred with a confidence below :data:`LOW_CONFIDENCE` the choice is
not made silently: the version is added under the best candidate, and a warning (logger
``mgit_lab``) lists the top candidates with their evidence and the exact ``mgit reparent``
command that changes the choice.  The CLI asks instead when it runs on a terminal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput, NotFound
from ..inference import DEFAULT_MAX_DISTANCE
from ..inference.confidence import LOW_CONFIDENCE, describe_candidates, doubtful, reparent_command
from ..io.state import ArrayState
from ..lineage import LineageGraph, ModelVersion, Relation, TensorRef, check_label
from ..progress import Progress
from ..repository import Repository
from ..schema import InferenceResult

if TYPE_CHECKING:  # numpy, torch (the reader) and the store load when a model is read
    import numpy as np

    from ..io.file_record import RecordedSource
    from ..io.state import LoadedModel

log = logging.getLogger("mgit_lab")

#: relations whose child must have its parent's tensor shapes (a distill student need not)
_SAME_SHAPES = {Relation.FINETUNE, Relation.QUANTIZE, Relation.ADAPTER, Relation.MERGE}


@dataclass
class PreparedAdd:
    """A model read, hashed and sketched, with its parents decided: ready to store."""

    loaded: LoadedModel
    name: str
    manifest: dict[str, TensorRef]
    oids: dict[str, str] | None
    sketch: np.ndarray
    parents: list[tuple[str, Relation]]
    inference: InferenceResult | None
    #: the files the model was read from (a file or folder path), stored beside its tensors
    files: RecordedSource | None = None


def _manifest(state: ArrayState, oids: dict[str, str] | None) -> dict[str, TensorRef]:
    return {k: TensorRef(oids[k] if oids else "", d, list(a.shape)) for k, (a, d) in state.items()}


def _read_without_torch(model: Any) -> LoadedModel | None:
    """A ``.safetensors`` path read without importing torch (None: leave it to the torch reader)."""
    if not isinstance(model, (str, Path)) or Path(model).suffix != ".safetensors":
        return None
    from ..io.safetensors_file import read_safetensors
    from ..io.state import LoadedModel

    path = Path(model).expanduser()
    state = read_safetensors(path)
    if state is None:
        return None
    if not state:
        raise InvalidInput(f"{path} holds no tensors", hint="check that it is a model checkpoint")
    return LoadedModel(state, None, str(path), path.stem)


def _hash_all(state: ArrayState, progress: Progress | None) -> dict[str, str]:
    from ..store import object_id

    out = {}
    for i, (k, (a, d)) in enumerate(state.items()):
        out[k] = object_id(a, d)
        if progress:
            progress(i + 1, len(state), "hashing")
    return out


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


def prepare_add(
    repo: Repository,
    model: Any,
    *,
    name: str | None,
    parent: str | list[str] | None,
    relation: str | Relation | None,
    lossy: float | None,
    infer: bool,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> PreparedAdd:
    """Read ``model`` and decide its parents, writing nothing.

    With ``dry_run`` a name that already exists is allowed: the inference then leaves
    out that version and its descendants (what it would choose for it, were it added now).
    """
    if max_distance <= 0:
        raise InvalidInput(f"max_distance must be positive, got {max_distance}", hint="the default is 0.5")
    graph = repo.graph
    exclude: set[str] = set()
    if name is not None:
        check_label(name)
        if name in graph:
            if not dry_run:
                raise Conflict(f"a version named {name!r} already exists", hint="choose another name")
            existing = graph.resolve(name)
            exclude = graph.descendants(existing) | {existing}
    explicit = _explicit_parents(graph, parent, relation) if parent is not None else []
    if isinstance(model, (str, Path)) and not Path(model).expanduser().exists():
        raise NotFound(f"{Path(model).expanduser()} does not exist", hint="check the path")
    from ..inference import infer_parent
    from ..inference.sketch import layout_of, sketch_arrays

    if progress:
        progress(0, 1, "loading")
    from .files import record_for_add

    files = record_for_add(model) if lossy is None else None  # every file, read once and hashed
    loaded = _read_without_torch(model)
    if loaded is None:
        from ..io.sources import load_source  # torch: after the cheap checks above

        loaded = load_source(model)
    if files is not None:
        files.check_unchanged()
    if progress:
        progress(1, 1, "loading")
    if (loaded.architecture or {}).get("kind") == "peft":  # an adapter: of its base, by default
        rel = Relation.parse(relation or Relation.ADAPTER)
        relation = rel
        explicit = [(p, rel) for p, _ in explicit] or [(_adapter_base(graph, loaded), rel)]
    name = name or loaded.suggested_name
    if name is None:
        raise InvalidInput("the new version needs a name", hint="pass name=... (or --name on the command line)")
    check_label(name)
    if name in graph and not dry_run:
        raise Conflict(f"a version named {name!r} already exists", hint="choose another name (--name)")
    oids = None if lossy is not None else _hash_all(loaded.state, progress)
    manifest = _manifest(loaded.state, oids)
    sketch = sketch_arrays(loaded.state, layout_of(manifest))
    for p, rel in explicit:
        check_parent(p, manifest, rel, loaded.architecture)
    parents = [(p.id, rel) for p, rel in explicit]
    inference: InferenceResult | None = None
    if not explicit and infer and len(graph):
        if oids is None:  # lossy adds hash late; inference still wants exact identities
            manifest = _manifest(loaded.state, _hash_all(loaded.state, progress))
        inference = infer_parent(
            graph,
            repo.sketch_index,
            manifest,
            sketch,
            exclude=exclude,
            max_distance=max_distance,
            child_state=loaded.state,
            decode=repo.store.get,
        )
        if inference["parent_id"] is not None:
            rel = (
                Relation.parse(relation)
                if relation is not None
                else Relation.parse(inference["relation"] or "finetune")
            )
            parents = [(inference["parent_id"], rel)]
    elif relation is not None and not explicit:
        Relation.parse(relation)
    if not explicit and infer and files is not None and files.root == "folder":
        parents, inference = _declared_parent(
            graph,
            files.folder,
            prep_parents=parents,
            inference=inference,
            manifest=manifest,
            loaded=loaded,
            relation=relation,
        )
    return PreparedAdd(loaded, name, manifest, oids, sketch, parents, inference, files)


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

            store_files(repo, txn, version, prep.files)
            prep.files.check_unchanged()
    return version


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


def add(
    repo: Repository,
    model: Any,
    name: str | None = None,
    parent: str | list[str] | None = None,
    relation: str | Relation | None = None,
    model_type: str | None = None,
    message: str | None = None,
    lossy: float | None = None,
    *,
    author: str | None = None,
    metadata: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    recipe: dict[str, Any] | None = None,
    infer: bool = True,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    progress: Progress | None = None,
) -> ModelVersion:
    """Add a model as a new version.

    Parameters
    ----------
    model
        An ``nn.Module``, a state dict, a ``.safetensors`` file, a ``.pt``/``.bin`` state
        dict (read with ``weights_only=True``) or a local Hugging Face model folder.
    name
        The version's name (default: the file or folder name).
    parent
        A version name, tag or id, or a list of them (a merge).  When None the parent is
        inferred (see :mod:`..inference`), unless ``infer`` is False; the decision is kept
        in ``metadata["inference"]``.  Below :data:`LOW_CONFIDENCE` a warning names the
        candidates and the ``mgit reparent`` command that changes the choice.
    relation
        ``finetune`` (default), ``version``, ``prune``, ``quantize``, ``distill``,
        ``adapter`` or ``merge`` (default with several parents).  With an inferred parent
        the evidence's suggestion is used when this is None.
    model_type
        The key tests are registered on; default: the first parent's.
    lossy
        An absolute error bound: float tensors may be stored lossy within it.
    recipe
        How the model was made from its parent (``{"kind": "function", "ref":
        "package.module:function", "kwargs": {...}, "parent": id}``), for cascades.

    Raises
    ------
    NotFound, InvalidInput, Conflict
        Missing file, unreadable or unsafe pickle, unknown or incompatible parent,
        duplicate name.  The repository is unchanged.
    """
    prep = prepare_add(
        repo,
        model,
        name=name,
        parent=parent,
        relation=relation,
        lossy=lossy,
        infer=infer,
        max_distance=max_distance,
        progress=progress,
    )
    version = store_prepared(
        repo,
        prep,
        model_type=model_type,
        message=message,
        lossy=lossy,
        author=author,
        metadata=metadata,
        metrics=metrics,
        recipe=recipe,
        progress=progress,
    )
    if prep.inference is not None and doubtful(prep.inference):
        _warn_doubt(version, prep.inference)
    return version


def infer_parent_of(repo: Repository, model: Any, *, max_distance: float = DEFAULT_MAX_DISTANCE) -> InferenceResult:
    """The parent :func:`add` would infer for ``model``, and why; writes nothing."""
    prep = prepare_add(
        repo, model, name="(dry run)", parent=None, relation=None, lossy=None, infer=True, max_distance=max_distance
    )
    if prep.inference is not None:
        return prep.inference
    return {
        "parent": None,
        "parent_id": None,
        "confidence": 1.0,
        "relation": None,
        "candidates": [],
        "reason": "the repository is empty",
        "compared": 0,
        "refined_tensors": 0,
        "elapsed_ms": 0.0,
    }
