import numpy as np
import pytest
import torch

# pytest-jupyter's real-server fixtures (jp_fetch, jp_serverapp) for tests/server and
# tests/test_extension.py; pytest refuses pytest_plugins in a conftest below this one
pytest_plugins = ["pytest_jupyter.jupyter_server"]


def pytest_configure(config):
    # the user's trust file (mgit_lab/core/trust.py) lives outside repositories: keep the
    # suite's out of the real ~/.config, shared by the CLI subprocesses the tests start
    import os
    import tempfile

    if "MGIT_LAB_TRUST_FILE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="mgit-trust-")
        os.environ["MGIT_LAB_TRUST_FILE"] = os.path.join(folder, "trusted-code.json")


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    torch.manual_seed(0)
