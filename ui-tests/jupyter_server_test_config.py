"""Jupyter server configuration for the Galata UI tests.

Serves a temporary root folder (``JUPYTERLAB_GALATA_ROOT_DIR``, set by playwright.config.js so
the tests can run the ``mgit`` CLI in it) holding the repositories of ``lineage_fixture.py``.
"""

import sys
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lineage_fixture import make_fixture  # noqa: E402

configure_jupyter_server(c)  # port 8888, no token, window.jupyterapp exposed
c.ServerApp.allow_root = True  # CI runs as root
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.jpserver_extensions = {"mgit_lab": True}
# the tests' own contents requests fill the log with 404 warnings: show errors only
c.ServerApp.log_level = "ERROR"
c.LabApp.log_level = "ERROR"

make_fixture(c.ServerApp.root_dir)
