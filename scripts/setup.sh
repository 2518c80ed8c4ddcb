#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies. Usage: scripts/setup.sh [dev]
# With "dev", also installs the test tools and Debian's Chromium (browser tests, chart export).
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
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium (browser tests and PNG/SVG chart export)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
      fonts-dejavu-core >/dev/null) || echo "setup: could not install chromium; browser tests will be skipped and chart image export disabled" >&2
  else
    echo "setup: /usr/bin/chromium is missing; install Debian's 'chromium' package (as root: apt-get install chromium) for browser tests and chart image export" >&2
  fi
fi
# HAProxy runs several app processes behind one port (scripts/cluster.py)
if [ ! -x /usr/sbin/haproxy ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's haproxy (scripts/cluster.py: several processes behind one port)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy \
      >/dev/null) || echo "setup: could not install haproxy; scripts/cluster.py will not run" >&2
  else
    echo "setup: /usr/sbin/haproxy is missing; install Debian's 'haproxy' package (as root: apt-get install haproxy) to run several processes with scripts/cluster.py" >&2
  fi
fi
# PostgreSQL: the library's tests run against a throwaway server too (tests/pg_server.py uses
# Debian's binaries in /usr/lib/postgresql/<version>/bin; no cluster is started here)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's postgresql (the library's tests on PostgreSQL)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql \
      >/dev/null) || echo "setup: could not install postgresql; the library's PostgreSQL tests will fail" >&2
  else
    echo "setup: PostgreSQL's server binaries are missing; install Debian's 'postgresql' package (as root: apt-get install postgresql) to run the library's tests on PostgreSQL" >&2
  fi
fi
