"""``add``: read a model, choose (or check) its parents, store it.

When the parent is inferred with a confidence below :data:`LOW_CONFIDENCE` the choice is
not made silently: the version is added under the best candidate, and a warning (logger
``mgit_lab``) lists the top candidates with their evidence and the exact ``mgit reparent``
command that changes the choice.  The CLI asks instead when it runs on a terminal."""

from __future__ import annotations

from typing import Any

from ..inference import DEFAULT_MAX_DISTANCE
from ..inference.confidence import doubtful
from ..lineage import ModelVersion, Relation
from ..progress import Progress
from ..repository import Repository
from ..schema import InferenceResult
from .add_parents import _warn_doubt, check_parent
from .add_prepare import PreparedAdd, prepare_add
from .add_store import store_prepared

__all__ = ["PreparedAdd", "add", "check_parent", "infer_parent_of", "prepare_add", "store_prepared"]


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
