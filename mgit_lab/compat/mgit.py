"""MGit's Python API names over mgit-lab, so an MGit script ports by changing its import.

    # before                                   # after
    from utils.lineage.graph import *          from mgit_lab.compat.mgit import *

    g = LineageGraph()                          # opens (or creates) the repository here
    root = LineageNode(init_checkpoint="./bert-base", output_dir="bert-base", model_type="mlm")
    g.add_root(root)
    child = LineageNode(init_checkpoint="./bert-sst2", output_dir="bert-sst2", model_type="classifier")
    g.add(child)                                # parent inferred, as MGit does for "adapted"
    g.register_test_to_type(LineageTest(name="acc", custom_test_function=acc_fn,
                                        metrics={"accuracy": "higher"}), "classifier")
    g.save("./")
    g = LineageGraph.load_from_file("./")
    g.show()

Differences from MGit (the README's "Porting from MGit" lists them too):

- Nothing is kept only in memory: every ``add`` is stored at once (``save`` writes nothing;
  models are read from ``init_checkpoint`` or ``model=`` when added).  ``init_checkpoint``
  must be a local path (a Hugging Face folder, ``.safetensors`` or ``.pt``/``.bin``): hub
  names are not downloaded.  ``LineageNode(model=...)`` also takes an ``nn.Module`` or a
  state dict.
- ``add`` raises :class:`~mgit_lab.core.errors.MgitError` instead of printing and returning
  False.  ``etype`` ``"adapted"`` maps to the ``finetune`` relation and ``"versioned"`` to
  ``version``; any mgit-lab relation name is accepted too.  ``inplace`` is not supported.
- ``LineageTest``: ``custom_test_function`` must be importable (``module.function``) and is
  called as ``fn(model)`` (or ``fn(model, data)`` with ``eval_dataset``, itself an importable
  function returning the data), not ``fn(model, lineage_dataset, tokenizer)``.  Metrics must
  declare a direction: ``metrics={"accuracy": "higher"}`` or ``metric_for_best_model`` with
  ``greater_is_better``; ``test_success_condition`` functions become conditions on metrics
  (``metrics={"accuracy": ("higher", ">= 0.8")}``).  Tests are run by
  ``node.run_all_tests()`` / ``mgit test``.
- ``show`` prints the lineage as a text tree and returns it (``save_path=*.html`` writes it
  into an HTML page); use ``mgit_lab.widget.LineageWidget`` for the interactive graph.
- ``compression_mode``, ``single_model_compression``, ``param_home``, ``input_names`` are
  accepted and ignored: storage is always deduplicated and delta-encoded.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..api import Repository
from ..core.errors import InvalidInput, NotFound
from ..core.lineage import Relation
from ..core.render_text import render_log

__all__ = ["LineageGraph", "LineageNode", "LineageTest"]

#: MGit edge types -> mgit-lab relations
ETYPES = {"adapted": Relation.FINETUNE, "versioned": Relation.VERSION}


def _relation(etype: str | None) -> Relation | None:
    if etype is None:
        return None
    if etype in ETYPES:
        return ETYPES[etype]
    return Relation.parse(etype)


class _ModelHandle:
    """What MGit's ``node.get_model()`` returns: ``.model`` (and ``.tokenizer``, always None)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.tokenizer = None


class LineageNode:
    """A model version, as MGit's ``LineageNode(output_dir, init_checkpoint=..., model_type=...)``."""

    def __init__(
        self,
        output_dir: str,
        init_checkpoint: str | None = None,
        model_type: str | None = None,
        task_type: str | None = None,
        *,
        model: Any = None,
        message: str | None = None,
        **ignored: Any,
    ) -> None:
        self.output_dir = output_dir
        self.init_checkpoint = init_checkpoint
        self.model_type = model_type
        self.task_type = task_type
        self.message = message
        self._source = model
        self.graph: LineageGraph | None = None

    @property
    def name(self) -> str:
        return self.output_dir

    def _owner(self) -> LineageGraph:
        if self.graph is None:
            raise InvalidInput(f"node {self.output_dir!r} is not in a graph yet", hint="g.add(node) first")
        return self.graph

    def _repo(self) -> Repository:
        return self._owner().repo

    def source(self) -> Any:
        """The model to store: ``model=`` if given, else the ``init_checkpoint`` path."""
        if self._source is not None:
            return self._source
        if self.init_checkpoint is None:
            raise InvalidInput(
                f"node {self.output_dir!r} has no model",
                hint="pass init_checkpoint='local/path' or model=<nn.Module or state dict>",
            )
        path = Path(self.init_checkpoint).expanduser()
        if not path.exists():
            raise NotFound(
                f"init_checkpoint {self.init_checkpoint!r} is not a local path",
                hint="mgit-lab does not download from the hub: save the model locally and pass its folder",
            )
        return path

    def get_pt_model(self) -> Any:
        """The stored model as an ``nn.Module``."""
        return self._repo().load(self.output_dir)

    def get_model(self) -> _ModelHandle:
        return _ModelHandle(self.get_pt_model())

    def get_parents(self, etype: str | None = None) -> list[LineageNode]:
        rel = _relation(etype)
        owner = self._owner()
        return [owner.get_node(p.name) for p, r in owner.repo.graph.parents(self.output_dir) if rel is None or r == rel]

    def get_children(self, etype: str | None = None) -> list[LineageNode]:
        rel = _relation(etype)
        owner = self._owner()
        return [
            owner.get_node(c.name) for c, r in owner.repo.graph.children(self.output_dir) if rel is None or r == rel
        ]

    @property
    def test_result_dict(self) -> dict[str, Any]:
        return dict(self._repo().version(self.output_dir).tests)

    def run_all_tests(self, return_results: bool = False) -> list[Any]:
        """Run the tests registered for this version (results are stored with it)."""
        testing = _testing()
        results = testing.run_tests(self._repo(), self.output_dir)
        return [r.to_json() if hasattr(r, "to_json") else r for r in results] if return_results else results

    def __repr__(self) -> str:
        return f"LineageNode({self.output_dir!r})"


class LineageTest:
    """A test, as MGit's ``LineageTest(name=..., custom_test_function=..., ...)``."""

    def __init__(
        self,
        name: str,
        custom_test_function: Any = None,
        *,
        metrics: Any = None,
        metric_for_best_model: str | None = None,
        greater_is_better: bool | None = None,
        eval_dataset: Any = None,
        test_success_condition: Any = None,
        **ignored: Any,
    ) -> None:
        if custom_test_function is None:
            raise InvalidInput(
                f"test {name!r} has no custom_test_function",
                hint="pass an importable function fn(model) -> {metric: value}",
            )
        if test_success_condition is not None and not isinstance(test_success_condition, (str, int, float)):
            raise InvalidInput(
                "test_success_condition functions are not supported",
                hint="state the condition on a metric: metrics={'accuracy': ('higher', '>= 0.8')}",
            )
        if metrics is None and metric_for_best_model is not None:
            if greater_is_better is None:
                raise InvalidInput(
                    f"test {name!r}: say whether a higher {metric_for_best_model!r} is better",
                    hint="pass greater_is_better=True/False, or metrics={'name': 'higher'|'lower'}",
                )
            direction = "higher" if greater_is_better else "lower"
            cond = test_success_condition
            metrics = {metric_for_best_model: (direction, cond) if cond is not None else direction}
        self.name = name
        self.custom_test_function = custom_test_function
        self.metrics = metrics
        self.eval_dataset = eval_dataset

    def _register(self, repo: Repository, **scope: Any) -> Any:
        testing = _testing()
        return testing.register_test(
            repo,
            self.custom_test_function,
            name=self.name,
            metrics=self.metrics,
            dataset=self.eval_dataset,
            replace=True,
            **scope,
        )


def _testing() -> Any:
    """The model-test registry (imported lazily: it lives in ``mgit_lab.core.evaluation``)."""
    try:
        import importlib

        return importlib.import_module("mgit_lab.core.evaluation")
    except ImportError:
        raise InvalidInput("model tests are not available in this installation", hint="upgrade mgit-lab") from None


class LineageGraph:
    """MGit's ``LineageGraph`` over the repository at (or above) ``path``; created when missing."""

    def __init__(
        self,
        path: str | Path = ".",
        compression_mode: Any = None,
        single_model_compression: Any = None,
        param_home: Any = None,
        *,
        create: bool = True,
    ) -> None:
        try:
            self.repo = Repository.open(path)
        except NotFound:
            if not create:
                raise
            self.repo = Repository.init(path)
        self._nodes: dict[str, LineageNode] = {}

    # ------------------------------------------------------------ reading
    def get_node(self, node_name: str) -> LineageNode:
        version = self.repo.version(node_name)
        node = self._nodes.get(version.id)
        if node is None or node.output_dir != version.name:
            node = LineageNode(version.name, model_type=version.model_type, message=version.message)
            node.graph = self
            self._nodes[version.id] = node
        return node

    @property
    def nodes(self) -> dict[str, LineageNode]:
        """name -> node, parents first."""
        return {v.name: self.get_node(v.name) for v in self.repo.versions()}

    @property
    def root(self) -> list[str]:
        graph = self.repo.graph
        return [v.name for v in graph.versions() if not graph.parents(v.id)]

    def get_all_nodes(self, parent: str = "root") -> list[LineageNode]:
        if parent == "root":
            return list(self.nodes.values())
        graph = self.repo.graph
        keep = graph.descendants(parent)
        return [self.get_node(v.name) for v in graph.versions() if v.id in keep]

    def get_pt_model(self, node_name: str) -> Any:
        return self.repo.load(node_name)

    # ------------------------------------------------------------ changing
    def add(
        self,
        node: LineageNode,
        etype: str | None = None,
        parent: str | None = None,
        inplace: bool = False,
        input_names: Any = None,
    ) -> bool:
        """Store ``node``'s model; without ``parent`` the parent is inferred. Returns True."""
        if inplace:
            raise InvalidInput("in-place updates are not supported", hint="add the new model as a new version")
        if parent == "root":
            return self.add_root(node)
        version = self.repo.add(
            node.source(),
            name=node.output_dir,
            parent=parent,
            relation=_relation(etype),
            model_type=node.model_type,
            message=node.message,
        )
        node.graph = self
        self._nodes[version.id] = node
        return True

    def add_root(self, node: LineageNode) -> bool:
        """Store ``node`` as a root (no parent, no inference)."""
        version = self.repo.add(
            node.source(), name=node.output_dir, model_type=node.model_type, message=node.message, infer=False
        )
        node.graph = self
        self._nodes[version.id] = node
        return True

    def detach(self, output_dir: str) -> LineageNode:
        """Remove a version (refused while others depend on it)."""
        node = self.get_node(output_dir)
        self.repo.remove(output_dir)
        node.graph = None
        return node

    def register_test_to_type(self, test: LineageTest, model_type: str) -> None:
        test._register(self.repo, model_type=model_type)

    def register_test_to_node(self, test: LineageTest, node_name: str) -> None:
        test._register(self.repo, version=node_name)

    def register_test_to_graph(self, test: LineageTest) -> None:
        test._register(self.repo, graph=True)

    def save(self, path: str | Path | None = None, save_models: bool = True, unique_hash: bool = False) -> None:
        """Nothing to do: every add is already stored.  ``path`` must be in this repository."""
        if path is not None:
            target = Path(path).resolve()
            if target != self.repo.root and self.repo.root not in target.parents:
                raise InvalidInput(
                    f"this lineage is stored in {self.repo.root}, not {target}",
                    hint="open LineageGraph(path) where the lineage should live",
                )

    @staticmethod
    def load_from_file(path: str | Path = ".", load_tests: bool = True, filename: str = "") -> LineageGraph:
        """Open the repository at (or above) ``path``."""
        return LineageGraph(path, create=False)

    def show(self, etype: str | None = None, save_path: str | Path | None = None, layout: bool = True) -> str:
        """Print the lineage as a tree (and write it into ``save_path`` when it ends in .html)."""
        text = render_log(self.repo.graph_payload())
        print(text)
        if save_path is not None and str(save_path).endswith(".html"):
            Path(save_path).write_text(
                "<!doctype html><meta charset='utf-8'><title>Lineage</title>"
                f"<pre style='font: 13px monospace'>{html.escape(text)}</pre>\n"
            )
        return text
