"""mgit-lab: git for machine-learning models, inside JupyterLab."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "mgit_lab"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from .server import setup_routes

    setup_routes(server_app)
