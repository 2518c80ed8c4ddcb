"""Streamlit AppTest runs of the whole app (navigation, shared sidebar, each page): every page
under every preset, every sidebar control changing what is drawn, share links, uploads."""

from __future__ import annotations

import json

import pytest

from lib.app import shell, sidebar
from lib.core.calendar import YEARS
from lib.core.data import table
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario, presets
from lib.report import pack, race
from lib.report.fmt import fmt_with_unit
from tests.helpers import figures, finish_renders, make_app, no_exception, plain, signature


def open_controls(at, keys=None):
    """Open the sidebar groups holding `keys` (every group by default), then run: a closed
    group's widgets are not drawn."""
    parameters = [registry()[k] for k in keys] if keys else list(registry())
    for parameter in parameters:
        at.session_state[f"group_{parameter.group.key}"] = True
    at.run()
    no_exception(at)
    return at

PAGE_FILES = [path for path, *_ in shell.PAGES]
PAGE_TITLES = {path: title for path, title, *_ in shell.PAGES}


@pytest.mark.parametrize("preset", list(presets()))
@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_renders_under_every_preset(page, preset):
    at = make_app(page, {"preset": preset}, run=True)
    assert at.session_state["scenario"] == Scenario.build(preset)
    assert PAGE_TITLES[page] in at.session_state["render_ms"]
    if page not in ("pages/assumptions.py", "pages/library.py"):
        assert at.get("plotly_chart"), "no chart drawn"
    assert not at.warning, [w.value for w in at.warning]


def _moved_value(parameter, current):
    if parameter.kind == "boolean":
        return not current
    for candidate in (parameter.high, parameter.low, parameter.max, parameter.min):
        if candidate != current:
            return int(candidate) if parameter.kind == "integer" else float(candidate)
    raise AssertionError(parameter.key)


SCALAR_KEYS = [p.key for p in registry() if not p.is_yearly]


@pytest.mark.parametrize("key", SCALAR_KEYS)
def test_each_sidebar_control_changes_a_chart(key):
    at = open_controls(make_app(), [key])
    before = signature(at)
    widget = at.sidebar.slider(key=f"p_{key}_0") if registry()[key].kind != "boolean" \
        else at.sidebar.toggle(key=f"p_{key}_0")
    widget.set_value(_moved_value(registry()[key], widget.value)).run()
    no_exception(at)
    assert key in at.session_state["scenario"].differing_from_preset()
    assert signature(at) != before, f"moving {key} changed nothing drawn"
    # the control is marked as differing from the preset, and the link carries it
    moved = at.sidebar.slider(key=f"p_{key}_0") if registry()[key].kind != "boolean" \
        else at.sidebar.toggle(key=f"p_{key}_0")
    assert moved.label.startswith(sidebar.MARK)
    assert key in at.query_params


def test_yearly_controls_summarize_the_path_and_open_its_editor():
    """Each yearly parameter shows its path in one line (first and last year, whether it
    differs from the preset) with an "Edit path" button; no per-year grid in the sidebar."""
    at = open_controls(make_app())
    assert not list(at.sidebar.dataframe)
    buttons = {b.key for b in at.sidebar.button if b.key and b.key.startswith("edit_")}
    yearly = [p for p in registry() if p.is_yearly]
    assert buttons == {f"edit_{p.key}" for p in yearly}
    captions = [c.value for c in at.sidebar.caption]
    for parameter in yearly:
        path = Scenario().values()[parameter.key]
        first = f"{YEARS[0]}: {fmt_with_unit(path[0], parameter.unit)} → "
        assert any(first in c and f"{YEARS[-1]}: {fmt_with_unit(path[-1], parameter.unit)}"
                   in c and "as the preset" in c for c in captions), parameter.key


# Yearly parameters that change nothing in the status quo, the preset where they act, and why
INERT_IN_STATUS_QUO = {
    "china_licensed_demand_per_year": ("rollback", "Beijing admits no licensed chips"),
    "us_volume_licensed_chip_per_year": ("leaky_controls", "Beijing admits no licensed chips"),
    "licensed_units_per_year": ("leaky_controls", "Beijing admits no licensed chips"),
    "smic_other_vendor_share": ("nikkei_targets", "the vendors' sales bind, not wafers"),
    "china_dc_power_gw": ("rollback", "China's AI fleet needs far less power than it has"),
}


@pytest.mark.parametrize("key", [p.key for p in registry() if p.is_yearly])
def test_each_yearly_parameter_changes_what_is_drawn(key):
    """The model side of the path editor (tests/test_app_paths.py drives the editor): a per-year
    change of the parameter (as the editor stores it) changes the data the charts draw, in
    the status quo, or (listed above, with the reason) only in the preset where it acts."""

    parameter = registry()[key]

    def drawn(scenario):
        result = run(scenario)
        frames = pack.standard_charts(result, None, "s")
        return [frame.to_json(date_format="iso") for _, frame in frames.values()] + [
            race.largest_run(result).to_json(date_format="iso"),
            race.headline(result, 2027).to_json()]

    def changes_something(preset, new_value=None):
        base = Scenario.build(preset)
        value = base.values()[key][2027 - 2022]
        if new_value is None:
            new_value = parameter.high if value != parameter.high else parameter.low
        changed = Scenario.build(preset, {key: {year: new_value for year in range(2024, 2031)}})
        assert changed != base
        return drawn(changed) != drawn(base)

    if key not in INERT_IN_STATUS_QUO:
        assert changes_something("status_quo")
        return
    preset, _why = INERT_IN_STATUS_QUO[key]
    assert not changes_something("status_quo")  # still inert: else drop it from the list
    assert changes_something(preset, parameter.low) or changes_something(preset, parameter.high)


def test_reset_and_preset_picker():
    at = make_app(run=True)
    at.sidebar.slider(key="p_smuggling_interdiction_share_0").set_value(0.5).run()
    assert at.session_state["scenario"].overrides
    at.sidebar.button(key="reset").click().run()
    no_exception(at)
    assert at.session_state["scenario"] == Scenario.build("status_quo")
    gen = at.session_state["gen"]
    at.sidebar.selectbox(key=f"preset_{gen}").set_value("rollback").run()
    no_exception(at)
    assert at.session_state["scenario"] == Scenario.build("rollback")
    assert at.query_params["preset"] == "rollback"


def test_share_link_round_trip():
    scenario = Scenario.build("leaky_controls", {
        "smuggling_interdiction_share": 0.35, "h20_reversal": False,
        "smic_wafers_per_month": {2027: 72000, 2028: 90000}, "horizon_year": 2032})
    at = make_app(query=scenario.to_query(), run=True)
    assert at.session_state["scenario"] == scenario
    assert not at.warning
    restored = {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert restored == scenario.to_query()
    # the restored controls show the link's values
    assert at.sidebar.slider(key="p_smuggling_interdiction_share_0").value == 0.35
    assert at.sidebar.toggle(key="p_h20_reversal_0").value is False


def test_tampered_link_warns_and_falls_back_per_key():
    at = make_app(query={"preset": "ft_yield_40", "smuggling_interdiction_share": "7",
                         "bogus_key": "1", "h20_reversal": "maybe",
                         "export_tpp_threshold": "30000"}, run=True)
    text = " ".join(w.value for w in at.warning).replace("\\", "")  # as read, unescaped
    assert "smuggling_interdiction_share" in text and "bogus_key" in text
    assert "h20_reversal" in text
    scenario = at.session_state["scenario"]
    assert scenario.preset == "ft_yield_40"
    assert dict(scenario.overrides) == {"export_tpp_threshold": 30000.0}
    assert at.get("plotly_chart")


def test_unknown_preset_in_link():
    at = make_app(query={"preset": "<script>alert(1)</script>"}, run=True)
    assert any("preset" in w.value for w in at.warning)
    assert at.session_state["scenario"] == Scenario.build("status_quo")


@pytest.mark.parametrize("payload, expected", [
    (b"{not json", "not valid JSON"),
    (json.dumps({"preset": "status_quo", "overrides": {"smuggling_interdiction_share": 3}})
     .encode(), "smuggling_interdiction_share"),
    (json.dumps({"preset": "status_quo", "overrides": {"no_such": 1}}).encode(),
     "unknown parameter"),
    (b"\xff\xfe\x00", "UTF-8"),
    (json.dumps([1, 2]).encode(), "expected a JSON object"),
    (b" " * (300 * 1024), "256 KiB"),
])
def test_bad_upload_lists_problems(payload, expected):
    at = make_app(run=True)
    at.session_state["pending_upload"] = payload
    at.run()
    no_exception(at)
    errors = " ".join(e.value for e in at.sidebar.error).replace("\\", "")  # unescaped
    assert "not loaded" in errors and expected in errors
    assert at.session_state["scenario"] == Scenario.build("status_quo")


def test_good_upload_replaces_scenario():
    scenario = Scenario.build("rollback", {"smuggling_interdiction_share": 0.2})
    at = make_app(run=True)
    at.session_state["pending_upload"] = scenario.to_json(name="mine").encode()
    at.run()
    no_exception(at)
    assert at.session_state["scenario"] == scenario
    assert at.sidebar.slider(key=f"p_smuggling_interdiction_share_{at.session_state['gen']}") \
        .value == 0.2


def test_tier_page_threshold_mirrors_sidebar():
    at = make_app("pages/chip_tiers.py", run=True)
    before = signature(at)
    at.slider(key="page_export_tpp_threshold").set_value(10000.0).run()
    no_exception(at)
    assert at.session_state["scenario"].values()["export_tpp_threshold"] == 10000.0
    assert at.sidebar.slider(key="p_export_tpp_threshold_0").value == 10000.0
    assert signature(at) != before
    assert not at.warning


def test_compare_page_shows_differences():
    at = make_app("pages/compare.py", {"preset": "status_quo",
                                       "smuggling_interdiction_share": "0.3"}, run=True)
    assert len(at.get("plotly_chart")) == 2
    sidebar_name = "Now (Nov 2026) + 1 change (sidebar)"  # by its label, marked as the sidebar's
    choice = at.multiselect(key="compare")
    assert choice.format_func(choice.value[0]) == sidebar_name
    legend = [trace["name"] for trace in figures(at)[1]["data"]]
    assert sidebar_name in legend and "This scenario (sidebar)" not in legend
    metrics, differing = (t.value for t in at.main.table)
    assert plain(metrics["scenario"].iloc[0]) == sidebar_name
    changes = metrics[metrics["shows"] == "change"]
    assert len(changes) == 2 and all(  # signed, units in the headers
        plain(cell)[0] in "+\u2212±" for column in metrics.columns[2:] for cell in changes[column])
    assert all(plain(column).endswith("]") for column in metrics.columns[2:])
    assert set(differing["kind"]) <= {"policy", "assumption"} and "unit" in differing.columns
    choice.set_value(["sidebar"]).run()
    assert any("at least two" in i.value for i in at.info)


def test_assumptions_filter_and_backcast():
    at = make_app("pages/assumptions.py", run=True)
    total = len(registry())
    assert f"{total} of {total} parameters" in " ".join(c.value for c in at.caption)
    at.text_input(key="q").input("smuggl").run()
    no_exception(at)
    listed = [plain(label) for label in at.main.table[0].value["parameter"]]
    by_label = {p.label: p for p in registry()}
    text = [f"{p.label} {p.key} {p.description} {p.source}".lower()
            for p in map(by_label.get, listed)]
    assert 0 < len(listed) < total and all("smuggl" in t for t in text)
    assert {registry()[k].label for k in ("smuggling_attempted_per_year",
                                          "smuggling_interdiction_share")} <= set(listed)
    caption = " ".join(c.value for c in at.caption)
    assert f"{len(listed)} of {total} parameters" in caption
    # one parameter in full: every long column the listing leaves out
    at.selectbox(key="assume_record").set_value("smuggling_attempted_per_year").run()
    record = dict(zip(at.main.table[1].value["field"].map(plain),
                      at.main.table[1].value["value"].map(plain), strict=True))
    parameter = registry()["smuggling_attempted_per_year"]
    assert record["description"] == parameter.description
    assert record["source"] == parameter.source and "distribution" in record
    # the back-cast table: one row per published checkpoint, counted in its caption
    backcast = next(d.value for d in at.main.dataframe if "checkpoint" in d.value.columns)
    assert list(backcast["checkpoint"]) == list(
        table("history/checkpoints.csv")["checkpoint_id"])
    inside = int((backcast["status"] == "inside").sum())
    ranged = int((backcast["status"] != "point estimate").sum())
    assert f"{inside} of {ranged} checkpoints with a published range are inside" in caption


def test_briefing_takeaways_and_footer():
    at = make_app("pages/briefing.py", {"preset": "strict_enforcement"}, run=True)
    text = " ".join(m.value for m in at.markdown).replace("**", "")
    assert "H100e" in text and "months behind" in text and "smuggled" in text
    assert "Data as of" in " ".join(c.value for c in at.caption)
    assert presets()["strict_enforcement"].label in text


def test_largest_run_chart_is_built_only_when_opened():
    at = make_app(run=True)
    closed = len(at.get("plotly_chart"))
    at.session_state["race_runs_open"] = True
    at.run()
    no_exception(at)
    charts = at.get("plotly_chart")
    assert len(charts) == closed + 1
    assert "Largest training run" in charts[-1].proto.spec


@pytest.mark.parametrize("page", ["pages/race_overview.py", "pages/briefing.py"])
def test_link_text_is_shown_literally_in_warnings(page):
    """A crafted link cannot put a clickable link or emphasis into the page's warnings."""
    at = make_app(page, {"[click here](https://evil.example)": "1",
                         "smuggling_interdiction_share": "**bold**"}, run=True)
    texts = [w.value for w in at.warning]
    assert texts, "the bad keys gave no warning"
    joined = "\n".join(texts)
    assert "\\[click here\\]" in joined and "](https" not in joined
    assert "\\*\\*bold\\*\\*" in joined


def test_closed_groups_draw_no_controls_and_keep_their_values():
    """Assumption groups start closed and draw no widgets; a value set while a group was open
    survives closing it, is in the scenario either way, and shows again when reopened."""
    at = make_app(run=True)
    drawn = {w.key for w in list(at.sidebar.slider) + list(at.sidebar.toggle)}
    assert "p_packaging_yield_0" not in drawn and "p_smuggling_interdiction_share_0" in drawn
    assert "edit_smic_wafers_per_month" not in {b.key for b in at.sidebar.button}
    closed = signature(at)

    at.session_state["group_smic"] = True
    at.run()
    assert signature(at) == closed  # opening a group changes nothing drawn on the page
    at.sidebar.slider(key="p_packaging_yield_0").set_value(0.81).run()
    changed = at.session_state["scenario"]
    assert changed.values()["packaging_yield"] == 0.81
    moved = signature(at)
    assert any(e.label.startswith(sidebar.MARK) for e in at.sidebar.expander)

    at.session_state["group_smic"] = False
    at.run()
    no_exception(at)
    assert "p_packaging_yield_0" not in {w.key for w in at.sidebar.slider}
    assert at.session_state["scenario"] == changed and signature(at) == moved
    assert at.query_params["packaging_yield"] == "0.81"
    assert any("**1** control differs" in m.value for m in at.sidebar.markdown)

    at.session_state["group_smic"] = True
    at.run()
    assert at.sidebar.slider(key="p_packaging_yield_0").value == 0.81
    assert at.sidebar.slider(key="p_packaging_yield_0").label.startswith(sidebar.MARK)
    assert at.session_state["scenario"] == changed


def test_closed_group_follows_presets_links_and_reset():
    """Values in closed groups follow a preset change and a reset like drawn ones."""
    at = make_app(query={"preset": "status_quo", "packaging_yield": "0.81"}, run=True)
    assert at.session_state["scenario"].values()["packaging_yield"] == 0.81
    at.sidebar.button(key="reset").click().run()
    assert at.session_state["scenario"] == Scenario.build("status_quo")
    at.sidebar.selectbox(key=f"preset_{at.session_state['gen']}").set_value("rollback").run()
    assert at.session_state["scenario"] == Scenario.build("rollback")
    at.session_state["group_smic"] = True
    at.run()
    rollback = Scenario.build("rollback").values()["packaging_yield"]
    assert at.sidebar.slider(key=f"p_packaging_yield_{at.session_state['gen']}").value \
        == pytest.approx(rollback)


def test_sidebar_builds_the_briefing_pack(monkeypatch):
    """The button renders every chart into a zip and offers it for download (images off here:
    the browser test makes them)."""
    monkeypatch.setattr("lib.report.export.images_available", lambda: False)
    at = make_app("pages/briefing.py", {"preset": "strict_enforcement"})
    at.run(timeout=120)
    assert not [b for b in at.sidebar.get("download_button") if "pack" in str(b.proto.label)]
    at.sidebar.button(key="build_pack").click().run(timeout=120)
    finish_renders(at)
    no_exception(at)
    labels = [b.proto.label for b in at.sidebar.get("download_button")]
    assert "Download briefing pack" in labels, labels
    assert any("no PNG/SVG images" in w.value for w in at.sidebar.warning)
