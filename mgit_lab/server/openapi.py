"""The OpenAPI document of the REST API (``openapi.yaml`` beside this module).

The paths are written by hand in the YAML; the schemas of the payloads are generated from
the TypedDicts of :mod:`mgit_lab.core.schema`, so the document cannot drift from what the
handlers emit.  After changing a payload, regenerate with::

    python -m mgit_lab.server.openapi

A test fails while the checked-in document is stale.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import (
    Any,
    Literal,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; types-PyYAML is not installed

from ..core import schema

SPEC_PATH = Path(__file__).with_name("openapi.yaml")

#: the payload TypedDicts the API answers with (those they reference are added too)
PAYLOADS = [
    "ErrorPayload",
    "ServerVersion",
    "RepositoryList",
    "RevisionPayload",
    "JobPayload",
    "JobList",
    "GraphPayload",
    "VersionDetail",
    "RemovePayload",
    "CheckoutPayload",
    "TagPayload",
    "StorageStats",
    "GcPayload",
    "VerifyPayload",
    "ModelTestList",
    "ModelTestRunPayload",
    "StrategyList",
    "MergePlan",
    "MergeResult",
    "CascadeReport",
    "ModelDiffJSON",
    "RemoteList",
    "RemoteTracking",
    "TransferPayload",
]

_SCALARS = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def _type_schema(tp: Any, refs: dict[str, type]) -> dict[str, Any]:
    if tp is Any:
        return {}
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if is_typeddict(tp):
        refs[tp.__name__] = tp
        return {"$ref": f"#/components/schemas/{tp.__name__}"}
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        parts = [_type_schema(a, refs) for a in args]
        if all(set(p) == {"type"} and isinstance(p["type"], str) for p in parts):
            return {"type": [p["type"] for p in parts]}
        return {"anyOf": parts}
    if origin in (list, tuple, typing.Sequence):
        return {"type": "array", "items": _type_schema(args[0], refs) if args else {}}
    if origin is dict:
        return {
            "type": "object",
            "additionalProperties": _type_schema(args[1], refs) if args else {},
        }
    if tp is dict:
        return {"type": "object"}
    if tp is list:
        return {"type": "array"}
    raise TypeError(f"no JSON schema for {tp!r}")


def typed_dict_schema(td: type, refs: dict[str, type]) -> dict[str, Any]:
    """The JSON schema of one TypedDict: every key required, no other keys allowed."""
    hints = get_type_hints(td, vars(schema))
    out: dict[str, Any] = {}
    if td.__doc__ and not td.__doc__.startswith(td.__name__ + "("):
        out["description"] = " ".join(td.__doc__.split())
    out |= {
        "type": "object",
        "required": sorted(td.__required_keys__),  # type: ignore[attr-defined]
        "additionalProperties": False,
        "properties": {k: _type_schema(t, refs) for k, t in hints.items()},
    }
    return out


def payload_schemas() -> dict[str, dict[str, Any]]:
    """Schemas of :data:`PAYLOADS` and every TypedDict they reference, by name."""
    todo: dict[str, type] = {name: getattr(schema, name) for name in PAYLOADS}
    done: dict[str, dict[str, Any]] = {}
    while todo:
        name, td = todo.popitem()
        if name in done:
            continue
        refs: dict[str, type] = {}
        done[name] = typed_dict_schema(td, refs)
        todo.update({k: v for k, v in refs.items() if k not in done})
    return dict(sorted(done.items()))


def updated(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with its generated payload schemas replaced by fresh ones."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(payload_schemas())
    return doc


def load() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def main() -> int:
    doc = updated(load())
    SPEC_PATH.write_text(yaml.safe_dump(doc, sort_keys=False, width=110, allow_unicode=True, default_flow_style=None))
    print(f"wrote {SPEC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
