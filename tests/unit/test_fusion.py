"""Fusion of the per-signal rankings (pure Python)."""

from __future__ import annotations

from api.search.fusion import PieceHit, best_per_procedure, fuse


def hit(slug: str, score: float, kind: str = "passage", text: str = "t") -> PieceHit:
    return PieceHit(slug=slug, name=slug.title(), kind=kind, text=text, score=score)


def test_best_piece_per_procedure_keeps_the_highest_score() -> None:
    best = best_per_procedure([hit("a", 0.7), hit("b", 0.9), hit("a", 0.95, text="best")])
    assert [(h.slug, h.text) for h in best] == [("a", "best"), ("b", "t")]


def test_agreement_between_signals_beats_one_strong_signal() -> None:
    ranked = fuse({
        "semantic": [hit("a", 0.90), hit("b", 0.89), hit("c", 0.70)],
        "lexical": [hit("b", 12.0), hit("c", 8.0)],
    })
    assert ranked[0].slug == "b"


def test_a_procedure_found_by_one_signal_only_still_ranks() -> None:
    ranked = fuse({"semantic": [hit("a", 0.8)], "lexical": [hit("z", 5.0)]})
    assert {p.slug for p in ranked} == {"a", "z"}


def test_evidence_names_the_matching_piece_per_signal() -> None:
    ranked = fuse({"semantic": [hit("a", 0.8, kind="lay_phrase", text="my head pounds when I stand")]})
    evidence = ranked[0].evidence[0]
    assert (evidence.signal, evidence.rank, evidence.piece.kind) == ("semantic", 1, "lay_phrase")


def test_limit_caps_the_list() -> None:
    assert len(fuse({"semantic": [hit(str(i), 0.9 - i / 100) for i in range(30)]}, limit=5)) == 5
