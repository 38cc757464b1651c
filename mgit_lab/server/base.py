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

from ..core.errors import InvalidInput, MgitError, TooLarge
from ..core.repository import Repository
from ..core.schema import ErrorPayload
from .jobs import JobRunner
from .paths import RootDir, shown
from .repos import RepositoryCache

T = TypeVar("T")

#: the resource name Jupyter's authorizer sees for every mgit route
AUTH_RESOURCE = "mgit"

_MISSING = object()

#: the largest JSON body a route accepts (a 64 KB message + 64 KB metadata fit many times)
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
#: the longest message or hint an error body (and the log) carries
MAX_ERROR_CHARS = 1000


def _bounded(text: str | None, limit: int = MAX_ERROR_CHARS) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"... ({len(text) - limit} more characters)"


def _nesting(raw: bytes) -> int:
    """The deepest nesting of brackets in a JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


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
        """The request's JSON object body; unknown fields are refused (they are typos).

        Bodies over :data:`MAX_BODY_BYTES` answer 413, JSON nested deeper than
        :data:`MAX_JSON_DEPTH` answers 400; messages quote only a short prefix of the input."""
        raw = self.request.body or b"{}"
        if len(raw) > MAX_BODY_BYTES:
            raise TooLarge(
                f"the request body is {len(raw)} bytes, more than the {MAX_BODY_BYTES} allowed",
                hint="names, messages and metadata are small: check what is being sent",
            )
        if _nesting(raw) > MAX_JSON_DEPTH:
            raise InvalidInput(f"the request body is nested more than {MAX_JSON_DEPTH} levels deep")
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise InvalidInput(
                f"the request body is not valid JSON: {shown(exc, 120)}", hint="send a JSON object"
            ) from None
        if not isinstance(doc, dict):
            raise InvalidInput(f"the request body must be a JSON object, got {type(doc).__name__}")
        unknown = sorted(set(doc) - known)
        if unknown:
            listed = ", ".join(shown(u, 40) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            raise InvalidInput(
                f"unknown field(s) {listed}",
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
        raise InvalidInput(f"query parameter {name!r} must be true or false, got {shown(value)}")

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
            body: ErrorPayload = {"message": _bounded(exc.message) or "", "hint": _bounded(exc.hint)}
        elif isinstance(exc, web.HTTPError):
            body = {"message": _bounded(exc.log_message or self._reason) or "", "hint": None}
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
                _bounded(self.request.path, 200),
                value.http_status,
                _bounded(str(value)),
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
