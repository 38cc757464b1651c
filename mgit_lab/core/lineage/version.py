"""A model version (a node of the lineage), its parameter manifest entries and relations."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .. import render_html
from ..errors import InvalidInput
from ..names import MAX_LABEL_BYTES, check_label, check_metadata, check_text


class Relation(str, Enum):
    """How a child version came from its parent."""

    FINETUNE = "finetune"
    VERSION = "version"
    PRUNE = "prune"
    QUANTIZE = "quantize"
    DISTILL = "distill"
    ADAPTER = "adapter"
    MERGE = "merge"

    @classmethod
    def parse(cls, value: str | Relation) -> Relation:
        try:
            return cls(value)
        except ValueError:
            raise InvalidInput(
                f"unknown relation {value!r}", hint=f"use one of: {', '.join(r.value for r in cls)}"
            ) from None


@dataclass
class TensorRef:
    """One entry of a version's parameter manifest."""

    oid: str
    dtype: str
    shape: list[int]

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


ManifestLoader = Callable[[], dict[str, TensorRef]]

#: what :attr:`ModelVersion.summary` holds (written in the lineage record at creation)
SUMMARY_KEYS = ("raw_bytes", "num_parameters", "num_tensors", "stored_bytes", "objects")


def manifest_to_json(manifest: dict[str, TensorRef]) -> dict[str, list[Any]]:
    """A manifest as JSON values: ``{name: [oid, dtype, shape]}``."""
    return {k: [v.oid, v.dtype, v.shape] for k, v in manifest.items()}


def manifest_from_json(doc: dict[str, Any]) -> dict[str, TensorRef]:
    return {k: TensorRef(v[0], v[1], list(v[2])) for k, v in doc.items()}


def manifest_figures(manifest: dict[str, TensorRef]) -> dict[str, int]:
    """Raw bytes, parameter and tensor counts of a manifest (what needs no store)."""
    from ..codecs.abc import TensorSpec

    return {
        "raw_bytes": sum(TensorSpec(t.dtype, tuple(t.shape)).nbytes for t in manifest.values()),
        "num_parameters": sum(t.numel for t in manifest.values()),
        "num_tensors": len(manifest),
    }


class ModelVersion:
    """A node of the lineage graph: one stored model version.

    The parameter manifest lives in its own immutable file (``.mgit/manifests/``) named by
    :attr:`manifest_file` and is read on first access of :attr:`manifest`; :attr:`summary`
    holds the figures the graph shows (raw/stored bytes, parameter and tensor counts) so
    listing versions never reads a manifest.
    """

    def __init__(
        self,
        id: str,
        name: str,
        model_type: str | None = None,
        architecture: dict[str, Any] | None = None,
        manifest: dict[str, TensorRef] | None = None,
        message: str = "",
        author: str = "",
        created: str = "",
        metadata: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        tests: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        recipe: dict[str, Any] | None = None,
        *,
        manifest_file: str | None = None,
        summary: dict[str, int] | None = None,
        loader: ManifestLoader | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.model_type = model_type
        self.architecture = architecture
        self.message = message
        self.author = author
        self.created = created
        self.metadata: dict[str, Any] = metadata if metadata is not None else {}
        self.metrics: dict[str, Any] = metrics if metrics is not None else {}
        self.tests: dict[str, Any] = tests if tests is not None else {}
        self.tags: list[str] = tags if tags is not None else []
        self.recipe = recipe
        #: the manifest's file name under ``.mgit/manifests`` (None: not written yet)
        self.manifest_file = manifest_file
        #: figures of :data:`SUMMARY_KEYS` (None or partial in an old-layout repository)
        self.summary: dict[str, int] | None = summary
        self._manifest: dict[str, TensorRef] | None = manifest
        self._loader = loader
        #: the manifest was set in memory and its file is still to be written
        self.manifest_dirty = manifest is not None and manifest_file is None
        if self._manifest is None and self._loader is None:
            self._manifest = {}

    @property
    def manifest(self) -> dict[str, TensorRef]:
        """``{parameter name: TensorRef}`` (read from its file on first access; do not mutate)."""
        if self._manifest is None:
            assert self._loader is not None
            self._manifest = self._loader()
        return self._manifest

    @manifest.setter
    def manifest(self, value: dict[str, TensorRef]) -> None:
        self._manifest = dict(value)
        self.manifest_dirty = True
        self.summary = None  # figures follow the new manifest at commit

    @property
    def manifest_loaded(self) -> bool:
        return self._manifest is not None

    def __repr__(self) -> str:
        return f"ModelVersion(id={self.id!r}, name={self.name!r}, model_type={self.model_type!r})"

    def _repr_html_(self) -> str:
        return render_html.version_record(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelVersion):
            return NotImplemented
        return self.to_json() == other.to_json() and self.manifest == other.manifest

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, Any]) -> ModelVersion:
        """A copy with its own metadata; the manifest (immutable, replaced whole) is shared."""
        other = ModelVersion.__new__(ModelVersion)
        for key, value in self.__dict__.items():
            shared = key in ("_manifest", "_loader")
            other.__dict__[key] = value if shared else copy.deepcopy(value, memo)
        return other

    def to_json(self) -> dict[str, Any]:
        """The lineage record (shares the metadata dicts: serialise, don't mutate).

        The manifest is not in it: it lives in :attr:`manifest_file`."""
        return {
            "id": self.id,
            "name": self.name,
            "model_type": self.model_type,
            "architecture": self.architecture,
            "manifest_file": self.manifest_file,
            "summary": self.summary,
            "message": self.message,
            "author": self.author,
            "created": self.created,
            "metadata": self.metadata,
            "metrics": self.metrics,
            "tests": self.tests,
            "tags": list(self.tags),
            "recipe": self.recipe,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], loader: ManifestLoader | None = None) -> ModelVersion:
        """A version from its lineage record; ``loader`` reads its manifest file when needed.

        An older record with the manifest inline is read as it is (written to a file at
        the next commit)."""
        inline = doc.get("manifest")
        manifest = manifest_from_json(inline) if isinstance(inline, dict) else None
        return cls(
            id=doc["id"],
            name=doc["name"],
            model_type=doc.get("model_type"),
            architecture=doc.get("architecture"),
            manifest=manifest,
            message=doc.get("message", ""),
            author=doc.get("author", ""),
            created=doc.get("created", ""),
            metadata=doc.get("metadata") or {},
            metrics=doc.get("metrics") or {},
            tests=doc.get("tests") or {},
            tags=list(doc.get("tags") or []),
            recipe=doc.get("recipe"),
            manifest_file=doc.get("manifest_file") if manifest is None else None,
            summary=doc.get("summary"),
            loader=loader if manifest is None and doc.get("manifest_file") else None,
        )

    def _figure(self, key: str) -> int:
        if self.summary is not None and key in self.summary:
            return int(self.summary[key])
        return manifest_figures(self.manifest)[key]

    @property
    def raw_nbytes(self) -> int:
        return self._figure("raw_bytes")

    @property
    def num_parameters(self) -> int:
        return self._figure("num_parameters")

    @property
    def num_tensors(self) -> int:
        return self._figure("num_tensors")


def check_version_texts(version: ModelVersion) -> None:
    """Normalise and bound every text of ``version`` a user gave (see :mod:`..names`).

    Raises
    ------
    InvalidInput
        Naming the field that breaks a rule.
    """
    version.name = check_label(version.name)
    version.tags = [check_label(t, "tag") for t in version.tags]
    if version.model_type is not None:
        version.model_type = check_label(version.model_type, "model type")
    version.message = check_text(version.message)
    version.author = check_text(version.author, "author", limit=MAX_LABEL_BYTES)
    version.metadata = check_metadata(version.metadata)
