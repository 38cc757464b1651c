"""The verbs: one module per verb family, each a function over the repository kernel."""
