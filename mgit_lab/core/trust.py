"""Which code mgit may import: references the user named, kept outside every repository.

Repository data (lineage records, manifests, ``tests.json``), model folders and requests are
data: they may *name* code (``package.module:Name``), but naming is not enough to run it.
A reference is imported only when

- it is on the built-in allowlist (``torch.nn`` layers; see :mod:`.io.architecture`), or
- the user named it at a call: the class of a live model object (its code already runs in
  the user's process: given to ``add``, or made by their recipe), a recipe passed to
  ``derive``, a test registered with ``register_test``/``mgit test register``, or
  ``mgit trust REF`` / :func:`trust` / ``run_cascade(..., trust=[...])``.

Those references are recorded in the user's trust file, not in the repository: a lineage
that travels (remotes, git, a copied ``.mgit``) never carries trust with it.  The file is
``$MGIT_LAB_TRUST_FILE`` when set, else ``$XDG_CONFIG_HOME/mgit-lab/trusted-code.json``
(``~/.config/...``): ``{"references": ["pkg.mod:Name", ...]}``, replaced atomically.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .errors import InvalidInput

ENV_VAR = "MGIT_LAB_TRUST_FILE"
_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_MAX_REFS = 10_000


def trust_file() -> Path:
    """The path of the user's trust file (it may not exist yet)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mgit-lab" / "trusted-code.json"


def trusted_references() -> frozenset[str]:
    """The references the user has trusted (empty when the file is missing or unreadable)."""
    try:
        doc = json.loads(trust_file().read_text())
    except (OSError, ValueError):
        return frozenset()
    refs = doc.get("references") if isinstance(doc, dict) else None
    if not isinstance(refs, list):
        return frozenset()
    return frozenset(r for r in refs if isinstance(r, str) and _REF.match(r))


def is_trusted(ref: str, also: Iterable[str] = ()) -> bool:
    """Whether ``ref`` may be imported: named in ``also`` (this call) or in the trust file."""
    return ref in set(also) or ref in trusted_references()


def trust(refs: Iterable[str]) -> None:
    """Record ``refs`` (``package.module:Name``) as code the user named.

    Raises
    ------
    InvalidInput
        When a reference is not of the form ``package.module:Name``.
    """
    new = list(dict.fromkeys(refs))
    for ref in new:
        if not isinstance(ref, str) or not _REF.match(ref):
            raise InvalidInput(
                f"{str(ref)[:80]!r} is not an importable reference", hint="write it as 'package.module:Name'"
            )
    if not new or all(r in trusted_references() for r in new):
        return
    path = trust_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        refs_now = sorted(trusted_references() | set(new))[:_MAX_REFS]
        import tempfile  # writes only: commands that only read never load it

        fd, tmp = tempfile.mkstemp(prefix=".trust-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"references": refs_now}, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def require_trusted(ref: str, *, what: str, also: Iterable[str] = ()) -> None:
    """Raise unless ``ref`` may be imported (see :func:`is_trusted`).

    Raises
    ------
    InvalidInput
        Naming the reference and how the user can trust it if they wrote it.
    """
    if not is_trusted(ref, also):
        shown = ref if len(ref) <= 120 else ref[:120] + "..."
        raise InvalidInput(
            f"the {what} {shown!r} is named by repository data, not by you: mgit does not import it",
            hint=f"if you wrote or trust that code, run `mgit trust {shown}` (Python: mgit_lab.core.trust.trust)",
        )
