"""The real app in a real browser: a Streamlit server started with scripts/serve.py, driven by
Playwright in Debian's Chromium at 1920x1080. Every page loads without an exception and draws
non-blank charts whose legends do not overlap titles or plots; a slider moves a chart and the
share link; a share link restores a scenario; a PNG export is a real image of slide size.
Screenshots of every page go to artifacts/screenshots/ (look at them).
"""

from __future__ import annotations

import itertools
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


playwright = pytest.importorskip("playwright.sync_api")
sys.path.insert(0, str(ROOT / "scripts"))
from load_test import CHROMIUM_ARGS, free_port
from load_test import start_server as start_app

from lib.app import shell, sidebar
from lib.core.scenario import Scenario, presets
from lib.report import style
from lib.store.accounts import Accounts
from lib.store.library import ScenarioLibrary

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                       "(scripts/setup.sh dev installs it when run as root)"),
]
SHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1920, "height": 1080}
DEFAULT_URL = shell.PAGES[0][3]
PAGE_URLS = [url for *_rest, url in shell.PAGES]
CHART_DATA = ("() => JSON.stringify([...document.querySelectorAll("
              "'[data-testid=stMain] .js-plotly-plot')].map(p => (p.data || []).map("
              "t => [t.x, t.y])))")


def start_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = start_app(port, str(tmp / "scenarios.sqlite"), str(tmp / "server.log"),
                        timeout=90)
    return process, f"http://127.0.0.1:{port}"


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, base = start_server(tmp_path_factory.mktemp("server"))
    yield base
    stop_server(process)


TEAM_USERS = {"ana": "correct horse battery"}


@pytest.fixture(scope="module")
def team_server(tmp_path_factory):
    """A team deployment (CHOKEPOINT_MODE=team) with the accounts in TEAM_USERS: (its address,
    its library file)."""
    tmp = tmp_path_factory.mktemp("team")
    users = tmp / "users.json"
    for name, password in TEAM_USERS.items():
        Accounts(users).add(name, password)
    with mock.patch.dict(os.environ, {"CHOKEPOINT_MODE": "team",
                                      "CHOKEPOINT_USERS": str(users)}):
        process, base = start_server(tmp)
    yield base, tmp / "scenarios.sqlite"
    stop_server(process)


@pytest.fixture(scope="module")
def public_twin(team_server):
    """A public deployment reading the team deployment's library (the operator's curated
    copy, say): its address."""
    tmp = team_server[1].parent
    port = free_port()
    with mock.patch.dict(os.environ, {"CHOKEPOINT_MODE": "public"}):
        process = start_app(port, str(team_server[1]), str(tmp / "public.log"), timeout=90)
    yield f"http://127.0.0.1:{port}"
    stop_server(process)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def url_of(base: str, page_url: str, query: str = "") -> str:
    path = "" if page_url == DEFAULT_URL else page_url  # the default page lives at "/"
    return f"{base}/{path}{query}"


def settle(page, charts_expected: bool = True, timeout: float = 60) -> None:
    """Wait for the script run to finish and charts to draw; the first run after a load
    replaces its widgets once, so wait for the state to stay idle for a moment."""
    script_idle = ("() => document.querySelector('[data-testid=stApp]')?.dataset"
                   ".testScriptState === 'notRunning' && document.querySelector("
                   "'[data-testid=stMain] :is(h1, h2)')")
    page.wait_for_function(script_idle, timeout=timeout * 1000)
    if charts_expected:
        page.wait_for_selector("[data-testid=stMain] .js-plotly-plot .main-svg",
                               timeout=timeout * 1000)
    quiet_since = time.time()
    end = time.time() + timeout
    while time.time() < end and time.time() - quiet_since < 1.0:
        busy = page.evaluate(f"!({script_idle})()") or page.locator(
            "[data-stale=true], [data-testid=stSkeletonElement]").count()  # lazy widget code
        if busy:
            quiet_since = time.time()
        time.sleep(0.1)


def overlaps(a: dict | None, b: dict | None) -> bool:
    if not a or not b:
        return False
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def chart_problems(page) -> list[str]:
    """Blank charts, and legends that overlap the chart title or the plot area."""
    problems = []
    plots = page.locator("[data-testid=stMain] .js-plotly-plot")
    for i in range(plots.count()):
        plot = plots.nth(i)
        if not plot.is_visible():
            continue  # inside a closed expander
        title = plot.locator(".gtitle").first
        name = title.text_content() if title.count() else f"chart {i}"
        drawn = plot.evaluate("p => (p.data || []).length")
        marks = plot.locator(".plot path, .plot rect, .plot text, .trace").count()
        if not drawn or not marks:
            problems.append(f"{name}: blank (traces {drawn}, marks {marks})")
        legend = plot.locator(".legend").first
        if legend.count():
            legend_box = legend.bounding_box()
            if title.count() and overlaps(legend_box, title.bounding_box()):
                problems.append(f"{name}: legend overlaps the title")
            plot_area = plot.locator(".draglayer .nsewdrag").first
            if plot_area.count() and overlaps(legend_box, plot_area.bounding_box()):
                problems.append(f"{name}: legend overlaps the plot area")
            plot_box = plot.bounding_box()
            if legend_box and plot_box and (legend_box["x"] + legend_box["width"]
                                            > plot_box["x"] + plot_box["width"] + 2):
                problems.append(f"{name}: legend clipped on the right")
    return problems


def inside(box: dict | None, frame: dict | None, slack: float = 1.0) -> bool:
    if not box or not frame:
        return True
    return (box["x"] >= frame["x"] - slack and box["y"] >= frame["y"] - slack
            and box["x"] + box["width"] <= frame["x"] + frame["width"] + slack
            and box["y"] + box["height"] <= frame["y"] + frame["height"] + slack)


TEXT_PARTS = ".gtitle, .g-xtitle, .g-ytitle, .infolayer g.annotation, .bartext, .legend"


def text_problems(page) -> list[str]:
    """Chart text a reader cannot read: a title, axis title, label, source line or legend cut
    off at the chart's edge, and labels (annotations, bar text) printed over each other or
    over the legend."""
    problems = []
    plots = page.locator("[data-testid=stMain] .js-plotly-plot")
    for i in range(plots.count()):
        plot = plots.nth(i)
        if not plot.is_visible():
            continue
        title = plot.locator(".gtitle").first
        name = title.text_content() if title.count() else f"chart {i}"
        frame = plot.bounding_box()
        parts = plot.locator(TEXT_PARTS)
        boxes = []
        for j in range(parts.count()):
            part = parts.nth(j)
            box = part.bounding_box()
            if not box or box["width"] == 0:
                continue
            text = (part.text_content() or "").strip()[:40]
            if not inside(box, frame):
                problems.append(f"{name}: {text!r} cut off at the chart's edge")
            kind = part.get_attribute("class") or ""
            if "annotation" in kind or "bartext" in kind or "legend" in kind:
                boxes.append((text, box))
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            shrunk = [dict(x=x["x"] + 1, y=x["y"] + 1, width=x["width"] - 2,
                           height=x["height"] - 2) for x in (box_a, box_b)]
            if overlaps(*shrunk):
                problems.append(f"{name}: {a!r} overprints {b!r}")
    return problems


@pytest.mark.parametrize("page_url", PAGE_URLS)
def test_every_page_loads_with_readable_charts(server, page, page_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    query = "?preset=leaky_controls" if page_url == DEFAULT_URL else ""
    page.goto(url_of(server, page_url, query))
    has_charts = page_url not in ("assumptions", "library")
    settle(page, charts_expected=has_charts)
    page.screenshot(path=str(SHOTS / f"{page_url}.png"))
    height = page.evaluate("document.querySelector('[data-testid=stMainBlockContainer]')"
                           ".scrollHeight")
    if page_url != "briefing":
        page.set_viewport_size({"width": 1920, "height": min(int(height) + 150, 12000)})
        time.sleep(1.0)
        page.screenshot(path=str(SHOTS / f"{page_url}_full.png"))
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("a[data-testid=stSidebarNavLink]").count() == len(shell.PAGES)
    if has_charts:
        assert page.locator("[data-testid=stMain] .js-plotly-plot").count() >= 1
    assert chart_problems(page) == []
    if page_url == "briefing":  # a 1920x1080 screenshare without scrolling
        assert height <= VIEWPORT["height"], f"briefing is {height} px tall"


def test_slider_moves_chart_link_and_marker(server, page):
    page.goto(url_of(server, DEFAULT_URL))
    settle(page)
    slider = page.locator("[data-testid=stSidebar] [data-testid=stSlider]").filter(
        has_text="Extra interdiction").first
    before = page.evaluate(CHART_DATA)
    slider.locator("input[type=range]").press("ArrowRight")
    page.wait_for_function(f"before => ({CHART_DATA})() !== before", arg=before,
                           timeout=30000)
    settle(page)
    query = parse_qs(urlparse(page.url).query)
    assert query["preset"] == ["status_quo"]
    assert float(query["smuggling_interdiction_share"][0]) > 0
    assert slider.inner_text().strip().startswith(sidebar.MARK.strip())
    page.screenshot(path=str(SHOTS / "after_slider_move.png"))


def test_share_link_restores_scenario_and_tampered_link_warns(server, page):
    page.goto(url_of(server, "supply", "?preset=leaky_controls&smuggling_interdiction_share=0.3"))
    settle(page)
    value = page.locator("[data-testid=stSidebar] [data-testid=stSlider]").filter(
        has_text="Extra interdiction").first.locator("input[type=range]").input_value()
    assert float(value) == pytest.approx(0.3)
    preset_box = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first
    shown = preset_box.evaluate("e => e.innerText + ' ' + [...e.querySelectorAll('input')]"
                                ".map(i => i.value + ' ' + (i.getAttribute('aria-label') || ''))"
                                ".join(' ')")
    assert "Leaky" in shown, shown
    assert page.locator("[data-testid=stAlert]").count() == 0

    page.goto(url_of(server, DEFAULT_URL,
                     "?preset=no_such_preset&smuggling_interdiction_share=7&bogus=%3Cb%3E"))
    settle(page)
    page.screenshot(path=str(SHOTS / "tampered_link.png"))
    warning = page.locator("[data-testid=stMain] [data-testid=stAlert]").first.inner_text()
    assert "could not be read" in warning and "bogus" in warning
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stMain] b", has_text="").count() == 0  # no HTML injected


def test_png_export_is_a_slide_sized_image(server, page):
    page.goto(url_of(server, DEFAULT_URL))
    settle(page)
    page.locator("[data-testid=stPopover] button", has_text="Export chart").first.click()
    page.get_by_role("button", name="Make PNG + SVG").first.click()
    png_button = page.get_by_role("button", name="PNG", exact=True).first
    png_button.wait_for(timeout=90000)
    page.screenshot(path=str(SHOTS / "export_popover.png"))
    with page.expect_download() as download:
        png_button.click()
    data = Path(download.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (style.EXPORT_WIDTH, style.EXPORT_HEIGHT)
    assert len(data) > 30_000  # a drawn chart, not an empty canvas
    assert download.value.suggested_filename.endswith(".png")


def test_deep_link_works_for_the_first_visitor(tmp_path, browser):
    """A fresh server's first session opening /supply gets that page with the sidebar, not
    Streamlit's legacy 'Page not found' (scripts/serve.py sets the navigation mode); the
    default page answers its own path (/race) as well as "/" (lib.app.shell.main)."""
    process, base = start_server(tmp_path)
    try:
        context = browser.new_context(viewport=VIEWPORT)
        for path, title in (("supply", "Supply channels"), (DEFAULT_URL, "Race overview")):
            tab = context.new_page()
            tab.goto(f"{base}/{path}")
            settle(tab)
            assert tab.locator("[data-testid=stMain] h1").first.inner_text() == title
            assert "Page not found" not in tab.locator("body").inner_text()
            assert tab.locator("[role=dialog]").count() == 0
            # the open policy groups' sliders (closed groups draw theirs when opened)
            assert tab.locator("[data-testid=stSidebar] [data-testid=stSlider]").count() >= 3
        context.close()
    finally:
        stop_server(process)


def test_per_year_table_edit_reaches_the_link(server, page):
    """The path editor: one click into a year's input and typing changes the scenario and
    the link, with the dialog and the sidebar group still open; "from year X grow Z %/yr"
    fills the years after; the group is still open on another page."""
    page.goto(url_of(server, DEFAULT_URL))
    settle(page)
    bar = page.locator("[data-testid=stSidebar]")
    group = bar.locator("[data-testid=stExpander] details").filter(
        has=page.locator("summary", has_text="SMIC 7 nm production"))
    group.locator("summary").click()
    settle(page)
    bar.locator(".st-key-edit_smic_wafers_per_month button").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("2027", exact=True).click()  # one click puts the caret in the cell
    page.keyboard.press("Control+A")
    page.keyboard.type("65000")
    page.keyboard.press("Tab")
    page.wait_for_function("() => location.search.includes('smic_wafers_per_month')",
                           timeout=30000)
    settle(page)
    assert dialog.is_visible() and group.get_attribute("open") is not None
    assert f"{sidebar.MARK}SMIC 7 nm production (1 changed)" in group.inner_text()

    dialog.get_by_label("by [%/yr]").fill("10")
    dialog.get_by_label("Grow from year").click()
    page.get_by_role("option", name="2032", exact=True).click()
    dialog.get_by_role("button", name="Grow", exact=True).click()
    page.wait_for_function("() => location.search.includes('2035')", timeout=30000)
    settle(page)
    page.screenshot(path=str(SHOTS / "path_editor.png"))
    wanted = ["2027:65000,2032:110000,2033:121000,2034:133100,2035:146410"]
    assert parse_qs(urlparse(page.url).query)["smic_wafers_per_month"] == wanted
    assert dialog.get_by_label("2035", exact=True).input_value() == "146410"

    dialog.get_by_role("button", name="Done").click()
    dialog.wait_for(state="hidden")
    settle(page)
    page.locator("[data-testid=stSidebarNav] a", has_text="Supply channels").click()
    page.wait_for_url("**/supply*")
    settle(page)
    assert group.get_attribute("open") is not None  # kept apart from the widget, per page
    assert parse_qs(urlparse(page.url).query)["smic_wafers_per_month"] == wanted


def test_briefing_pack_holds_every_chart_and_the_scenario(server, page):
    page.goto(url_of(server, "briefing", "?preset=strict_enforcement"))
    settle(page)
    sidebar = page.locator("[data-testid=stSidebar]")  # the Briefing page has its own too
    sidebar.get_by_role("button", name="Build briefing pack (zip)").click()
    download_button = sidebar.get_by_role("button", name="Download briefing pack")
    download_button.wait_for(timeout=180000)
    with page.expect_download() as download:
        download_button.click()
    with zipfile.ZipFile(download.value.path()) as pack:
        names = set(pack.namelist())
        scenario = json.loads(pack.read("scenario.json"))
        slide = pack.read("briefing_slide.png")
        index = pack.read("index.md").decode()
    assert scenario["preset"] == "strict_enforcement"
    assert struct.unpack(">II", slide[16:24]) == (1920, 1080)
    assert "briefing_slide.pdf" in names and all(f"`{name}`" in index for name in names)
    pngs = {n for n in names if n.startswith("charts/") and n.endswith(".png")}
    assert len(pngs) >= 5
    for png in pngs:
        stem = png.removeprefix("charts/").removesuffix(".png")
        assert {f"charts/{stem}.svg", f"data/{stem}.csv", f"data/{stem}.parquet"} <= names


def sign_in(tab, name: str, password: str) -> None:
    """The team deployment's sign-in form (on the Saved scenarios and Audit log pages)."""
    tab.get_by_label("User name").fill(name)
    tab.get_by_label("Password", exact=True).fill(password)
    tab.get_by_role("button", name="Sign in").click()


def test_saved_scenario_is_shared_and_opens(team_server, browser):
    """One analyst saves a scenario; another, in a separate session, sees it and opens it."""
    server = team_server[0]
    first = browser.new_context(viewport=VIEWPORT)
    tab = first.new_page()
    tab.goto(url_of(server, "library", "?preset=leaky_controls&smuggling_interdiction_share=0.2"))
    settle(tab, charts_expected=False)
    sign_in(tab, "ana", TEAM_USERS["ana"])
    tab.get_by_label("Name", exact=True).fill("Briefing 24 Nov <b>draft</b>")
    tab.get_by_label("Note", exact=True).fill("For the Tuesday call")
    tab.get_by_role("button", name="Save", exact=True).click()
    tab.get_by_text("Library (1 saved)").wait_for(timeout=30000)
    first.close()

    second = browser.new_context(viewport=VIEWPORT)
    other = second.new_page()
    other.goto(url_of(server, "library"))
    settle(other, charts_expected=False)
    sign_in(other, "ana", TEAM_USERS["ana"])
    other.get_by_text("Library (1 saved)").wait_for(timeout=30000)
    assert other.locator("[data-testid=stMain] b", has_text="draft").count() == 0
    other.locator(".st-key-lib_open button").first.click()
    other.wait_for_function("() => location.search.includes('smuggling_interdiction_share')",
                            timeout=30000)
    settle(other, charts_expected=False)
    query = parse_qs(urlparse(other.url).query)
    assert query["preset"] == ["leaky_controls"]
    assert float(query["smuggling_interdiction_share"][0]) == pytest.approx(0.2)
    other.screenshot(path=str(SHOTS / "library_opened.png"))
    second.close()


LIBRARY_WRITE_KEYS = ("lib_name", "lib_note", "lib_duplicate", "lib_delete", "lib_new_name",
                      "lib_rename", "lib_restore", "lib_import_go", "lib_import_overwrite")


def test_team_sign_in_save_delete_restore_and_the_audit_log(team_server, browser):
    server, db = team_server
    name = "Zeta audit trail"  # after the other tests' names: their pickers open theirs
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    tab = context.new_page()
    tab.goto(url_of(server, "library", "?preset=rollback"))
    settle(tab, charts_expected=False)
    assert tab.get_by_text("Sign in to see and change the team's saved scenarios").count()
    assert not any(tab.locator(f".st-key-{key}").count() for key in LIBRARY_WRITE_KEYS)
    assert tab.get_by_text("Library (").count() == 0  # no names before sign-in
    sign_in(tab, "ana", "not the password")
    tab.get_by_text("Wrong user name or password.").wait_for(timeout=30000)
    tab.screenshot(path=str(SHOTS / "team_sign_in_refused.png"))
    sign_in(tab, "ana", TEAM_USERS["ana"])
    tab.get_by_text("Signed in as").wait_for(timeout=30000)
    settle(tab, charts_expected=False)
    tab.get_by_label("Name", exact=True).fill(name)
    tab.get_by_role("button", name="Save", exact=True).click()
    tab.get_by_text(f"Saved the current scenario as {name}.").wait_for(timeout=30000)
    settle(tab, charts_expected=False)
    tab.locator(".st-key-lib_delete button").first.click()  # the one just saved is chosen
    tab.get_by_role("button", name="Yes, delete").click()
    tab.get_by_text(f"Deleted {name}. It can be restored").wait_for(timeout=30000)
    settle(tab, charts_expected=False)
    assert ScenarioLibrary(db).find(name) is None
    tab.get_by_role("heading", name="Recently deleted").scroll_into_view_if_needed()
    tab.screenshot(path=str(SHOTS / "team_recently_deleted.png"))
    tab.locator(".st-key-lib_restore button").first.click()  # the latest deletion is chosen
    tab.get_by_text(f"Restored {name}.").wait_for(timeout=30000)
    restored = ScenarioLibrary(db).find(name)
    assert (restored.created_by, restored.updated_by) == ("ana", "ana")

    tab.get_by_role("link", name="Audit log").click()  # in-app: the sign-in stays
    tab.get_by_role("heading", name="Audit log").wait_for(timeout=30000)
    settle(tab, charts_expected=False)
    tab.screenshot(path=str(SHOTS / "team_audit_log.png"))
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Download these events (CSV)").click()
    rows = download.value.path().read_text().splitlines()
    assert rows[0].startswith("# Chokepoint audit log")
    mine = [row for row in rows if name in row]
    assert [row.split(",")[1:3] for row in mine] == [
        ['"ana"', '"restored"'], ['"ana"', '"deleted"'], ['"ana"', '"saved"']]
    context.close()


def test_public_deployment_shows_no_write_control(public_twin, team_server, browser):
    library = ScenarioLibrary(team_server[1])
    if library.find("Curated by the operator") is None:
        library.save("Curated by the operator", Scenario.build("rollback"), user="operator",
                     note="Figure 3 of the report: what rolling back the 2025 rules would do. " * 4)
    for size in ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720}):
        context = browser.new_context(viewport=size)
        tab = context.new_page()
        tab.goto(url_of(public_twin, "library"))
        settle(tab, charts_expected=False)
        tab.get_by_text("This is a public deployment: the library is read-only.").wait_for(
            timeout=30000)
        assert tab.locator(".st-key-lib_open button").count() >= 1  # reading is open
        assert not any(tab.locator(f".st-key-{key}").count() for key in LIBRARY_WRITE_KEYS)
        for label in ("Save", "Import", "Restore", "Sign in"):
            assert tab.get_by_role("button", name=label, exact=True).count() == 0, label
        assert tab.get_by_role("link", name="Audit log").count() == 0
        assert tab.get_by_text("by operator").count() == 0  # who on the team: not public
        grid = tab.locator("[data-testid=stDataFrame] .dvn-scroller").first
        assert grid.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), \
            f"the library table scrolls sideways at {size['width']} px"  # a column clipped
        tab.screenshot(path=str(SHOTS / f"public_library_{size['width']}.png"))
        context.close()


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("sidebar_open", [True, False])
def test_uncertainty_charts_are_readable_on_a_laptop_and_a_desktop(server, browser, width,
                                                                  height, sidebar_open):
    """Every chart on the Uncertainty page (each fan tab, Sobol computed) at 1280x720 and
    1920x1080, sidebar open and collapsed: no legend over a title, nothing cut off at a
    chart's edge, no label printed over another."""
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    tab.goto(url_of(server, "uncertainty"))
    settle(tab)
    if not sidebar_open:
        tab.locator("[data-testid=stSidebar]").hover()  # the button shows on hover
        tab.locator("[data-testid=stSidebarCollapseButton] button").click()
        tab.locator("[data-testid=stSidebar][data-collapsed=true]").wait_for(
            state="attached", timeout=10000)
        time.sleep(1.0)  # the charts redraw at the new width
    tab.get_by_role("button", name="Compute Sobol indices").click()
    settle(tab)
    fans = tab.locator("[data-testid=stMain] [role=tab]")
    problems = []
    for i in range(fans.count()):
        fans.nth(i).click()
        time.sleep(1.0)
        problems += chart_problems(tab) + text_problems(tab)
    state = "open" if sidebar_open else "collapsed"
    tab.screenshot(path=str(SHOTS / f"uncertainty_{width}_{state}.png"), full_page=True)
    context.close()
    assert not problems, "\n".join(sorted(set(problems)))


# -- the share link: the view, Back and Forward, undo, copy ----------------------------------

SIDEBAR_SLIDER = "[data-testid=stSidebar] [data-testid=stSlider]"


def _main_slider(page, label: str):
    return page.locator("[data-testid=stMain] [data-testid=stSlider]").filter(
        has_text=label).first.locator("input[type=range]")


def _switch(page, label: str):
    return page.locator("[data-testid=stMain] [data-testid=stCheckbox]").filter(
        has_text=label).first.locator("input")


def _chosen(page) -> list[str]:
    return page.locator("[data-testid=stMain] [data-testid=stMultiSelect] "
                        "button[aria-label^='Remove ']").evaluate_all(
        "bs => bs.map(b => b.getAttribute('aria-label').slice('Remove '.length))")


def _copied_link(page) -> str:
    """The link as the sidebar's Copy link button puts it on the clipboard."""
    page.locator(".chokepoint-copy button").click()
    page.wait_for_function("() => document.querySelector('.chokepoint-copy span')"
                           ".textContent === 'Copied'", timeout=10000)
    return page.evaluate("navigator.clipboard.readText()")


def _fresh(browser, viewport: dict, link: str):
    """A new browser context (no session, no history) opened at the link."""
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    tab.goto(link)
    return context, tab


@pytest.mark.parametrize("viewport", [VIEWPORT, {"width": 1280, "height": 720}],
                         ids=["1920x1080", "1280x720"])
def test_the_copied_link_restores_the_view_in_a_fresh_browser(server, browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(url_of(server, DEFAULT_URL, "?preset=rollback&smuggling_interdiction_share=0.3"))
    settle(page)
    year = _main_slider(page, "Headline year")
    year.press("ArrowRight")  # 2027 -> 2028
    settle(page)
    _switch(page, "Log scale").click(force=True)
    settle(page)
    checks = []
    link = _copied_link(page)
    assert parse_qs(urlparse(link).query) == {
        "preset": ["rollback"], "smuggling_interdiction_share": ["0.3"], "year": ["2028"],
        "log": ["false"]}
    checks.append(("race", link))
    page.goto(url_of(server, "compare", "?preset=rollback"))
    settle(page)
    page.locator("[data-testid=stMain] button[aria-label='Remove Strict enforcement']").click()
    settle(page)
    checks.append(("compare", _copied_link(page)))
    page.goto(url_of(server, "uncertainty", "?preset=rollback"))
    settle(page)
    seed = page.locator("[data-testid=stMain] [data-testid=stNumberInput]").filter(
        has_text="Seed").first.locator("input")
    seed.fill("7")
    seed.press("Enter")
    settle(page)
    checks.append(("uncertainty", _copied_link(page)))
    context.close()

    for name, link in checks:
        fresh, tab = _fresh(browser, viewport, link)
        settle(tab)
        assert tab.locator("[data-testid=stException]").count() == 0
        assert tab.locator("[data-testid=stMain] [data-testid=stAlert]").filter(
            has_text="could not be read").count() == 0  # no view key read as a parameter
        assert parse_qs(urlparse(tab.url).query) == parse_qs(urlparse(link).query)
        sidebar_value = tab.locator(SIDEBAR_SLIDER).filter(has_text="Extra interdiction").first \
            .locator("input[type=range]").input_value() if name == "race" else None
        if name == "race":
            assert float(sidebar_value) == pytest.approx(0.3)
            assert _main_slider(tab, "Headline year").get_attribute("aria-valuetext") == "2028"
            assert not _switch(tab, "Log scale").is_checked()
            tab.screenshot(path=str(SHOTS / f"link_restored_race_{viewport['width']}.png"))
        elif name == "compare":
            rollback = presets()["rollback"].label
            assert _chosen(tab) == [f"{rollback} (sidebar)", rollback]
        else:
            assert tab.locator("[data-testid=stMain] [data-testid=stNumberInput]").filter(
                has_text="Seed").first.locator("input").input_value() == "7"
            assert tab.get_by_text("(seed 7)").count() >= 1
        fresh.close()


def _interdiction(page):
    return page.locator(SIDEBAR_SLIDER).filter(has_text="Extra interdiction").first.locator(
        "input[type=range]")


def _linked_interdiction(page) -> str | None:
    return parse_qs(urlparse(page.url).query).get("smuggling_interdiction_share", [None])[0]


def test_back_and_forward_step_through_moves(server, page):
    page.goto(url_of(server, DEFAULT_URL, "?year=2029"))
    settle(page)
    values = []
    for _ in range(2):
        _interdiction(page).press("ArrowRight")
        page.wait_for_function("n => new URLSearchParams(location.search).get("
                               "'smuggling_interdiction_share') !== n", arg=_linked_interdiction(
                                   page), timeout=30000)
        settle(page)
        values.append(_interdiction(page).input_value())
    assert float(values[1]) > float(values[0]) > 0
    page.go_back()
    settle(page)
    assert _interdiction(page).input_value() == values[0]  # one Back undoes one move
    assert _linked_interdiction(page) == values[0]
    assert parse_qs(urlparse(page.url).query)["year"] == ["2029"]  # the view stays
    page.go_forward()
    settle(page)
    assert _interdiction(page).input_value() == values[1]
    assert _linked_interdiction(page) == values[1]


def test_undo_button_undoes_a_move_and_copy_link_falls_back(server, page):
    page.goto(url_of(server, DEFAULT_URL))
    settle(page)
    undo = page.get_by_role("button", name="Undo", exact=True)
    redo = page.get_by_role("button", name="Redo", exact=True)
    assert undo.is_disabled() and redo.is_disabled()
    _interdiction(page).press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).has("
                           "'smuggling_interdiction_share')", timeout=30000)
    settle(page)
    assert float(_interdiction(page).input_value()) > 0 and not undo.is_disabled()
    undo.click()
    settle(page)
    assert float(_interdiction(page).input_value()) == 0
    assert _linked_interdiction(page) is None  # the link is the preset's again
    assert undo.is_disabled() and not redo.is_disabled()
    page.screenshot(path=str(SHOTS / "after_undo.png"))
    # on plain http (no clipboard API) the button says where the link is shown instead
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.locator(".chokepoint-copy button").click()
    assert "Show the link" in page.locator(".chokepoint-copy span").text_content()
    page.locator("[data-testid=stSidebar] [data-testid=stExpander]").filter(
        has_text="Show the link").first.locator("summary").click()
    shown = page.locator("[data-testid=stSidebar] [data-testid=stCode]").first.inner_text()
    assert shown.strip().endswith("?preset=status_quo")
