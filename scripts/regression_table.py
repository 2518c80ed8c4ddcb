"""Writes tests/regression.yaml: every preset's headline metrics in December of 2025, 2027 and
2030, the table tests/test_regression.py holds the model to.

    PYTHONPATH=. .venv/bin/python scripts/regression_table.py > tests/regression.yaml

Regenerate only when a change is meant to move these numbers, and say which and why in the
commit message.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.core.outputs import headline_metrics, output
from lib.core.runs import run
from lib.core.scenario import Scenario, presets

YEARS = (2025, 2027, 2030)
METRICS = tuple(o.key for o in headline_metrics())  # every headline number
RELATIVE = 1e-4  # 7 significant digits (x.xxxxxxe+NN, which YAML reads as a float)
ABSOLUTE = {"months": 0.01, "share": 1e-5}  # by unit: quantities that can sit near zero


def main() -> None:
    print("# Regression table: preset -> metric in December of a year, with its tolerance.")
    print("# Written by scripts/regression_table.py; checked by tests/test_regression.py.")
    print("cases:")
    for name in presets():
        result = run(Scenario.build(name))
        for metric in METRICS:
            for year in YEARS:
                value = result.value(metric, year)
                tolerance = ABSOLUTE.get(output(metric).unit, abs(value) * RELATIVE)
                print(f"  - {{preset: {name}, metric: {metric}, year: {year}, "
                      f"value: {value:.6e}, tolerance: {tolerance:.3e}}}")


if __name__ == "__main__":
    main()
