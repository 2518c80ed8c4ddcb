"""Hostile input (hypothesis): share links and scenario files end in a Scenario or a
ScenarioError with a message, never another exception."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.registry import registry
from lib.core.scenario import Scenario, ScenarioError

KEYS = st.sampled_from([p.key for p in registry()] + ["preset", "junk", "", "__proto__"])
NASTY_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "-0", "0x10", "1_000", "1,5",
                     "2027:5,2028:x", "2027:", ":", "<script>alert(1)</script>", "true",
                     "9" * 400, "\x00", "\udcff", "2027:1e999"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.text(max_size=30)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=20), children, max_size=4)),
    max_leaves=20,
)


def loads_or_explains(document: str | bytes) -> None:
    """A scenario file either loads (and round-trips) or is refused with named problems."""
    try:
        scenario = Scenario.from_json(document)
    except ScenarioError as exc:
        assert exc.problems and str(exc)
    else:
        assert Scenario.from_json(scenario.to_json()) == scenario


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, NASTY_TEXT, max_size=8))
def test_share_links_never_crash(query):
    scenario, problems = Scenario.from_query(query)
    scenario.values()
    assert all(isinstance(key, str) and isinstance(message, str) for key, message in problems)
    assert len(scenario.to_query()) <= len(query) + 1


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["format", "preset", "overrides", "name", "note", "x"]),
                       st.one_of(JSON_VALUES, st.dictionaries(KEYS, JSON_VALUES, max_size=6)),
                       max_size=5))
def test_scenario_documents_never_crash(document):
    try:
        text = json.dumps(document)
    except ValueError:
        return
    loads_or_explains(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(payload):
    loads_or_explains(payload)


@pytest.mark.parametrize("literal, problem", [
    ("NaN", ("file", "not valid JSON (NaN is not allowed)")),
    ("Infinity", ("file", "not valid JSON (Infinity is not allowed)")),
    ("-Infinity", ("file", "not valid JSON (-Infinity is not allowed)")),
    ("1e999", ("smic_yield_2025", "expected a finite number, got inf")),
])
def test_nan_and_infinity_in_files_are_refused(literal, problem):
    text = '{"overrides": {"smic_yield_2025": ' + literal + '}}'
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_json(text)
    assert caught.value.problems == [problem]
