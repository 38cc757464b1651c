import numpy as np
import pytest
import torch

# pytest-jupyter's real-server fixtures (jp_fetch, jp_serverapp) for tests/server and
# tests/test_extension.py; pytest refuses pytest_plugins in a conftest below this one
pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    torch.manual_seed(0)
