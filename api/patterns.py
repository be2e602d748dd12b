"""Word patterns over a query: the matching shared by red flags and symptom patterns.

A pattern is a list of terms; the query matches it when it contains every term (a term ending in * matches
any word starting with the stem; a term with a space must appear as a phrase). A ``not_when`` phrase
anywhere in the query cancels the match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True)
class Words:
    """A query's words in the forms matching needs: in order, as a set, every prefix, padded for phrases."""

    items: tuple[str, ...]
    unique: frozenset[str]
    prefixes: frozenset[str]
    padded: str


def words(text: str) -> Words:
    found = tuple(_WORD.findall(text.lower().replace("’", "'")))
    return Words(items=found, unique=frozenset(found), padded=f" {' '.join(found)} ",
                 prefixes=frozenset(w[:n] for w in set(found) for n in range(1, len(w) + 1)))


def _has(query: Words, term: str) -> bool:
    if " " in term:
        return f" {term} " in query.padded
    if term.endswith("*"):
        return term[:-1] in query.prefixes
    return term in query.unique


@functools.lru_cache(maxsize=4096)
def _phrase(text: str) -> str:
    """A not_when phrase in the padded, tokenised form queries are compared in (computed once per phrase)."""
    return words(text).padded


def first_match(query: Words, patterns: Sequence[Sequence[str]],
                not_when: Sequence[str] = ()) -> tuple[str, ...] | None:
    """The first pattern the query satisfies, or None (also when a not_when phrase is present).
    Pattern terms are lower case (the corpus schema normalises them)."""
    for pattern in patterns:
        if all(_has(query, term) for term in pattern):
            if any(_phrase(phrase) in query.padded for phrase in not_when):
                return None
            return tuple(pattern)
    return None
