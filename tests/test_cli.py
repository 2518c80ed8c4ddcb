"""The command line: outputs, and one clear line with exit status 2 for bad input or a
damaged data file."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from lib.cli import main
from lib.core.data import DATA_DIR_ENV
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
