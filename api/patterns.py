"""Word patterns over a query: the matching shared by red flags and symptom patterns.

A pattern is a list of terms; the query matches it when it contains every term (a term ending in * matches
any word starting with the stem; a term with a space must appear as a phrase). A ``not_when`` phrase
anywhere in the query cancels the match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _has(query_words: list[str], term: str) -> bool:
    term = term.lower()
    if " " in term:
        return f" {term} " in f" {' '.join(query_words)} "
    if term.endswith("*"):
        return any(w.startswith(term[:-1]) for w in query_words)
    return term in query_words


@functools.lru_cache(maxsize=4096)
def _phrase(text: str) -> str:
    """A not_when phrase in the padded, tokenised form queries are compared in (computed once per phrase)."""
    return f" {' '.join(words(text))} "


def first_match(query_words: list[str], patterns: Sequence[Sequence[str]],
                not_when: Sequence[str] = ()) -> tuple[str, ...] | None:
    """The first pattern the query satisfies, or None (also when a not_when phrase is present)."""
    joined = f" {' '.join(query_words)} "
    if any(_phrase(phrase) in joined for phrase in not_when):
        return None
    for pattern in patterns:
        if all(_has(query_words, term) for term in pattern):
            return tuple(pattern)
    return None
