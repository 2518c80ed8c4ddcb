"""Terms are defined where they appear: the glossary (data/glossary.csv) is the one copy of
each definition, and every page that names a glossary term in a heading, label, chart or
table header shows that term's definition (a caption or a hover) on the same page."""

from __future__ import annotations

import pytest

from lib.app import shell
from lib.report import glossary
from tests.helpers import make_app, no_exception
from tests.page_text import page_text
from tests.test_app_pages import open_controls

BRIEF_TERMS = ("Race gap", "Capability lag", "H100e", "TPP", "Performance density", "CANN",
               "Die bank", "Policy events")


def test_every_term_has_a_definition_and_a_source():
    table = glossary.terms()
    assert set(BRIEF_TERMS) <= set(table["term"])
    for row in table.itertuples():
        assert len(row.definition) > 40 and row.source.strip(), row.term
        assert glossary.definition(row.term) == row.definition
        assert glossary.definition(row.term.upper()) == row.definition  # any case
    with pytest.raises(KeyError, match="glossary.csv"):
        glossary.definition("flux capacitor")


def test_terms_are_found_by_any_spelling_longest_first():
    assert glossary.mentioned("Installed compute [H100e] (log scale)") == ["H100e"]
    assert glossary.mentioned("Serving capacity [H100e of bandwidth]") == ["H100e of bandwidth"]
    assert glossary.mentioned("TSMC-made Ascend dies and the TSMC die-bank") == ["Die bank"]
    assert glossary.mentioned("performance density against TPP/mm²") == [
        "TPP", "Performance density"]
    assert glossary.mentioned("CANNOT, H100ex, non-TPPs") == []  # whole words only
    help_text = glossary.definitions_for("CANN maturity half-life")
    assert help_text.startswith("\n\n**CANN**: ") and glossary.definition("CANN") in help_text


def _undefined(root) -> tuple[list[str], list[str]]:
    naming, everything = page_text(root)
    used = glossary.mentioned(naming)
    return used, [t for t in used if glossary.definition(t).rstrip(".") not in everything]


@pytest.mark.parametrize("page", [path for path, *_ in shell.PAGES])
def test_each_page_defines_the_terms_it_names(page):
    at = make_app(page, {"preset": "leaky_controls"}, run=True, timeout=120)
    used, undefined = _undefined(at.main)
    assert not undefined, f"{page} names {undefined} without defining them"
    captions = " ".join(c.value for c in at.main.caption)
    for term in used:  # defined once, where it first appears, not under every chart
        assert captions.count(glossary.sentence(term)) <= 1, term


def test_the_pages_name_the_terms_the_analyst_asked_about():
    """The check above is only as good as what it finds: these pages do name these terms."""
    expected = {"pages/race_overview.py": {"Race gap", "Capability lag", "H100e",
                                           "Policy events"},
                "pages/chip_tiers.py": {"TPP", "Performance density", "H100e"},
                "pages/supply_channels.py": {"Die bank", "H100e"}}
    for page, terms in expected.items():
        at = make_app(page, run=True, timeout=120)
        used, _ = _undefined(at.main)
        assert terms <= set(used), (page, used)


def test_sidebar_controls_define_the_terms_their_labels_name():
    at = open_controls(make_app())
    no_exception(at)
    used, undefined = _undefined(at.sidebar)
    assert "CANN" in used and not undefined, undefined
