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
    """A query's words in the forms matching needs: as a set, every prefix, and padded for phrases."""

    unique: frozenset[str]
    prefixes: frozenset[str]
    padded: str


def words(text: str) -> Words:
    found = tuple(_WORD.findall(text.lower().replace("’", "'")))
    return Words(unique=frozenset(found), padded=f" {' '.join(found)} ",
                 prefixes=frozenset(w[:n] for w in set(found) for n in range(1, len(w) + 1)))


@dataclass(frozen=True)
class _Compiled:
    """A pattern split by how its terms are checked: set lookups first, phrases (substring scans) last."""

    words: frozenset[str]
    stems: frozenset[str]
    phrases: tuple[str, ...]

    def matches(self, query: Words) -> bool:
        return (self.words <= query.unique and self.stems <= query.prefixes
                and all(phrase in query.padded for phrase in self.phrases))


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: tuple[str, ...]) -> _Compiled:
    return _Compiled(words=frozenset(t for t in pattern if " " not in t and not t.endswith("*")),
                     stems=frozenset(t[:-1] for t in pattern if " " not in t and t.endswith("*")),
                     phrases=tuple(f" {t} " for t in pattern if " " in t))


@functools.lru_cache(maxsize=4096)
def _phrase(text: str) -> str:
    """A not_when phrase in the padded, tokenised form queries are compared in (computed once per phrase)."""
    return words(text).padded


def first_match(query: Words, patterns: Sequence[Sequence[str]],
                not_when: Sequence[str] = ()) -> tuple[str, ...] | None:
    """The first pattern the query satisfies, or None (also when a not_when phrase is present).
    Pattern terms are lower case (the corpus schema normalises them)."""
    for pattern in patterns:
        if _compiled(tuple(pattern)).matches(query):
            if any(_phrase(phrase) in query.padded for phrase in not_when):
                return None
            return tuple(pattern)
    return None
