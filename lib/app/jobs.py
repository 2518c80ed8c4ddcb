"""A process-wide fair queue for the heavy renders (briefing packs and slides, ~5-30 s of
Chromium each): at most `slots` run at once, one job per session at a time, first come first
served, and each waiting job knows its place in line. Plain Python (threads), so it is tested
without Streamlit; the app keeps a job's handle in its session and polls it.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Renders at once: 1 suits this 2-core server (two Chromium renders at once each run at half
# speed, so the first visitor waits as long as the second); raise it on bigger machines.
DEFAULT_RENDER_SLOTS = 1
RENDER_SLOTS_ENV = "CHOKEPOINT_RENDER_SLOTS"

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


class AlreadyQueued(Exception):
    """The session already has a render queued or running."""


@dataclass(eq=False)
class Job:
    owner: str  # the session that asked
    label: str  # what it renders, for messages ("briefing pack", "slide")
    work: Callable[[], Any]
    state: str = QUEUED
    result: Any = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def live(self) -> bool:
        return self.state in (QUEUED, RUNNING)


class RenderQueue:
    """FIFO jobs run by `slots` worker threads. `is_alive(owner)` is asked as a job comes up:
    a job whose session went away is dropped unrun."""

    def __init__(self, slots: int, is_alive: Callable[[str], bool] = lambda owner: True):
        if slots < 1:
            raise ValueError(f"render slots must be at least 1, not {slots}")
        self.slots = slots
        self._is_alive = is_alive
        self._waiting: deque[Job] = deque()
        self._running: list[Job] = []
        self._lock = threading.Condition()
        for i in range(slots):
            threading.Thread(target=self._work, name=f"render-{i}", daemon=True).start()

    def submit(self, owner: str, label: str, work: Callable[[], Any]) -> Job:
        with self._lock:
            busy = self.job_of(owner)
            if busy is not None:
                doing = "being built" if busy.state == RUNNING else "in line"
                raise AlreadyQueued(f"Your {busy.label} is still {doing}: one render per "
                                    f"visitor at a time.")
            job = Job(owner, label, work)
            self._waiting.append(job)
            self._lock.notify()
            return job

    def job_of(self, owner: str) -> Job | None:
        """The owner's queued or running job, if any."""
        with self._lock:
            return next((j for j in [*self._running, *self._waiting]
                         if j.owner == owner and j.live), None)

    def ahead(self, job: Job) -> int:
        """How many jobs must run or finish before this one starts (0 once it runs or ends)."""
        with self._lock:
            if job not in self._waiting:
                return 0
            return len(self._running) + self._waiting.index(job)

    def cancel(self, job: Job) -> None:
        """Withdraw a job: unrun if still waiting; if running, its result is thrown away."""
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
            if job.live:
                job.state = CANCELLED
                job.finished.set()

    def _next(self) -> Job:
        with self._lock:
            while True:
                while not self._waiting:
                    self._lock.wait()
                job = self._waiting.popleft()
                if self._is_alive(job.owner):
                    job.state = RUNNING
                    self._running.append(job)
                    return job
                job.state = CANCELLED  # its visitor left while it waited
                job.finished.set()

    def _work(self) -> None:
        while True:
            job = self._next()
            try:
                result, error = job.work(), None
            except Exception as exc:  # the job's visitor sees it; the worker lives on
                result, error = None, str(exc) or type(exc).__name__
            with self._lock:
                self._running.remove(job)
                if job.state == RUNNING:
                    job.result, job.error = result, error
                    job.state = FAILED if error is not None else DONE
                job.finished.set()


def slots_from_env() -> int:
    raw = os.environ.get(RENDER_SLOTS_ENV, "").strip()
    if not raw:
        return DEFAULT_RENDER_SLOTS
    try:
        slots = int(raw)
    except ValueError:
        raise ValueError(f"{RENDER_SLOTS_ENV} must be a whole number, not {raw!r}") from None
    if slots < 1:
        raise ValueError(f"{RENDER_SLOTS_ENV} must be at least 1, not {slots}")
    return slots


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def place_in_line(job: Job, ahead: int) -> str:
    if ahead == 0:
        return f"Building your {job.label} now..."
    return (f"Your {job.label} is {ordinal(ahead + 1)} in line; "
            f"{ahead} ahead of you.")
