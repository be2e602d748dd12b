"""Query DSL, built by pure functions: parsed request (+ vectors) in, request body out. No I/O here."""

from __future__ import annotations

from typing import Any

PIECE_FIELDS = ["slug", "name", "kind", "section", "condition", "text"]

# Lexical weights per kind of piece: a name or alias typed exactly says more than a word in a passage.
LEXICAL_KIND_BOOST = {
    "name": 3.0, "alias": 3.0, "condition_name": 2.5, "lay_phrase": 1.5, "condition_phrase": 1.5, "passage": 1.0,
}

# Provider ranking inside the radius (documented in the README and returned in every response):
#   score = 0.6 · gauss(distance; scale = radius/2)  +  0.06 · rating (missing: 3)  +  0.033 · log10(1 + reviews)
# Distance dominates, quality breaks near-ties: a 4.9-rated clinic 2 km further can pass a 3.5-rated one.
RANKING_RULE = (
    "Providers who perform the interpreted procedure (or, for a condition, one of its procedures and a "
    "specialty that manages it; for a specialty, that specialty), inside the radius, ranked by "
    "0.6 x distance decay (gaussian, half score at half the radius) + 0.06 x rating (missing = 3) "
    "+ 0.033 x log10(1 + review count); ties by distance."
)


def semantic_pieces(vector: list[float], *, k: int = 80, num_candidates: int = 400) -> dict[str, Any]:
    return {
        "knn": {"field": "vector", "query_vector": vector, "k": k, "num_candidates": num_candidates},
        "size": k,
        "_source": PIECE_FIELDS,
    }


def lexical_pieces(text: str, *, size: int = 80, corrected: str | None = None) -> dict[str, Any]:
    """BM25 over the pieces, weighted by kind. ``corrected`` is the query with its typos fixed against the
    corpus vocabulary (done in Python: Elasticsearch's fuzzy expansion costs ~15 ms a query here)."""
    should: list[dict[str, Any]] = [
        {"bool": {"filter": [{"term": {"kind": kind}}],
                  "must": [{"match": {"text": {"query": text, "boost": boost}}}]}}
        for kind, boost in LEXICAL_KIND_BOOST.items()
    ]
    if corrected and corrected != text:
        should.append({"match": {"text": {"query": corrected, "boost": 2.0}}})
    should.append({"match_phrase": {"text": {"query": text, "boost": 4.0, "slop": 1}}})
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "size": size,
        "_source": PIECE_FIELDS,
    }


def providers_near(
    *, procedures: list[str], lat: float, lon: float, radius_km: float, size: int,
    specialties: list[str] | None = None,
) -> dict[str, Any]:
    """Providers inside the radius who perform one of ``procedures`` (when given) and have one of
    ``specialties`` (when given); both are hard filters."""
    origin = {"lat": lat, "lon": lon}
    filters: list[dict[str, Any]] = [{"geo_distance": {"distance": f"{radius_km}km", "clinic.location": origin}}]
    if procedures:
        filters.append({"terms": {"procedures": procedures}})
    if specialties:
        filters.append({"terms": {"specialties": specialties}})
    return {
        "size": size,
        "track_total_hits": True,
        "_source": {"excludes": ["vector", "bio"]},
        "query": {
            "function_score": {
                "query": {"bool": {"filter": filters}},
                "functions": [
                    {"gauss": {"clinic.location": {"origin": origin, "scale": f"{max(radius_km / 2, 0.5)}km",
                                                   "decay": 0.5}}, "weight": 0.6},
                    {"field_value_factor": {"field": "rating", "factor": 0.06, "missing": 3.0}},
                    {"field_value_factor": {"field": "review_count", "modifier": "log1p", "factor": 1.0,
                                            "missing": 0}, "weight": 0.033},
                ],
                "score_mode": "sum",
                "boost_mode": "replace",
            }
        },
        "sort": [
            {"_score": "desc"},
            {"_geo_distance": {"clinic.location": origin, "order": "asc", "unit": "km"}},
            {"id": "asc"},
        ],
    }


def nearest_performer(*, procedures: list[str], lat: float, lon: float,
                      specialties: list[str] | None = None) -> dict[str, Any]:
    """The closest matching provider, at any distance (for honest empty states)."""
    origin = {"lat": lat, "lon": lon}
    filters: list[dict[str, Any]] = []
    if procedures:
        filters.append({"terms": {"procedures": procedures}})
    if specialties:
        filters.append({"terms": {"specialties": specialties}})
    return {
        "size": 1,
        "_source": ["id"],
        "query": {"bool": {"filter": filters}},
        "sort": [{"_geo_distance": {"clinic.location": origin, "order": "asc", "unit": "km"}}],
    }
