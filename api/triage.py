"""Red flags: emergency symptom patterns from the corpus, matched before anything else is shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.patterns import first_match, words
from caremap.corpus.schemas import RedFlag, SymptomPattern


@dataclass(frozen=True)
class UrgentMatch:
    id: str
    level: str
    advice: str
    matched: tuple[str, ...]


def match_red_flags(query: str, flags: Sequence[RedFlag]) -> UrgentMatch | None:
    """The first red flag (the corpus orders them most severe first) that the query matches."""
    query_words = words(query)
    for flag in flags:
        matched = first_match(query_words, flag.patterns, flag.not_when)
        if matched:
            return UrgentMatch(id=flag.id, level=flag.urgency, advice=flag.advice, matched=matched)
    return None


def match_symptom_patterns(query: str, patterns: Sequence[SymptomPattern]) -> list[SymptomPattern]:
    """Every classic symptom pattern the query matches."""
    query_words = words(query)
    return [p for p in patterns if first_match(query_words, p.patterns, p.not_when)]
