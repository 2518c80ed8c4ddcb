"""The regression table: every preset's headline numbers stay where tests/regression.yaml
says, within its tolerance. A change meant to move them regenerates the table
(scripts/regression_table.py) and says why."""

from pathlib import Path

import pytest
import yaml

from lib.core.runs import run
from lib.core.scenario import Scenario

CASES = yaml.safe_load((Path(__file__).with_name("regression.yaml")).read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['preset']}-{c['metric']}-{c['year']}")
def test_headline_number_unchanged(case):
    value = run(Scenario.build(case["preset"])).value(case["metric"], case["year"])
    assert value == pytest.approx(case["value"], abs=case["tolerance"])
