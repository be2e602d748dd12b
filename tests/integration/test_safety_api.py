"""Safety and honest scope through the API, on the real node: emergencies in lay words get the warning
first (with the right help lines), near-misses do not, and a query nothing we cover fits says so.

The phrasings here are written for these tests (not taken from the training files or any held-out set)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

EMERGENCIES = {  # one per triage group: (query, the help line that must come first)
    "neurological": ("my mum's face suddenly droops on the left and she can't lift her arm", "call-911"),
    "cardiorespiratory": ("crushing pressure in my chest going down my left arm and im sweating buckets", "call-911"),
    "mental-health": ("i have pills saved up and i am going to take them all tonight to end it", "call-911"),
    "poisoning": ("my 2 year old swallowed one of those little round watch batteries", "call-911"),
    "obstetric": ("positive pregnancy test, stabbing pain low on one side and i nearly fainted", "call-911"),
    "abdominal-urological": ("14 year old son woke up screaming with pain in his testicle and is vomiting",
                             "call-911"),
    "metabolic": ("type 1 diabetic, meter just says HI, breathing fast and throwing up", "call-911"),
    "pediatric": ("my 6 week old baby has a fever of 101 and won't feed", "call-911"),
    "sepsis": ("dad has a fever, is confused, breathing really fast and his skin looks blotchy", "call-911"),
    "eye": ("splashed drain cleaner in my eye and it burns", "call-911"),
}
NEAR_MISSES = [
    "mild headache after staring at spreadsheets all day",
    "sore ribs after moving furniture, hurts when i press on them",
    "got a little dizzy for a second when i stood up too fast",
    "headache worse when upright",
]
OUT_OF_SCOPE = ["cheap flights to denver", "best pizza near me", "asdfghjkl"]
PRIMARY_CARE = ["where can i get a flu shot", "need antibiotics for a uti"]


def search(api: TestClient, q: str) -> dict:
    response = api.get("/v1/search", params={"q": q, "near": "Boston"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("group", sorted(EMERGENCIES))
def test_an_emergency_in_lay_words_gets_the_warning_and_no_clinics(api: TestClient, group: str) -> None:
    query, first_line = EMERGENCIES[group]
    body = search(api, query)
    urgent = body["urgent"]
    assert urgent is not None, query
    assert urgent["level"] == "emergency", urgent
    assert urgent["help"][0]["kind"] == first_line, urgent["help"]
    assert body["providers"] == [] and "emergency care now" in body["notice"]


def test_a_suicidal_crisis_offers_988_to_call_or_text_and_911(api: TestClient) -> None:
    urgent = search(api, EMERGENCIES["mental-health"][0])["urgent"]
    lines = {line["kind"]: line for line in urgent["help"]}
    assert lines["lifeline-988"]["tel"] == "988" and lines["lifeline-988"]["sms"] == "988"
    assert "call-911" in lines


@pytest.mark.parametrize("query", ["my 7 week old is 38.4 and fussy", "2 month old baby temp 100.8"])
def test_a_temperature_in_a_baby_under_3_months_is_an_emergency_in_either_unit(api: TestClient, query: str) -> None:
    urgent = search(api, query)["urgent"]
    assert urgent is not None and (urgent["red_flag"], urgent["level"]) == ("infant-fever", "emergency"), urgent


@pytest.mark.parametrize("query", NEAR_MISSES)
def test_a_near_miss_raises_no_warning(api: TestClient, query: str) -> None:
    body = search(api, query)
    assert body.get("urgent") is None, (query, body.get("urgent"))


@pytest.mark.parametrize("query", OUT_OF_SCOPE)
def test_nothing_we_cover_matches_says_so_and_lists_nobody(api: TestClient, query: str) -> None:
    body = search(api, query)
    assert body["interpretation"]["confidence"] == "none", query
    assert body["interpretation"]["procedures"] == []
    assert body["providers"] == []
    assert body["notice"].startswith("Nothing we cover matches this search")


@pytest.mark.parametrize("query", PRIMARY_CARE)
def test_a_primary_care_need_lists_primary_care_clinicians_labelled_as_such(api: TestClient, query: str) -> None:
    body = search(api, query)
    interpretation = body["interpretation"]
    assert (interpretation["confidence"], interpretation["scope"]) == ("none", "primary_care"), query
    assert interpretation["procedures"] == []
    assert "primary-care clinician" in body["notice"]
    for provider in body["providers"]:
        assert provider["procedures"] == [] and not provider["why"].startswith("Performs")
        assert {"Family Medicine", "Internal Medicine", "Pediatrics"} & set(provider["specialties"])


def test_a_clear_symptom_is_answered_with_high_confidence(api: TestClient) -> None:
    body = search(api, "my head pounds when I stand up and eases off when I lie flat")
    assert body["interpretation"]["confidence"] == "high"
    assert body["interpretation"]["procedures"][0]["slug"] == "epidural-blood-patch"


def test_a_named_procedure_is_high_confidence_whatever_the_classifier(api: TestClient) -> None:
    assert search(api, "epidural blood patch")["interpretation"]["confidence"] == "high"


@pytest.mark.parametrize(("query", "slug"), [("SGB shot for ptsd veteran", "stellate-ganglion-block"),
                                             ("EEG appointment next week", "electroencephalogram")])
def test_a_procedure_named_in_a_sentence_is_never_abstained(api: TestClient, query: str, slug: str) -> None:
    interpretation = search(api, query)["interpretation"]
    assert interpretation["confidence"] != "none", query
    assert interpretation["procedures"][0]["slug"] == slug


def test_every_level_of_confidence_occurs_and_low_says_possible(api: TestClient) -> None:
    seen = {}
    for query in ["knee grinding going up stairs", "tired all the time and achy", "cheap flights to denver",
                  "my back feels weird sometimes", "skin thing on my arm", "eyes feel off lately"]:
        body = search(api, query)
        seen.setdefault(body["interpretation"]["confidence"], body)
    assert {"high", "none"} <= set(seen)
    if "low" in seen:
        assert seen["low"]["notice"].startswith("Possible matches only")
        assert seen["low"]["interpretation"]["procedures"]
