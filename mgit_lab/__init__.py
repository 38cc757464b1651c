"""mgit-lab: git for machine-learning models, inside JupyterLab."""
