"""Load test (a script that prints figures, not a pass/fail test).

Starts the app on 127.0.0.1, drives N concurrent browser sessions (Playwright contexts in
Debian's Chromium) that move sliders and switch pages for a fixed time, then prints reruns
completed, p50/p95 latency, errors, and the server's memory. Traffic stays on loopback and
the loop is bounded in time.

Latency is the browser's: from the key press or link click to the end of the script run it
caused (counted by an observer on the app's run state, so a press that starts no run is not
mistaken for an instant one). The server's own render times (from its log) and the CPU used
by the server and by the whole machine are printed too, to tell queueing from slow pages:
the load generator (Chromium) runs on the same machine and competes for the same cores.

  PYTHONPATH=. .venv/bin/python scripts/load_test.py [--users 20] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]
# Counts finished script runs in the page (window.__runs), from the app's run-state attribute.
RUN_COUNTER = """
window.__runs = 0; window.__state = null;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  if (state && state !== window.__state) {
    if (state === 'notRunning' && window.__state === 'running') window.__runs += 1;
    window.__state = state;
  }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""
SLIDERS = '[data-testid="stSidebar"] [data-testid="stSlider"] input[type="range"]'
SETTLE = 2.0  # after a page loads, its first run's widgets are replaced once
RENDER = re.compile(r"chokepoint render (.+) (\d+) ms$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of the server process [MiB] (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time [s] used so far by one process, or by the whole machine (all cores)."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        if pid is None:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
            return (sum(map(int, fields)) - int(fields[3]) - int(fields[4])) / tick  # not idle
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick
    except (OSError, IndexError, ValueError):
        return 0.0


def start_server(port: int, db: str, log_path: str, timeout: float = 60) -> subprocess.Popen:
    """Start the app with scripts/serve.py and wait for its health check."""
    env = os.environ | {"CHOKEPOINT_DB": db, "PYTHONPATH": str(ROOT)}
    # the log goes to a file: an unread pipe fills up and then blocks the server
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/serve.py"),  # this interpreter: the venv
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return wait_healthy(process, port, log_path, timeout)


def wait_healthy(process: subprocess.Popen, port: int, log_path: str,
                 timeout: float = 60) -> subprocess.Popen:
    """Wait until a just-started Streamlit server answers its health check."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the app exited: " + Path(log_path).read_text()[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the app did not start within {timeout:.0f} s")


async def press_slider(page, rng: random.Random) -> bool:
    """Move a random visible sidebar slider one step (away from its end); False if none."""
    sliders = page.locator(SLIDERS).filter(visible=True)
    try:  # a busy browser may still be drawing the sidebar
        await sliders.first.wait_for(state="visible", timeout=30_000)
    except Exception:  # noqa: BLE001 - reported by the caller
        return False
    count = await sliders.count()
    slider = sliders.nth(rng.randrange(count))
    value, low, high = await slider.evaluate(
        "e => [Number(e.value), Number(e.min), Number(e.max)]")
    key = rng.choice(["ArrowRight", "ArrowLeft"])
    if value >= high:
        key = "ArrowLeft"
    elif value <= low:
        key = "ArrowRight"
    await slider.press(key)
    return True


async def switch_page(page, rng: random.Random) -> None:
    """Click a navigation link to another page than the one shown."""
    links = page.locator('a[data-testid="stSidebarNavLink"]')
    here = page.url.split("?")[0].rstrip("/")
    others = [i for i in range(await links.count())
              if (await links.nth(i).get_attribute("href") or "").split("?")[0].rstrip("/")
              != here]
    await links.nth(rng.choice(others)).click()


async def user(browser, base: str, deadline: float, seed: int, stats: dict,
               delay: float = 0.0) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(delay)  # arrivals spread over the ramp-up
    context = await browser.new_context(viewport={"width": 1600, "height": 1000})
    await context.add_init_script(RUN_COUNTER)
    page = await context.new_page()
    page.on("pageerror", lambda exc: stats["errors"].append(f"page error: {exc}"))
    try:
        start = time.perf_counter()
        await page.goto(base, timeout=60_000)
        await page.wait_for_function("window.__runs >= 1", timeout=60_000)
        stats["first_load"].append(time.perf_counter() - start)
        await asyncio.sleep(SETTLE)
        while time.time() < deadline:
            runs = await page.evaluate("window.__runs")
            before = time.perf_counter()
            if rng.random() < 0.7:
                if not await press_slider(page, rng):
                    stats["errors"].append("no visible sidebar slider within 30 s")
                    continue
                kind = "slider"
            else:
                await switch_page(page, rng)
                kind = "page"
            try:
                await page.wait_for_function(f"window.__runs > {runs}", timeout=30_000,
                                             polling=50)
            except Exception:  # noqa: BLE001 - a timeout is a counted error
                stats["errors"].append(f"{kind}: rerun did not finish within 30 s")
                continue
            stats["latency"].append(time.perf_counter() - before)
            stats[f"latency_{kind}"].append(time.perf_counter() - before)
            if kind == "page":
                await asyncio.sleep(SETTLE)
            if await page.locator('[data-testid="stException"]').count():
                stats["errors"].append("exception shown on page")
            await asyncio.sleep(rng.uniform(0.2, 0.8))  # think time
    except Exception as exc:  # noqa: BLE001
        stats["errors"].append(f"session failed: {exc.__class__.__name__}: {exc}"[:200])
    finally:
        await context.close()


async def main_async(users: int, seconds: float, ramp: float = 0.0) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log_path = os.path.join(tmp, "server.log")
        server = start_server(port, os.path.join(tmp, "load.sqlite"), log_path)
        memory = {"start": rss_mib(server.pid), "peak": 0.0}
        stats = {"latency": [], "latency_slider": [], "latency_page": [], "first_load": [],
                 "errors": []}
        cpu_start = (time.perf_counter(), cpu_seconds(server.pid), cpu_seconds())
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path="/usr/bin/chromium",
                                                  args=CHROMIUM_ARGS)
                deadline = time.time() + seconds

                async def sample_memory():
                    while time.time() < deadline + 5:
                        memory["peak"] = max(memory["peak"], rss_mib(server.pid))
                        await asyncio.sleep(0.5)

                sampler = asyncio.create_task(sample_memory())
                await asyncio.gather(*(user(browser, f"http://127.0.0.1:{port}/", deadline,
                                            seed, stats, ramp * seed / users)
                                       for seed in range(users)))
                sampler.cancel()
                await browser.close()
            cpu_end = (time.perf_counter(), cpu_seconds(server.pid), cpu_seconds())
            await asyncio.sleep(3)
            memory["end"] = rss_mib(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log_text = Path(log_path).read_text(errors="replace")
    renders: dict[str, list[float]] = {}
    for line in log_text.splitlines():
        match = RENDER.search(line)
        if match:
            renders.setdefault(match.group(1), []).append(float(match.group(2)) / 1000)
    tracebacks = log_text.count("Traceback (most recent call last)")
    if tracebacks:
        stats["errors"].append(f"server log: {tracebacks} traceback(s)")
    latency = sorted(stats["latency"])
    print(f"users: {users}, duration: {seconds:.0f} s, arrivals spread over {ramp:.0f} s")
    print(f"reruns completed: {len(latency)}")
    if latency:
        p95 = latency[min(len(latency) - 1, int(0.95 * len(latency)))]
        print(f"rerun latency (browser, action to idle): p50 {statistics.median(latency):.3f} s,"
              f" p95 {p95:.3f} s, max {latency[-1]:.3f} s")
    for kind in ("slider", "page"):
        if stats[f"latency_{kind}"]:
            values = stats[f"latency_{kind}"]
            print(f"  {kind}: {len(values)} runs, {pct(values, 50):.3f} s / "
                  f"{pct(values, 95):.3f} s (p50/p95)")
    every = [v for values in renders.values() for v in values]
    if every:
        print(f"server render (its log): {len(every)} runs, p50 {pct(every, 50):.3f} s, "
              f"p95 {pct(every, 95):.3f} s")
        for name, values in sorted(renders.items(), key=lambda kv: -pct(kv[1], 50)):
            print(f"  {name}: {len(values)} runs, p50 {pct(values, 50):.3f} s, "
                  f"p95 {pct(values, 95):.3f} s")
    wall = cpu_end[0] - cpu_start[0]
    server_cores = (cpu_end[1] - cpu_start[1]) / wall
    print(f"CPU over the run ({os.cpu_count()} cores): server {server_cores:.2f} cores, "
          f"whole machine {(cpu_end[2] - cpu_start[2]) / wall:.2f} cores")
    if stats["first_load"]:
        loads = sorted(stats["first_load"])
        print(f"first load: p50 {statistics.median(loads):.2f} s, max {loads[-1]:.2f} s")
    print(f"errors: {len(stats['errors'])}")
    for message in sorted(set(stats["errors"]))[:10]:
        print(f"  {message}")
    print(f"server memory (RSS): start {memory['start']:.0f} MiB, peak {memory['peak']:.0f} MiB,"
          f" end {memory['end']:.0f} MiB")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if q != 50 else \
        statistics.median(ordered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--ramp", type=float, default=10,
                        help="spread the users' arrivals over this many seconds (0: at once)")
    args = parser.parse_args()
    if not 1 <= args.users <= 50 or not 5 <= args.seconds <= 900 or \
            not 0 <= args.ramp < args.seconds:
        sys.exit("users must be 1-50, seconds 5-900 and ramp 0 to seconds")
    asyncio.run(main_async(args.users, args.seconds, args.ramp))


if __name__ == "__main__":
    main()
