"""What the query is about: rank procedures by fusing semantic and lexical evidence over the knowledge pieces.

Each signal returns pieces (name, alias, lay phrase, passage, condition phrase). Per signal a procedure
takes the rank of its best piece; the signals are then fused by reciprocal rank (the minimal
Elasticsearch has no RRF, so it is done here), with the semantic similarity of the best piece added as a
tie-breaker so a near-exact lay-phrase match outweighs a loose one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal

Strategy = Literal["lexical", "semantic", "hybrid"]  # how the interpretation ranks procedures
# RRF_K: 40 rather than 20 since session 22. Chosen offline on dev.yaml and safety sets 1-6 (985 in-scope queries;
# each query's signals collected once and re-fused): top-1 0.893 at 20, 0.900 at 30, 0.901 at 40, 0.898 at 60,
# with the other constants as they are; dev.yaml alone 0.891 at 20 and 0.904 at 40.
RRF_K = 40
LINK_WEIGHT = 0.5
LINK_DECAY = 0.8
SEMANTIC_BONUS = 0.5


@dataclass(slots=True)  # not frozen: a frozen dataclass is built at half the speed, and a search builds 100
class PieceHit:
    slug: str
    name: str
    kind: str
    score: float
    section: str | None = None
    condition: str | None = None
    text: str | None = None  # fetched only when scores are explained

    @classmethod
    def from_hit(cls, hit: Mapping[str, Any]) -> PieceHit:
        src = hit["_source"]
        return cls(slug=src["slug"], name=src["name"], kind=src["kind"], text=src.get("text"),
                   score=float(hit["_score"]), section=src.get("section"), condition=src.get("condition"))


@dataclass(slots=True)
class Evidence:
    """Why a procedure ranks where it does: its best piece and rank per signal."""

    signal: str
    rank: int
    score: float
    piece: PieceHit


@dataclass(slots=True)
class ProcedureScore:
    slug: str
    name: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    link_score: float = 0.0


_score = attrgetter("score")


def best_per_procedure(hits: Sequence[PieceHit]) -> list[PieceHit]:
    """Keep each procedure's highest-scoring piece, in score order (Elasticsearch returns hits sorted)."""
    seen: dict[str, PieceHit] = {}
    for hit in sorted(hits, key=_score, reverse=True):  # stable: equal scores keep Elasticsearch's order
        seen.setdefault(hit.slug, hit)
    return list(seen.values())


def rank_conditions(signals: Mapping[str, Sequence[PieceHit]]) -> dict[str, float]:
    """Reciprocal-rank fusion over conditions, from the pieces that carry one (condition names and phrases)."""
    scores: dict[str, float] = {}
    for hits in signals.values():
        best: dict[str, float] = {}
        for hit in hits:
            if hit.condition and hit.score > best.get(hit.condition, float("-inf")):
                best[hit.condition] = hit.score
        for rank, condition in enumerate(sorted(best, key=lambda c: -best[c]), start=1):
            scores[condition] = scores.get(condition, 0.0) + 1 / (RRF_K + rank)
    return scores


def condition_scores(signals: Mapping[str, Sequence[PieceHit]], pattern_conditions: Sequence[str] = ()
                     ) -> dict[str, float]:
    """Conditions ranked by the pieces that matched, plus a classic symptom pattern's conditions, which
    count as much as a condition ranked first by every signal."""
    scores = rank_conditions(signals)
    pattern_score = len(signals) / (RRF_K + 1)
    for condition in pattern_conditions:
        scores[condition] = scores.get(condition, 0.0) + pattern_score
    return scores


def linked_procedures(condition_scores: Mapping[str, float], links: Mapping[str, Sequence[str]], *,
                      top: int = 3) -> dict[str, float]:
    """Evidence a procedure gets from the conditions the query matched: the condition's score, decayed by
    the procedure's position in that condition's list (the corpus lists the most typical treatment first)."""
    out: dict[str, float] = {}
    for condition in sorted(condition_scores, key=lambda c: -condition_scores[c])[:top]:
        for position, slug in enumerate(links.get(condition, ())):
            out[slug] = max(out.get(slug, 0.0), condition_scores[condition] * LINK_DECAY**position)
    return out


def fuse(signals: Mapping[str, Sequence[PieceHit]], *, weights: Mapping[str, float] | None = None,
         links: Mapping[str, Sequence[str]] | None = None, pattern_conditions: Sequence[str] = (),
         procedure_names: Mapping[str, str] | None = None, limit: int = 10) -> list[ProcedureScore]:
    """Reciprocal-rank fusion of per-signal procedure rankings, plus condition → procedure links and the
    semantic cosine as a tie-breaker. Scores are summed first; the explained entries are built only for the
    ``limit`` that are returned (this runs on every search's critical path)."""
    weights = weights or {}
    scores: dict[str, float] = {}
    names: dict[str, str] = {}
    found: dict[str, list[tuple[str, int, PieceHit]]] = {}  # per procedure: (signal, rank, best piece)
    for signal, hits in signals.items():
        w = weights.get(signal, 1.0)
        semantic = signal == "semantic"
        for rank, hit in enumerate(best_per_procedure(hits), start=1):
            slug = hit.slug
            if slug not in scores:
                scores[slug], names[slug], found[slug] = 0.0, hit.name, []
            scores[slug] += w / (RRF_K + rank)
            if semantic:
                # _score for dot_product on normalised vectors is (1 + cos) / 2; keep the gain above 0.5.
                scores[slug] += w * max(0.0, hit.score - 0.5) * SEMANTIC_BONUS
            found[slug].append((signal, rank, hit))
    linked: dict[str, float] = {}
    if links:
        known = procedure_names or {}
        for slug, score in linked_procedures(condition_scores(signals, pattern_conditions), links).items():
            if slug not in scores:
                if slug not in known:
                    continue
                scores[slug], names[slug] = 0.0, known[slug]
            scores[slug] += LINK_WEIGHT * score
            linked[slug] = LINK_WEIGHT * score
    conditions = _conditions_by_procedure(signals)
    return [
        ProcedureScore(slug=slug, name=names[slug], score=scores[slug],
                       evidence=[Evidence(signal=signal, rank=rank, score=round(hit.score, 4), piece=hit)
                                 for signal, rank, hit in found.get(slug, ())],
                       conditions=conditions.get(slug, [])[:3],
                       link_score=round(linked[slug], 5) if slug in linked else 0.0)
        for slug in sorted(scores, key=lambda slug: (-scores[slug], slug))[:limit]
    ]


def _conditions_by_procedure(signals: Mapping[str, Sequence[PieceHit]]) -> dict[str, list[str]]:
    """For each procedure, the conditions whose pieces matched, in signal and rank order."""
    found: dict[str, list[str]] = {}
    for hits in signals.values():
        for hit in hits:
            if hit.condition and hit.condition not in (listed := found.setdefault(hit.slug, [])):
                listed.append(hit.condition)
    return found
