"""Helpers shared by the test files: the whole app under Streamlit's AppTest, what a run drew
(charts, metrics, Markdown as the visitor reads it), and Plotly figure JSON."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from lib.app import access, shell

ROOT = Path(__file__).resolve().parent.parent
FIRST_PAGE = shell.PAGES[0][0]  # the default page


def make_app(page: str = FIRST_PAGE, query: dict[str, str] | None = None, *,
             run: bool = False, timeout: float = 60, user: str | None = None) -> AppTest:
    """The whole app (navigation, sidebar) opened at `page`, with share-link parameters
    `query`, signed in as `user` (an account of a team deployment: tests/conftest.py `team`);
    with run=True it is run once and must not have raised."""
    at = AppTest.from_string(f"from lib.app import shell\nshell.main({page!r})",
                             default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if user:  # as the sign-in form leaves it (tests/test_app_access.py signs in with the form)
        at.session_state[access.USER] = user
    if run:
        at.run()
        no_exception(at)
    return at


def finish_renders(at: AppTest, timeout: float = 120) -> AppTest:
    """Wait for the session's queued renders (slide, pack) to end, then run the app again so
    it draws their downloads, as the waiting fragment's rerun does in a browser."""
    for name in ("slide", "pack"):
        if name in at.session_state:
            assert at.session_state[name]["job"].finished.wait(timeout), f"{name} still running"
    return at.run(timeout=timeout)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def plain(text: str) -> str:
    """Markdown source with its backslash escapes and word joiners removed (what the visitor
    reads)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def signature(at: AppTest) -> tuple:
    """What the page draws: every chart's figure JSON and every metric."""
    charts = tuple(el.proto.spec for el in at.get("plotly_chart"))
    metrics = tuple((m.label, m.value, m.proto.body) for m in at.metric)
    return charts, metrics


def figures(at: AppTest) -> list[dict]:
    """Every chart the run drew, as Plotly figure JSON."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def figure(at: AppTest, title_part: str) -> dict:
    """The one chart whose title contains `title_part`."""
    found = [f for f in figures(at) if title_part in title(f)]
    assert len(found) == 1, [title(f) for f in figures(at)]
    return found[0]


def title(fig: dict) -> str:
    """A figure's title as written, before it was wrapped onto lines for narrow screens."""
    return fig["layout"]["title"]["text"].replace("<br>", " ")


def values(data) -> np.ndarray:
    """A trace array from figure JSON (Plotly sends NumPy data as typed base64 arrays)."""
    if isinstance(data, dict) and "bdata" in data:
        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return array.reshape(data["shape"]) if "shape" in data else array
    return np.asarray(data, dtype=float)


def names_file_and_line(expected: str, message: str, *, start: bool = False) -> bool:
    """Whether a data error reads as expected, with any line number: a line in one of today's
    YAML files moves whenever the file is edited (exact lines are tested on small documents)."""
    pattern = re.sub(r"line\\ \d+", r"line\\ \\d+", re.escape(expected))
    return bool((re.match if start else re.search)(pattern, message))


def export_controls_app(timeout: float = 120) -> AppTest:
    """The Briefing's export controls alone (status quo, end 2027), not yet run."""
    return AppTest.from_string("from lib.app import briefing_export\n"
                               "from lib.core.scenario import Scenario\n"
                               "briefing_export.export_controls(Scenario(), 2027, Scenario())\n",
                               default_timeout=timeout)
