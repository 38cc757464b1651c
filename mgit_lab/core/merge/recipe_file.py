"""Merge recipes: the YAML/JSON file of ``mgit merge --recipe``, and the recipe stored with a merge.

A recipe file (every key optional; the CLI's versions and options win over it)::

    versions: [ft-a, ft-b, ft-c]   # the versions to merge, in order
    base: base                     # the ancestor (default: their lowest common ancestor)
    strategy: ties
    dtype: float32                 # computation dtype: float32 or float64
    seed: 0                        # randomised strategies (DARE, DELLA)
    args: {density: 0.5}           # shared arguments (a per-model one here applies to all)
    models:                        # per-model arguments, by version name, id, or A, B, C...
      ft-a: {weight: 0.6}
      ft-b: {weight: 0.4, density: 0.3}
    rules:                         # per-tensor rules, first match wins (see rules.py)
      - filter: attention          # substring, as mergekit's filter; or a glob: "*.attention.*"
        args: {density: 0.7}
      - filter: "embeddings.*"
        take: ft-a                 # or strategy: take-a / average / ...
      - filter: mlp
        models: {ft-a: {weight: 0.8}}

The stored recipe (``ModelVersion.recipe``, kind ``merge``) holds the same spec with
per-model values keyed by position (``A``, ``B``, ...), so a cascade that rebuilds the
merge on new parents replays it identically.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; types-PyYAML is not installed

from ..errors import InvalidInput
from .planner import MergePlan
from .registry import get_strategy
from .rules import MergeSpec, Rule, model_index, take_index

MAX_RECIPE_BYTES = 1 << 20
MAX_RULES = 10_000
_TOP = {"versions", "base", "name", "strategy", "dtype", "seed", "args", "models", "rules", "overrides"}
_RULE = {"filter", "strategy", "take", "args", "models"}


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidInput(f"{where} must be a mapping of names to values", hint="see the README: merge recipes")
    for v in value.values():
        if isinstance(v, (Mapping, list)) and where.endswith("args"):
            raise InvalidInput(f"{where} values must be numbers, booleans or strings", hint="e.g. args: {density: 0.5}")
    return dict(value)


def _models(value: Any, where: str) -> dict[str, dict[str, Any]]:
    return {k: _mapping(v, f"{where}.{k}") for k, v in _mapping(value, where).items()}


def _rule(doc: Any, i: int) -> Rule:
    where = f"rules[{i}]"
    if not isinstance(doc, Mapping):
        raise InvalidInput(
            f"{where} must be a mapping with a filter", hint="e.g. - {filter: attention, args: {density: 0.7}}"
        )
    unknown = set(doc) - _RULE
    if unknown:
        raise InvalidInput(
            f"{where} has unknown keys: {', '.join(sorted(map(str, unknown)))}",
            hint=f"rule keys: {', '.join(sorted(_RULE))}",
        )
    flt = doc.get("filter")
    if not isinstance(flt, str) or not flt or len(flt) > 1000:
        raise InvalidInput(f"{where} needs a filter: a non-empty name substring or glob")
    if "take" in doc and "strategy" in doc:
        raise InvalidInput(
            f"{where} has both take and strategy", hint="take: VERSION is short for a take strategy; keep one"
        )
    target = doc.get("take", doc.get("strategy"))
    if target is not None and not isinstance(target, str):
        raise InvalidInput(f"{where}: strategy/take must be a name")
    return Rule(flt, target, _mapping(doc.get("args"), f"{where}.args"), _models(doc.get("models"), f"{where}.models"))


def parse_recipe(doc: Any) -> tuple[MergeSpec, list[str], str | None, str | None]:
    """``(spec, versions, base, name)`` of a parsed recipe document.

    Raises
    ------
    InvalidInput
        For a key the format does not have or a value of the wrong kind, naming where.
    """
    if not isinstance(doc, Mapping):
        raise InvalidInput("a merge recipe must be a mapping", hint="see the README: merge recipes")
    unknown = set(doc) - _TOP
    if unknown:
        raise InvalidInput(
            f"the merge recipe has unknown keys: {', '.join(sorted(map(str, unknown)))}",
            hint=f"recipe keys: {', '.join(sorted(_TOP))}",
        )
    versions = doc.get("versions") or []
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise InvalidInput("versions must be a list of version names")
    rules = doc.get("rules") or []
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        raise InvalidInput(f"rules must be a list (at most {MAX_RULES})")
    for key in ("base", "name", "strategy", "dtype"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise InvalidInput(f"{key} must be a string")
    seed = doc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidInput(f"seed must be an integer, not {seed!r}")
    overrides = _mapping(doc.get("overrides"), "overrides")
    if not all(isinstance(v, str) for v in overrides.values()):
        raise InvalidInput("overrides must map name patterns to A, B, ancestor, a version or a strategy")
    spec = MergeSpec(
        strategy=doc.get("strategy") or "average",
        args=_mapping(doc.get("args"), "args"),
        models=_models(doc.get("models"), "models"),
        overrides=overrides,
        rules=[_rule(r, i) for i, r in enumerate(rules)],
        dtype=doc.get("dtype") or "float32",
        seed=seed,
    )
    return spec, list(versions), doc.get("base"), doc.get("name")


def read_recipe(path: str | Path) -> tuple[MergeSpec, list[str], str | None, str | None]:
    """Parse the recipe file at ``path`` (YAML, of which JSON is a subset).

    Raises
    ------
    InvalidInput
        When it is missing, too large, not YAML, or not a valid recipe.
    """
    p = Path(path)
    try:
        if p.stat().st_size > MAX_RECIPE_BYTES:
            raise InvalidInput(
                f"the merge recipe {str(p)!r} is larger than 1 MiB", hint="a recipe is a small YAML file"
            )
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"cannot read the merge recipe {str(p)!r}: {exc}", hint="pass the path of a YAML or JSON file"
        ) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"the merge recipe {str(p)!r} is not valid YAML: {exc}".splitlines()[0], hint="check its indentation"
        ) from None
    return parse_recipe(doc)


def _by_position(models: Mapping[str, Mapping[str, Any]], plan: MergePlan) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, values in models.items():
        letter = chr(ord("A") + model_index(key, plan.names, plan.versions))
        out.setdefault(letter, {}).update(values)
    return out


def _target(target: str | None, plan: MergePlan) -> str | None:
    """A take target naming a merged version, as its position letter (other targets unchanged)."""
    if target is None:
        return None
    index = take_index(target, plan.names, plan.versions)
    return target if index is None else chr(ord("A") + index)


def spec_to_recipe(spec: MergeSpec, plan: MergePlan, resolved: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The recipe stored with a merged version (JSON; per-model values keyed A, B, C...).

    ``resolved`` (the default strategy's shared arguments with defaults filled in) is stored
    too, so a replay does not depend on defaults that may change; per-model values stay as
    given, so per-tensor rules still override them as they did.
    """
    legacy = set(getattr(get_strategy(spec.strategy), "legacy", {})) if resolved is not None else set()
    args = {**{k: v for k, v in spec.args.items() if k not in legacy}, **dict(resolved or {})}
    recipe = {
        "kind": "merge",
        "parents": list(plan.versions),
        "ancestor": plan.ancestor,
        "strategy": spec.strategy,
        "args": args,
        "models": _by_position(spec.models, plan),
        "overrides": {p: _target(t, plan) for p, t in spec.overrides.items()},
        "rules": [
            Rule(r.filter, _target(r.strategy, plan), dict(r.args), _by_position(r.models, plan)).to_json()
            for r in spec.rules
        ],
        "dtype": spec.dtype,
        "seed": spec.seed,
    }
    return json.loads(json.dumps(recipe))


def spec_from_recipe(recipe: Mapping[str, Any]) -> MergeSpec:
    """The :class:`MergeSpec` of a stored merge recipe (older recipes: strategy, args, overrides only).

    Raises
    ------
    InvalidInput
        When the stored recipe is malformed.
    """
    doc = {
        k: recipe.get(k)
        for k in ("strategy", "args", "models", "overrides", "rules", "dtype", "seed")
        if recipe.get(k) is not None
    }
    spec, _, _, _ = parse_recipe(doc)
    return spec
