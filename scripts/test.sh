#!/usr/bin/env bash
# Sets up the environment and runs the whole test suite: lint, unit, property, page and
# browser tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check .
PYTHONPATH=. .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
