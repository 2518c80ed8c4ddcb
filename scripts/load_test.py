"""Load test (a script that prints figures, not a pass/fail test).

Starts the app on 127.0.0.1, drives N concurrent browser sessions (Playwright contexts in
Debian's Chromium) that move sliders and switch pages for a fixed time, then prints reruns
completed, p50/p95 latency, errors, and the server's memory. Traffic stays on loopback and
the loop is bounded in time.

  PYTHONPATH=. .venv/bin/python scripts/load_test.py [--users 20] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  return state === 'notRunning';
}"""


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


def start_server(port: int, db: str) -> subprocess.Popen:
    env = os.environ | {"CHOKEPOINT_DB": db, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), str(ROOT / "scripts/serve.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the app did not start within 60 s")


async def user(browser, base: str, deadline: float, seed: int, stats: dict) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1600, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: stats["errors"].append(f"page error: {exc}"))
    try:
        await page.goto(base, timeout=60_000)
        start = time.perf_counter()
        await page.wait_for_function(IDLE, timeout=60_000)
        stats["first_load"].append(time.perf_counter() - start)
        while time.time() < deadline:
            action = rng.random()
            before = time.perf_counter()
            if action < 0.7:
                sliders = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] '
                                       'input[type="range"]')
                count = await sliders.count()
                if not count:
                    stats["errors"].append("no slider found")
                    break
                slider = sliders.nth(rng.randrange(count))
                await slider.focus()
                await page.keyboard.press(rng.choice(["ArrowRight", "ArrowLeft"]))
            else:
                links = page.locator('a[data-testid="stSidebarNavLink"]')
                count = await links.count()
                await links.nth(rng.randrange(count)).click()
            await asyncio.sleep(0.05)
            try:
                await page.wait_for_function(IDLE, timeout=30_000)
            except Exception:  # noqa: BLE001 - a timeout is a counted error
                stats["errors"].append("rerun did not finish within 30 s")
                continue
            stats["latency"].append(time.perf_counter() - before)
            if await page.locator('[data-testid="stException"]').count():
                stats["errors"].append("exception shown on page")
            await asyncio.sleep(rng.uniform(0.2, 0.8))  # think time
    except Exception as exc:  # noqa: BLE001
        stats["errors"].append(f"session failed: {exc.__class__.__name__}: {exc}"[:200])
    finally:
        await context.close()


async def main_async(users: int, seconds: float) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(port, os.path.join(tmp, "load.sqlite"))
        memory = {"start": rss_mib(server.pid), "peak": 0.0}
        stats = {"latency": [], "first_load": [], "errors": []}
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
                                            seed, stats) for seed in range(users)))
                sampler.cancel()
                await browser.close()
            await asyncio.sleep(3)
            memory["end"] = rss_mib(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    latency = sorted(stats["latency"])
    print(f"users: {users}, duration: {seconds:.0f} s")
    print(f"reruns completed: {len(latency)}")
    if latency:
        p95 = latency[min(len(latency) - 1, int(0.95 * len(latency)))]
        print(f"rerun latency (browser, action to idle): p50 {statistics.median(latency):.3f} s,"
              f" p95 {p95:.3f} s, max {latency[-1]:.3f} s")
    if stats["first_load"]:
        loads = sorted(stats["first_load"])
        print(f"first load: p50 {statistics.median(loads):.2f} s, max {loads[-1]:.2f} s")
    print(f"errors: {len(stats['errors'])}")
    for message in sorted(set(stats["errors"]))[:10]:
        print(f"  {message}")
    print(f"server memory (RSS): start {memory['start']:.0f} MiB, peak {memory['peak']:.0f} MiB,"
          f" end {memory['end']:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    if not 1 <= args.users <= 50 or not 5 <= args.seconds <= 900:
        sys.exit("users must be 1-50 and seconds 5-900")
    asyncio.run(main_async(args.users, args.seconds))


if __name__ == "__main__":
    main()
