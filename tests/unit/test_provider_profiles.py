"""Provider profiles (the text each vector is computed from) and the bulk lines the indexer sends."""

from __future__ import annotations

import json

from caremap.corpus.schemas import Provider
from caremap.index_contract import ProviderDoc
from indexer.documents import ProfileVocabulary, provider_profile
from indexer.provider_load import bulk_lines

VOCABULARY = ProfileVocabulary(
    procedure_names={"epidural-blood-patch": "Epidural blood patch", "occipital-nerve-block": "Occipital nerve block"},
    conditions={"epidural-blood-patch": ("Spontaneous intracranial hypotension", "Post-dural puncture headache"),
                "occipital-nerve-block": ("Occipital neuralgia",)},
)


def provider(**overrides: object) -> Provider:
    record: dict = {
        "id": "prov-0000001", "fictional": True, "name": "Ada Example", "specialties": ["Anesthesiology"],
        "procedures": ["epidural-blood-patch", "occipital-nerve-block"], "focus": "epidural-blood-patch",
        "clinic": {"name": "Example Pain Center", "address": {"street": "1 Main Street", "city": "Serzhong",
                                                              "region": "NE", "postal_code": "68825"},
                   "location": {"lat": 41.1, "lon": -100.1}},
        "bio": "Ada Example is an anesthesiologist. This is a fictional profile.",
    }
    record.update(overrides)
    return Provider.model_validate(record)


def test_a_profile_says_what_the_clinician_focuses_on_performs_and_treats() -> None:
    text = provider_profile(provider(), VOCABULARY)
    assert text == ("Anesthesiology. Focus: Epidural blood patch. Performs: Epidural blood patch, Occipital nerve "
                    "block. Treats: Spontaneous intracranial hypotension, Post-dural puncture headache, "
                    "Occipital neuralgia.")


def test_names_clinics_and_bios_stay_out_so_that_the_same_practice_shares_one_text() -> None:
    one = provider()
    other = provider(id="prov-0000002", name="Bo Other", bio="Bo is a fictional clinician.",
                     clinic={**one.clinic.model_dump(), "name": "Elsewhere Clinic"})
    assert provider_profile(one, VOCABULARY) == provider_profile(other, VOCABULARY)
    assert provider_profile(provider(focus="occipital-nerve-block"), VOCABULARY) != provider_profile(one, VOCABULARY)


def test_a_provider_without_procedures_or_focus_still_has_a_profile() -> None:
    text = provider_profile(provider(procedures=[], focus=None), VOCABULARY)
    assert text == "Anesthesiology. Performs: consultations."


def test_a_bulk_line_is_an_index_action_and_a_document_of_the_index_contract() -> None:
    one = provider()
    text = provider_profile(one, VOCABULARY)
    vector = b"[-0.5,-0.25,0.25,0.5]"
    (line,) = bulk_lines([one], vectors={text: vector}, vocabulary=VOCABULARY,
                         specialty_codes={"Anesthesiology": "207L00000X"})
    action, document, end = line.split(b"\n")
    assert json.loads(action) == {"index": {"_id": "prov-0000001"}}
    assert end == b""
    doc = ProviderDoc.model_validate_json(document)  # the contract forbids unknown fields
    assert doc.specialty_codes == ["207L00000X"]
    assert doc.vector == [-0.5, -0.25, 0.25, 0.5]
    assert doc.focus == "epidural-blood-patch"
    assert doc.billed == []  # a fictional record bills nothing
    assert (doc.model_dump(exclude={"specialty_codes", "vector", "billed"})
            == one.model_dump(mode="json", exclude={"specialty_codes"}))
