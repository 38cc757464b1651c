"""The base of every mgit handler: authorization, request parsing, and the one error mapper.

Errors are mapped to HTTP here and nowhere else: an :class:`~mgit_lab.core.errors.MgitError`
becomes its ``http_status`` with ``{"message", "hint"}``; tornado's own HTTP errors keep their
status; anything else is a 500 whose body says "internal error" (the traceback goes to the
server log, never to the client).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..core.errors import InvalidInput, MgitError
from ..core.repository import Repository
from ..core.schema import ErrorPayload
from .jobs import JobRunner
from .paths import RootDir
from .repos import RepositoryCache

T = TypeVar("T")

#: the resource name Jupyter's authorizer sees for every mgit route
AUTH_RESOURCE = "mgit"

_MISSING = object()


class MgitHandler(APIHandler):
    """Base class: authenticated, authorized, JSON in and out."""

    auth_resource = AUTH_RESOURCE

    # ------------------------------------------------------------ auth
    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self.current_user is None:  # also when the server allows unauthenticated access
            raise web.HTTPError(403, "authentication required")
        action = "read" if self.request.method in ("GET", "HEAD") else "write"
        allowed = self.authorizer.is_authorized(self, self.current_user, action, AUTH_RESOURCE)
        if asyncio.iscoroutine(allowed):
            allowed = await allowed
        if not allowed:
            raise web.HTTPError(403, f"not authorized to {action} mgit repositories")

    # ------------------------------------------------------------ shared state
    @property
    def root(self) -> RootDir:
        return self.settings["mgit_root"]

    @property
    def repos(self) -> RepositoryCache:
        return self.settings["mgit_repos"]

    @property
    def jobs(self) -> JobRunner:
        return self.settings["mgit_jobs"]

    def repository(self, rel: str) -> tuple[str, Repository]:
        """The repository at or above ``rel`` (relative to the root) and its API path."""
        return self.repos.open(rel)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (blocking) core call on a thread so the event loop stays free."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))

    # ------------------------------------------------------------ input
    def body(self, known: set[str]) -> dict[str, Any]:
        """The request's JSON object body; unknown fields are refused (they are typos)."""
        raw = self.request.body or b"{}"
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"the request body is not valid JSON: {exc}", hint="send a JSON object") from None
        if not isinstance(doc, dict):
            raise InvalidInput(f"the request body must be a JSON object, got {type(doc).__name__}")
        unknown = sorted(set(doc) - known)
        if unknown:
            raise InvalidInput(
                f"unknown field(s) {', '.join(map(repr, unknown))}",
                hint=f"known fields: {', '.join(sorted(known))}",
            )
        return doc

    def query_bool(self, name: str, default: bool = False) -> bool:
        value = self.get_query_argument(name, None)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes"):
            return True
        if value.lower() in ("0", "false", "no", ""):
            return False
        raise InvalidInput(f"query parameter {name!r} must be true or false, got {value!r}")

    def query_str(self, name: str, default: Any = _MISSING) -> Any:
        value = self.get_query_argument(name, None)
        if value is None:
            if default is _MISSING:
                raise InvalidInput(f"query parameter {name!r} is required")
            return default
        return value

    # ------------------------------------------------------------ output
    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, MgitError):
            self.set_status(exc.http_status)
            body: ErrorPayload = {"message": exc.message, "hint": exc.hint}
        elif isinstance(exc, web.HTTPError):
            body = {"message": exc.log_message or self._reason, "hint": None}
        elif exc is not None:
            body = {
                "message": f"internal error: {type(exc).__name__}",
                "hint": "see the Jupyter server log",
            }
        else:
            body = {"message": self._reason, "hint": None}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, MgitError) and value.http_status < 500:
            self.log.info(
                "mgit %s %s: %s %s",
                self.request.method,
                self.request.path,
                value.http_status,
                value,
            )
        else:
            super().log_exception(typ, value, tb)


def field(
    doc: dict[str, Any],
    name: str,
    kind: type | tuple[type, ...],
    default: Any = _MISSING,
) -> Any:
    """``doc[name]`` checked to be of ``kind``; ``default`` when absent (required if none given)."""
    if name not in doc or doc[name] is None:
        if default is _MISSING:
            raise InvalidInput(f"field {name!r} is required")
        return default
    value = doc[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise InvalidInput(f"field {name!r} must be {_kind_names(kinds)}, got a boolean")
    if not isinstance(value, kinds):
        raise InvalidInput(f"field {name!r} must be {_kind_names(kinds)}, got {type(value).__name__}")
    return value


def string_list(doc: dict[str, Any], name: str, default: Any = _MISSING) -> Any:
    """``doc[name]`` checked to be a list of strings."""
    value = field(doc, name, list, default)
    if value is not default and not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"field {name!r} must be a list of strings")
    return value


def _kind_names(kinds: tuple[type, ...]) -> str:
    words = {
        str: "a string",
        bool: "true or false",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "an object",
    }
    return " or ".join(words.get(k, k.__name__) for k in kinds)
