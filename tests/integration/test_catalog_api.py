"""Places, procedures, conditions and providers endpoints, end to end against the real Elasticsearch node."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caremap.corpus.schemas import SECTIONS
from tests.geo import haversine_km

pytestmark = pytest.mark.es

SERZHONG = (41.2, -100.2)
# About 67 km east of Serzhong: no blood-patch performer within 25 km, the nearest ones are in Serzhong.
EAST_OF_SERZHONG = (41.2, -99.4)


def ok(api: TestClient, path: str, **params: object) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def problem(api: TestClient, path: str, status: int, **params: object) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def named_parameters(body: dict[str, Any]) -> set[str]:
    return {str(e["parameter"]) for e in body.get("errors", [])}


# --- /v1/places --------------------------------------------------------------------------------------------


def test_place_name_resolves_to_coordinates(api: TestClient) -> None:
    body = ok(api, "/v1/places", q="Boston")
    assert body["best"]["label"] == "Boston, MA"
    assert body["best"]["lat"] == pytest.approx(42.36, abs=0.05)
    assert body["best"]["lon"] == pytest.approx(-71.06, abs=0.05)
    assert body["ambiguous"] is False


def test_zip_code_resolves_to_its_town(api: TestClient) -> None:
    best = ok(api, "/v1/places", q="02115")["best"]
    assert best["kind"] == "zip"
    assert best["postal_code"] == "02115"
    assert best["id"] == "zip:02115"


def test_corpus_locality_says_it_is_fictional(api: TestClient) -> None:
    best = ok(api, "/v1/places", q="Serzhong")["best"]
    assert best["fictional"] is True
    assert (best["lat"], best["lon"]) == pytest.approx(SERZHONG)


def test_ambiguous_place_has_no_best_and_lists_alternatives(api: TestClient) -> None:
    body = ok(api, "/v1/places", q="Springfield")
    assert body["best"] is None
    assert body["ambiguous"] is True
    assert len({a["region"] for a in body["alternatives"]}) >= 2


def test_region_disambiguates_a_place(api: TestClient) -> None:
    assert ok(api, "/v1/places", q="Springfield, IL")["best"]["label"] == "Springfield, IL"


def test_unknown_place_is_an_empty_result_not_an_error(api: TestClient) -> None:
    body = ok(api, "/v1/places", q="Nowhereville Zzz")
    assert body["best"] is None
    assert body["ambiguous"] is False
    assert isinstance(body["alternatives"], list)


def test_misspelt_place_offers_near_spellings(api: TestClient) -> None:
    body = ok(api, "/v1/places", q="Bostn")
    assert body["best"] is None
    assert "Boston, MA" in [a["label"] for a in body["alternatives"]]


def test_place_query_too_long_is_422_naming_q(api: TestClient) -> None:
    assert "q" in named_parameters(problem(api, "/v1/places", 422, q="x" * 101))


def test_place_query_is_required(api: TestClient) -> None:
    assert "q" in named_parameters(problem(api, "/v1/places", 422))


def test_reverse_names_the_nearest_town(api: TestClient) -> None:
    body = ok(api, "/v1/places/reverse", lat=42.3601, lon=-71.0589)
    assert body["place"]["label"] == "Boston, MA"
    assert body["distance_km"] < 5


def test_reverse_in_the_open_ocean_is_a_404_problem(api: TestClient) -> None:
    body = problem(api, "/v1/places/reverse", 404, lat=0.0, lon=-150.0)
    assert "50 km" in body["detail"]


def test_reverse_latitude_out_of_range_is_422_naming_lat(api: TestClient) -> None:
    assert "lat" in named_parameters(problem(api, "/v1/places/reverse", 422, lat=91, lon=0))


def test_reverse_needs_both_coordinates(api: TestClient) -> None:
    assert "lon" in named_parameters(problem(api, "/v1/places/reverse", 422, lat=42.0))


# --- /v1/procedures (passage search) -----------------------------------------------------------------------


def test_passage_search_finds_the_article_and_highlights_the_words(api: TestClient) -> None:
    body = ok(api, "/v1/procedures", q="blood patch spinal fluid leak")
    assert body["total"] >= len(body["hits"]) > 0
    assert "epidural-blood-patch" in [h["slug"] for h in body["hits"][:3]]
    first = body["hits"][0]
    assert first["section"] in (*SECTIONS, "How it differs from similar procedures")
    assert first["highlights"]
    assert all("<em>" in fragment for fragment in first["highlights"])


def test_passage_search_hits_are_passages_in_score_order(api: TestClient) -> None:
    hits = ok(api, "/v1/procedures", q="knee", size=20)["hits"]
    assert hits
    assert all(h["section"] for h in hits)  # names, aliases and lay phrases have no section
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_passage_search_respects_size(api: TestClient) -> None:
    assert len(ok(api, "/v1/procedures", q="pain", size=2)["hits"]) == 2


def test_passage_search_with_nothing_matching_is_empty(api: TestClient) -> None:
    body = ok(api, "/v1/procedures", q="zzqxv")
    assert body == {"query": "zzqxv", "total": 0, "hits": []}


def test_passage_search_size_out_of_range_is_422_naming_size(api: TestClient) -> None:
    assert "size" in named_parameters(problem(api, "/v1/procedures", 422, q="knee", size=51))


def test_passage_search_blank_query_is_400_naming_q(api: TestClient) -> None:
    assert "q" in named_parameters(problem(api, "/v1/procedures", 400, q="   "))


# --- /v1/procedures/{slug} and /v1/conditions/{slug} -------------------------------------------------------


def test_procedure_article_has_its_metadata_and_sections_in_order(api: TestClient) -> None:
    body = ok(api, "/v1/procedures/epidural-blood-patch")
    assert body["name"] == "Epidural blood patch"
    assert "EBP" in body["aliases"]
    assert [s["heading"] for s in body["sections"]][: len(SECTIONS)] == list(SECTIONS)
    assert all(s["text"] for s in body["sections"])
    assert body["setting"] and body["duration"]
    assert body["area"] == "headache"


def test_procedure_specialties_carry_nucc_codes(api: TestClient) -> None:
    specialties = {s["name"]: s for s in ok(api, "/v1/procedures/epidural-blood-patch")["specialties"]}
    assert specialties["Anesthesiology"]["nucc_code"] == "207L00000X"
    assert specialties["Anesthesiology"]["nucc_display"] == "Anesthesiology Physician"


def test_procedure_lists_related_procedures_and_conditions_with_names(api: TestClient) -> None:
    body = ok(api, "/v1/procedures/epidural-blood-patch")
    assert {"slug": "occipital-nerve-block", "name": "Occipital nerve block"} in body["related"]
    assert "post-dural-puncture-headache" in [c["slug"] for c in body["conditions"]]
    assert all(c["name"] for c in body["conditions"])


def test_unknown_procedure_is_a_404_naming_the_slug(api: TestClient) -> None:
    body = problem(api, "/v1/procedures/no-such-procedure", 404)
    assert "no-such-procedure" in body["detail"]
    assert "slug" in named_parameters(body)


def test_malformed_procedure_slug_is_422(api: TestClient) -> None:
    assert "slug" in named_parameters(problem(api, "/v1/procedures/Not_A_Slug", 422))


def test_condition_lists_its_procedures_in_order_with_names(api: TestClient) -> None:
    body = ok(api, "/v1/conditions/psoriasis")
    assert body["name"] == "Psoriasis"
    assert body["summary"]
    assert "plaque psoriasis" in body["aliases"]
    assert [p["slug"] for p in body["procedures"]] == ["phototherapy-psoriasis", "biologic-therapy-psoriasis",
                                                       "skin-biopsy"]
    assert all(p["name"] for p in body["procedures"])
    dermatology = next(s for s in body["specialties"] if s["name"] == "Dermatology")
    assert dermatology["nucc_code"] == "207N00000X"


def test_condition_procedures_keep_the_corpus_order(api: TestClient) -> None:
    body = ok(api, "/v1/conditions/post-dural-puncture-headache")
    assert body["procedures"][0] == {"slug": "epidural-blood-patch", "name": "Epidural blood patch"}


def test_unknown_condition_is_a_404_naming_the_slug(api: TestClient) -> None:
    body = problem(api, "/v1/conditions/no-such-condition", 404)
    assert "no-such-condition" in body["detail"]


# --- /v1/providers/{id} ------------------------------------------------------------------------------------


def test_provider_profile_is_returned_without_its_vector(api: TestClient) -> None:
    body = ok(api, "/v1/providers/prov-0000001")
    assert body["id"] == "prov-0000001"
    assert body["name"] == "Christopher Porter"
    assert body["fictional"] is True
    assert "vector" not in body
    assert body["clinic"]["location"]["lat"] == pytest.approx(41.122767)
    assert {"slug": "epidural-blood-patch", "name": "Epidural blood patch"} in body["procedures"]
    assert next(s for s in body["specialties"] if s["name"] == "Anesthesiology")["nucc_code"] == "207L00000X"


def test_unknown_provider_is_a_404_naming_the_id(api: TestClient) -> None:
    body = problem(api, "/v1/providers/prov-9999999", 404)
    assert "prov-9999999" in body["detail"]
    assert "id" in named_parameters(body)


def test_malformed_provider_id_is_422(api: TestClient) -> None:
    problem(api, "/v1/providers/X", 422)


# --- /v1/providers?procedure=|condition= -------------------------------------------------------------------


def test_providers_of_a_procedure_near_a_place(api: TestClient) -> None:
    body = ok(api, "/v1/providers", procedure="epidural-blood-patch", near="Serzhong")
    assert body["target"] == "procedure"
    assert body["label"] == "Epidural blood patch"
    assert body["widened"] is False
    assert len(body["providers"]) >= 3
    for p in body["providers"]:
        assert p["procedures"] == ["epidural-blood-patch"]
        assert p["fictional"] is True
        loc = p["clinic"]["location"]
        assert haversine_km(*SERZHONG, loc["lat"], loc["lon"]) <= 25.0 + 1e-6


def test_providers_for_a_condition_are_filtered_to_its_specialties(api: TestClient) -> None:
    body = ok(api, "/v1/providers", condition="post-dural-puncture-headache", lat=SERZHONG[0], lon=SERZHONG[1],
              radius_km=50)
    condition = ok(api, "/v1/conditions/post-dural-puncture-headache")
    specialties = {s["name"] for s in condition["specialties"]}
    assert set(body["specialties"]) == specialties
    assert body["providers"]
    for p in body["providers"]:
        assert specialties & set(p["specialties"])
        assert set(p["procedures"]) <= {c["slug"] for c in condition["procedures"]}
        assert p["procedures"]


def test_providers_widen_the_radius_honestly_when_nobody_is_near(api: TestClient) -> None:
    body = ok(api, "/v1/providers", procedure="epidural-blood-patch", lat=EAST_OF_SERZHONG[0],
              lon=EAST_OF_SERZHONG[1], radius_km=25)
    assert body["widened"] is True
    assert body["radius_km"] > 25
    assert body["requested_radius_km"] == 25
    assert re.fullmatch(r"No Epidural blood patch providers within 25 km; (widened the search to \d+ km|showing the "
                        r"nearest ones) \(nearest \d+ km away\)\.", body["notice"]), body["notice"]
    assert body["providers"]
    assert all(p["distance_km"] <= body["radius_km"] for p in body["providers"])


def test_providers_respect_size(api: TestClient) -> None:
    body = ok(api, "/v1/providers", procedure="epidural-blood-patch", near="Austin", size=2)
    assert len(body["providers"]) == 2
    assert body["total_providers"] >= 2


def test_providers_need_a_procedure_or_a_condition(api: TestClient) -> None:
    body = problem(api, "/v1/providers", 400, near="Serzhong")
    assert "procedure" in named_parameters(body)


def test_providers_refuse_both_a_procedure_and_a_condition(api: TestClient) -> None:
    body = problem(api, "/v1/providers", 400, procedure="epidural-blood-patch",
                   condition="post-dural-puncture-headache", near="Serzhong")
    assert named_parameters(body) == {"procedure", "condition"}


def test_providers_of_an_unknown_procedure_is_400_naming_it(api: TestClient) -> None:
    body = problem(api, "/v1/providers", 400, procedure="no-such-thing", near="Serzhong")
    assert "procedure" in named_parameters(body)
    assert "no-such-thing" in body["detail"]


def test_providers_of_an_unknown_condition_is_400_naming_it(api: TestClient) -> None:
    assert "condition" in named_parameters(problem(api, "/v1/providers", 400, condition="nope", near="Serzhong"))


def test_providers_need_a_location(api: TestClient) -> None:
    assert "near" in named_parameters(problem(api, "/v1/providers", 400, procedure="epidural-blood-patch"))


def test_providers_need_both_coordinates(api: TestClient) -> None:
    body = problem(api, "/v1/providers", 400, procedure="epidural-blood-patch", lat=41.2)
    assert "lon" in named_parameters(body)


def test_providers_radius_out_of_range_is_422_naming_it(api: TestClient) -> None:
    body = problem(api, "/v1/providers", 422, procedure="epidural-blood-patch", near="Serzhong", radius_km=500)
    assert "radius_km" in named_parameters(body)
