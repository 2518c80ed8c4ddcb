"""Yearly path edits (lib/core/paths.py) on hand-worked paths: "from year X set Y" and "from
year X grow Z%/yr", clipping to the allowed range and the link's rounding."""

from __future__ import annotations

import pytest

from lib.core.calendar import YEARS
from lib.core.paths import grow_from, round_for_link, set_from
from lib.core.scenario import Scenario

PATH = (10.0, 20.0, 30.0, 40.0, 50.0)  # 2022..2026


def test_set_from_sets_every_year_from_x_and_keeps_the_years_before():
    edit = set_from(PATH, 2022, 2024, 7)
    assert edit.values == (10.0, 20.0, 7.0, 7.0, 7.0)
    assert edit.clipped == () and edit.clipped_text("chips") == ""
    assert set_from(PATH, 2022, 2022, 1).values == (1.0,) * 5
    assert set_from(PATH, 2022, 2026, 1).values == (10.0, 20.0, 30.0, 40.0, 1.0)


def test_set_from_clips_to_the_bounds_and_says_where():
    edit = set_from(PATH, 2022, 2025, 150, bounds=(0, 100))
    assert edit.values == (10.0, 20.0, 30.0, 100.0, 100.0)
    assert edit.clipped == (2025, 2026)
    assert edit.clipped_text("chips/yr") == \
        "Clipped to the allowed maximum, 100 chips/yr, in 2025-2026."
    low = set_from(PATH, 2022, 2026, -3, bounds=(0, 100))
    assert low.values[-1] == 0 and low.clipped == (2026,)
    assert low.clipped_text("share") == "Clipped to the allowed minimum, 0 share, in 2026."


def test_grow_from_starts_from_the_year_before():
    # from 2024 at 10%/yr: 2023's 20 is kept, 2024 = 22, 2025 = 24.2, 2026 = 26.62
    edit = grow_from(PATH, 2022, 2024, 0.10)
    assert edit.values == pytest.approx((10.0, 20.0, 22.0, 24.2, 26.62))
    assert edit.clipped == ()
    # -50%/yr from 2025: 30 -> 15 -> 7.5
    assert grow_from(PATH, 2022, 2025, -0.5).values == (10.0, 20.0, 30.0, 15.0, 7.5)
    # 0%/yr holds the year before flat
    assert grow_from(PATH, 2022, 2023, 0).values == (10.0,) * 5


def test_grow_from_the_first_year_keeps_it_and_grows_the_rest():
    assert grow_from(PATH, 2022, 2022, 1.0).values == (10.0, 20.0, 40.0, 80.0, 160.0)


def test_grow_from_clips_each_year_and_stays_at_the_bound():
    # from 2023 doubling from 10: 20, 40, 80, 160 -> the last two clipped at 50
    edit = grow_from(PATH, 2022, 2023, 1.0, bounds=(0, 50))
    assert edit.values == (10.0, 20.0, 40.0, 50.0, 50.0)
    assert edit.clipped == (2025, 2026)
    assert "maximum, 50 chips, in 2025-2026" in edit.clipped_text("chips")
    # declining below a minimum of 0.5 x/yr from 2.0: 1.0, 0.5, then 0.25 -> 0.5
    decline = grow_from((2.0,) * 5, 2022, 2023, -0.5, bounds=(0.5, 5.0))
    assert decline.values == (2.0, 1.0, 0.5, 0.5, 0.5) and decline.clipped == (2025, 2026)


def test_growth_of_zero_stays_zero():
    assert grow_from((0.0, 0.0, 5.0), 2022, 2023, 0.5).values == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("call", [
    lambda: set_from(PATH, 2022, 2021, 1), lambda: set_from(PATH, 2022, 2027, 1),
    lambda: grow_from(PATH, 2022, 2030, 0.1), lambda: grow_from(PATH, 2022, 2024, -1.0),
    lambda: grow_from(PATH, 2022, 2024, float("nan")),
    lambda: set_from(PATH, 2022, 2024, float("inf")),
])
def test_bad_years_and_rates_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_grown_values_survive_the_share_link():
    """Values are rounded as the link writes them: the scenario read back from its link is
    the one edited (no drift in the sixth digit)."""
    base = Scenario().values()["smuggling_attempted_per_year"]
    edit = grow_from(base, 2022, 2026, 0.137, bounds=(0, 3e6))
    assert all(v == round_for_link(v) for v in edit.values)
    edited = Scenario.build("status_quo", {"smuggling_attempted_per_year":
                                           dict(zip(YEARS, edit.values, strict=True))})
    assert Scenario.from_query(edited.to_query()) == (edited, [])
