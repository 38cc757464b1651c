"""The version is single-sourced: package.json -> mgit_lab.__version__ (and the wheel)."""

import json
from pathlib import Path

import mgit_lab

ROOT = Path(__file__).resolve().parent.parent


def test_python_version_equals_package_json():
    package = json.loads((ROOT / "package.json").read_text())
    assert mgit_lab.__version__ == package["version"]


def test_generated_version_module_matches_when_built():
    generated = ROOT / "mgit_lab" / "_version.py"
    if not generated.exists():
        # a source tree that was never built: __init__ falls back to package.json
        return
    import runpy

    assert runpy.run_path(str(generated))["__version__"] == json.loads((ROOT / "package.json").read_text())["version"]


def test_importing_the_package_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, mgit_lab; "
        "heavy = [m for m in ('torch', 'jupyter_server', 'tornado', 'anywidget', 'IPython') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
