"""Server load test without browsers: N sessions speak Streamlit's WebSocket protocol directly.

scripts/load_test.py drives real Chromium sessions; on a small machine Chromium (rendering
every chart for every session) needs more CPU than the server, so its latencies measure the
load generator. This script measures the server alone: each session opens /_stcore/stream,
runs the app, then moves a random sidebar slider one step (a rerun with that widget's new
value) or switches page, waits for the run to finish and thinks (by default 0.2-0.8 s, like
load_test.py; --think 5 is closer to an analyst reading the charts).
Latency is from sending the request to the server's "script finished" message; exceptions
drawn by the app and runs that do not finish within 30 s are errors. Loopback only, bounded
in time.
With --url the sessions go to a server that is already running (say scripts/cluster.py's proxy)
instead of one this script starts; server CPU, memory and render times are then not reported.

  PYTHONPATH=. .venv/bin/python scripts/load_test_ws.py [--users 20] [--seconds 120] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import DoubleArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import RENDER, cpu_seconds, free_port, pct, rss_mib, start_server

SIDEBAR = 1  # delta_path[0] of the sidebar container
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_EARLY_FOR_RERUN}


class Session:
    """One app session over the WebSocket: runs, sidebar sliders seen, pages."""

    def __init__(self, ws):
        self.ws = ws
        self.sliders: dict[str, tuple[float, float, float, float]] = {}  # id -> value,min,max,step
        self.states: dict[str, float] = {}  # sliders this user has moved
        self.initial: dict[str, float] = {}  # each slider's value when first drawn
        self.pages: list[str] = []  # page script hashes
        self.page = ""
        self.query = ""
        self.marked = 0  # sliders drawn with the "differs from the preset" mark

    async def run(self, page: str | None = None) -> tuple[float, list[str]]:
        """Ask for a run; return its latency and the exceptions it drew."""
        if page is not None:
            self.page = page
        states = WidgetStates(widgets=[WidgetState(id=i, double_array_value=DoubleArray(data=[v]))
                                       for i, v in self.states.items()])
        message = BackMsg(rerun_script=ClientState(query_string=self.query,
                                                   widget_states=states,
                                                   page_script_hash=self.page))
        start = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        self.sliders.clear()
        self.marked = 0
        self.moved_away = 0  # sliders whose value differs from the value the page started at
        exceptions = []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=30)
            msg = ForwardMsg.FromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    exceptions.append(f"{element.exception.type}: {element.exception.message}"
                                      [:160])
                elif which == "slider" and msg.metadata.delta_path[0] == SIDEBAR:
                    slider = element.slider
                    # a moved slider's value lives in the client's widget state, not the proto
                    value = [self.states[slider.id]] if slider.id in self.states else \
                        list(slider.value if slider.set_value else slider.default)
                    if len(value) == 1 and not slider.disabled:
                        self.sliders[slider.id] = (value[0], slider.min, slider.max,
                                                   slider.step)
                        self.marked += slider.label.startswith("● ")
                        first_value = self.initial.setdefault(slider.id, value[0])
                        self.moved_away += value[0] != first_value
            elif kind == "navigation":
                self.pages = [p.page_script_hash for p in msg.navigation.app_pages
                              if not p.is_hidden]  # not the default page's /race twin
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "script_finished" and msg.script_finished in FINISHED:
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - start, exceptions

    def move_slider(self, rng: random.Random) -> bool:
        if not self.sliders:
            return False
        widget = rng.choice(sorted(self.sliders))
        value, low, high, step = self.sliders[widget]
        direction = rng.choice((-1, 1))
        if value + direction * step > high + 1e-9 or value + direction * step < low - 1e-9:
            direction = -direction
        self.states[widget] = round(value + direction * step, 10)
        return True


async def user(base_url: str, deadline: float, seed: int, stats: dict, delay: float,
               think: float) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(delay)
    try:
        async with websockets.connect(base_url.replace("http", "ws", 1) + "/_stcore/stream",
                                      subprotocols=["streamlit"], max_size=None,
                                      origin=base_url) as ws:
            session = Session(ws)
            latency, exceptions = await session.run()
            stats["first_load"].append(latency)
            stats["errors"].extend(exceptions)
            while time.time() < deadline:
                if rng.random() < 0.7 and session.move_slider(rng):
                    kind, page = "slider", None
                else:
                    kind = "page"
                    page = rng.choice([p for p in session.pages if p != session.page]
                                      or session.pages)
                try:
                    latency, exceptions = await session.run(page)
                except TimeoutError:
                    stats["errors"].append(f"{kind}: run did not finish within 30 s")
                    continue
                stats[f"latency_{kind}"].append(latency)
                stats["errors"].extend(exceptions)
                if kind == "slider" and session.moved_away and not session.marked:
                    stats["errors"].append("a slider move was not applied (sliders moved "
                                           "but none marked as differing from the preset)")
                await asyncio.sleep(rng.uniform(0.4, 1.6) * think)  # think time
    except Exception as exc:  # noqa: BLE001 - counted
        stats["errors"].append(f"session failed: {exc.__class__.__name__}: {exc}"[:200])


async def main_async(users: int, seconds: float, ramp: float, think: float,
                     url: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log_path = os.path.join(tmp, "server.log")
        if url is None:
            port = free_port()
            server = start_server(port, os.path.join(tmp, "load.sqlite"), log_path)
            url = f"http://127.0.0.1:{port}"
        else:
            server = None
            Path(log_path).write_text("")
        server_pid = server.pid if server else os.getpid()  # own pid: placeholders, not shown
        memory = {"start": rss_mib(server_pid), "peak": 0.0}
        stats = {"latency_slider": [], "latency_page": [], "first_load": [], "errors": []}
        try:
            deadline = time.time() + seconds
            cpu_start = (time.perf_counter(), cpu_seconds(server_pid), cpu_seconds())

            async def sample_memory():
                while True:
                    memory["peak"] = max(memory["peak"], rss_mib(server_pid))
                    await asyncio.sleep(0.5)

            sampler = asyncio.create_task(sample_memory())
            await asyncio.gather(*(user(url, deadline, seed, stats, ramp * seed / users, think)
                                   for seed in range(users)))
            cpu_end = (time.perf_counter(), cpu_seconds(server_pid), cpu_seconds())
            sampler.cancel()
            await asyncio.sleep(3)
            memory["end"] = rss_mib(server_pid)
        finally:
            if server:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
            log_text = Path(log_path).read_text(errors="replace")
    renders = [float(m.group(2)) / 1000 for line in log_text.splitlines()
               if (m := RENDER.search(line))]
    tracebacks = log_text.count("Traceback (most recent call last)")
    if tracebacks:
        stats["errors"].append(f"server log: {tracebacks} traceback(s)")
    latency = stats["latency_slider"] + stats["latency_page"]
    print(f"protocol sessions: {users}, duration: {seconds:.0f} s, arrivals over {ramp:.0f} s")
    print(f"reruns completed: {len(latency)} ({len(latency) / seconds:.1f}/s)")
    if latency:
        print(f"rerun latency (request to script finished): p50 {pct(latency, 50):.3f} s, "
              f"p95 {pct(latency, 95):.3f} s, max {max(latency):.3f} s")
    for kind in ("slider", "page"):
        values = stats[f"latency_{kind}"]
        if values:
            print(f"  {kind}: {len(values)} runs, {pct(values, 50):.3f} s / "
                  f"{pct(values, 95):.3f} s (p50/p95)")
    if renders:
        print(f"server render (its log): p50 {pct(renders, 50):.3f} s, "
              f"p95 {pct(renders, 95):.3f} s")
        by_page: dict[str, list[float]] = {}
        for line in log_text.splitlines():
            if m := RENDER.search(line):
                by_page.setdefault(m.group(1), []).append(float(m.group(2)) / 1000)
        for page, times in sorted(by_page.items(), key=lambda kv: -pct(kv[1], 95)):
            print(f"  {page}: {len(times)} runs, p50 {pct(times, 50):.3f} s, "
                  f"p95 {pct(times, 95):.3f} s")
    if stats["first_load"]:
        print(f"first run: p50 {statistics.median(stats['first_load']):.2f} s, "
              f"max {max(stats['first_load']):.2f} s")
    wall = cpu_end[0] - cpu_start[0]
    server_cpu = f"server {(cpu_end[1] - cpu_start[1]) / wall:.2f} cores, " if server else ""
    print(f"CPU over the run ({os.cpu_count()} cores): {server_cpu}whole machine "
          f"{(cpu_end[2] - cpu_start[2]) / wall:.2f} cores")
    print(f"errors: {len(stats['errors'])}")
    for message in sorted(set(stats["errors"]))[:10]:
        print(f"  {message}")
    if server:
        print(f"server memory (RSS): start {memory['start']:.0f} MiB, peak "
              f"{memory['peak']:.0f} MiB, end {memory['end']:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean seconds a user waits between actions (0.4x to 1.6x of it)")
    parser.add_argument("--ramp", type=float, default=10,
                        help="spread the users' arrivals over this many seconds (0: at once)")
    parser.add_argument("--url", help="test this running server (http://host:port) instead of "
                                      "starting one")
    args = parser.parse_args()
    if not 1 <= args.users <= 100 or not 5 <= args.seconds <= 900 or \
            not 0 <= args.ramp < args.seconds:
        sys.exit("users must be 1-100, seconds 5-900 and ramp 0 to seconds")
    asyncio.run(main_async(args.users, args.seconds, args.ramp, args.think,
                           args.url.rstrip("/") if args.url else None))


if __name__ == "__main__":
    main()
