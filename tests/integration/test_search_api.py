"""End-to-end search against the real Elasticsearch node, through the HTTP API."""

from __future__ import annotations

import base64
import functools
import json
import re
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api import queries
from api.timing import parse_header
from caremap.embedding import Embedder
from caremap.settings import Settings
from tests.conftest import ANALYST
from tests.geo import haversine_km

pytestmark = pytest.mark.es

SERZHONG = (41.2, -100.2)


def search(api: TestClient, **params: object) -> dict:
    response = api.get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_headline_query_interprets_epidural_blood_patch_first(api: TestClient) -> None:
    body = search(api, q="headache worse when upright", near="Serzhong")
    assert body["interpretation"]["procedures"][0]["slug"] == "epidural-blood-patch"


def test_headline_query_lists_only_blood_patch_providers_within_25_km(api: TestClient) -> None:
    body = search(api, q="headache worse when upright", near="Serzhong")
    providers = body["providers"]
    assert len(providers) >= 3
    assert body["radius_km"] == 25
    for p in providers:
        assert p["procedures"] == ["epidural-blood-patch"]
        loc = p["clinic"]["location"]
        true_km = haversine_km(SERZHONG[0], SERZHONG[1], loc["lat"], loc["lon"])
        assert true_km <= 25.0 + 1e-6
        assert p["distance_km"] == pytest.approx(true_km, abs=0.1)
        assert p["fictional"] is True


def test_providers_are_in_descending_score_order(api: TestClient) -> None:
    scores = [p["score"] for p in search(api, q="headache worse when upright", near="Serzhong")["providers"]]
    assert scores == sorted(scores, reverse=True)


def test_resolved_location_and_radius_are_reported(api: TestClient) -> None:
    body = search(api, q="epidural blood patch", near="Serzhong", radius_km=30)
    assert body["location"]["label"].startswith("Serzhong")
    assert body["location"]["lat"] == pytest.approx(SERZHONG[0])
    assert body["requested_radius_km"] == 30


def test_coordinates_work_like_a_place(api: TestClient) -> None:
    by_place = search(api, q="headache worse when upright", near="Serzhong")
    by_coords = search(api, q="headache worse when upright", lat=SERZHONG[0], lon=SERZHONG[1])
    assert [p["id"] for p in by_coords["providers"]] == [p["id"] for p in by_place["providers"]]
    assert by_coords["location"]["source"] == "coordinates"


def test_unknown_place_is_a_400_naming_the_parameter(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "knee pain", "near": "Nowhereville Zzz"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"][0]["parameter"] == "near"
    assert "Nowhereville Zzz" in problem["detail"]


@pytest.mark.parametrize(("params", "parameter"), [
    ({"q": "knee pain", "lat": 95, "lon": 10}, "lat"),
    ({"q": "knee pain", "lat": 40, "lon": -190}, "lon"),
    ({"q": "knee pain", "near": "Boston", "radius_km": 0}, "radius_km"),
    ({"q": "knee pain", "near": "Boston", "radius_km": 5000}, "radius_km"),
    ({"q": "", "near": "Boston"}, "q"),
])
def test_out_of_range_input_is_a_422_naming_the_parameter(api: TestClient, params: dict, parameter: str) -> None:
    response = api.get("/v1/search", params=params)
    assert response.status_code == 422
    assert [e["parameter"] for e in response.json()["errors"]] == [parameter]


def test_lat_without_lon_is_a_400(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "knee pain", "lat": 41.2})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "lon"


def test_no_location_is_a_400(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "knee pain"})
    assert response.status_code == 400


def test_search_widens_honestly_when_nobody_is_in_the_radius(api: TestClient) -> None:
    body = search(api, q="headache worse when upright", near="Marrow Creek")
    assert body["interpretation"]["procedures"][0]["slug"] == "epidural-blood-patch"
    assert body["widened"] is True
    assert body["radius_km"] > 25
    assert "widened" in body["notice"]
    for p in body["providers"]:
        assert p["distance_km"] <= body["radius_km"]
        assert "epidural-blood-patch" in p["procedures"]


def test_health_and_readiness(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


def test_openapi_documents_the_search_route(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    assert "/v1/search" in spec["paths"]


def test_responses_carry_a_request_id(api: TestClient) -> None:
    response = api.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["X-Request-ID"] == "abc123"


def test_ambiguous_place_is_reported_with_alternatives_not_guessed(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "knee pain", "near": "Springfield"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["parameter"] == "near"
    labels = {a["label"] for a in error["alternatives"]}
    assert {"Springfield, IL", "Springfield, MO"} <= labels


def test_qualified_place_resolves(api: TestClient) -> None:
    body = search(api, q="knee pain", near="Springfield, IL")
    assert body["location"]["label"] == "Springfield, IL"


@pytest.mark.parametrize(("q", "intent", "slug"), [
    ("psoriasis", "condition", "psoriasis"),
    ("best psoriasis doctors near me", "condition", "psoriasis"),
    ("EGD", "procedure", "upper-endoscopy"),
    ("epidural blood patch", "procedure", "epidural-blood-patch"),
    ("dermatologist", "specialty", "Dermatology"),
    ("headache worse when upright", "symptom", None),
])
def test_the_response_says_what_the_query_was_taken_to_be(api: TestClient, q: str, intent: str,
                                                          slug: str | None) -> None:
    body = search(api, q=q, lat=SERZHONG[0], lon=SERZHONG[1])
    assert body["intent"]["type"] == intent
    assert body["intent"].get("slug") == slug


def test_a_place_typed_in_the_query_is_the_location(api: TestClient) -> None:
    body = search(api, q="epidural blood patch in Serzhong")
    assert body["location"]["label"].startswith("Serzhong")
    assert body["interpretation"]["text"] == "epidural blood patch"
    assert body["interpretation"]["procedures"][0]["slug"] == "epidural-blood-patch"
    assert body["providers"]


def test_near_me_without_coordinates_asks_for_them(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "best psoriasis doctors near me"})
    assert response.status_code == 400
    assert "coordinates" in response.json()["detail"]


def test_condition_search_lists_only_specialists_who_manage_it(api: TestClient) -> None:
    body = search(api, q="best psoriasis doctors near me", lat=SERZHONG[0], lon=SERZHONG[1])
    assert body["providers"]
    for p in body["providers"]:
        assert "Dermatology" in p["specialties"]
        assert set(p["procedures"]) <= {"phototherapy-psoriasis", "biologic-therapy-psoriasis", "skin-biopsy"}
        assert p["procedures"]


def test_specialty_search_lists_that_specialty(api: TestClient) -> None:
    body = search(api, q="dermatologist", near="Boston")
    assert body["providers"]
    assert all("Dermatology" in p["specialties"] for p in body["providers"])


def test_emergency_query_warns_instead_of_listing_clinics(api: TestClient) -> None:
    body = search(api, q="sudden worst headache of my life", near="Serzhong")
    assert body["urgent"]["level"] == "emergency"
    assert body["urgent"]["advice"]
    assert body["providers"] == []
    assert "emergency" in body["notice"]


def test_orthostatic_headache_is_not_an_emergency(api: TestClient) -> None:
    assert "urgent" not in search(api, q="headache worse when upright", near="Serzhong")


@pytest.mark.parametrize("strategy", ["lexical", "semantic", "hybrid"])
def test_every_strategy_answers(api: TestClient, strategy: str) -> None:
    body = search(api, q="headache worse when upright", near="Serzhong", strategy=strategy)
    assert body["interpretation"]["strategy"] == strategy
    assert body["interpretation"]["procedures"]


def test_explain_returns_score_components(api: TestClient) -> None:
    body = search(api, q="headache worse when upright", near="Serzhong", explain=True)
    top = body["interpretation"]["procedures"][0]
    signals = {e["signal"] for e in top["explanation"]}
    assert signals <= {"lexical", "semantic"} and signals
    assert all(e["text"] and e["kind"] for e in top["explanation"])
    provider = body["providers"][0]["explanation"]
    assert provider["semantic_component"] is not None  # a search with query text ranks with the kNN term
    parts = (provider["distance_decay"] + provider["rating_component"] + provider["reviews_component"]
             + provider["semantic_component"])
    assert parts == pytest.approx(provider["total"], abs=2e-3)
    assert provider["total"] == pytest.approx(body["providers"][0]["score"], abs=2e-3)


def test_search_response_has_server_timing(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "knee pain", "near": "Boston"})
    assert "es;dur=" in response.headers["Server-Timing"]


def test_the_knn_query_finds_what_a_top_level_knn_search_finds(
        es: Elasticsearch, built: dict[str, object], base_settings: Settings, embedder: Embedder) -> None:
    index = base_settings.alias("procedures")
    for text in ["headache worse when upright", "itchy scaly elbows", "knee gives way on stairs"]:
        as_query = queries.semantic_pieces(embedder.embed_query(text))
        top_level = {key: value for key, value in as_query.items() if key != "query"}
        top_level["knn"] = as_query["query"]["knn"]

        def ranked(request: dict) -> list[tuple[str, float]]:
            hits = es.search(index=index, **request)["hits"]["hits"]
            return [(h["_id"], round(h["_score"], 6)) for h in hits]

        found = ranked(as_query)
        assert len(found) == 50
        assert found == ranked(top_level)


# On the first four the lexical ranking alone puts a different procedure first than the fused one.
LISTING_QUERIES = [
    "knee grinds stairs, early arthritis on xray", "blood in my pee but no pain at all",
    "enlarged prostate, weak stream, want to keep my ejaculation",
    "newly diagnosed afib, heart irregular for two weeks, want it back in normal rhythm",
    "bad headache ever since my spinal tap, the only thing that helps is lying down",
    "migrane nearly every day and the triptans barely touch it",
]


def test_the_providers_listed_are_those_of_the_interpreted_procedure(api: TestClient) -> None:
    listing = ("providers", "total_providers", "facets", "notice", "radius_km", "widened")
    for q in LISTING_QUERIES:
        body = search(api, q=q, near="Boston")
        top = body["interpretation"]["procedures"][0]["slug"]
        forced = search(api, q=q, near="Boston", procedure=top)
        # (not next_cursor: it is bound to the request's parameters, and procedure= is one)
        assert {k: body.get(k) for k in listing} == {k: forced.get(k) for k in listing}, q
        assert all(top in p["procedures"] for p in body["providers"])


def test_a_repeated_query_reuses_its_vector(api: TestClient) -> None:
    params = {"q": "hip aches at night after long walks", "near": "Boston"}
    first = parse_header(api.get("/v1/search", params=params).headers["Server-Timing"])
    second = parse_header(api.get("/v1/search", params=params).headers["Server-Timing"])
    assert "embed-cache" not in first and float(first["embed"]["dur"]) > 0
    assert "embed-cache" in second and float(second["embed"]["dur"]) == 0


def test_eval_endpoint_scores_a_judgment_set(api: TestClient) -> None:
    judgments = [
        {"query": "headache worse when upright", "procedures": {"epidural-blood-patch": 3}, "near": "Serzhong"},
        {"query": "numb fingers at night", "procedures": {"carpal-tunnel-release": 3}},
        {"query": "sudden worst headache of my life", "urgent": True},
    ]
    response = api.post("/v1/eval", json={"judgments": judgments, "strategies": ["hybrid"]}, headers=ANALYST)
    assert response.status_code == 200, response.text
    figures = response.json()["metrics"]["hybrid"]
    assert figures["top1"] == 1.0 and figures["mrr"] == 1.0  # both answerable queries put their answer first
    assert figures["redflag_recall"] == 1.0
    assert figures["queries"] == 3


def test_eval_endpoint_rejects_an_unknown_strategy(api: TestClient) -> None:
    response = api.post("/v1/eval", json={"judgments": [{"query": "x"}], "strategies": ["magic"]},
                        headers=ANALYST)
    assert response.status_code == 422


def test_filters_are_hard_filters(api: TestClient) -> None:
    body = search(api, q="knee pain", near="Boston", language="Spanish", accepting_new_patients="true",
                  min_rating=4.0, size=50)
    assert body["providers"]
    for p in body["providers"]:
        assert "Spanish" in p["languages"]
        assert p["accepting_new_patients"] is True
        assert p["rating"] >= 4.0


def test_specialty_filter_narrows_a_symptom_search(api: TestClient) -> None:
    body = search(api, q="numb fingers at night", near="Boston", specialty="Hand Surgery", size=50)
    assert body["providers"]
    assert all("Hand Surgery" in p["specialties"] for p in body["providers"])


@pytest.mark.parametrize("order", ["distance", "rating"])
def test_sort_orders(api: TestClient, order: str) -> None:
    body = search(api, q="knee pain", near="Boston", sort=order, size=30)
    providers = body["providers"]
    assert len(providers) > 5
    if order == "distance":
        distances = [p["distance_km"] for p in providers]
        assert distances == sorted(distances)
    else:
        ratings = [p["rating"] for p in providers if p["rating"] is not None]
        assert ratings == sorted(ratings, reverse=True)


def test_facets_count_the_current_query(api: TestClient) -> None:
    body = search(api, q="knee pain", near="Boston", size=5)
    facets = body["facets"]
    assert sum(b["count"] for b in facets["distance_bands"]) == body["total_providers"]
    assert {b["value"] for b in facets["accepting_new_patients"]} <= {"true", "false"}
    assert facets["specialties"] and facets["languages"]


def test_cursor_pages_neither_repeat_nor_skip(api: TestClient) -> None:
    first = search(api, q="knee pain", near="Boston", size=4)
    total = first["total_providers"]
    assert total > 8
    seen = [p["id"] for p in first["providers"]]
    cursor = first["next_cursor"]
    while cursor:
        page = search(api, q="knee pain", near="Boston", size=4, cursor=cursor)
        seen.extend(p["id"] for p in page["providers"])
        cursor = page.get("next_cursor")
    everything = search(api, q="knee pain", near="Boston", size=50)
    assert len(seen) == len(set(seen)) == total
    assert seen[: len(everything["providers"])] == [p["id"] for p in everything["providers"]]


def test_cursor_from_another_query_is_refused(api: TestClient) -> None:
    first = search(api, q="knee pain", near="Boston", size=4)
    response = api.get("/v1/search", params={"q": "knee pain", "near": "Denver", "size": 4,
                                             "cursor": first["next_cursor"]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "cursor"


def test_a_cursor_outlives_one_rebuild_and_expires_after_two(isolated_settings: Settings, small_providers: Path,
                                                           embedder: Embedder) -> None:
    from api.main import create_app
    from indexer.build import build_indices

    settings = isolated_settings.model_copy(update={"providers_file": small_providers})
    build = functools.partial(build_indices, settings, progress=False, embedder=embedder)
    build()
    params = {"q": "epidural blood patch", "near": "Serzhong", "size": 2}
    with TestClient(create_app(settings)) as client:
        first = search(client, **params)
        assert first["total_providers"] > 4
        build()  # page one's build is now the previous one; the alias serves a new build
        second = search(client, **params, cursor=first["next_cursor"])
        seen = [p["id"] for p in first["providers"] + second["providers"]]
        assert seen == [p["id"] for p in search(client, **{**params, "size": 4})["providers"]]
        build()  # page one's build is deleted
        response = client.get("/v1/search", params={**params, "cursor": second["next_cursor"]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "cursor"
    assert "expired" in response.json()["errors"][0]["rule"]


def test_a_cursor_cannot_point_the_search_at_another_index(api: TestClient, base_settings: Settings) -> None:
    first = search(api, q="knee pain", near="Boston", size=4)
    token = first["next_cursor"]
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for index in (base_settings.alias("procedures"), data["i"].replace("-providers-", "-procedures-"), "*"):
        forged = base64.urlsafe_b64encode(json.dumps({**data, "i": index}).encode()).decode()
        response = api.get("/v1/search", params={"q": "knee pain", "near": "Boston", "size": 4, "cursor": forged})
        assert response.status_code == 400, index
        assert response.json()["errors"][0]["parameter"] == "cursor"


def test_garbage_cursor_is_a_400(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "knee pain", "near": "Boston", "cursor": "not-a-cursor"})
    assert response.status_code == 400


def test_best_of_a_procedure_in_a_town(api: TestClient) -> None:
    response = api.get("/v1/best", params={"procedure": "epidural-blood-patch", "near": "Serzhong"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Best Doctor List Near You for Epidural blood patch in Serzhong, NE (fictional)"
    assert body["subject"]["summary"]
    assert len(body["providers"]) >= 3
    assert all(p["procedures"] == ["epidural-blood-patch"] for p in body["providers"])
    assert all(p["distance_km"] <= 25 for p in body["providers"])


def test_best_of_a_condition_lists_only_specialists_who_manage_it(api: TestClient) -> None:
    body = api.get("/v1/best", params={"condition": "psoriasis", "lat": SERZHONG[0], "lon": SERZHONG[1]}).json()
    assert body["subject"]["type"] == "condition"
    assert body["providers"]
    assert all("Dermatology" in p["specialties"] or "Rheumatology" in p["specialties"] for p in body["providers"])


def test_best_of_without_local_supply_offers_the_nearest_honestly(api: TestClient) -> None:
    body = api.get("/v1/best", params={"procedure": "epidural-blood-patch", "near": "Marrow Creek"}).json()
    assert body["providers"]
    assert body["widened"] is True
    assert re.fullmatch(r"No Epidural blood patch providers within 25 km; (widened the search to \d+ km|showing the "
                        r"nearest ones) \(nearest \d+ km away\)\.", body["notice"]), body["notice"]
    assert body["radius_km"] >= max(p["distance_km"] for p in body["providers"])


def test_best_of_unknown_slug_is_404(api: TestClient) -> None:
    response = api.get("/v1/best", params={"procedure": "not-a-thing", "near": "Boston"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_best_of_needs_exactly_one_subject(api: TestClient) -> None:
    response = api.get("/v1/best", params={"near": "Boston"})
    assert response.status_code == 400


def test_every_search_embeds_its_text_once_whatever_the_strategy(api: TestClient) -> None:
    """The safety checks read the query vector, so even a lexical-only comparison embeds the text."""
    vectors = api.app.state.resources.vectors  # type: ignore[attr-defined]
    before = vectors.embedded
    search(api, q="stiff swollen finger joint that locks when I bend it", near="Serzhong")
    assert vectors.embedded == before + 1
    search(api, q="stiff swollen finger joint that locks when I bend it", near="Serzhong", strategy="lexical")
    assert vectors.embedded == before + 1  # the same text: the cached vector
    search(api, q="stiff swollen finger joint that locks when I bend it, lexical only", near="Serzhong",
           strategy="lexical")
    assert vectors.embedded == before + 2
    too_long = api.get("/v1/search", params={"q": "knee pain " * 40, "near": "Serzhong"})
    assert too_long.status_code == 422
    assert vectors.embedded == before + 2
