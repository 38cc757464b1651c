"""The one door to a remote's storage: an fsspec filesystem under a root, with clear errors.

Every call goes through :class:`RemoteFS`, which counts requests and bytes (the benchmark
and the transfer reports read them), makes a written object visible only when complete
(a folder gets a temporary file renamed into place; an S3 PUT is atomic), offers the
conditional writes the lineage's compare-and-swap needs, and turns the storage client's
exceptions into one :class:`RemoteError` that names the remote by its URL (never a
credential: none is ever in the URL or the config) and says what to do.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import fsspec
from fsspec.implementations.local import LocalFileSystem

from ..errors import MgitError
from ..store import atomic_write_bytes
from .config import RemoteConfig

T = TypeVar("T")

#: seconds to wait for a connection / an answer before the remote counts as unreachable
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 30.0
_CLIENT_RETRIES = 2


#: environment variables that choose an S3 client's identity and endpoint
_CLIENT_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)
_MAX_CLIENTS = 8
_clients: dict[str, fsspec.AbstractFileSystem] = {}
_clients_lock = threading.Lock()


def _client_key(protocol: str, options: dict[str, str]) -> str:
    """A digest naming one S3 client setup (options and credentials' environment); the
    credentials are hashed, never kept."""
    parts = [protocol, *sorted(f"{k}={v}" for k, v in options.items())]
    parts += [f"{k}={os.environ.get(k, '')}" for k in _CLIENT_ENV]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class RemoteError(MgitError):
    """The remote could not be reached, refused access, or answered something unusable."""

    http_status = 502


class Unsupported(Exception):
    """The storage does not offer the conditional write asked for (use the lock)."""


class RemoteFS:
    """Files of one remote, addressed by paths relative to its root (``packs/x.idx.json``)."""

    def __init__(self, remote: RemoteConfig) -> None:
        self.remote = remote
        self.url = remote.url
        protocol, root = fsspec.core.split_protocol(remote.url)
        self.protocol = protocol or "file"
        self.root = root.rstrip("/")
        self.fs = self._filesystem(remote)
        self.local = isinstance(self.fs, LocalFileSystem)
        self._count_lock = threading.Lock()
        self.requests = 0
        self.listings = 0
        self.bytes_sent = 0
        self.bytes_received = 0

    def _filesystem(self, remote: RemoteConfig) -> fsspec.AbstractFileSystem:
        """The storage client; an S3 client is kept for the process and shared by the
        transfers with the same options and credentials (making one costs a few tenths
        of a second: a server's or notebook's second push would pay it again)."""
        if self.protocol not in ("s3", "s3a"):
            return self._new_filesystem(remote)
        key = _client_key(self.protocol, remote.options)
        with _clients_lock:
            fs = _clients.get(key)
            if fs is None:
                fs = self._new_filesystem(remote)
                if len(_clients) >= _MAX_CLIENTS:
                    _clients.pop(next(iter(_clients)))
                _clients[key] = fs
            return fs

    def _new_filesystem(self, remote: RemoteConfig) -> fsspec.AbstractFileSystem:
        opts = remote.options
        try:
            if self.protocol in ("s3", "s3a"):
                client: dict[str, Any] = {}
                if "endpoint_url" in opts:
                    client["endpoint_url"] = opts["endpoint_url"]
                if "region" in opts:
                    client["region_name"] = opts["region"]
                kwargs: dict[str, Any] = {
                    "skip_instance_cache": True,
                    "client_kwargs": client,
                    "config_kwargs": {
                        "connect_timeout": CONNECT_TIMEOUT,
                        "read_timeout": READ_TIMEOUT,
                        "retries": {"max_attempts": _CLIENT_RETRIES, "mode": "standard"},
                    },
                }
                if "profile" in opts:
                    kwargs["profile"] = opts["profile"]
                fs = fsspec.filesystem("s3", **kwargs)
                fs.retries = _CLIENT_RETRIES  # s3fs's own retry loop (a class setting)
                return fs
            return fsspec.filesystem(self.protocol, skip_instance_cache=True)
        except ImportError as exc:
            raise RemoteError(
                f"the remote {self.url} needs a storage package that is not installed ({exc.name})",
                hint="for s3:// remotes: pip install s3fs",
            ) from None
        except ValueError as exc:
            raise RemoteError(f"cannot use the remote {self.url}: {exc}", hint="check the URL") from None

    # ------------------------------------------------------------ plumbing
    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def _count(self, *, sent: int = 0, received: int = 0, listing: bool = False) -> None:
        with self._count_lock:
            self.requests += 1
            self.listings += int(listing)
            self.bytes_sent += sent
            self.bytes_received += received

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """``fn()`` with the storage client's errors turned into :class:`RemoteError`."""
        try:
            return fn()
        except (FileNotFoundError, FileExistsError, Unsupported):
            raise
        except PermissionError:
            raise RemoteError(
                f"the remote {self.url} refused to {what}: access denied (wrong or missing credentials?)",
                hint="check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws/credentials, "
                "and the bucket's permissions",
            ) from None
        except MgitError:
            raise
        except Exception as exc:  # noqa: BLE001 - every client failure becomes one clear error
            text = _client_text(exc)
            raise RemoteError(
                f"cannot {what} at the remote {self.url}: {text}",
                hint="check that the remote's URL and endpoint_url are right and the server is reachable",
            ) from None

    # ------------------------------------------------------------ reads
    def cat(self, rel: str) -> bytes | None:
        """The whole file ``rel``, or None when it does not exist."""
        try:
            data = self._call(f"read {rel}", lambda: self.fs.cat_file(self.path(rel)))
        except FileNotFoundError:
            self._count()
            return None
        self._count(received=len(data))
        return bytes(data)

    def cat_range(self, rel: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of ``rel`` (fewer when the file is shorter: a truncated object)."""
        try:
            data = self._call(f"read {rel}", lambda: self.fs.cat_file(self.path(rel), start=start, end=end))
        except FileNotFoundError:
            self._count()
            return b""
        self._count(received=len(data))
        return bytes(data)

    def listdir(self, rel: str) -> list[str]:
        """Names of the files directly under ``rel`` (empty when it does not exist)."""
        try:
            entries = self._call(f"list {rel}/", lambda: self.fs.ls(self.path(rel), detail=False, refresh=True))
        except FileNotFoundError:
            entries = []
        except TypeError:  # a filesystem whose ls takes no refresh
            entries = self._call(f"list {rel}/", lambda: self.fs.ls(self.path(rel), detail=False))
        self._count(listing=True)
        return sorted(str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries)

    def read_with_token(self, rel: str) -> tuple[bytes | None, str | None]:
        """``rel`` and a token naming this state of it (S3: its ETag), for :meth:`put_if`."""
        if self.local:
            return self.cat(rel), None
        try:
            info = self._call(f"read {rel}", lambda: self.fs.info(self.path(rel), refresh=True))
        except FileNotFoundError:
            self._count()
            return None, None
        self._count()
        data = self.cat(rel)
        return data, (info.get("ETag") or info.get("etag")) if data is not None else None

    # ------------------------------------------------------------ writes
    def put(self, rel: str, data: bytes) -> None:
        """Write ``rel``; readers see the old file, no file, or all of ``data``."""
        if self.local:
            path = Path(self.path(rel))
            self._call(f"write {rel}", lambda: _local_put(path, data))
        else:
            self._call(f"write {rel}", lambda: self.fs.pipe_file(self.path(rel), data))
        self._count(sent=len(data))

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """Write ``rel`` only if it does not exist; False when it does.

        Raises :class:`Unsupported` where the storage cannot make this atomic."""
        if self.local:
            path = Path(self.path(rel))
            created = self._call(f"write {rel}", lambda: _local_create(path, data))
            self._count(sent=len(data) if created else 0)
            return created
        if self.protocol not in ("s3", "s3a"):
            raise Unsupported(self.protocol)
        return self._conditional(rel, data, {"mode": "create"})

    def put_if(self, rel: str, data: bytes, token: str | None) -> bool:
        """Replace ``rel`` only if it is still in the state ``token`` names (None: absent).

        Returns False when another writer changed it first.  Raises :class:`Unsupported`
        when the storage has no conditional writes."""
        if self.protocol not in ("s3", "s3a"):
            raise Unsupported(self.protocol)
        if token is None:
            return self._conditional(rel, data, {"mode": "create"})
        return self._conditional(rel, data, {"IfMatch": token})

    def _conditional(self, rel: str, data: bytes, kwargs: dict[str, Any]) -> bool:
        failure: Exception | None = None
        try:
            self.fs.pipe_file(self.path(rel), data, **kwargs)
        except FileExistsError:
            self._count()
            return False
        except Exception as exc:  # noqa: BLE001 - sorted below
            code, status = _client_code(exc)
            self._count()
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
                return False
            if code in ("NotImplemented", "InvalidArgument", "InvalidRequest") or status == 501:
                raise Unsupported(code or str(status)) from None
            failure = exc
        if failure is not None:
            self._call(f"write {rel}", partial(_reraise, failure))  # raises the clear error
            raise failure
        self._count(sent=len(data))
        return True

    def remove(self, rel: str) -> None:
        try:
            self._call(f"remove {rel}", lambda: self.fs.rm_file(self.path(rel)))
        except FileNotFoundError:
            pass
        self._count()

    def close(self) -> None:
        """Nothing to release today (kept so callers can treat a remote as a resource)."""


def _local_put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)


def _local_create(path: Path, data: bytes) -> bool:
    """Write a complete temporary file, then hard-link it to ``path`` (fails if it exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _reraise(exc: BaseException) -> None:
    raise exc


def _client_code(exc: BaseException) -> tuple[str | None, int | None]:
    """The S3 error code and HTTP status behind an exception s3fs translated."""
    for err in (exc, exc.__cause__, exc.__context__):
        response = getattr(err, "response", None)
        if isinstance(response, dict):
            code = (response.get("Error") or {}).get("Code")
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            return code, status
    return None, None


def _client_text(exc: BaseException) -> str:
    """A short description of a client failure, without request details."""
    name = type(exc).__name__
    if "Connect" in name or "Endpoint" in name or isinstance(exc, (ConnectionError, TimeoutError)):
        return "the server cannot be reached (connection refused or timed out)"
    code, status = _client_code(exc)
    if code or status:
        return f"the server answered {code or ''} {status or ''}".strip()
    text = str(exc).splitlines()[0] if str(exc) else name
    return text[:200]


def new_name(prefix: str) -> str:
    """A name no other writer will pick: ``prefix-<time>-<random>``."""
    return f"{prefix}-{time.time_ns():016x}-{uuid.uuid4().hex[:8]}"
