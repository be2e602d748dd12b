"""The provider ranking with a semantic term: a kNN over profile vectors inside the very same filters."""

from __future__ import annotations

import pytest

from api import queries
from api.queries import ProviderFilters
from api.search import ranking

VECTOR = [0.1, 0.2, 0.3]


def body(**overrides: object) -> dict:
    args: dict = {"procedures": ["epidural-blood-patch"], "lat": 41.2, "lon": -100.2, "radius_km": 25, "size": 10,
                  "query_vector": VECTOR}
    args.update(overrides)
    return queries.providers_near(**args)


def test_without_a_vector_the_ranking_is_proximity_and_billed_volume_only() -> None:
    plain = body(query_vector=None)
    proximity, volume = plain["query"]["bool"]["should"]
    assert proximity["function_score"]["_name"] == "proximity"
    assert volume["nested"]["path"] == "billed"
    assert "include_named_queries_score" not in plain


def test_with_a_vector_the_knn_term_is_added_to_the_proximity_term() -> None:
    query = body()["query"]["bool"]
    proximity, _volume, semantic = query["should"]
    assert proximity["function_score"]["_name"] == "proximity"
    assert proximity["function_score"]["boost_mode"] == "replace"
    knn = semantic["knn"]
    assert knn["query_vector"] == VECTOR
    assert knn["field"] == "vector"
    assert (knn["k"], knn["boost"], knn["_name"]) == (ranking.SEMANTIC_K, ranking.SEMANTIC_WEIGHT, "semantic")
    assert knn["num_candidates"] >= knn["k"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, [{"geo_distance": {"distance": "25km", "clinic.location": {"lat": 41.2, "lon": -100.2}}},
              {"terms": {"procedures": ["epidural-blood-patch"]}}]),
        ({"radius_km": 50, "specialties": ["Dermatology"], "procedures": []},
         [{"geo_distance": {"distance": "50km", "clinic.location": {"lat": 41.2, "lon": -100.2}}},
          {"terms": {"specialties": ["Dermatology"]}}]),
        ({"filters": ProviderFilters(languages=("Spanish",), telehealth=True)},
         [{"geo_distance": {"distance": "25km", "clinic.location": {"lat": 41.2, "lon": -100.2}}},
          {"terms": {"procedures": ["epidural-blood-patch"]}}, {"terms": {"languages": ["Spanish"]}},
          {"term": {"telehealth": True}}]),
    ],
)
def test_the_geo_procedure_and_caller_filters_sit_inside_knn_filter_and_the_outer_filter(
    overrides: dict, expected: list[dict]
) -> None:
    query = body(**overrides)["query"]["bool"]
    proximity, semantic = query["should"][0], query["should"][-1]
    assert query["filter"] == expected
    assert semantic["knn"]["filter"] == expected  # a pre-filter: the k nearest are all admissible
    assert proximity["function_score"]["query"] == {"match_all": {}}  # scores only what the filter admits


def test_the_scores_of_both_terms_come_back_for_explain_and_sorting_stays_stable() -> None:
    built = body(order="relevance")
    assert built["include_named_queries_score"] is True
    assert built["sort"][0] == {"_score": "desc"}
    assert built["sort"][-1] == {"id": "asc"}
    assert "vector" in built["_source"]["excludes"]


def test_the_ranking_rule_names_the_semantic_term_and_its_weight() -> None:
    assert "cosine similarity" in ranking.RANKING_RULE
    assert f"{ranking.SEMANTIC_WEIGHT:g} x" in ranking.RANKING_RULE
