"""Bisect: the first version along the path GOOD -> BAD that fails a test."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import render_html, schema
from ..errors import InvalidInput, NotFound
from ..io.module_states import load_version_model
from ..progress import Progress
from ..repository import Repository
from ..schema import BisectStep, ModelTestSpec
from .run import evaluate, version_digest
from .specs import read_specs


@dataclass
class BisectResult:
    """The outcome of :func:`bisect`: the path, the first failing version, the steps run."""

    test: str
    path: list[str]
    first_bad: str
    last_good: str
    steps: list[BisectStep] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<BisectResult {self.test}: first failing {self.first_bad}, last passing {self.last_good}>"

    def _repr_html_(self) -> str:
        return render_html.bisect(self.to_json())

    def to_json(self) -> schema.BisectResult:
        return {
            "test": self.test,
            "path": list(self.path),
            "first_bad": self.first_bad,
            "last_good": self.last_good,
            "steps": list(self.steps),
        }


def _spec(repo: Repository, test: str) -> ModelTestSpec:
    specs = read_specs(repo)
    for s in specs:
        if s["name"] == test:
            if not any(m["condition"] for m in s["metrics"].values()):
                raise InvalidInput(
                    f"test {test!r} has no success condition, so no version can fail it",
                    hint="register it with a condition, e.g. --metric accuracy:higher:'>=0.9'",
                )
            return s
    raise NotFound(f"no test named {test!r}", hint="see `mgit tests list`")


def bisect(
    repo: Repository,
    good: str,
    bad: str,
    test: str,
    *,
    progress: Progress | None = None,
) -> BisectResult:
    """Binary-search the lineage path from ``good`` to ``bad`` for the first version failing ``test``.

    Stored results on the same weights are reused; nothing is written.

    Raises
    ------
    InvalidInput
        When ``good`` is not an ancestor of ``bad``, ``good`` fails, or ``bad`` passes.
    """
    spec = _spec(repo, test)
    graph = repo.graph
    g_id, b_id = graph.resolve(good), graph.resolve(bad)
    if g_id == b_id or not graph.g.has_path(g_id, b_id):
        raise InvalidInput(
            f"{good!r} is not an ancestor of {bad!r}, so there is no path to bisect",
            hint="pass an older version first: mgit bisect GOOD BAD --test T",
        )
    path = graph.g.shortest_path(g_id, b_id) or []
    versions = [graph.get(v) for v in path]
    steps: list[BisectStep] = []
    verdicts: dict[int, bool] = {}
    budget = 2 + max(1, (len(path) - 2).bit_length())

    def passes(i: int) -> bool:
        if i in verdicts:
            return verdicts[i]
        v = versions[i]
        digest = version_digest(v)
        stored = v.tests.get(test)
        if stored and stored.get("weights") == digest and stored.get("status") in ("passed", "failed"):
            status, cached = stored["status"], True
        else:
            model = load_version_model(repo, v.id)
            status = evaluate([spec], model, version_id=v.id, version_name=v.name, weights=digest)[0]["status"]
            cached = False
        steps.append(
            {
                "version": v.id,
                "version_name": v.name,
                "status": status,
                "cached": cached,
            }
        )
        if progress:
            progress(len(steps), budget, "bisect")
        verdicts[i] = status == "passed"
        return verdicts[i]

    if not passes(0):
        raise InvalidInput(
            f"the good version {versions[0].name!r} fails {test!r}",
            hint="pick an older GOOD version",
        )
    if passes(len(path) - 1):
        raise InvalidInput(
            f"the bad version {versions[-1].name!r} passes {test!r}",
            hint="pick a BAD version that fails",
        )
    lo, hi = 0, len(path) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            lo = mid
        else:
            hi = mid
    return BisectResult(
        test=test,
        path=[v.name for v in versions],
        first_bad=versions[hi].name,
        last_good=versions[lo].name,
        steps=steps,
    )
