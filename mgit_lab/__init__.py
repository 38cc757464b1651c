"""mgit-lab: git for machine-learning models, inside JupyterLab.

Importing this package is cheap (no torch, no jupyter): ``Repository`` and
``LineageWidget`` load on first use, and the Jupyter hooks below import their faces only
when Jupyter calls them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

__all__ = ["LineageWidget", "Repository", "__version__"]

if TYPE_CHECKING:
    from .api import Repository
    from .widget import LineageWidget


def __getattr__(name: str) -> Any:
    """``mgit_lab.Repository`` and ``mgit_lab.LineageWidget``, imported on first use."""
    if name == "Repository":
        from .api import Repository

        return Repository
    if name == "LineageWidget":
        from .widget import LineageWidget

        return LineageWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt frontend extension."""
    return [{"src": "labextension", "dest": "mgit-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension this package provides (this module)."""
    return [{"module": "mgit_lab"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Register mgit-lab's REST routes on a running Jupyter server."""
    from .server import setup_routes

    setup_routes(server_app)
    server_app.log.info("mgit-lab %s: REST API registered under %smgit/api/", __version__, server_app.base_url)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mgit_lab``: register the ``%mgit`` magics (see :mod:`mgit_lab.notebook`)."""
    from .notebook import load_ipython_extension as load

    load(ipython)
