"""The render queue (lib/app/jobs.py): first come first served, one job per session, places
in line, at most `slots` at once, errors reported to the job's owner, abandoned jobs dropped;
and the pack control showing a visitor their place while another visitor's render runs."""

from __future__ import annotations

import threading
import time

import pytest

from lib.app import jobs
from lib.app.jobs import CANCELLED, DONE, FAILED, AlreadyQueued, RenderQueue
from tests.helpers import export_controls_app, finish_renders, no_exception

WAIT = 10  # [s] ceiling for any job here; each takes milliseconds once released


class Gate:
    """Work that blocks until released and records when it started."""

    def __init__(self, name: str, log: list[str], result=None):
        self.name, self.log, self.result = name, log, result
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self):
        self.log.append(self.name)
        self.started.set()
        assert self.release.wait(WAIT)
        return self.result


def _wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_jobs_run_in_order_one_at_a_time_with_their_places():
    queue, log = RenderQueue(1), []
    gates = [Gate(f"g{i}", log, result=i) for i in range(3)]
    running = [queue.submit(f"s{i}", "briefing pack", gate) for i, gate in enumerate(gates)]
    assert gates[0].started.wait(WAIT)
    assert [queue.ahead(j) for j in running] == [0, 1, 2]
    assert jobs.place_in_line(running[2], 2) == \
        "Your briefing pack is 3rd in line; 2 ahead of you."
    gates[0].release.set()
    assert gates[1].started.wait(WAIT)
    assert not gates[2].started.is_set()  # one slot: the third still waits
    assert [queue.ahead(j) for j in running] == [0, 0, 1]
    for gate in gates[1:]:
        gate.release.set()
    for job in running:
        assert job.finished.wait(WAIT)
    assert log == ["g0", "g1", "g2"]
    assert [(j.state, j.result) for j in running] == [(DONE, 0), (DONE, 1), (DONE, 2)]


def test_k_slots_run_k_jobs_at_once():
    queue, log = RenderQueue(2), []
    gates = [Gate(f"g{i}", log) for i in range(3)]
    running = [queue.submit(f"s{i}", "slide", gate) for i, gate in enumerate(gates)]
    assert gates[0].started.wait(WAIT) and gates[1].started.wait(WAIT)
    time.sleep(0.05)
    assert not gates[2].started.is_set()
    assert queue.ahead(running[2]) == 2  # both running jobs must end before it starts
    gates[0].release.set()
    assert gates[2].started.wait(WAIT)
    for gate in gates:
        gate.release.set()


def test_one_job_per_session_at_a_time():
    queue, log = RenderQueue(1), []
    gate = Gate("first", log, result="zip")
    first = queue.submit("s", "briefing pack", gate)
    assert gate.started.wait(WAIT)
    with pytest.raises(AlreadyQueued, match="Your briefing pack is still being built"):
        queue.submit("s", "slide", lambda: None)
    other = queue.submit("t", "slide", lambda: "png")  # another visitor is not refused
    gate.release.set()
    assert first.finished.wait(WAIT) and other.finished.wait(WAIT)
    again = queue.submit("s", "slide", lambda: "pdf")  # free again once the first ended
    assert again.finished.wait(WAIT) and again.result == "pdf"


def test_a_failing_job_reports_its_error_and_the_queue_goes_on():
    queue = RenderQueue(1)

    def broken():
        raise RuntimeError("Chromium crashed")

    failed = queue.submit("s", "slide", broken)
    after = queue.submit("t", "slide", lambda: "ok")
    assert failed.finished.wait(WAIT) and after.finished.wait(WAIT)
    assert (failed.state, failed.error, failed.result) == (FAILED, "Chromium crashed", None)
    assert (after.state, after.result) == (DONE, "ok")


def test_cancelled_and_abandoned_jobs_do_not_run():
    alive = {"busy", "stays", "changed_mind"}
    queue, log = RenderQueue(1, is_alive=lambda owner: owner in alive), []
    gate = Gate("busy", log)
    busy = queue.submit("busy", "briefing pack", gate)
    assert gate.started.wait(WAIT)
    left = queue.submit("left", "briefing pack", Gate("left", log))  # visitor closes the tab
    withdrawn = queue.submit("changed_mind", "slide", Gate("changed_mind", log))
    stays = queue.submit("stays", "slide", lambda: log.append("stays"))
    assert queue.ahead(stays) == 3
    queue.cancel(withdrawn)  # e.g. the scenario changed while it waited
    assert withdrawn.state == CANCELLED and queue.ahead(stays) == 2
    assert queue.job_of("changed_mind") is None
    gate.release.set()
    assert stays.finished.wait(WAIT) and left.finished.wait(WAIT)
    assert log == ["busy", "stays"]
    assert (left.state, busy.state, stays.state) == (CANCELLED, DONE, DONE)


def test_a_running_job_cancelled_keeps_no_result_and_frees_its_session():
    queue, log = RenderQueue(1), []
    gate = Gate("old", log, result="stale")
    old = queue.submit("s", "briefing pack", gate)
    assert gate.started.wait(WAIT)
    queue.cancel(old)
    new = queue.submit("s", "briefing pack", lambda: "fresh")
    assert queue.ahead(new) == 1  # the cancelled render still holds the slot until it ends
    gate.release.set()
    assert new.finished.wait(WAIT)
    _wait_until(lambda: queue.ahead(new) == 0)
    assert (old.state, old.result, new.result) == (CANCELLED, None, "fresh")


@pytest.mark.parametrize("raw, slots", [("", jobs.DEFAULT_RENDER_SLOTS), ("3", 3)])
def test_slots_come_from_the_environment(monkeypatch, raw, slots):
    monkeypatch.setenv(jobs.RENDER_SLOTS_ENV, raw)
    assert jobs.slots_from_env() == slots


@pytest.mark.parametrize("raw", ["0", "two"])
def test_bad_slot_counts_are_refused(monkeypatch, raw):
    monkeypatch.setenv(jobs.RENDER_SLOTS_ENV, raw)
    with pytest.raises(ValueError, match=jobs.RENDER_SLOTS_ENV):
        jobs.slots_from_env()


def test_ordinals():
    assert [jobs.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


def test_pack_control_shows_the_place_in_line_behind_another_visitor(monkeypatch):
    monkeypatch.setattr("lib.report.export.images_available", lambda: False)
    monkeypatch.setattr("lib.app.briefing_export._build_pack",
                        lambda *args: {"data": b"zip", "notes": []})
    from lib.app import briefing_export
    at = export_controls_app(timeout=60)
    at.run()
    other = Gate("other visitor's pack", [])
    elsewhere = briefing_export.renders().submit("another session", "briefing pack", other)
    try:
        assert other.started.wait(WAIT)
        at.button(key="briefing_build_pack").click().run()
        no_exception(at)
        assert [i.value for i in at.info] == \
            ["Your briefing pack is 2nd in line; 1 ahead of you."]
        assert not at.get("download_button")
    finally:
        other.release.set()
    assert elsewhere.finished.wait(WAIT)
    finish_renders(at)
    no_exception(at)
    assert not at.info
    assert [b.proto.label for b in at.get("download_button")] == ["Download briefing pack"]


def test_a_second_render_from_the_same_session_is_refused_plainly(monkeypatch):
    monkeypatch.setattr("lib.report.export.images_available", lambda: True)
    started, release = threading.Event(), threading.Event()

    def slow_slide(*args):
        started.set()
        assert release.wait(WAIT)
        return {"png": b"png", "pdf": b"pdf"}

    monkeypatch.setattr("lib.app.briefing_export.slide_images", slow_slide)
    monkeypatch.setattr("lib.app.briefing_export._build_pack",
                        lambda *args: {"data": b"zip", "notes": []})
    at = export_controls_app(timeout=60)
    at.run()
    try:
        at.button(key="export_slide").click().run()
        assert started.wait(WAIT)
        at.button(key="briefing_build_pack").click().run()
        no_exception(at)
        assert any("Your slide is still being built" in w.value for w in at.warning)
        assert "pack" not in at.session_state
    finally:
        release.set()
    finish_renders(at)
    assert [b.proto.label for b in at.get("download_button")] == ["Slide PNG", "Slide PDF"]
