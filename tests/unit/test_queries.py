"""The query DSL builders are pure functions: input → expected body, table-style."""

from __future__ import annotations

import pytest

from api import queries


def test_semantic_pieces_is_a_knn_query_with_candidates() -> None:
    body = queries.semantic_pieces([0.1, 0.2], k=5, num_candidates=50)
    assert body["query"]["knn"] == {"field": "vector", "query_vector": [0.1, 0.2], "k": 5, "num_candidates": 50}
    assert body["size"] == 5
    assert "vector" not in body["_source"]


def test_lexical_pieces_weights_names_above_passages() -> None:
    should = queries.lexical_pieces("spinal tap")["query"]["bool"]["should"]
    weighted = next(s["function_score"] for s in should if "function_score" in s)
    boosts = {f["filter"]["term"]["kind"]: f["weight"] for f in weighted["functions"]}
    assert boosts["name"] > boosts["lay_phrase"] > boosts["passage"]
    assert weighted["boost_mode"] == "multiply"


@pytest.mark.parametrize(("radius", "scale"), [(25, "12.5km"), (100, "50.0km"), (0.4, "0.5km")])
def test_providers_near_filters_by_radius_and_procedure(radius: float, scale: str) -> None:
    body = queries.providers_near(procedures=["epidural-blood-patch"], lat=41.2, lon=-100.2, radius_km=radius,
                                  size=7)
    fs = body["query"]["bool"]["should"][0]["function_score"]
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"procedures": ["epidural-blood-patch"]}} in filters
    volume = body["query"]["bool"]["should"][1]["nested"]  # billed Medicare volume, for registry records
    assert volume["path"] == "billed" and volume["ignore_unmapped"] is True
    assert not any("specialties" in f.get("terms", {}) for f in filters)
    assert {"geo_distance": {"distance": f"{radius}km", "clinic.location": {"lat": 41.2, "lon": -100.2}}} in filters
    assert fs["functions"][0]["gauss"]["clinic.location"]["scale"] == scale
    assert fs["boost_mode"] == "replace"
    assert body["sort"][1]["_geo_distance"]["unit"] == "km"
    assert body["size"] == 7
    assert "vector" in body["_source"]["excludes"]


def test_nearest_performers_have_no_distance_limit() -> None:
    body = queries.nearest_performers(procedures=["x"], lat=1.0, lon=2.0, size=3)
    assert body["query"] == {"bool": {"filter": [{"terms": {"procedures": ["x"]}}]}}
    assert body["size"] == 3


@pytest.mark.parametrize(("order", "first"), [("relevance", "_score"), ("distance", "_geo_distance"),
                                              ("rating", "rating")])
def test_every_sort_order_ends_with_distance_and_id(order: str, first: str) -> None:
    sort = queries.provider_sort(order, {"lat": 1.0, "lon": 2.0})  # type: ignore[arg-type]
    assert first in sort[0]
    assert sort[-1] == {"id": "asc"}
    assert "_geo_distance" in sort[queries.distance_sort_index(order)]  # type: ignore[arg-type]


def test_filters_become_filter_clauses() -> None:
    filters = queries.ProviderFilters(languages=("Spanish",), telehealth=True, min_rating=4.5, gender="female")
    assert filters.clauses() == [
        {"terms": {"languages": ["Spanish"]}},
        {"term": {"gender": "female"}},
        {"term": {"telehealth": True}},
        {"range": {"rating": {"gte": 4.5}}},
    ]
    assert queries.ProviderFilters().clauses() == []


def test_providers_near_adds_a_specialty_filter_and_can_drop_the_procedure_one() -> None:
    body = queries.providers_near(procedures=[], specialties=["Dermatology"], lat=1.0, lon=2.0, radius_km=10, size=5)
    should = body["query"]["bool"]["should"]
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"specialties": ["Dermatology"]}} in filters
    assert len(should) == 1  # no procedure, no volume signal
    assert not any("procedures" in f.get("terms", {}) for f in filters)
