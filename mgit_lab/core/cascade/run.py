"""Update cascades: rebuild the descendants of an upstream model on its new version.

``run_cascade(repo, OLD, NEW)`` re-runs, in topological order, the creation recipe of
every version *derived* from OLD (followed along ``finetune``, ``prune``, ``quantize``,
``distill``, ``adapter`` and ``merge`` edges; ``version`` edges mark versions of the same
model and are not followed), with OLD replaced by NEW and each rebuilt parent by its
rebuilt version.  Each result is added as a ``version`` child of the descendant it
replaces (and a child of its new parents, with the original relations), named
``<old name>@<NEW name>``, only once its recipe *and* its tests have finished.

Before anything runs, every selected recipe is checked (importable, known strategy) and
every new name is checked free, so bad input changes nothing.  A recipe or test that
raises marks that version ``failed``; the versions depending on it are ``skipped``; the
report lists exactly what was and was not updated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import schema
from ..errors import Conflict, InvalidInput, MgitError
from ..evaluation import evaluate, specs_for, version_digest
from ..io.module_states import load_version_model
from ..lineage import LineageGraph, ModelVersion, Relation
from ..merge import merge_versions
from ..merge.recipe_file import spec_from_recipe
from ..progress import Progress
from ..repository import Repository
from .recipes import check_recipe, derive, describe_recipe


@dataclass
class CascadeReport:
    """What a cascade did (or, on a dry run, would do), one entry per affected version."""

    old: str
    new: str
    dry_run: bool
    entries: list[schema.CascadeEntry] = field(default_factory=list)

    @property
    def updated(self) -> list[str]:
        return [e["old"] for e in self.entries if e["status"] in ("updated", "updated-tests-failed")]

    @property
    def not_updated(self) -> list[str]:
        return [e["old"] for e in self.entries if e["status"] not in ("updated", "updated-tests-failed")]

    @property
    def complete(self) -> bool:
        return not self.dry_run and all(e["status"] == "updated" for e in self.entries)

    def to_json(self) -> schema.CascadeReport:
        return {
            "old": self.old,
            "new": self.new,
            "dry_run": self.dry_run,
            "entries": list(self.entries),
            "updated": self.updated,
            "not_updated": self.not_updated,
            "complete": self.complete,
        }


def recipe_parents(graph: LineageGraph, version: ModelVersion) -> list[str]:
    """The ids the version's recipe was applied to (merge: A and B; function: its parent)."""
    recipe = version.recipe or {}
    if recipe.get("kind") == "merge":
        return [p for p in recipe.get("parents", []) if p in graph.g]
    if recipe.get("parent") in graph.g:
        return [recipe["parent"]]
    derived = [p.id for p, rel in graph.parents(version.id) if rel != Relation.VERSION]
    return derived if len(derived) == 1 else []


def derived_versions(graph: LineageGraph, old: str, new: str) -> list[str]:
    """Ids derived from ``old`` (not along ``version`` edges), parents first, minus ``new``'s line."""
    excluded = {new} | graph.descendants(new)
    reached: set[str] = set()
    frontier = [old]
    while frontier:
        node = frontier.pop()
        for child, rel in graph.children(node):
            if rel != Relation.VERSION and child.id not in reached and child.id not in excluded:
                reached.add(child.id)
                frontier.append(child.id)
    return [v.id for v in graph.versions() if v.id in reached]


def _entry(v: ModelVersion, status: str, reason: str, parents: list[str]) -> schema.CascadeEntry:
    return {
        "old": v.name,
        "new": None,
        "recipe": describe_recipe(v.recipe),
        "parents": parents,
        "ancestor": None,
        "status": status,  # type: ignore[typeddict-item]
        "reason": reason,
        "before": {},
        "after": {},
        "tests": [],
    }


def _before(repo: Repository, v: ModelVersion, names: list[str]) -> dict[str, dict[str, float]]:
    """The old version's metrics for ``names``: stored ones on its weights, else measured now."""
    digest = version_digest(v)
    out = {n: dict(v.tests[n]["metrics"]) for n in names if n in v.tests and v.tests[n].get("weights") == digest}
    missing = [n for n in names if n not in out]
    if missing:
        specs = [s for s in specs_for(repo, v, also_versions=(v.id,)) if s["name"] in missing]
        if specs:
            model = load_version_model(repo, v.id)
            for r in evaluate(specs, model, version_id=v.id, version_name=v.name, weights=digest):
                out[r["test"]] = dict(r["metrics"])
    return out


def run_cascade(
    repo: Repository,
    old: str,
    new: str,
    *,
    select: str | None = None,
    model_type: str | None = None,
    dry_run: bool = False,
    stop_on_failure: bool = False,
    progress: Progress | None = None,
    trust: Iterable[str] = (),
) -> CascadeReport:
    """Rebuild the versions derived from ``old`` on top of ``new``.

    A recipe's function reference is read from the lineage, which is data: it runs only when
    the user named it (see :mod:`..trust`): by ``derive`` or ``mgit trust`` earlier, or in
    ``trust`` at this call (CLI ``--trust REF``).

    ``select`` limits the cascade to that version and what derives from it; ``model_type``
    to versions of that type.  Versions left out keep their dependants from being rebuilt.

    Raises
    ------
    InvalidInput
        When ``old`` and ``new`` are the same, ``select`` is not derived from ``old``, or a
        selected recipe cannot be imported (nothing is written then).
    Conflict
        When a rebuilt version's name is taken.
    """
    graph = repo.graph
    o, n = graph.get(old), graph.get(new)
    if o.id == n.id:
        raise InvalidInput(
            "OLD and NEW are the same version",
            hint="pass the old upstream version, then its new one",
        )
    derived = derived_versions(graph, o.id, n.id)
    chosen = derived
    if select is not None:
        s = graph.resolve(select)
        if s not in derived:
            raise InvalidInput(
                f"{select!r} is not derived from {o.name!r}",
                hint="pick one of: " + ", ".join(graph.get(d).name for d in derived)
                if derived
                else f"{o.name!r} has no derived versions",
            )
        chosen = [d for d in derived if d == s or d in graph.descendants(s)]
    if model_type is not None:
        chosen = [d for d in chosen if graph.get(d).model_type == model_type]
    report = CascadeReport(o.name, n.name, dry_run)
    # preflight: nothing runs unless every selected recipe can run and every name is free
    for vid in chosen:
        v = graph.get(vid)
        if v.recipe:
            check_recipe(v.recipe, v.name, trusted=trust)
            target = f"{v.name}@{n.name}"
            if target in graph:
                raise Conflict(
                    f"a version named {target!r} already exists",
                    hint="this cascade has probably run before",
                )
    rebuilt: dict[str, str] = {o.id: n.id}  # old id -> new id (or planned name on a dry run)
    names = {o.id: n.name}  # old id -> name of what replaces it
    stopped_at: str | None = None
    derived_set = set(derived)
    for i, vid in enumerate(chosen):
        v = graph.get(vid)
        if progress:
            progress(i, len(chosen), "cascade")
        parents = recipe_parents(graph, v)
        parent_names = [graph.get(p).name for p in parents]
        if stopped_at is not None:
            report.entries.append(
                _entry(
                    v,
                    "not-run",
                    f"stopped after {stopped_at!r} failed its tests",
                    parent_names,
                )
            )
            continue
        if not v.recipe:
            report.entries.append(_entry(v, "skipped", "no creation recipe recorded", parent_names))
            continue
        if len(parents) != (len(v.recipe.get("parents") or []) if v.recipe.get("kind") == "merge" else 1):
            report.entries.append(
                _entry(
                    v,
                    "skipped",
                    "its recipe's parents are not (all) in the graph, or it does not say which parent it ran on",
                    parent_names,
                )
            )
            continue
        blocked = [graph.get(p).name for p in parents if p in derived_set and p not in rebuilt]
        if blocked:
            report.entries.append(_entry(v, "skipped", f"parent {blocked[0]!r} was not rebuilt", parent_names))
            continue
        mapped = [rebuilt.get(p, p) for p in parents]
        new_parent_names = [names[p] if p in rebuilt else graph.get(p).name for p in parents]
        target = f"{v.name}@{n.name}"
        entry = _entry(v, "planned", "", new_parent_names)
        entry["new"] = target
        report.entries.append(entry)
        if dry_run:
            rebuilt[vid], names[vid] = target, target
            continue
        try:
            created, results = _rebuild(
                repo,
                v,
                mapped,
                target,
                {"from": o.id, "to": n.id, "replaces": v.id},
                rebuilt,
            )
        except MgitError as exc:
            entry["status"], entry["reason"], entry["new"] = "failed", str(exc), None
            continue
        rebuilt[vid], names[vid] = created.id, created.name
        entry["ancestor"] = (created.metadata.get("merge") or {}).get("ancestor_name")
        entry["tests"] = results
        entry["after"] = {r["test"]: dict(r["metrics"]) for r in results}
        entry["before"] = _before(repo, v, [r["test"] for r in results])
        failed = [r["test"] for r in results if r["status"] == "failed"]
        entry["status"] = "updated-tests-failed" if failed else "updated"
        entry["reason"] = f"failed: {', '.join(failed)}" if failed else ""
        if failed and stop_on_failure:
            stopped_at = created.name
    if progress:
        progress(len(chosen), len(chosen), "cascade")
    return report


def _rebuild(
    repo: Repository,
    v: ModelVersion,
    parents: list[str],
    name: str,
    cascade: dict[str, Any],
    rebuilt: dict[str, str],
) -> tuple[ModelVersion, list[schema.ModelTestResult]]:
    recipe = v.recipe or {}
    graph = repo.graph
    meta = {"cascade": cascade}
    relations = {p.id: rel for p, rel in graph.parents(v.id)}
    if recipe.get("kind") == "merge":
        ancestor = recipe.get("ancestor")
        mapped_ancestor = rebuilt.get(ancestor, ancestor) if ancestor else None
        if mapped_ancestor is not None and mapped_ancestor not in graph.g:
            mapped_ancestor = None
        result = merge_versions(
            repo,
            *parents,
            spec=spec_from_recipe(recipe),  # the stored recipe, replayed as it was: rules, weights, seed
            name=name,
            ancestor=mapped_ancestor,
            extra_parents=[(v.id, Relation.VERSION.value)],
            metadata=meta,
            test_versions=(v.id,),
        )
        assert result.version is not None
        return result.version, result.tests
    rel: Relation | str = relations.get(recipe_parents(graph, v)[0], Relation.FINETUNE)
    created = derive(
        repo,
        parents[0],
        recipe["ref"],
        name=name,
        relation=rel,
        kwargs=recipe.get("kwargs") or {},
        model_type=v.model_type,
        extra_parents=[(v.id, Relation.VERSION)],
        metadata=meta,
        test_versions=(v.id,),
    )
    return created, [dict(r) for r in created.tests.values()]  # type: ignore[misc]
