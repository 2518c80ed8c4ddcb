#!/usr/bin/env bash
# Sets up the environment and runs the whole test suite: lint, unit, property, page and
# browser tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check .
# As root (CI) setup.sh installs PostgreSQL, so its tests must run: never skipped silently
if [ "$(id -u)" = "0" ]; then
  export CHOKEPOINT_REQUIRE_POSTGRES=1
fi
PYTHONPATH=. .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
