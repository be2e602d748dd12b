"""The why line and explanation of a provider by evidence: billed (with volume), inferred, or the fictional
sample's listed procedures. "Performs" is never said of an inferred procedure."""

from __future__ import annotations

from typing import Any

import pytest

from api.provider_wording import VOLUME_CAVEAT, plural, provider_wording

NAMES = {"epidural-blood-patch": "Epidural blood patch", "occipital-nerve-block": "Occipital nerve block",
         "colonoscopy": "Colonoscopy", "turp": "TURP"}


def real(evidence: dict[str, dict[str, Any]], *, year: int | None = 2023, **extra: Any) -> dict[str, Any]:
    return {"fictional": False, "specialties": ["Anesthesiology", "Pain Medicine"], "procedures": list(evidence),
            "procedure_evidence": evidence, "provenance": {"utilization_year": year}, **extra}


def billed(volume: float, year: int = 2023) -> dict[str, Any]:
    return {"source": "billed", "volume": volume, "year": year, "codes": ["62273"]}


def test_a_billed_procedure_is_worded_with_its_medicare_volume_and_year() -> None:
    wording = provider_wording(real({"epidural-blood-patch": billed(34.0)}), ["epidural-blood-patch"], NAMES, 3.24)
    assert wording.why == "Billed Medicare for 34 epidural blood patches in 2023; 3.2 km away"
    assert wording.volume_caveat == VOLUME_CAVEAT
    assert "fewer than 11" in VOLUME_CAVEAT and "fee-for-service" in VOLUME_CAVEAT


def test_an_inferred_procedure_is_never_worded_as_performed() -> None:
    source = real({"epidural-blood-patch": {"source": "inferred"}})
    wording = provider_wording(source, ["epidural-blood-patch"], NAMES, 8.0)
    assert "perform" not in wording.why.lower() and "billed" not in wording.why.lower()
    assert wording.why == ("Anesthesiology, a specialty that offers epidural blood patch "
                           "(no published Medicare claims for it in 2023); 8.0 km away")
    assert wording.volume_caveat is None


def test_without_utilization_data_the_inferred_line_claims_nothing_about_claims() -> None:
    source = real({"epidural-blood-patch": {"source": "inferred"}}, year=None)
    assert provider_wording(source, ["epidural-blood-patch"], NAMES, 1.0).why == (
        "Anesthesiology, a specialty that offers epidural blood patch; 1.0 km away")


def test_billed_and_inferred_procedures_are_worded_apart() -> None:
    source = real({"epidural-blood-patch": billed(34), "occipital-nerve-block": {"source": "inferred"}})
    wording = provider_wording(source, ["epidural-blood-patch", "occipital-nerve-block"], NAMES, 2.0)
    assert wording.why.startswith("Billed Medicare for 34 epidural blood patches in 2023; Anesthesiology, a "
                                  "specialty that offers occipital nerve block")
    assert [(c.slug, c.evidence, c.volume) for c in wording.claims] == [
        ("epidural-blood-patch", "billed", 34.0), ("occipital-nerve-block", "inferred", None)]


def test_several_billed_procedures_share_one_sentence() -> None:
    source = real({"colonoscopy": billed(1250.0), "turp": billed(12.0)})
    assert provider_wording(source, ["colonoscopy", "turp"], NAMES, 5.0).why.startswith(
        "Billed Medicare for 1,250 colonoscopies and 12 TURPs in 2023;")


def test_only_the_chosen_procedures_are_mentioned() -> None:
    source = real({"epidural-blood-patch": billed(34), "occipital-nerve-block": billed(50)})
    wording = provider_wording(source, ["occipital-nerve-block"], NAMES, 2.0)
    assert "epidural" not in wording.why and "50 occipital nerve blocks" in wording.why


def test_the_fictional_sample_keeps_its_performs_wording_and_rating() -> None:
    source = {"fictional": True, "specialties": ["Anesthesiology"], "procedures": ["epidural-blood-patch"],
              "rating": 4.9, "review_count": 27}
    assert provider_wording(source, ["epidural-blood-patch"], NAMES, 4.0).why == (
        "Performs Epidural blood patch; 4.0 km away; rated 4.9 (27 reviews)")


def test_a_real_record_without_evidence_is_treated_as_inferred() -> None:
    source = {"fictional": False, "specialties": ["Anesthesiology"], "procedures": ["epidural-blood-patch"]}
    assert "perform" not in provider_wording(source, ["epidural-blood-patch"], NAMES, 4.0).why.lower()


def test_no_matched_procedure_falls_back_to_the_specialties() -> None:
    source = real({"epidural-blood-patch": billed(34)})
    assert provider_wording(source, ["colonoscopy"], NAMES, 4.0).why == "Anesthesiology, Pain Medicine; 4.0 km away"


def test_explain_components_carry_evidence_and_caveat() -> None:
    source = real({"epidural-blood-patch": billed(34)})
    parts = provider_wording(source, ["epidural-blood-patch"], NAMES, 4.0).explain_components()
    assert parts["procedure_evidence"][0] == {"slug": "epidural-blood-patch", "name": "Epidural blood patch",
                                              "evidence": "billed", "volume": 34.0, "year": 2023,
                                              "codes": ("62273",)}
    assert parts["volume_caveat"] == VOLUME_CAVEAT


@pytest.mark.parametrize(("name", "shown"), [
    ("Epidural blood patch", "epidural blood patches"), ("Colonoscopy", "colonoscopies"),
    ("Total knee replacement", "total knee replacements"), ("Sleep study", "sleep studies"),
    ("Botulinum toxin injections for chronic migraine", "botulinum toxin injections for chronic migraine"),
    ("ACL reconstruction", "ACL reconstructions"),
])
def test_procedure_names_are_pluralised_for_counts(name: str, shown: str) -> None:
    assert plural(name) == shown
