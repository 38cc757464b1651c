"""Remotes as the repository's config knows them: ``config.json["remotes"]``.

Each remote is ``{"url": ..., "options": {...}}``.  No secret is ever stored: a URL with
credentials in it (``s3://KEY:SECRET@bucket``, ``https://user:pw@host``) and options that
carry keys, secrets, tokens or passwords are refused.  Credentials come from where the
storage client finds them (for S3: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
``AWS_PROFILE``, ``~/.aws/credentials``).  ``config["promisor"]`` names the remote a
partial clone fetches missing objects from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import Conflict, Corrupt, InvalidInput, NotFound
from ..store import WriterLock, atomic_write_json

#: options a remote may carry (nothing secret): passed to the storage client
OPTIONS = {
    "endpoint_url": "S3-compatible endpoint, e.g. http://127.0.0.1:9000",
    "region": "S3 region name",
    "profile": "a profile of ~/.aws/credentials to use",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_MAX_URL = 1024
DEFAULT_REMOTE = "origin"


@dataclass(frozen=True)
class RemoteConfig:
    """One configured remote."""

    name: str
    url: str
    options: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "options": dict(self.options)}


def check_remote_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"invalid remote name {name!r}",
            hint="use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def _refuse_userinfo(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme and parts.netloc and "@" in parts.netloc:
        raise InvalidInput(
            f"the {what} carries credentials (user:password@); they would be stored in plain text",
            hint="remove them; S3 credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "AWS_PROFILE or ~/.aws/credentials",
        )


def normalise_url(url: str, cwd: Path | None = None) -> str:
    """``url`` checked (bounded, no credentials) with local paths made absolute."""
    if not isinstance(url, str) or not url.strip() or len(url) > _MAX_URL or any(ord(c) < 32 for c in url):
        raise InvalidInput(
            f"invalid remote URL {url!r}", hint=f"a folder path or s3://bucket/prefix (at most {_MAX_URL} characters)"
        )
    url = url.strip()
    _refuse_userinfo(url, "remote URL")
    if "://" not in url:
        return str((cwd or Path.cwd()).joinpath(Path(url).expanduser()).resolve())
    if url.startswith("file://"):
        return str(Path(url[len("file://") :]).resolve())
    return url.rstrip("/")


def check_options(options: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (options or {}).items():
        if key not in OPTIONS:
            secret = any(s in key.lower() for s in ("key", "secret", "token", "password"))
            raise InvalidInput(
                f"unknown remote option {key!r}" + (" (credentials are never stored in the config)" if secret else ""),
                hint="known options: " + ", ".join(f"{k} ({v})" for k, v in OPTIONS.items()),
            )
        if not isinstance(value, str) or not value or len(value) > _MAX_URL or any(ord(c) < 32 for c in value):
            raise InvalidInput(f"invalid value for remote option {key!r}", hint="a non-empty string")
        if key == "endpoint_url":
            _refuse_userinfo(value, "endpoint_url")
            if not value.startswith(("http://", "https://")):
                raise InvalidInput(f"endpoint_url {value!r} is not an http(s) URL", hint="e.g. http://127.0.0.1:9000")
        out[key] = value
    return out


def _config_path(mgit_dir: Path) -> Path:
    return mgit_dir / "config.json"


def _read(mgit_dir: Path) -> dict[str, Any]:
    try:
        doc = json.loads(_config_path(mgit_dir).read_text())
    except (OSError, ValueError) as exc:
        raise Corrupt(f"{_config_path(mgit_dir)} cannot be read: {exc}", hint="restore it from a backup") from None
    return doc if isinstance(doc, dict) else {}


def _update(mgit_dir: Path, lock: WriterLock, change: Any) -> dict[str, Any]:
    """Apply ``change(config)`` under the writer lock and replace config.json atomically."""
    with lock.hold():
        doc = _read(mgit_dir)
        change(doc)
        atomic_write_json(_config_path(mgit_dir), doc)
        return doc


def list_remotes(mgit_dir: Path) -> list[RemoteConfig]:
    doc = _read(mgit_dir).get("remotes") or {}
    return [RemoteConfig(n, e["url"], dict(e.get("options") or {})) for n, e in sorted(doc.items())]


def get_remote(mgit_dir: Path, name: str | None) -> RemoteConfig:
    """The remote ``name`` (default: ``origin``, or the only one)."""
    remotes = {r.name: r for r in list_remotes(mgit_dir)}
    if name is None:
        if DEFAULT_REMOTE in remotes:
            return remotes[DEFAULT_REMOTE]
        if len(remotes) == 1:
            return next(iter(remotes.values()))
        if not remotes:
            raise NotFound("this repository has no remote", hint="add one with `mgit remote add origin URL`")
        raise InvalidInput("which remote?", hint=f"name one of: {', '.join(sorted(remotes))}")
    check_remote_name(name)
    if name not in remotes:
        known = ", ".join(sorted(remotes)) or "none"
        raise NotFound(f"no remote named {name!r}", hint=f"known remotes: {known}; add one with `mgit remote add`")
    return remotes[name]


def add_remote(
    mgit_dir: Path,
    lock: WriterLock,
    name: str,
    url: str,
    options: dict[str, Any] | None = None,
    cwd: Path | None = None,
) -> RemoteConfig:
    """Record a remote; refuses a taken name, a URL with credentials and unknown options.

    A relative folder is taken from ``cwd`` (default: the process's working directory)."""
    remote = RemoteConfig(check_remote_name(name), normalise_url(url, cwd), check_options(options))

    def change(doc: dict[str, Any]) -> None:
        remotes = doc.setdefault("remotes", {})
        if name in remotes:
            raise Conflict(f"a remote named {name!r} already exists", hint="remove it first or choose another name")
        remotes[name] = {"url": remote.url, "options": remote.options}

    _update(mgit_dir, lock, change)
    return remote


def remove_remote(mgit_dir: Path, lock: WriterLock, name: str) -> RemoteConfig:
    remote = get_remote(mgit_dir, name)

    def change(doc: dict[str, Any]) -> None:
        (doc.get("remotes") or {}).pop(name, None)
        if doc.get("promisor") == name:
            doc.pop("promisor")

    _update(mgit_dir, lock, change)
    return remote


def promisor(mgit_dir: Path) -> str | None:
    """The remote a partial clone fetches missing objects from (None: a full repository)."""
    value = _read(mgit_dir).get("promisor")
    return value if isinstance(value, str) else None


def set_promisor(mgit_dir: Path, lock: WriterLock, name: str) -> None:
    _update(mgit_dir, lock, lambda doc: doc.__setitem__("promisor", name))
