"""Typeahead (/v1/suggest) through the HTTP app: typed suggestions for what has been typed so far."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.es


def suggest(api: TestClient, q: str, **params: object) -> list[dict[str, Any]]:
    response = api.get("/v1/suggest", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"] == q
    suggestions: list[dict[str, Any]] = body["suggestions"]
    return suggestions


def find(suggestions: list[dict[str, Any]], type_: str, value: str) -> dict[str, Any] | None:
    return next((s for s in suggestions if s["type"] == type_ and s["value"] == value), None)


def test_prefix_suggests_the_procedure_with_its_slug(api: TestClient) -> None:
    item = find(suggest(api, "epid"), "procedure", "epidural-blood-patch")
    assert item is not None
    assert item["label"] == "Epidural blood patch"
    assert item["slug"] == "epidural-blood-patch"


def test_prefix_suggests_the_specialty_by_its_name(api: TestClient) -> None:
    suggestions = suggest(api, "derm")
    assert suggestions[0] == {"type": "specialty", "label": "Dermatology", "value": "Dermatology"}


def test_lay_specialty_name_suggests_the_specialty_and_says_what_matched(api: TestClient) -> None:
    item = find(suggest(api, "ENT"), "specialty", "Otolaryngology")
    assert item is not None
    assert item["matched"] == "ENT"


def test_prefix_suggests_the_condition(api: TestClient) -> None:
    suggestions = suggest(api, "psor")
    assert suggestions[0]["type"] == "condition"
    assert suggestions[0]["slug"] == "psoriasis"


def test_abbreviation_suggests_the_procedure(api: TestClient) -> None:
    item = find(suggest(api, "EGD"), "procedure", "upper-endoscopy")
    assert item is not None


def test_word_inside_a_name_is_matched(api: TestClient) -> None:
    assert find(suggest(api, "blood pa"), "procedure", "epidural-blood-patch") is not None


def test_place_prefix_suggests_the_city_with_coordinates(api: TestClient) -> None:
    suggestions = suggest(api, "bost")
    boston = next(s for s in suggestions if s["type"] == "place" and s["label"] == "Boston, MA")
    assert boston["lat"] == pytest.approx(42.36, abs=0.05)
    assert boston["lon"] == pytest.approx(-71.06, abs=0.05)
    assert boston["id"] == boston["value"]
    assert boston["id"].startswith("geonames:")
    assert suggestions[0] == boston  # nothing medical starts with "bost"


def test_typo_still_suggests_the_procedure(api: TestClient) -> None:
    assert find(suggest(api, "colonscop"), "procedure", "colonoscopy") is not None


def test_typo_inside_a_word_the_corpus_never_misspells(api: TestClient) -> None:
    assert find(suggest(api, "epidurl"), "procedure", "epidural-blood-patch") is not None


def test_digits_suggest_zip_codes_only(api: TestClient) -> None:
    suggestions = suggest(api, "021")
    assert suggestions
    assert all(s["type"] == "place" and s["id"].startswith("zip:021") for s in suggestions)
    assert all(s["lat"] is not None and s["lon"] is not None for s in suggestions)


def test_patient_phrase_is_suggested_as_a_symptom(api: TestClient) -> None:
    symptoms = [s for s in suggest(api, "my head pounds") if s["type"] == "symptom"]
    assert symptoms
    assert all(s["value"].lower().startswith("my head pounds") for s in symptoms)


def test_names_rank_before_symptoms(api: TestClient) -> None:
    types = [s["type"] for s in suggest(api, "psor", limit=20)]
    assert "symptom" in types
    first_symptom = types.index("symptom")
    assert "condition" not in types[first_symptom:] and "procedure" not in types[first_symptom:]


def test_labels_are_never_repeated(api: TestClient) -> None:
    for q in ("epid", "knee", "head", "derm", "ca"):
        labels = [s["label"].casefold() for s in suggest(api, q, limit=20)]
        assert len(labels) == len(set(labels)), q


def test_limit_caps_the_suggestions(api: TestClient) -> None:
    assert len(suggest(api, "knee", limit=3)) == 3


def test_nothing_matches_gibberish(api: TestClient) -> None:
    assert suggest(api, "zzqxvw") == []


def test_empty_query_is_422_naming_q(api: TestClient) -> None:
    response = api.get("/v1/suggest", params={"q": ""})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "q" in {e["parameter"] for e in response.json()["errors"]}


def test_limit_out_of_range_is_422_naming_limit(api: TestClient) -> None:
    response = api.get("/v1/suggest", params={"q": "knee", "limit": 21})
    assert response.status_code == 422
    assert "limit" in {e["parameter"] for e in response.json()["errors"]}


def test_query_too_long_is_422(api: TestClient) -> None:
    response = api.get("/v1/suggest", params={"q": "k" * 101})
    assert response.status_code == 422


def test_typed_words_in_another_order_or_apart_still_find_a_patients_phrase(api: TestClient) -> None:
    suggestions = suggest(api, "headache worse when up")
    assert suggestions, "a long symptom description should still get suggestions"
    for item in suggestions:
        words = item["label"].lower()
        assert "headache" in words and "worse" in words
    assert any(s["type"] == "symptom" for s in suggestions)
    reordered = suggest(api, "stairs kne")
    assert any("stairs" in s["label"].lower() and "knee" in s["label"].lower() for s in reordered)

