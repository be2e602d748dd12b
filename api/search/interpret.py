"""Interpret: what the words point to — two piece rankings (BM25 and kNN) fused into procedures.

The lexical search and the query embedding start together; the kNN search follows the vector. Then the
rankings are fused (``api.search.fusion``), and a procedure or condition the query names exactly goes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from api import queries
from api.catalogue import Catalogue
from api.elastic import Elastic
from api.query_vectors import QueryVectors
from api.search.fusion import PieceHit, ProcedureScore, Strategy, condition_scores, fuse
from api.search.parse import Intent
from caremap.embedding import Vector

T = TypeVar("T")
Signals = dict[str, list[PieceHit]]  # per signal ("lexical", "semantic"): the pieces it ranked, best first


@dataclass(frozen=True)
class Reading:
    """What the interpretation found: the piece rankings, the fused procedures and the query vector."""

    signals: Signals
    procedures: list[ProcedureScore]
    conditions: list[tuple[str, float]]  # best first
    vector: Vector


class Interpreter:
    def __init__(self, *, es: Elastic, vectors: QueryVectors, catalogue: Catalogue) -> None:
        self._es, self._vectors, self._catalogue = es, vectors, catalogue

    async def read(self, text: str, intent: Intent, *, strategy: Strategy, pattern_conditions: Sequence[str],
                   explain: bool = False) -> Reading:
        signals, vector = await self.signals(text, strategy=strategy, explain=explain)
        return Reading(
            signals=signals,
            procedures=self.rank(signals, intent, pattern_conditions),
            conditions=sorted(condition_scores(signals, pattern_conditions).items(), key=lambda kv: -kv[1]),
            vector=vector,
        )

    async def signals(self, text: str, *, strategy: Strategy, explain: bool = False) -> tuple[Signals, Vector]:
        """The lexical and semantic piece rankings the strategy asks for, and the query vector (always: the
        safety checks read it whatever the strategy)."""
        lexical = self._lexical(text, explain) if strategy != "semantic" else None
        pieces, vector = await _both(lexical, self._vectors.embed(text))
        signals: Signals = {"lexical": pieces} if pieces is not None else {}
        if strategy != "lexical":
            signals["semantic"] = await self._pieces(queries.semantic_pieces(vector, with_text=explain))
        return signals, vector

    def rank(self, signals: Signals, intent: Intent, pattern_conditions: Sequence[str]) -> list[ProcedureScore]:
        """Fused ranking; an exact procedure or condition name puts what it names first."""
        catalogue = self._catalogue
        ranked = fuse(signals, links=catalogue.condition_links, pattern_conditions=pattern_conditions,
                      procedure_names=catalogue.procedure_names)
        preferred: list[str] = []
        if intent.type == "procedure" and intent.slug:
            preferred = [intent.slug]
        elif intent.type == "condition" and intent.slug:
            preferred = list(catalogue.condition_links[intent.slug])
        if not preferred:
            return ranked
        by_slug = {p.slug: p for p in ranked}
        top = ranked[0].score if ranked else 1.0
        head = [by_slug.get(s) or ProcedureScore(slug=s, name=catalogue.procedure_names[s], score=0.0)
                for s in preferred]
        for n, entry in enumerate(head):  # keep scores monotone with the new order
            entry.score = max(entry.score, top + (len(head) - n) * 1e-3)
        return [*head, *(p for p in ranked if p.slug not in preferred)][: max(len(ranked), len(head))]

    async def _lexical(self, text: str, explain: bool) -> list[PieceHit]:
        corrected = self._catalogue.vocabulary.correct(text)
        return await self._pieces(queries.lexical_pieces(text, corrected=corrected, with_text=explain))

    async def _pieces(self, body: dict[str, Any]) -> list[PieceHit]:
        result = await self._es.search(self._es.alias("procedures"), body, filter_path=queries.PIECE_RESPONSE)
        return [PieceHit.from_hit(h) for h in queries.hits_of(result)]


async def _both(first: Awaitable[T] | None, vector: Awaitable[Vector]) -> tuple[T | None, Vector]:
    """Run the two at once (``first`` may be absent); a failure is raised once both have settled."""
    if first is None:
        return None, await vector
    done, embedded = await asyncio.gather(first, vector, return_exceptions=True)
    for result in (done, embedded):
        if isinstance(result, BaseException):
            raise result
    return done, embedded  # type: ignore[return-value]
