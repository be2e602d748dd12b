"""Query DSL, built by pure functions: parsed request (+ vectors) in, request body out. No I/O here."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from elastic_transport import ObjectApiResponse

from api.search import ranking
from api.volume_signal import billed_volume_clause

PIECE_FIELDS = ["slug", "name", "kind", "section", "condition"]  # + "text" when the caller explains scores

# Only what the service reads comes back (``filter_path``); with no hits, "hits.hits" is absent: use hits_of.
PIECE_RESPONSE = ["took", "hits.hits._score", "hits.hits._source"]
PROVIDER_RESPONSE = ["took", "hits.total", "hits.hits._index", "hits.hits._score", "hits.hits._source",
                     "hits.hits.sort", "hits.hits.matched_queries", "aggregations"]


def hits_of(result: Mapping[str, Any] | ObjectApiResponse[Any]) -> list[dict[str, Any]]:
    return list(result.get("hits", {}).get("hits", []))


def _piece_source(with_text: bool) -> list[str]:
    return [*PIECE_FIELDS, "text"] if with_text else PIECE_FIELDS

# Lexical weights per kind of piece: a name or alias typed exactly says more than a word in a passage.
LEXICAL_KIND_BOOST = {
    "name": 3.0, "alias": 3.0, "condition_name": 2.5, "lay_phrase": 1.5, "condition_phrase": 1.5, "passage": 1.0,
}

def semantic_pieces(vector: list[float], *, k: int = 50, num_candidates: int = 200,
                    with_text: bool = False) -> dict[str, Any]:
    """The k nearest pieces, as a ``knn`` query rather than a top-level ``knn`` section: the top-level form
    first runs a DFS phase (one more hop through the search thread pool) to merge the shards' candidates.
    The procedures index has one shard, where both forms return the same hits (tests/test_search_api.py
    checks it against the node)."""
    return {
        "query": {"knn": {"field": "vector", "query_vector": vector, "k": k, "num_candidates": num_candidates}},
        "size": k,
        "_source": _piece_source(with_text),
    }


def lexical_pieces(text: str, *, size: int = 50, corrected: str | None = None,
                   with_text: bool = False) -> dict[str, Any]:
    """BM25 over the pieces, weighted by kind: each piece has one kind, so its score is that kind's weight
    times BM25 (one match, weighted by ``function_score``; not one match per kind). ``corrected`` is the
    query with its typos fixed against the corpus vocabulary (done in Python: Elasticsearch's fuzzy
    expansion costs ~15 ms a query here)."""
    weighted = {
        "function_score": {
            "query": {"match": {"text": {"query": text}}},
            "functions": [{"filter": {"term": {"kind": kind}}, "weight": boost}
                          for kind, boost in LEXICAL_KIND_BOOST.items()],
            "score_mode": "first",
            "boost_mode": "multiply",
        }
    }
    should: list[dict[str, Any]] = [weighted]
    if corrected and corrected != text:
        should.append({"match": {"text": {"query": corrected, "boost": 2.0}}})
    should.append({"match_phrase": {"text": {"query": text, "boost": 4.0, "slop": 1}}})
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "size": size,
        "_source": _piece_source(with_text),
    }


@dataclass(frozen=True)
class ProviderFilters:
    """The directory filters a caller may add; each given one is a hard filter."""

    specialties: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    gender: str | None = None
    accepting_new_patients: bool | None = None
    telehealth: bool | None = None
    insurance: tuple[str, ...] = ()
    min_rating: float | None = None

    def clauses(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.specialties:
            out.append({"terms": {"specialties": list(self.specialties)}})
        if self.languages:
            out.append({"terms": {"languages": list(self.languages)}})
        if self.gender:
            out.append({"term": {"gender": self.gender}})
        if self.accepting_new_patients is not None:
            out.append({"term": {"accepting_new_patients": self.accepting_new_patients}})
        if self.telehealth is not None:
            out.append({"term": {"telehealth": self.telehealth}})
        if self.insurance:
            out.append({"terms": {"insurance_networks": list(self.insurance)}})
        if self.min_rating is not None:
            out.append({"range": {"rating": {"gte": self.min_rating}}})
        return out


SortOrder = Literal["relevance", "distance", "rating"]
DISTANCE_BANDS_KM = (5, 10, 25, 50, 100)


def provider_sort(order: SortOrder, origin: dict[str, float]) -> list[dict[str, Any]]:
    """Sort clauses; every order ends with the distance and the unique id, so paging is stable."""
    distance = {"_geo_distance": {"clinic.location": origin, "order": "asc", "unit": "km"}}
    if order == "distance":
        return [distance, {"id": "asc"}]
    if order == "rating":
        return [{"rating": {"order": "desc", "missing": "_last"}}, {"review_count": "desc"}, distance, {"id": "asc"}]
    return [{"_score": "desc"}, distance, {"id": "asc"}]


def distance_sort_index(order: SortOrder) -> int:
    """Where the distance (km) sits among a hit's sort values for ``order``."""
    return {"distance": 0, "relevance": 1, "rating": 2}[order]


def providers_near(
    *, procedures: list[str], lat: float, lon: float, radius_km: float, size: int,
    specialties: list[str] | None = None, filters: ProviderFilters | None = None,
    order: SortOrder = "relevance", search_after: list[Any] | None = None, facets: bool = False,
    query_vector: list[float] | None = None,
) -> dict[str, Any]:
    """Providers inside the radius who perform one of ``procedures`` (when given), have one of
    ``specialties`` (when given) and pass the caller's ``filters``; all are hard filters. With a
    ``query_vector`` the relevance score adds the semantic term (``provider_relevance``)."""
    origin = {"lat": lat, "lon": lon}
    clauses: list[dict[str, Any]] = [{"geo_distance": {"distance": f"{radius_km}km", "clinic.location": origin}}]
    if procedures:
        clauses.append({"terms": {"procedures": procedures}})
    if specialties:
        clauses.append({"terms": {"specialties": specialties}})
    if filters is not None:
        clauses.extend(filters.clauses())
    body: dict[str, Any] = {
        "size": size,
        "track_total_hits": True,
        "track_scores": True,
        "_source": {"excludes": ["vector", "bio"]},
        "query": provider_relevance(clauses, procedures=procedures, origin=origin, radius_km=radius_km,
                                    query_vector=query_vector),
        "sort": provider_sort(order, origin),
    }
    if query_vector is not None:
        body["include_named_queries_score"] = True  # each hit's "matched_queries" carries the two terms
    if search_after is not None:
        body["search_after"] = search_after
    if facets:
        body["aggs"] = provider_facets(origin)
    return body


def provider_relevance(clauses: list[dict[str, Any]], *, procedures: list[str], origin: dict[str, float],
                       radius_km: float, query_vector: list[float] | None) -> dict[str, Any]:
    """The ranking (``api.search.ranking``) over the providers ``clauses`` admit: a bool query whose filter
    admits them (once: the should clauses only score what it admits) and whose should clauses add up — the
    distance and quality terms ("proximity"), the billed Medicare volume of the procedures (registry records),
    and, for a search with a query vector, a kNN over the profile vectors ("semantic") with the same clauses
    inside ``knn.filter`` (a pre-filter: the k nearest are k admissible providers, never ones outside the radius).
    The minimal Elasticsearch has no scripting and no RRF, so the terms are summed by the query itself, on scales
    chosen to be comparable."""
    proximity = {"function_score": {
        "query": {"match_all": {}},  # the bool's filter admits; filtering here again cost ~1 ms a search (100k)
        "functions": [
            {"gauss": {"clinic.location": {"origin": origin, "scale": f"{ranking.distance_scale_km(radius_km)}km",
                                           "decay": 0.5}}, "weight": ranking.DISTANCE_WEIGHT},
            {"field_value_factor": {"field": "rating", "factor": ranking.RATING_WEIGHT,
                                    "missing": ranking.MISSING_RATING}},
            {"field_value_factor": {"field": "review_count", "modifier": "log1p", "factor": 1.0, "missing": 0},
             "weight": ranking.REVIEWS_WEIGHT},
        ],
        "score_mode": "sum",
        "boost_mode": "replace",
        "_name": "proximity",
    }}
    should: list[dict[str, Any]] = [proximity]
    if procedures:
        should.append(billed_volume_clause(procedures, boost=ranking.VOLUME_WEIGHT))
    if query_vector is not None:
        should.append({"knn": {"field": "vector", "query_vector": query_vector, "k": ranking.SEMANTIC_K,
                               "num_candidates": ranking.SEMANTIC_K, "filter": clauses,
                               "boost": ranking.SEMANTIC_WEIGHT, "_name": "semantic"}})
    return {"bool": {"filter": clauses, "should": should}}


def provider_facets(origin: dict[str, float]) -> dict[str, Any]:
    """Counts for the current query: specialties, languages, distance bands, availability flags."""
    bounds = (0, *DISTANCE_BANDS_KM)
    ranges = [{"key": f"{a}-{b} km", "from": a, "to": b} for a, b in itertools.pairwise(bounds)]
    return {
        "specialties": {"terms": {"field": "specialties", "size": 25}},
        "languages": {"terms": {"field": "languages", "size": 25}},
        "accepting_new_patients": {"terms": {"field": "accepting_new_patients"}},
        "telehealth": {"terms": {"field": "telehealth"}},
        "distance_bands": {"geo_distance": {"field": "clinic.location", "origin": origin, "unit": "km",
                                            "ranges": ranges}},
    }


def nearest_performers(*, procedures: list[str], lat: float, lon: float, size: int = 1,
                       specialties: list[str] | None = None) -> dict[str, Any]:
    """The closest matching providers, at any distance (for honest empty states)."""
    origin = {"lat": lat, "lon": lon}
    clauses: list[dict[str, Any]] = []
    if procedures:
        clauses.append({"terms": {"procedures": procedures}})
    if specialties:
        clauses.append({"terms": {"specialties": specialties}})
    return {
        "size": size,
        "_source": ["id"],
        "query": {"bool": {"filter": clauses}},
        "sort": [{"_geo_distance": {"clinic.location": origin, "order": "asc", "unit": "km"}}],
    }


HIGHLIGHT_FRAGMENTS = 3
HIGHLIGHT_FRAGMENT_CHARS = 160


def provider_by_id(provider_id: str) -> dict[str, Any]:
    return {"size": 1, "query": {"term": {"id": provider_id}}, "_source": {"excludes": ["vector"]}}


def passage_search(q: str, *, size: int) -> dict[str, Any]:
    """BM25 on the article passages only; highlights HTML-escape the text and mark matches with <em>."""
    return {
        "query": {"bool": {"filter": [{"term": {"kind": "passage"}}], "must": [{"match": {"text": {"query": q}}}]}},
        "size": size,
        "track_total_hits": True,
        "_source": ["slug", "name", "section", "text"],
        "highlight": {
            "encoder": "html",
            "pre_tags": ["<em>"],
            "post_tags": ["</em>"],
            "fields": {"text": {"number_of_fragments": HIGHLIGHT_FRAGMENTS,
                                "fragment_size": HIGHLIGHT_FRAGMENT_CHARS}},
        },
    }
