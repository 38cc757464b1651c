"""``add``'s reading step: read a model, hash and sketch it, decide its parents (writing nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput, NotFound
from ..inference import DEFAULT_MAX_DISTANCE
from ..io.state import ArrayState
from ..lineage import Relation, TensorRef, check_label
from ..progress import Progress
from ..repository import Repository
from ..schema import InferenceResult
from .add_parents import _adapter_base, _declared_parent, _explicit_parents, check_parent

if TYPE_CHECKING:  # numpy, torch (the reader) and the store load when a model is read
    import numpy as np

    from ..io.file_record import RecordedSource
    from ..io.state import LoadedModel


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


def _read_without_torch(model: Any, files: RecordedSource | None) -> LoadedModel | None:
    """A ``.safetensors`` path read without importing torch (None: leave it to the torch reader).

    With ``files`` (the file already read and hashed for its files record) the tensors are
    views of those bytes: the file is read once per add, never copied."""
    if not isinstance(model, (str, Path)) or Path(model).suffix != ".safetensors":
        return None
    from ..io.safetensors_file import read_safetensors
    from ..io.state import LoadedModel

    path = Path(model).expanduser()
    state = files.safetensors_state() if files is not None and files.root == "file" else read_safetensors(path)
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
    loaded = _read_without_torch(model, files)
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
