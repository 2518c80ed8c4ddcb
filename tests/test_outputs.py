"""Every output is declared once (lib/core/outputs.py) and read from there: the model's series,
the headline metrics, channel and lever-group labels; colours follow ids, not labels."""

import dataclasses
import json

import pytest

from lib.cli import main
from lib.core import model, outputs
from lib.core.outputs import OUTPUTS, output
from lib.core.registry import LEVERS
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import briefing, compare, race, style, supply, uncertainty


@pytest.fixture(scope="module")
def result():
    return run(Scenario.build("leaky_controls"))


def test_every_model_series_is_declared_and_every_declared_series_exists(result):
    series = {k for k, o in OUTPUTS.items() if not o.derived}
    assert set(result.series) == series


def test_declarations_are_complete(result):
    for key, declared in OUTPUTS.items():
        assert declared.key == key
        assert declared.label.strip() and declared.unit.strip(), key
        assert declared.description.strip(), key
        assert declared.axis in ("log", "linear"), key
        assert declared.side in ("us", "china", "both", None), key
    labels = [o.label for o in OUTPUTS.values()]
    assert len(set(labels)) == len(labels)  # no two outputs read the same on a chart


def test_headline_metrics_have_labels_units_and_values(result):
    headline = [o for o in OUTPUTS.values() if o.headline]
    assert {"china_total", "us_total", "ratio", "race_gap_months", "smuggled_share"} <= {
        o.key for o in headline}
    frame = result.headline((2025, 2030))
    assert list(frame["metric"]) == [o.key for o in headline]
    for row in frame.itertuples():
        assert row.label == output(row.metric).label and row.label.strip()
        assert row.unit == output(row.metric).unit and row.unit.strip()
    shares = frame.set_index("metric").loc["smuggled_share", ["2025", "2030"]]
    assert ((shares > 0) & (shares < 1)).all()  # derived: Result computes it


def test_channels_and_lever_groups_match_the_model_and_registry():
    assert tuple(outputs.CHANNELS) == model.CHANNELS
    assert tuple(outputs.LEVER_GROUPS) == LEVERS
    assert set(style.CHANNEL_COLOURS) == set(model.CHANNELS)
    assert len(set(style.CHANNEL_COLOURS.values())) == len(style.CHANNEL_COLOURS)


def test_renaming_a_channel_keeps_its_colour(monkeypatch, result):
    frame = supply.channel_stock(result)
    before = {t.meta: t for t in supply.channel_area(frame, "s").data}
    monkeypatch.setitem(outputs.CHANNELS, "smuggled", "Contraband")
    after = {t.meta: t for t in supply.channel_area(frame, "s").data}
    assert after["smuggled"].name == "Contraband" != before["smuggled"].name
    assert after["smuggled"].fillcolor == before["smuggled"].fillcolor
    assert after["smuggled"].fillcolor == style.CHANNEL_COLOURS["smuggled"] != style.GREY
    bars = supply.legal_vs_smuggled(supply.channel_arrivals_yearly(result), "s").data
    assert [(b.name, b.marker.color) for b in bars] == [
        (outputs.CHANNELS[c], style.CHANNEL_COLOURS[c]) for c in ("legal", "smuggled")]


def _relabel(monkeypatch, key: str, **changes) -> outputs.Output:
    renamed = dataclasses.replace(OUTPUTS[key], **changes)
    monkeypatch.setitem(OUTPUTS, key, renamed)
    return renamed


def test_cli_headline_uses_declared_labels(monkeypatch, capsys):
    _relabel(monkeypatch, "ratio", label="Compute multiple", unit="times")
    assert main(["run", "--preset", "status_quo"]) == 0
    document = json.loads(capsys.readouterr().out)
    rows = {row["metric"]: row for row in document["headline"]}
    assert list(rows) == [o.key for o in OUTPUTS.values() if o.headline]
    assert (rows["ratio"]["label"], rows["ratio"]["unit"]) == ("Compute multiple", "times")
    for key, row in rows.items():
        assert row["label"] == output(key).label and row["unit"] == output(key).unit
    units = document["series_units"]
    assert set(units) == set(document["series"]) - {"month"}
    assert units["ratio"] == "times" and units["china_total"] == output("china_total").unit


def test_report_tables_and_charts_read_the_declaration(monkeypatch, result):
    gap = _relabel(monkeypatch, "race_gap_months", label="Lag", unit="mo.")
    headline = race.headline(result, 2027).set_index("metric")
    assert (headline.loc["race_gap_months", "label"], headline.loc["race_gap_months", "unit"]) \
        == ("Lag", "mo.")
    deltas = compare.metric_deltas({"a": result.scenario, "b": result.scenario}, 2027)
    assert gap.label_with_unit in set(deltas.columns)
    assert compare.compare_table({"a": result}, "race_gap_months").attrs["unit"] == "mo."
    assert uncertainty.fan_title("race_gap_months") == "Lag: range of outcomes"
    assert any("mo.** behind the U.S." in line for line in briefing.takeaways(result, 2027))
    stages = supply.funnel_table(result, result.december_index(2027))
    assert list(stages["stage"]) == [output(k).label for k in supply.FUNNEL_STAGES]
    assert list(stages["unit"]) == [output(k).unit for k in supply.FUNNEL_STAGES]


def test_fan_axis_and_colour_follow_the_declaration(monkeypatch):
    assert uncertainty.FAN_LOG == tuple(s for s in uncertainty.FAN_SERIES
                                        if output(s).axis == "log")
    assert uncertainty.fan_colour("china_total") == style.CHINA
    _relabel(monkeypatch, "china_total", side="us")
    assert uncertainty.fan_colour("china_total") == style.US
