"""Confidence: how sure the interpretation is that a procedure we cover fits — high, low or none.

A name typed exactly (a procedure, condition or specialty) is high. Otherwise the scope classifier
(``api.safety.scope``) reads the query vector: below its ``none_below`` threshold nothing we cover matches
(and the query is either a primary-care need or nothing medical); below ``low_below``, or when the
interpretation found nothing, the procedures are only possibilities. A procedure the query mentions by name
inside a sentence ("SGB shot for ptsd", "accutane dermatologist") is evidence the classifier cannot see (to it
an abbreviation is noise): the answer is never "none" then, and high when that procedure ranks first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from api.safety.scope import ScopeClassifier
from api.search.fusion import ProcedureScore
from api.search.parse import Intent

Level = Literal["high", "low", "none"]
Scope = Literal["in_scope", "primary_care", "out_of_scope"]


@dataclass(frozen=True)
class Confidence:
    level: Level
    scope: Scope
    in_scope_probability: float | None = None


def judge(text: str, intent: Intent, procedures: list[ProcedureScore], vector: list[float] | None,
          scope: ScopeClassifier | None, *, mentioned: Sequence[str] = ()) -> Confidence:
    """``mentioned``: the procedures the text names inside a sentence (``Vocabulary.procedures_mentioned``)."""
    if intent.type != "symptom":
        return Confidence(level="high", scope="in_scope")
    if scope is None or vector is None:
        return Confidence(level="high" if procedures else "none", scope="in_scope")
    reading = scope.read(text, vector)
    p = round(reading.in_scope, 4)
    if not procedures:
        return Confidence(level="none", scope=reading.best_other, in_scope_probability=p)
    if mentioned and procedures[0].slug in mentioned:
        return Confidence(level="high", scope="in_scope", in_scope_probability=p)
    if reading.in_scope < scope.none_below and not mentioned:
        return Confidence(level="none", scope=reading.best_other, in_scope_probability=p)
    return Confidence(level="low" if reading.in_scope < scope.low_below else "high", scope="in_scope",
                      in_scope_probability=p)
