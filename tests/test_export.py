"""Exports: PNG/SVG through kaleido (needs Chromium), CSV/Parquet data, the briefing pack, and
plain failure where Chromium is missing."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import assumptions, export, pack, race, style, supply, tiers
from lib.report.briefing_slide import briefing_slide

needs_chromium = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                                    reason="/usr/bin/chromium is not installed")


def _figure(title: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 4, 2], name="U.S."))
    return style.finish(fig, title, "Year", "Compute [H100e]", "Source: test.")


@needs_chromium
def test_png_and_svg_have_slide_size_and_text():
    images = export.figures_to_images({"one": _figure("First chart"),
                                       "two": _figure("Second chart")})
    assert set(images) == {("one", "png"), ("one", "svg"), ("two", "png"), ("two", "svg")}
    for name in ("one", "two"):
        png = images[(name, "png")]
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert export.png_size(png) == (1600, 900)
    svg = images[("two", "svg")].decode("utf-8")
    assert svg.lstrip().startswith("<svg") and 'width="1600"' in svg
    assert "Second chart" in svg and "Source: test." in svg and "[H100e]" in svg


@needs_chromium
def test_concurrent_exports_get_their_own_images():
    """kaleido's sync server is not thread-safe: the lock must keep answers apart."""
    results, errors = {}, []

    def work(i):
        try:
            results[i] = export.figures_to_images({f"c{i}": _figure(f"Chart number {i}")},
                                                  formats=("svg",))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    for i in range(3):
        svg = results[i][(f"c{i}", "svg")].decode("utf-8")
        assert f"Chart number {i}" in svg
        assert all(f"Chart number {j}" not in svg for j in range(3) if j != i)


def test_missing_chromium_is_reported_plainly(monkeypatch):
    monkeypatch.setattr(export, "chromium_path", lambda: None)
    assert not export.images_available()
    with pytest.raises(export.ExportUnavailable, match="Chromium was not found"):
        export.figures_to_images({"x": _figure("x")})
    data, notes = pack.briefing_pack({"x": (_figure("x"), pd.DataFrame({"a": [1]}))},
                                       pd.DataFrame({"key": ["k"], "v": [1]}), "{}")
    assert notes and "Chromium" in notes[0]
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert "data/x.csv" in names and "NOTES.txt" in names and "charts/x.png" not in names
    assert _indexed(archive) == set(names)


def _indexed(archive: zipfile.ZipFile) -> set[str]:
    """The files index.md lists (first column of its table), each with a description."""
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$",
                      archive.read("index.md").decode(), re.M)
    assert all(what.strip() and units.strip() for _, what, units in rows)
    return {path for path, _, _ in rows}


def test_data_downloads_round_trip():
    scenario = Scenario.build("rollback", {"smuggling_interdiction_share": 0.3})
    frame = supply.channel_stock(run(scenario))
    data = export.frame_csv(frame, scenario)
    back = pd.read_csv(io.BytesIO(data), index_col=0, comment="#")
    assert list(back.columns) == [f"{c} [H100e]" for c in frame.columns]
    assert len(back) == len(frame)
    assert back.to_numpy() == pytest.approx(frame.to_numpy(), rel=5e-4)  # 4 significant
    parquet = pd.read_parquet(io.BytesIO(export.frame_parquet(frame)))
    assert list(parquet.columns) == list(frame.columns)
    assert parquet.to_numpy() == pytest.approx(frame.to_numpy())
    specs = tiers.chip_specs()  # text, NaN and mixed columns
    assert len(pd.read_parquet(io.BytesIO(export.frame_parquet(specs)))) == len(specs)


def test_csv_names_the_scenario_and_the_data_date_first():
    scenario = Scenario.build("rollback", {"smuggling_interdiction_share": 0.3})
    first = export.frame_csv(pd.DataFrame({"a": [1.5]}), scenario).decode().splitlines()[0]
    assert first == (f"# Chokepoint: {style.scenario_label(scenario)} (link "
                     "?preset=rollback&smuggling_interdiction_share=0.3); "
                     f"data as of {style.data_date()}; units in headers")
    both = export.frame_csv(pd.DataFrame({"a": [1]}), {"A": scenario, "B": Scenario()})
    first = both.decode().splitlines()[0]
    assert "A = Rollback" in first and " vs B = " in first and "?preset=status_quo" in first


def test_csv_values_keep_four_significant_figures_and_integers_stay_integers():
    frame = pd.DataFrame({"china_total": [3917839.2837461, 0.000123456, float("nan")],
                          "chips": [3, 4, 5], "name": ["a # not a comment", "b,c", 'd "e"'],
                          "flag": [True, False, True]})
    text = export.frame_csv(frame, Scenario()).decode()
    assert "3917839.28" not in text and "3918000" in text and "0.0001235" in text
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert list(back.columns) == ["china_total [H100e]", "chips", "name", "flag"]
    assert back["chips"].dtype.kind == "i" and list(back["chips"]) == [3, 4, 5]
    assert list(back["name"]) == ["a # not a comment", "b,c", 'd "e"']  # quoted, not cut
    assert back["china_total [H100e]"].isna().iloc[2] and list(back["flag"]) == [True, False,
                                                                               True]


def test_csv_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralized():
    names = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)",
             "\tlead", "\r=1", "plain", "-5", "1e-3", "a=b"]
    frame = pd.DataFrame({"name": names, "note": ["ok"] * len(names),
                          "change": [-0.25, -3.0, 1.0, 0, -1, 2, 3, 4, 5, 6]},
                         index=pd.Index(["=1+1", "x", "-7", "y", "z", "w", "v", "u", "t", "s"],
                                        name="row"))
    text = export.frame_csv(frame, Scenario()).decode()
    back = pd.read_csv(io.StringIO(text), comment="#", keep_default_na=False)
    assert list(back["name"]) == ["'" + n for n in names[:6]] + names[6:]
    assert list(back["row"][:3]) == ["'=1+1", "x", "-7"]
    assert back["change"].dtype.kind == "f" and back["change"].iloc[0] == -0.25
    assert "\n-0.25\n" not in text and ",-0.25\n" in text  # a negative number stays a number
    assert export.neutralize(-3) == -3 and export.neutralize("-3.5") == "-3.5"


def test_every_exported_chart_frame_has_a_unit_on_each_number():
    """The units come from each frame's attrs or the output declarations: a numeric column
    without one would be a number without a unit in the analyst's spreadsheet."""
    scenario = Scenario.build("leaky_controls")
    result = run(scenario)
    water = race.waterfall_table(scenario, Scenario.build("status_quo"), "race_gap_months", 2030)
    frames = {name: frame for name, (_, frame) in
              pack.standard_charts(result, water, "Source: test.").items()}
    frames["assumptions"] = assumptions.assumptions_table(scenario).set_index("key")
    for name, frame in frames.items():
        back = pd.read_csv(io.BytesIO(export.frame_csv(frame, scenario)), comment="#",
                           index_col=None if isinstance(frame.index, pd.RangeIndex) else 0)
        for column, header in zip(frame.columns, back.columns, strict=True):
            numeric = pd.api.types.is_numeric_dtype(frame[column]) and \
                not pd.api.types.is_bool_dtype(frame[column])
            if numeric:
                assert header.endswith("]"), (name, header)
    headers = pd.read_csv(io.BytesIO(export.frame_csv(frames["chip_tiers"], scenario)),
                          comment="#").columns
    assert {"tpp [TPP]", "performance_density [TPP/mm²]"} <= set(headers)
    headers = pd.read_csv(io.BytesIO(export.frame_csv(frames["ascend_funnel"], scenario)),
                          comment="#").columns
    assert "value [see unit column]" in headers


@needs_chromium
def test_briefing_pack_holds_everything():
    scenario = Scenario.build("rollback", {"smuggling_interdiction_share": 0.3})
    result = run(scenario)
    water = race.waterfall_table(scenario, Scenario.build("status_quo"), "race_gap_months", 2030)
    pack_charts = pack.standard_charts(result, water, "Source: test.")
    slide = briefing_slide(scenario, 2027)
    data, notes = pack.briefing_pack(pack_charts, assumptions.assumptions_table(scenario),
                                       scenario.to_json(), slide=slide)
    assert not notes
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert _indexed(archive) == names
    index = archive.read("index.md").decode()
    assert "Rollback of controls (from 2026) + 1 change" in index and "Now (Nov 2026)" in index
    assert "smuggling_interdiction_share=0.3" in index  # the share link reproduces it
    assert f"{style.data_date():%d %b %Y}" in index
    assert "| `charts/compute_race.png` |" in index and "H100e" in index
    assert export.png_size(archive.read("briefing_slide.png")) == (1920, 1080)
    assert archive.read("briefing_slide.pdf").startswith(b"%PDF")
    for name in pack_charts:
        for path in (f"charts/{name}.png", f"charts/{name}.svg", f"data/{name}.csv",
                     f"data/{name}.parquet"):
            assert path in names
        assert export.png_size(archive.read(f"charts/{name}.png")) == (1600, 900)
    assert Scenario.from_json(archive.read("scenario.json")) == scenario
    packed = pd.read_csv(io.BytesIO(archive.read("assumptions.csv")), comment="#")
    assert len(packed) == len(assumptions.assumptions_table(scenario))
    for name in pack_charts:  # every CSV in the pack names the scenario first
        first = archive.read(f"data/{name}.csv").decode().splitlines()[0]
        assert first.startswith(f"# Chokepoint: {style.scenario_label(scenario)} (link ")


def test_png_size_rejects_other_bytes():
    with pytest.raises(ValueError):
        export.png_size(b"GIF89a" + b"\0" * 30)
