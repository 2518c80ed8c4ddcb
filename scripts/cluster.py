"""Run N Streamlit processes behind HAProxy: `python scripts/cluster.py --processes N --port P`.

One Streamlit process runs every session's script on one core (Python's GIL), so a team larger
than about ten analysts needs several. Each process is scripts/serve.py on its own loopback port;
HAProxy (Debian's package, installed by scripts/setup.sh) listens on --port, keeps each browser
on one process (Streamlit holds a session's state in the process serving its WebSocket), checks
/_stcore/health, adds security headers and refuses /_stcore/metrics. All processes share one
server.cookieSecret, generated once into var/cookie_secret (--state-dir), and
server.allowedHosts comes from --allowed-hosts or CHOKEPOINT_ALLOWED_HOSTS (comma-separated).
Ctrl-C or SIGTERM stops everything. All processes share CHOKEPOINT_DB: one local SQLite file
(the default, var/scenarios.sqlite, is one).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
TEMPLATE = ROOT / "deploy/haproxy.cfg.template"
HAPROXY = "/usr/sbin/haproxy"
DEFAULT_ALLOWED_HOSTS = "localhost,127.0.0.1"
# What Streamlit's page needs: its own scripts plus one inline bootstrap script, inline styles
# (Emotion CSS-in-JS, Plotly), data:/blob: images and fonts, its WebSocket on the same origin.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def cookie_secret(path: Path) -> str:
    """The cookie secret shared by every process; made once, readable by this user only."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(address: str, port: int, backend_ports: list[int]) -> str:
    servers = "\n".join(f"    server app{i} 127.0.0.1:{p} cookie app{i}"
                        for i, p in enumerate(backend_ports, 1))
    return Template(TEMPLATE.read_text()).substitute(
        address=address, port=port, servers=servers,
        content_security_policy=CONTENT_SECURITY_POLICY)


def start_app(port: int, secret: str, allowed_hosts: list[str], log_path: Path
              ) -> subprocess.Popen:
    # the secret goes in the environment, not the command line that `ps` shows to every user
    env = os.environ | {"STREAMLIT_SERVER_COOKIE_SECRET": secret, "PYTHONPATH": str(ROOT)}
    hosts = [arg for host in allowed_hosts for arg in ("--server.allowedHosts", host)]
    with open(log_path, "ab") as log:  # a file: an unread pipe fills up and blocks the server
        return subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/serve.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), *hosts],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(port: int, processes: list[subprocess.Popen], timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a process exited during start-up; see its cluster-app*.log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"port {port} did not answer its health check within {timeout:.0f} s")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="Streamlit processes (default: one per core)")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="0.0.0.0", help="where HAProxy listens")
    parser.add_argument("--allowed-hosts",
                        default=os.environ.get("CHOKEPOINT_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS),
                        help="comma-separated host names users reach the app by")
    parser.add_argument("--state-dir", type=Path, default=VAR,
                        help="where the cookie secret, proxy config and logs live (default var/)")
    args = parser.parse_args()
    if not 1 <= args.processes <= 64:
        sys.exit("cluster: --processes must be 1-64")
    if not os.access(HAPROXY, os.X_OK) and not shutil.which("haproxy"):
        sys.exit(f"cluster: {HAPROXY} is missing; install Debian's 'haproxy' package "
                 "(as root: apt-get install haproxy, or run scripts/setup.sh as root)")
    haproxy = HAPROXY if os.access(HAPROXY, os.X_OK) else shutil.which("haproxy")
    allowed_hosts = [h.strip() for h in args.allowed_hosts.split(",") if h.strip()]
    state = args.state_dir.resolve()
    secret = cookie_secret(state / "cookie_secret")
    backend_ports = [free_port() for _ in range(args.processes)]
    config_path = state / "haproxy.cfg"
    config_path.write_text(haproxy_config(args.address, args.port, backend_ports))
    subprocess.run([haproxy, "-c", "-q", "-f", str(config_path)], check=True)

    children: list[subprocess.Popen] = []

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        for i, port in enumerate(backend_ports, 1):
            children.append(start_app(port, secret, allowed_hosts, state / f"cluster-app{i}.log"))
        for port in backend_ports:
            wait_healthy(port, children)
        children.append(subprocess.Popen([haproxy, "-db", "-f", str(config_path)], cwd=ROOT))
        print(f"cluster: {args.processes} processes (ports {', '.join(map(str, backend_ports))})"
              f" behind http://{args.address}:{args.port}; logs in {state}/cluster-app*.log",
              flush=True)
        proxy = children[-1]
        while proxy.poll() is None:  # a dead app process is routed around, a dead proxy is fatal
            time.sleep(1)
        sys.exit(f"cluster: haproxy exited with status {proxy.returncode}")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop(children[::-1])


if __name__ == "__main__":
    main()
