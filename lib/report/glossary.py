"""The glossary (data/glossary.csv): the one place a term's definition is written. Pages
fetch a definition by term for a caption or a hover (help=) where the term appears, and the
Assumptions page lists them all with their sources.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from lib.core.data import table


def terms() -> pd.DataFrame:
    """Every term with its one-line definition, source and source date."""
    return table("glossary.csv")


@cache
def _by_term() -> dict[str, str]:
    return {term.casefold(): definition
            for term, definition in zip(terms()["term"], terms()["definition"], strict=True)}


def definition(term: str) -> str:
    """A term's definition, looked up without regard to case (KeyError names a term the
    glossary lacks)."""
    try:
        return _by_term()[term.casefold()]
    except KeyError:
        raise KeyError(f"{term!r} is not in data/glossary.csv") from None


def sentence(term: str) -> str:
    """'**Term**: definition.' for a caption or a help text (both read Markdown)."""
    return f"**{term}**: {definition(term).rstrip('.')}."


def help_text(*terms_used: str) -> str:
    """The definitions of several terms, one paragraph each (a hover's help=)."""
    return "\n\n".join(sentence(term) for term in terms_used)


@cache
def _spellings() -> list[tuple[re.Pattern, str]]:
    """(pattern, term) for every term and its other spellings, longest first, so that a term
    inside a longer one ('H100e' in 'H100e of bandwidth') is not found twice. Whole words,
    any case, a plural 's' allowed, a space matching a hyphen too."""
    pairs = []
    for term, also in zip(terms()["term"], terms()["also"], strict=True):
        others = [a.strip() for a in also.split(";")] if isinstance(also, str) else []
        pairs += [(spelling, term) for spelling in [term, *others] if spelling]
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    return [(re.compile(r"(?<![\w-])" + r"[\s-]".join(map(re.escape, spelling.split()))
                        + r"s?(?![\w-])", re.IGNORECASE), term) for spelling, term in pairs]


def mentioned(text: str) -> list[str]:
    """The glossary terms `text` names, in glossary order, as the glossary spells them."""
    found, rest = set(), text
    for pattern, term in _spellings():
        if pattern.search(rest):
            found.add(term)
            rest = pattern.sub(" ", rest)
    return [term for term in terms()["term"] if term in found]


def definitions_for(text: str) -> str:
    """The definitions of the terms `text` names, each a paragraph after a blank line (to
    append to a hover's help); empty if it names none."""
    return "".join(f"\n\n{sentence(term)}" for term in mentioned(text))
