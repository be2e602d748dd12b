"""Red flags: emergency symptom patterns from the corpus, matched before anything else is shown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from caremap.corpus.schemas import RedFlag

_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True)
class UrgentMatch:
    id: str
    level: str
    advice: str
    matched: tuple[str, ...]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _has(words: list[str], term: str) -> bool:
    term = term.lower()
    if " " in term:  # a multi-word term must appear as a phrase
        return f" {term} " in f" {' '.join(words)} "
    if term.endswith("*"):
        return any(w.startswith(term[:-1]) for w in words)
    return term in words


def match_red_flags(query: str, flags: Sequence[RedFlag]) -> UrgentMatch | None:
    """The first red flag (the corpus orders them most severe first) one of whose patterns is wholly
    contained in the query, unless one of its ``not_when`` phrases is present."""
    words = _words(query)
    joined = f" {' '.join(words)} "
    for flag in flags:
        if any(f" {' '.join(_words(phrase))} " in joined for phrase in flag.not_when):
            continue
        for pattern in flag.patterns:
            if all(_has(words, term) for term in pattern):
                return UrgentMatch(id=flag.id, level=flag.urgency, advice=flag.advice, matched=tuple(pattern))
    return None
