#!/usr/bin/env bash
# Sets up the environment and starts the dashboard on http://localhost:${PORT:-8501}
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/serve.py --server.port "${PORT:-8501}" "$@"
