"""Start a real Jupyter server with the mgit-lab extension on a free local port.

Used by the scripts that talk to the REST API from outside (the benchmark, the tour); the
tests use pytest-jupyter's in-process server instead.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_local_server(root: Path, token: str, pythonpath: Sequence[str] = ()) -> tuple[subprocess.Popen, int]:
    """Run ``jupyter_server`` on ``root`` with token ``token``; returns (process, port) once it answers.

    ``pythonpath`` entries are put first on the server's ``PYTHONPATH`` (a checkout, or a folder
    with test functions).  Raises SystemExit with the server's error output if it does not start.
    """
    port = free_port()
    config = root.parent / "jupyter_server_config.json"
    config.write_text(json.dumps({"ServerApp": {"jpserver_extensions": {"mgit_lab": True}}}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*pythonpath, os.environ.get("PYTHONPATH", "")])}
    cmd = [
        sys.executable, "-m", "jupyter_server", f"--config={config}", f"--port={port}", "--ip=127.0.0.1",
        "--no-browser", "--allow-root", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        "--ServerApp.log_level=WARN",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/status", headers={"Authorization": f"token {token}"})
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    err = proc.stderr.read().decode() if proc.stderr else ""
    raise SystemExit("the Jupyter server did not start:\n" + err)
