"""The command line: outputs, and one clear line with exit status 2 for bad input or a
damaged data file."""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.cli import RUN_SCHEMA, json_numbers, main
from lib.core.data import DATA_DIR_ENV
from lib.core.model import CHINA_COMPUTE_FLOOR, FLOWS
from lib.core.outputs import CHANNELS, OUTPUTS
from lib.core.runs import run
from lib.core.scenario import Scenario, presets
from tests.conftest import apply, repeat_row, replace
from tests.helpers import names_file_and_line


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "lib", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_run_json_has_series_and_headline(capsys):
    assert main(["run", "--preset", "leaky_controls", "--set", "smic_yield_2025=0.3",
                 "--set", "smic_wafers_per_month.2027=70000"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["scenario"]["preset"] == "leaky_controls"
    assert document["scenario"]["overrides"]["smic_wafers_per_month"] == {"2027": 70000.0}
    assert len(document["series"]["month"]) == 108
    assert {row["metric"] for row in document["headline"]} >= {"china_total", "race_gap_months"}


README = Path(__file__).resolve().parents[1] / "README.md"


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def run_json(capsys, *args) -> dict:
    assert main(["run", *args]) == 0
    return json.loads(capsys.readouterr().out, parse_constant=_no_constant)  # no NaN/Infinity


def readme_schema() -> tuple[str, dict[str, set[str]]]:
    """README's section on `run`'s JSON: its text, and the keys its table lists (top level
    under "", each channel's under "channels")."""
    text = README.read_text(encoding="utf-8").split("### JSON output of `run`")[1]
    text = text.split("\n## ")[0]
    keys: dict[str, set[str]] = {"": set(), "channels": set()}
    for parent, key in re.findall(r"^\| `(?:(channels)\.<id>\.)?([a-z_0-9]+)` \|", text, re.M):
        keys[parent].add(key)
    return text, keys


def test_run_json_has_the_keys_readme_documents(capsys):
    document = run_json(capsys)
    text, keys = readme_schema()
    assert document["schema"] == RUN_SCHEMA and f'"schema": "{RUN_SCHEMA}"' in text
    assert set(document) == keys[""]
    assert set(document["channels"]) == set(CHANNELS)
    for channel, label in CHANNELS.items():
        assert set(document["channels"][channel]) == keys["channels"], channel
        assert document["channels"][channel]["label"] == label
    # README's example is the start of the real output
    example = "\n".join(line[4:] for line in text.splitlines()
                        if line.startswith("    ") and not line.startswith("     ...")
                        and line.strip() != "...")
    assert main(["run"]) == 0
    assert capsys.readouterr().out.startswith(example.strip() + "\n")


def test_run_json_series_are_every_model_output_with_its_unit(capsys):
    document = run_json(capsys, "--preset", "leaky_controls")
    result = run(Scenario.build("leaky_controls"))
    series, units = document["series"], document["series_units"]
    assert set(series) == set(result.series) | {"month"}
    assert set(units) == set(result.series)
    assert series["month"][0] == "2022-01" and series["month"][-1] == f"{result.last_year}-12"
    assert series["month"] == [m.strftime("%Y-%m") for m in result.months]
    for key, values in result.series.items():
        assert units[key] == OUTPUTS[key].unit, key
        assert len(series[key]) == len(result.months), key
        if OUTPUTS[key].unit not in ("category", "index"):
            got = np.array([math.nan if v is None else v for v in series[key]])
            np.testing.assert_allclose(got, values, rtol=1e-12, err_msg=key)
    assert set(series["binding_constraint"]) <= set(result.series_frame()["binding_constraint"])
    assert series["smic_generation"] == result.series["smic_generation"].tolist()
    headline = {row["metric"]: row for row in document["headline"]}
    assert headline["china_total"]["unit"] == "H100e"
    assert headline["china_total"]["2030"] == pytest.approx(result.at("china_total", 2030))
    assert headline["smuggled_share"]["2027"] == pytest.approx(
        result.channel_share("smuggled", 2027))


def test_json_numbers_are_plain():
    assert json_numbers(np.array([1.5, math.nan, math.inf, -math.inf, 0])) == [
        1.5, None, None, None, 0.0]


@pytest.mark.parametrize("preset", ["leaky_controls", "no_controls"])
def test_run_json_channels_add_up_to_the_model(capsys, preset):
    """Per channel and year, by hand from Result.flows, and against the model's own series."""
    channels = run_json(capsys, "--preset", preset)["channels"]
    result = run(Scenario.build(preset))
    rows = {c: [i for i, (ch, _) in enumerate(FLOWS) if ch == c] for c in CHANNELS}
    delivered = result.series["china_delivered"]
    in_china = [c for c in CHANNELS if c != "offshore"]
    years = range(2022, result.last_year + 1)
    assert all(set(channels[c]["arrivals_h100e"]) == {str(y) for y in years} for c in CHANNELS)
    busy = {c for c in CHANNELS if any(channels[c]["arrivals_h100e"].values())}
    assert len(busy) >= 5 and ("no_controls" in busy) == (preset == "no_controls"), busy
    for year in years:
        y, first, dec = str(year), (year - 2022) * 12, (year - 2022) * 12 + 11
        for key in ("arrivals_units", "arrivals_h100e"):
            total = 0.0
            for channel, flows in rows.items():
                by_hand = result.flows[key][flows, first:dec + 1].sum()
                assert channels[channel][key][y] == pytest.approx(by_hand, rel=1e-9, abs=1e-6)
                total += channels[channel][key][y]
            assert total == pytest.approx(result.flows[key][:, first:dec + 1].sum(), rel=1e-9)
        grown = delivered[dec] - (delivered[first - 1] if first else 0.0)
        assert sum(channels[c]["arrivals_h100e"][y] for c in in_china) == pytest.approx(
            grown, rel=1e-9)
        stock = result.channel_stock_h100e().iloc[result.december_index(year)]
        assert result.months[result.december_index(year)].month == 12
        for channel, flows in rows.items():
            installed = channels[channel]["installed_h100e"][y]
            assert installed == pytest.approx(stock[channel], rel=1e-12, abs=1e-9)
            assert installed == pytest.approx(result.flows["stock_h100e"][flows, dec].sum(),
                                              rel=1e-9, abs=1e-6)
        china_total = result.series["china_total"][dec]
        if china_total > CHINA_COMPUTE_FLOOR:
            assert sum(channels[c]["installed_h100e"][y] for c in in_china) == pytest.approx(
                china_total, rel=1e-9)
        assert channels["offshore"]["installed_h100e"][y] == pytest.approx(
            result.series["china_offshore"][dec], rel=1e-9, abs=1e-6)


def test_run_json_scenario_reads_back(tmp_path, capsys):
    document = run_json(capsys, "--preset", "rollback", "--set", "smic_yield_2025=0.3")
    assert document["scenario"]["label"] == f"{presets()['rollback'].label} + 1 change"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document["scenario"]))
    assert run_json(capsys, "--scenario", str(path))["scenario"] == document["scenario"]


def test_run_csv_and_parquet(tmp_path):
    assert main(["run", "--format", "csv", "--out", str(tmp_path / "a.csv")]) == 0
    frame = pd.read_csv(tmp_path / "a.csv")
    assert "china_total" in frame and "stock_units:smuggled:h100" in frame
    assert main(["run", "--format", "parquet", "--out", str(tmp_path / "a.parquet")]) == 0
    assert len(pd.read_parquet(tmp_path / "a.parquet")) == 108


def test_scenario_file_round_trip(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"preset": "rollback", "overrides": {"smic_yield_2025": 0.3}}))
    assert main(["run", "--scenario", str(path), "--set", "packaging_yield=0.8"]) == 0
    overrides = json.loads(capsys.readouterr().out)["scenario"]["overrides"]
    assert overrides == {"packaging_yield": 0.8, "smic_yield_2025": 0.3}


def test_params_and_presets_listings(capsys):
    assert main(["params"]) == 0
    assert "smic_yield_2025" in capsys.readouterr().out
    assert main(["presets", "--format", "json"]) == 0
    names = {row["name"] for row in json.loads(capsys.readouterr().out)}
    assert {"status_quo", "strict_enforcement", "leaky_controls", "rollback",
            "no_controls"} <= names


@pytest.mark.parametrize("args, expected", [
    (["run", "--set", "warp=1"], "unknown parameter"),
    (["run", "--set", "smic_yield_2025=7"], "outside the allowed range 0.02 to 0.95"),
    (["run", "--set", "smic_yield_2025=abc"], "expected a number"),
    (["run", "--set", "novalue"], "expects key=value"),
    (["run", "--preset", "nope"], "unknown preset"),
    (["run", "--scenario", "/no/such/file.json"], "cannot read"),
    (["run", "--format", "xml"], "invalid choice"),
    (["run", "--format", "parquet"], "needs --out"),
    (["teleport"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(args, expected):
    done = cli(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in done.stderr


def test_bad_scenario_file_on_command_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"overrides": {"smic_yield_2025": "high"}}')
    done = cli("run", "--scenario", str(path))
    assert done.returncode == 2 and "smic_yield_2025: expected a number" in done.stderr


# each command checks every data file first, also the ones it never reads itself
@pytest.mark.parametrize("args, name, damage, expected", [
    (["run"], "history/checkpoints.csv", repeat_row(3),
     "history/checkpoints.csv, rows 3 and 4: duplicate checkpoint_id 'smuggled_cum_2025'"),
    (["run", "--preset", "strict_enforcement"], "chip_actions.csv", repeat_row(3),
     "chip_actions.csv, rows 3 and 4: duplicate date '2025-08-12', chip_id 'h20'"),
    (["backcast"], "events.csv", replace(",Oct 2022 chip rule,", ",,"),
     "events.csv, row 2, column 'label': empty"),
    (["params"], "presets.yaml", replace("    h20_reversal: false\n",
                                         "    h20_reversal: false\n    h20_reversal: true\n"),
     "presets.yaml, line 15: duplicate key 'h20_reversal' (first at line 14)"),
    (["presets"], "parameters.yaml", replace("  kind: yearly\n", "  kind: yearly\n  low: 0\n"),
     "parameters.yaml, line 59: duplicate key 'low' (first at line 57)"),
    (["presets", "--format", "csv"], "history/deepseek_holdings.csv", repeat_row(2),
     "history/deepseek_holdings.csv, rows 2 and 3: duplicate chip_id 'h100'"),
])
def test_damaged_data_exits_2_before_any_command(data_copy, capsys, args, name, damage, expected):
    apply(data_copy, name, damage)
    assert main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, captured
    assert names_file_and_line(f"error: {expected}", lines[0], start=True), lines


def test_damaged_data_from_the_command_line(data_copy):
    apply(data_copy, "history/deepseek_holdings.csv", repeat_row(2))
    done = cli("run", env=os.environ | {DATA_DIR_ENV: str(data_copy)})
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "error: history/deepseek_holdings.csv, rows 2 and 3: duplicate chip_id 'h100'"]


def test_backup_and_restore_the_library(tmp_path, monkeypatch, capsys):
    from lib.store.library import ScenarioLibrary

    live = tmp_path / "var" / "scenarios.sqlite"
    monkeypatch.setenv("CHOKEPOINT_DB", str(live))
    ScenarioLibrary().save("Kept", Scenario.build("rollback"), note="n", user="tester")
    copy = tmp_path / "backup.sqlite"
    assert main(["backup", str(copy)]) == 0
    assert "backed up 1 saved scenario to" in capsys.readouterr().out
    assert main(["backup", str(copy)]) == 2  # never overwrites a file
    assert "exists; choose a new file name" in capsys.readouterr().err
    ScenarioLibrary().delete(ScenarioLibrary().find("Kept").id, user="tester")
    ScenarioLibrary().save("Later", Scenario(), user="tester")
    assert main(["restore", str(copy)]) == 0
    assert "restored 1 saved scenario from" in capsys.readouterr().out
    assert [(s.name, s.note) for s in ScenarioLibrary().all()] == [("Kept", "n")]
    assert ScenarioLibrary().find("Kept").scenario == Scenario.build("rollback")


def test_restore_refuses_foreign_files_both_ways(tmp_path, monkeypatch, capsys):
    import sqlite3
    from contextlib import closing

    from lib.store.library import ScenarioLibrary

    foreign = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(foreign)) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = foreign.read_bytes()
    live = tmp_path / "scenarios.sqlite"
    monkeypatch.setenv("CHOKEPOINT_DB", str(live))
    ScenarioLibrary().save("Kept", Scenario(), user="tester")
    assert main(["restore", str(foreign)]) == 2  # not a library backup
    assert "belongs to another program" in capsys.readouterr().err
    assert [s.name for s in ScenarioLibrary().all()] == ["Kept"]
    good = tmp_path / "good.sqlite"
    assert main(["backup", str(good)]) == 0
    monkeypatch.setenv("CHOKEPOINT_DB", str(foreign))
    assert main(["restore", str(good)]) == 2  # another program's file is not overwritten
    assert "not overwritten" in capsys.readouterr().err
    assert foreign.read_bytes() == before
    assert main(["restore", str(tmp_path / "missing.sqlite")]) == 2


def test_restore_replaces_a_damaged_library(tmp_path, monkeypatch, capsys):
    from lib.store import database
    from lib.store.library import ScenarioLibrary

    live = tmp_path / "scenarios.sqlite"
    monkeypatch.setenv("CHOKEPOINT_DB", str(live))
    for i in range(200):
        ScenarioLibrary().save(f"s{i}", Scenario(), note="n" * 200, user="tester")
    good = tmp_path / "good.sqlite"
    assert main(["backup", str(good)]) == 0
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    data = bytearray(live.read_bytes())
    for page in range(2, len(data) // 4096, 3):  # scribble over every third page
        data[page * 4096 + 8: page * 4096 + 40] = b"\xff" * 32
    live.write_bytes(bytes(data))
    database._CHECKED.clear()
    assert main(["backup", str(tmp_path / "again.sqlite")]) == 2
    assert "damaged" in capsys.readouterr().err
    assert main(["restore", str(good)]) == 0
    assert len(ScenarioLibrary().all()) == 200


def test_the_operator_curates_a_library_with_export_and_import(tmp_path, monkeypatch, capsys):
    from lib.store.library import ScenarioLibrary

    monkeypatch.setenv("CHOKEPOINT_DB", str(tmp_path / "team.sqlite"))
    ScenarioLibrary().save("For the report", Scenario.build("rollback"), note="fig. 3",
                           user="ana")
    exported = tmp_path / "library.json"
    assert main(["export", "--out", str(exported)]) == 0
    monkeypatch.setenv("CHOKEPOINT_DB", str(tmp_path / "public.sqlite"))
    ScenarioLibrary().save("For the report", Scenario(), user="ana")
    assert main(["import", str(exported)]) == 0  # the existing one is kept
    out = capsys.readouterr()
    assert "imported 0 saved scenarios" in out.out and "exists (kept)" in out.err
    assert main(["import", str(exported), "--replace"]) == 0
    assert "imported 1 saved scenario from" in capsys.readouterr().out
    saved = ScenarioLibrary().find("For the report")
    assert (saved.note, saved.scenario, saved.updated_by) == (
        "fig. 3", Scenario.build("rollback"), "operator (command line)")
    assert ScenarioLibrary().events()[0].actor == "operator (command line)"
    (tmp_path / "bad.json").write_text("{}")
    assert main(["import", str(tmp_path / "bad.json")]) == 2
    assert capsys.readouterr().err == "error: not a Chokepoint library export\n"


def test_undelete_restores_what_one_person_deleted(tmp_path, monkeypatch, capsys):
    from lib.store.library import ScenarioLibrary

    monkeypatch.setenv("CHOKEPOINT_DB", str(tmp_path / "team.sqlite"))
    library = ScenarioLibrary()
    ids = [library.save(f"s{i}", Scenario(), user="ana") for i in range(4)]
    library.delete(ids[0], user="ana")  # her own, kept deleted
    for scenario_id in ids[1:]:
        library.delete(scenario_id, user="mallory")
    library.save("s2", Scenario(), user="ana")  # its name taken meanwhile
    assert main(["undelete", "--by", "mallory", "--since", "2000-01-01"]) == 0
    out = capsys.readouterr().out
    assert "restored s2 (restored) (was s2)" in out and out.endswith(
        "restored 3 scenarios deleted by mallory since 2000-01-01T00:00:00.000+00:00\n")
    assert sorted(s.name for s in library.all()) == ["s1", "s2", "s2 (restored)", "s3"]
    assert [s.name for s in library.deleted()] == ["s0"]
    assert {e.actor for e in library.events() if e.action == "restore"} == {
        "operator (command line)"}
    assert main(["undelete", "--by", "ana", "--since", "2999-01-01"]) == 0  # nothing that late
    assert capsys.readouterr().out.startswith("restored 0 scenarios")
    assert main(["undelete", "--by", "ana", "--since", "yesterday"]) == 2
    assert "not a date or time: 'yesterday'" in capsys.readouterr().err
