"""The Binder set-up (``binder/``), tested as far as this machine allows (no Docker daemon):

- repo2docker's own dry run (``--no-build``) plans what we expect: Python 3.11, ``pip install
  -r binder/requirements.txt``, then ``binder/postBuild``;
- the same two steps replayed the way that plan runs them, in a fresh venv from a clean copy
  of the repository, leave ``jupyter server extension list`` / ``jupyter labextension list``
  showing mgit-lab enabled, and the demo repository made.

Bounded cost (~2 min): pip installs from its cache and local wheels, and the copy carries the
frontend already built by ``make build``, so the package build skips ``jlpm build``
(``skip-if-exists`` in pyproject.toml); the frontend build itself is the ``build`` suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "mgit_lab" / "labextension" / "static" / "style.js"
REPO2DOCKER = shutil.which("repo2docker") or str(Path(sys.executable).parent / "repo2docker")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-4000:]}"
    return output


def _source_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


@pytest.mark.skipif(not Path(REPO2DOCKER).exists(), reason="jupyter-repo2docker is not installed (test extra)")
def test_repo2docker_plans_requirements_then_postbuild():
    plan = _run([REPO2DOCKER, "--no-build", "--debug", str(ROOT)], cwd=ROOT, timeout=120)
    assert "python=3.11" in plan  # binder/runtime.txt
    install = plan.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    assert install < plan.index("./binder/postBuild")
    assert "environment.yml" not in plan  # one environment file: pip, not conda


def test_requirements_pin_cpu_torch():
    lines = [ln.strip() for ln in (ROOT / "binder" / "requirements.txt").read_text().splitlines()]
    assert "torch==2.13.0" in lines
    assert any(ln.startswith("--extra-index-url") and ln.endswith("/whl/cpu") for ln in lines)
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)


@pytest.mark.skipif(not BUILT.exists(), reason="frontend not built (run `make build`)")
@pytest.mark.timeout(900)
def test_binder_environment_enables_the_extensions(tmp_path: Path):
    src = tmp_path / "repo"
    for name in _source_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    # what a fresh `jlpm build` leaves: `jupyter labextension develop` (run by `make setup` in
    # this checkout) adds an install.json that the wheel's shared-data already provides
    for built in ("mgit_lab/labextension", "mgit_lab/static"):
        shutil.copytree(ROOT / built, src / built, ignore=shutil.ignore_patterns("install.json"))
    # this machine has no network: its pip index already serves the CPU torch wheel, so the
    # line pointing pip at the PyTorch CPU index is left out (everything else is as on Binder)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "\n".join(
            ln
            for ln in (src / "binder" / "requirements.txt").read_text().splitlines()
            if not ln.startswith("--extra-index-url")
        )
    )
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=src)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON", "JUPYTER"))}
    env.update(PATH=f"{venv / 'bin'}:{env['PATH']}", VIRTUAL_ENV=str(venv), MGIT_DEMO_DIR=str(tmp_path / "demo"))
    env["PIP_NO_COMPILE"] = "1"  # skip byte-compiling torch: halves the CPU time of the installs
    _run([str(venv / "bin" / "pip"), "install", "-q", "-r", str(requirements)], cwd=src, env=env)
    _run(["bash", "binder/postBuild"], cwd=src, env=env)

    server = _run([str(venv / "bin" / "jupyter"), "server", "extension", "list"], cwd=src, env=env)
    assert any("mgit_lab" in ln and "enabled" in ln for ln in server.splitlines()), server
    assert any("mgit_lab" in ln and "OK" in ln for ln in server.splitlines()), server
    lab = _run([str(venv / "bin" / "jupyter"), "labextension", "list"], cwd=src, env=env)
    assert any("mgit-lab" in ln and "enabled" in ln and "OK" in ln for ln in lab.splitlines()), lab
    # the package is installed from the copy, not from this checkout
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import mgit_lab; print(mgit_lab.__file__)"], cwd=tmp_path, env=env
    )
    assert str(venv) in where
    log = _run([str(venv / "bin" / "mgit"), "-C", str(tmp_path / "demo"), "log"], cwd=tmp_path, env=env)
    assert "sentiment-fp16" in log and "base-v2" in log
