"""The package version, in a module of its own so every face can read it without importing
the package root (whose Jupyter hooks import the faces)."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["__version__"]


def _source_version() -> str:
    """The version of a source tree that was never built (no generated ``_version.py``).

    ``package.json`` is the single source of the version; a build writes it into
    ``_version.py``.  Read it from the checkout beside this package, else ask the
    installed distribution's metadata.
    """
    package_json = Path(__file__).resolve().parent.parent / "package.json"
    try:
        return str(json.loads(package_json.read_text())["version"])
    except (OSError, ValueError, KeyError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("mgit-lab")
        except PackageNotFoundError:
            return "0+unknown"


try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built (e.g. run with pythonpath=.)
    __version__ = _source_version()
