"""Triage: does the query describe an emergency or a same-day problem? Checked before anything is listed.

Three layers: the corpus's word patterns (corpus/red_flags.yaml: few, precise), the infant-fever rule on
numbers (``api.search.infant_fever``), and the emergency detector (``api.safety.detector``: a classifier over
the query's words and vector, trained on the presentations' lay phrasings). The first that fires gives the
warning: level, group, what to do, and the help lines; the detector can overrule the first two when it is sure
the query is no emergency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from api.safety.detector import TriageDetector
from api.search.infant_fever import has_infant_fever
from api.search.patterns import first_match, words
from caremap.corpus.schemas import Presentation, RedFlag, Resource, SymptomPattern


@dataclass(frozen=True)
class UrgentMatch:
    id: str  # the red flag's or the presentation's id
    level: Literal["emergency", "urgent"]
    group: str
    advice: str
    resources: tuple[Resource, ...]
    source: Literal["pattern", "rule", "detector"]
    name: str | None = None
    matched: tuple[str, ...] = ()  # the pattern's words, for a pattern
    probability: float | None = None  # the detector's, for a detection


# A word pattern sees words, not what is said of them ("no thoughts of hurting myself", "hives, no lip
# swelling or trouble breathing"): when the detector gives the query less than this probability of being
# urgent at all, it overrules the pattern. Chosen on the dev sets: the four patterns' false alarms there had
# 0.001-0.23, the lowest of 66 emergencies a pattern caught 0.44.
PATTERN_OVERRULED_BELOW = 0.3


def triage(query: str, vector: Sequence[float] | None, *, flags: Sequence[RedFlag],
           detector: TriageDetector | None, infant_fever: Presentation | None = None) -> UrgentMatch | None:
    """The word patterns and the infant-fever rule first (their wording is reviewed one by one) unless the
    detector is sure the query is no emergency, then the detector."""
    found = match_red_flags(query, flags)
    if found is None and infant_fever is not None and has_infant_fever(query):
        found = _presented(infant_fever, source="rule")
    if detector is None or vector is None:
        return found
    assessment = detector.assess(query, vector)
    if found is not None:
        return found if assessment.probability >= PATTERN_OVERRULED_BELOW else None
    if assessment.presentation is None:
        return None
    return _presented(assessment.presentation, source="detector", probability=round(assessment.probability, 3))


def _presented(p: Presentation, *, source: Literal["rule", "detector"], probability: float | None = None
               ) -> UrgentMatch:
    return UrgentMatch(id=p.id, level=p.level, group=p.group, advice=p.advice, resources=p.resources,
                       source=source, name=p.name, probability=probability)


def match_red_flags(query: str, flags: Sequence[RedFlag]) -> UrgentMatch | None:
    """The first red flag (the corpus orders them most severe first) that the query matches."""
    query_words = words(query)
    for flag in flags:
        matched = first_match(query_words, flag.patterns, flag.not_when)
        if matched:
            return UrgentMatch(id=flag.id, level=flag.urgency, group=flag.group, advice=flag.advice,
                               resources=flag.resources, source="pattern", matched=matched)
    return None


def match_symptom_patterns(query: str, patterns: Sequence[SymptomPattern]) -> list[SymptomPattern]:
    """Every classic symptom pattern the query matches."""
    query_words = words(query)
    return [p for p in patterns if first_match(query_words, p.patterns, p.not_when)]
