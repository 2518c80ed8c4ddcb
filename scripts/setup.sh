#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies. Usage: scripts/setup.sh [dev]
# With "dev", also installs the test tools. As root, installs the Debian packages the tests and
# the multi-process set-up need (chromium, haproxy, postgresql) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
requirements=requirements.txt
[ "${1:-}" = "dev" ] && requirements=requirements-dev.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
.venv/bin/python -c "import streamlit, numpy, pandas, plotly" \
  || { echo "setup: dependency install failed" >&2; exit 1; }
# Debian's packages, each with what needs it; missing ones are installed in one apt-get run
# (as root) or named with how to install them
missing=()
note() { echo "setup: $*" >&2; }
[ -x /usr/bin/chromium ] || missing+=("chromium fonts-dejavu-core|browser tests and PNG/SVG chart export")
[ -x /usr/sbin/haproxy ] || missing+=("haproxy|scripts/cluster.py: several app processes behind one port")
# the library's tests on PostgreSQL: tests/pg_server.py starts a throwaway server with
# Debian's binaries in /usr/lib/postgresql/<version>/bin (no cluster is started here)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
  || missing+=("postgresql|the saved-scenario library's tests on PostgreSQL")
if [ ${#missing[@]} -gt 0 ]; then
  packages=$(for item in "${missing[@]}"; do printf '%s ' "${item%%|*}"; done)
  for item in "${missing[@]}"; do note "missing ${item%%|*} (${item#*|})"; done
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    note "installing Debian's $packages"
    # shellcheck disable=SC2086 - one word per package
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages \
      >/dev/null) || note "could not install $packages; what needs them will be skipped or fail"
  else
    note "install them as root: apt-get install $packages"
  fi
fi
