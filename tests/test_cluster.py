"""scripts/cluster.py: two Streamlit processes behind HAProxy, reached only through the proxy.

Skipped when Debian's haproxy is not installed (scripts/setup.sh installs it when run as root).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
HAPROXY = "/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else \
    shutil.which("haproxy")
pytestmark = pytest.mark.skipif(HAPROXY is None, reason="Debian's haproxy is not installed "
                                                        "(as root: apt-get install haproxy)")


def cluster_module():
    spec = importlib.util.spec_from_file_location("cluster", ROOT / "scripts" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def get(url: str, headers: dict | None = None):
    """(status, headers, body) of a GET, for error statuses too."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def refused(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    except urllib.error.URLError as error:
        return isinstance(error.reason, ConnectionRefusedError)
    return False


def test_the_generated_config_names_every_process_and_haproxy_accepts_it(tmp_path):
    cluster = cluster_module()
    config = cluster.haproxy_config("127.0.0.1", 8501, [9001, 9002, 9003])
    assert re.findall(r"server (app\d) 127\.0\.0\.1:(\d+) cookie (app\d)", config) == [
        ("app1", "9001", "app1"), ("app2", "9002", "app2"), ("app3", "9003", "app3")]
    (tmp_path / "haproxy.cfg").write_text(config)
    check = subprocess.run([HAPROXY, "-c", "-f", str(tmp_path / "haproxy.cfg")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.fixture(scope="module")
def running_cluster(tmp_path_factory):
    state = tmp_path_factory.mktemp("cluster")
    port = cluster_module().free_port()
    env = os.environ | {"CHOKEPOINT_DB": str(state / "scenarios.sqlite")}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/cluster.py"), "--processes", "2", "--port",
         str(port), "--address", "127.0.0.1", "--state-dir", str(state)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while get_ok(port) is False:
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            logs = "".join(p.read_text()[-1000:] for p in state.glob("cluster-app*.log"))
            pytest.fail(f"the cluster did not come up: {logs}")
        time.sleep(0.5)
    backend_ports = [int(p) for p in re.findall(r"127\.0\.0\.1:(\d+) cookie",
                                                (state / "haproxy.cfg").read_text())]
    yield port, backend_ports, state, process
    if process.poll() is None:
        process.kill()


def get_ok(port: int) -> bool:
    try:
        return get(f"http://127.0.0.1:{port}/_stcore/health")[0] == 200
    except OSError:
        return False


def test_the_page_and_health_check_load_through_the_proxy_with_security_headers(
        running_cluster):
    port, backend_ports, state, _ = running_cluster
    assert len(backend_ports) == 2
    status, headers, body = get(f"http://127.0.0.1:{port}/")
    assert status == 200 and b"<div id=\"root\">" in body
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert re.match(r"chokepoint_server=app[12];", headers["Set-Cookie"])  # stickiness
    assert get(f"http://127.0.0.1:{port}/_stcore/health")[:3:2] == (200, b"ok")
    assert (state / "cookie_secret").stat().st_mode & 0o077 == 0  # only this user reads it


def test_metrics_are_refused_through_the_proxy_but_served_on_loopback(running_cluster):
    port, backend_ports, _, _ = running_cluster
    for path in ("/_stcore/metrics", "/_stcore/%6Detrics", "/_STCORE/metrics"):
        assert get(f"http://127.0.0.1:{port}{path}")[0] == 403, path
    assert get(f"http://127.0.0.1:{backend_ports[0]}/_stcore/metrics")[0] == 200


def test_a_session_runs_the_app_over_a_websocket_through_the_proxy(running_cluster):
    async def run_once() -> int:
        ws = await open_session(running_cluster[0], None)
        try:
            return await rerun(ws)
        finally:
            await ws.close()

    assert asyncio.run(run_once()) == ForwardMsg.FINISHED_SUCCESSFULLY


def pid_serving(port: int) -> int:
    """The app process started with --server.port `port` (scripts/cluster.py's child)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        if b"--server.port" in args and args[args.index(b"--server.port") + 1] == \
                str(port).encode() and any(a.endswith(b"serve.py") for a in args):
            return int(cmdline.parent.name)
    raise LookupError(f"no app process on port {port}")


async def open_session(port: int, server: str | None):
    """A WebSocket session through the proxy, pinned by the sticky cookie to `server`."""
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"chokepoint_server={server}"} if server else None)


async def rerun(ws) -> int:
    await ws.send(BackMsg(rerun_script=ClientState()).SerializeToString())
    while True:
        msg = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), timeout=60))
        if msg.WhichOneof("type") == "script_finished":
            return msg.script_finished


def test_a_dead_process_loses_no_other_session_and_new_ones_go_to_the_live_one(
        running_cluster):
    port, backend_ports, _, process = running_cluster
    done = ForwardMsg.FINISHED_SUCCESSFULLY

    async def scenario() -> None:
        doomed, survivor = await open_session(port, "app1"), await open_session(port, "app2")
        assert (await rerun(doomed), await rerun(survivor)) == (done, done)
        os.kill(pid_serving(backend_ports[0]), signal.SIGKILL)
        with pytest.raises(websockets.ConnectionClosed):  # that session's state is gone
            await rerun(doomed)
        for _ in range(3):  # the other process's session goes on, its state intact
            assert await rerun(survivor) == done
        for cookie in (None, "app1"):  # new visitors, and app1's returning ones, are served
            fresh = await open_session(port, cookie)
            assert await rerun(fresh) == done
            await fresh.close()
        await survivor.close()

    asyncio.run(scenario())
    assert process.poll() is None  # the proxy stays up and routes around the dead process


def test_sigterm_stops_the_proxy_and_every_process(running_cluster):
    port, backend_ports, _, process = running_cluster
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert all(refused(p) for p in (port, *backend_ports))
