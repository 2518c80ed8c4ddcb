"""Chokepoint's library, in layers that depend one way (pyproject.toml holds the contracts):
core (the model) <- analysis (many runs) <- report (tables, figures) <- app (Streamlit);
store (saved scenarios) beside. `python -m lib` is the command line (lib/cli.py)."""
