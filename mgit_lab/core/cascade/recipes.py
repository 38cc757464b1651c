"""Creation recipes: how a version was made from its parent, so a cascade can redo it.

Two kinds, both JSON, stored in ``ModelVersion.recipe``:

- ``{"kind": "function", "ref": "package.module:function", "kwargs": {...}, "parent": id}``:
  ``function(parent_model, **kwargs) -> model``;
- ``{"kind": "merge", "parents": [ids...], "ancestor": id | None, "strategy": name,
  "args": {...}, "models": {"A": {...}}, "overrides": {...}, "rules": [...], "dtype": ...,
  "seed": ...}``: recorded by ``merge_versions`` (see ``merge/recipe_file.py``).

:func:`derive` runs a function recipe on a stored version and records the result with
its recipe (and its test results) in one step.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch

from ..errors import Conflict, InvalidInput, MgitError
from ..evaluation import specs_for, store_results
from ..evaluation.run import evaluate_state
from ..io.module_states import (
    load_version_model,
    model_architecture,
    model_state,
    state_oids,
)
from ..lineage import ModelVersion, Relation
from ..merge.recipe_file import spec_from_recipe
from ..merge.rules import choose_for
from ..progress import Progress
from ..references import reference_of, resolve_reference
from ..repository import Repository
from ..trust import trust

log = logging.getLogger(__name__)


def function_recipe(fn: Callable[..., Any] | str, parent: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """A function recipe; ``fn`` must be importable and ``kwargs`` JSON values.

    Raises
    ------
    InvalidInput
        When ``fn`` cannot be imported by reference or a keyword argument is not JSON.
    """
    ref = reference_of(fn)
    resolve_reference(ref, what="recipe", trusted=[ref])  # the user names it at this call
    trust([ref])
    try:
        kwargs = json.loads(json.dumps(kwargs))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"recipe arguments must be JSON values: {exc}",
            hint="pass numbers, strings, lists, dicts",
        ) from None
    return {"kind": "function", "ref": ref, "kwargs": kwargs, "parent": parent}


def describe_recipe(recipe: Mapping[str, Any] | None) -> str:
    """A short label: the function reference, or ``merge:<strategy>``."""
    if not recipe:
        return "-"
    if recipe.get("kind") == "merge":
        return f"merge:{recipe.get('strategy')}"
    return str(recipe.get("ref"))


def check_recipe(recipe: Mapping[str, Any], version_name: str, *, trusted: Iterable[str] = ()) -> None:
    """Check a stored recipe can run: its function is one the user named (see
    :mod:`..trust`; a recipe read from a lineage is data) and imports, its merge strategy exists.

    Raises
    ------
    InvalidInput
        Naming the version and what is wrong with its recipe.
    """
    kind = recipe.get("kind")
    try:
        if kind == "function":
            resolve_reference(str(recipe.get("ref")), what="recipe", trusted=trusted)
        elif kind == "merge":  # every argument, per-model value and rule of the stored spec
            n = len(recipe.get("parents") or [])
            choose_for(spec_from_recipe(recipe), [chr(ord("A") + i) for i in range(n)])
        else:
            raise InvalidInput(f"unknown recipe kind {kind!r}")
    except MgitError as exc:
        raise InvalidInput(f"the recipe of {version_name!r} cannot run: {exc.message}", hint=exc.hint) from None


def apply_function(
    ref: str, parent_model: torch.nn.Module, kwargs: Mapping[str, Any], *, label: str, trusted: Iterable[str] = ()
) -> torch.nn.Module:
    """``ref(parent_model, **kwargs)``, with a failure turned into one clear error.

    Raises
    ------
    InvalidInput
        When the recipe raises or does not return an ``nn.Module``.
    """
    fn = resolve_reference(ref, what="recipe", trusted=trusted)
    try:
        out = fn(parent_model, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the user's recipe failed: one line, traceback at debug level
        log.debug("recipe %s raised:\n%s", ref, traceback.format_exc())
        raise InvalidInput(
            f"the recipe {ref} raised {type(exc).__name__}: {exc} (building {label})",
            hint="fix the recipe function; nothing was recorded for this version",
        ) from None
    if not isinstance(out, torch.nn.Module):
        raise InvalidInput(f"the recipe {ref} returned {type(out).__name__}, not an nn.Module (building {label})")
    return out


def derive(
    repo: Repository,
    parent: str,
    fn: Callable[..., Any] | str,
    *,
    name: str,
    relation: Relation | str = Relation.FINETUNE,
    kwargs: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    message: str = "",
    extra_parents: list[tuple[str, Relation | str]] | None = None,
    metadata: Mapping[str, Any] | None = None,
    test_versions: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> ModelVersion:
    """Run the recipe ``fn(parent_model, **kwargs)`` and add its output as version ``name``.

    The output's registered tests (by model type, graph, and those registered on
    ``test_versions``) run before anything is written; the version records the recipe.

    Raises
    ------
    InvalidInput
        When the recipe cannot be imported, raises, returns something else than a module,
        or a test raises; the repository is unchanged then.
    """
    parent_version = repo.version(parent)
    if name in repo.graph:
        raise Conflict(f"a version named {name!r} already exists", hint="choose another name")
    recipe = function_recipe(fn, parent=parent_version.id, **dict(kwargs or {}))
    model = apply_function(
        recipe["ref"],
        load_version_model(repo, parent_version.id),
        recipe["kwargs"],
        label=repr(name),
    )
    state = model_state(model)
    architecture = model_architecture(model, parent_version.architecture)
    mtype = model_type if model_type is not None else parent_version.model_type
    probe = ModelVersion(id="", name=name, model_type=mtype)
    oids = state_oids(state)  # hashed once: names the tested weights, saves add_arrays a pass
    specs = specs_for(repo, probe, also_versions=test_versions)
    results = evaluate_state(specs, architecture, state, oids, name=name, progress=progress)
    version = repo.add_arrays(
        state,
        name,
        parents=[(parent_version.id, relation), *(extra_parents or [])],
        model_type=mtype,
        architecture=architecture,
        message=message or f"{recipe['ref']} on {parent_version.name}",
        metadata=dict(metadata or {}),
        recipe=recipe,
        oids=oids,
    )
    for r in results:
        r["version"] = version.id
    store_results(repo, version.id, results)
    return repo.version(version.id)
