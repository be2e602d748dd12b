"""The fictional provider generator, and the guarantees the committed sample makes to the demo searches."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml

from caremap.corpus.load import iter_providers, load_catalog
from caremap.corpus.providers_gen import generate_providers, sample_providers, write_jsonl
from caremap.corpus.schemas import CatalogEntry, Place, Provider, Specialty
from caremap.places import Gazetteer, haversine_km

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SAMPLE = CORPUS / "providers" / "sample.jsonl"
BLOOD_PATCH = "epidural-blood-patch"
SERZHONG = (41.2, -100.2)
MARROW_CREEK = (41.63, -100.65)
CITY_CENTRES = {
    "Boston, MA": (42.35843, -71.05977),
    "Denver, CO": (39.73915, -104.9847),
    "Austin, TX": (30.26715, -97.74306),
    "Chicago, IL": (41.85003, -87.65005),
    "Seattle, WA": (47.60621, -122.33207),
}
DENTAL = {"General Dentistry", "Endodontics", "Periodontics", "Oral and Maxillofacial Surgery"}


@pytest.fixture(scope="module")
def catalog() -> list[CatalogEntry]:
    return load_catalog(CORPUS / "catalog.tsv")


@pytest.fixture(scope="module")
def specialties() -> list[Specialty]:
    return [
        Specialty.model_validate(item) for item in yaml.safe_load((CORPUS / "specialties.yaml").read_text())
    ]


@pytest.fixture(scope="module")
def places() -> list[Place]:
    return [Place.model_validate(item) for item in yaml.safe_load((CORPUS / "places.yaml").read_text())]


@pytest.fixture(scope="module")
def gazetteer(places: list[Place]) -> Gazetteer:
    return Gazetteer.load(places)


@pytest.fixture(scope="module")
def generated(
    catalog: list[CatalogEntry], specialties: list[Specialty], gazetteer: Gazetteer
) -> list[Provider]:
    return list(
        generate_providers(
            count=20_000, seed=3, catalog=catalog, specialties=specialties, gazetteer=gazetteer
        )
    )


@pytest.fixture(scope="module")
def sample() -> list[Provider]:
    return list(iter_providers(SAMPLE))


def allowed_procedures(catalog: Iterable[CatalogEntry], specialties: Iterable[str]) -> set[str]:
    wanted = set(specialties)
    return {e.slug for e in catalog if wanted & set(e.specialties)}


def distance_km(provider: Provider, point: tuple[float, float]) -> float:
    return haversine_km(point[0], point[1], provider.clinic.location.lat, provider.clinic.location.lon)


def performers(providers: Iterable[Provider], slug: str) -> list[Provider]:
    return [p for p in providers if slug in p.procedures]


# --- the generator -----------------------------------------------------------------------------------


def test_the_same_seed_gives_identical_records(
    catalog: list[CatalogEntry], specialties: list[Specialty], gazetteer: Gazetteer
) -> None:
    def first_200(seed: int) -> list[str]:
        records = generate_providers(
            count=200, seed=seed, catalog=catalog, specialties=specialties, gazetteer=gazetteer
        )
        return [r.model_dump_json() for r in records]

    assert first_200(11) == first_200(11)
    assert first_200(11) != first_200(12)


def test_records_are_streamed_lazily(
    catalog: list[CatalogEntry], specialties: list[Specialty], gazetteer: Gazetteer
) -> None:
    records = generate_providers(
        count=10**9, seed=1, catalog=catalog, specialties=specialties, gazetteer=gazetteer
    )
    assert len(list(itertools.islice(records, 3))) == 3


def test_ids_count_up_with_the_prefix(
    catalog: list[CatalogEntry], specialties: list[Specialty], gazetteer: Gazetteer
) -> None:
    records = generate_providers(
        count=3, seed=1, catalog=catalog, specialties=specialties, gazetteer=gazetteer, id_prefix="bench"
    )
    assert [r.id for r in records] == ["bench-0000001", "bench-0000002", "bench-0000003"]


def test_every_generated_record_is_fictional_and_says_so(generated: list[Provider]) -> None:
    assert all(p.fictional for p in generated)
    assert all("fictional" in p.bio for p in generated)


def test_procedures_are_only_those_of_the_provider_specialties(
    generated: list[Provider], catalog: list[CatalogEntry]
) -> None:
    for provider in generated:
        allowed = allowed_procedures(catalog, provider.specialties)
        assert set(provider.procedures) <= allowed, provider.id
        if allowed:
            assert provider.procedures, f"{provider.id} ({provider.specialties}) does nothing it could"


def test_most_providers_with_a_wide_choice_do_three_to_eight_procedures(
    generated: list[Provider], catalog: list[CatalogEntry]
) -> None:
    wide = [p for p in generated if len(allowed_procedures(catalog, p.specialties)) >= 8]
    typical = [p for p in wide if 3 <= len(p.procedures) <= 8]
    assert len(typical) >= 0.8 * len(wide)


def test_a_dermatologist_never_does_a_blood_patch(generated: list[Provider]) -> None:
    dermatologists = [p for p in generated if set(p.specialties) <= {"Dermatology", "Mohs Surgery"}]
    assert dermatologists
    assert not performers(dermatologists, BLOOD_PATCH)


def test_specialty_names_come_from_the_specialties_file(
    generated: list[Provider], specialties: list[Specialty]
) -> None:
    names = {s.name for s in specialties}
    assert all(set(p.specialties) <= names and 1 <= len(p.specialties) <= 2 for p in generated)


def test_every_catalogue_specialty_appears_and_primary_care_dominates(
    generated: list[Provider], catalog: list[CatalogEntry]
) -> None:
    counts = Counter(s for p in generated for s in p.specialties)
    assert {s for e in catalog for s in e.specialties} <= set(counts)
    assert counts["Family Medicine"] > 10 * counts["Mohs Surgery"]
    assert counts["Internal Medicine"] > 10 * counts["Neuroradiology"]


@pytest.mark.parametrize(
    ("specialty", "degrees"),
    [
        ("Podiatry", {("DPM",)}),
        ("Audiology", {("AuD",)}),
        ("Physical Therapy", {("PT",), ("DPT",)}),
        ("General Dentistry", {("DDS",), ("DMD",)}),
        ("Dermatology", {("MD",), ("DO",), ("MD", "PhD")}),
    ],
)
def test_credentials_fit_the_specialty(
    generated: list[Provider], specialty: str, degrees: set[tuple[str, ...]]
) -> None:
    found = {p.credentials for p in generated if p.specialties[0] == specialty}
    assert found and found <= degrees


def test_dental_specialists_are_dentists(generated: list[Provider]) -> None:
    dentists = [p for p in generated if p.specialties[0] in DENTAL]
    assert dentists and all(p.credentials in {("DDS",), ("DMD",)} for p in dentists)


def test_profile_fields_have_realistic_spreads(generated: list[Provider]) -> None:
    n = len(generated)
    assert 0.70 < sum(p.accepting_new_patients for p in generated) / n < 0.80
    assert 0.28 < sum(p.telehealth for p in generated) / n < 0.42
    spanish = sum("Spanish" in p.languages for p in generated) / n
    assert all(p.languages[0] == "English" for p in generated) and 0.1 < spanish < 0.3
    assert all(3 <= len(p.insurance_networks) <= 8 for p in generated)
    assert all(1 <= p.years_in_practice <= 40 for p in generated)
    rated = [p.rating for p in generated if p.rating is not None]
    assert 0.9 < len(rated) / n < 1.0
    assert sum(3.8 <= r <= 5.0 for r in rated) / len(rated) > 0.85


def test_surgeons_offer_telehealth_less_often(generated: list[Provider]) -> None:
    def rate(providers: list[Provider]) -> float:
        return sum(p.telehealth for p in providers) / len(providers)

    surgeons = [p for p in generated if "Surgery" in p.specialties[0]]
    others = [p for p in generated if "Surgery" not in p.specialties[0]]
    assert rate(surgeons) < rate(others) / 2


def test_clinics_have_street_addresses_with_real_zips_near_them(
    generated: list[Provider], gazetteer: Gazetteer
) -> None:
    for provider in generated[:500]:
        address = provider.clinic.address
        assert re.match(r"^\d+ \S", address.street)
        zip_area = gazetteer.lookup_zip(address.postal_code)
        assert zip_area is not None, address.postal_code
        assert distance_km(provider, (zip_area.lat, zip_area.lon)) < 60


def test_phone_numbers_use_the_range_reserved_for_fiction(generated: list[Provider]) -> None:
    assert all(re.fullmatch(r"\(\d{3}\) 555-01\d\d", p.clinic.phone or "") for p in generated)


def test_write_jsonl_writes_one_record_per_line_and_no_leftovers(
    generated: list[Provider], tmp_path: Path
) -> None:
    path = tmp_path / "out" / "providers.jsonl"
    assert write_jsonl(generated[:50], path) == 50
    assert list(iter_providers(path)) == generated[:50]
    assert [p.name for p in path.parent.iterdir()] == ["providers.jsonl"]


def test_write_jsonl_leaves_the_old_file_when_generation_fails(
    tmp_path: Path, generated: list[Provider]
) -> None:
    path = tmp_path / "providers.jsonl"
    write_jsonl(generated[:2], path)
    before = path.read_bytes()

    def broken() -> Iterable[Provider]:
        yield generated[0]
        raise RuntimeError("generator failed")

    with pytest.raises(RuntimeError):
        write_jsonl(broken(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["providers.jsonl"]


def test_the_sample_generator_is_deterministic(
    catalog: list[CatalogEntry], specialties: list[Specialty], gazetteer: Gazetteer, places: list[Place]
) -> None:
    def first_200() -> list[str]:
        records = sample_providers(
            catalog=catalog, specialties=specialties, gazetteer=gazetteer, corpus_places=places
        )
        return [r.model_dump_json() for r in itertools.islice(records, 200)]

    assert first_200() == first_200()


# --- the committed sample ----------------------------------------------------------------------------


def test_the_sample_has_about_three_thousand_fictional_records_with_sequential_ids(
    sample: list[Provider],
) -> None:
    assert 2800 <= len(sample) <= 3200
    assert [p.id for p in sample] == [f"prov-{n:07d}" for n in range(1, len(sample) + 1)]
    assert all(p.fictional for p in sample)


def test_sample_procedures_are_only_those_of_the_provider_specialties(
    sample: list[Provider], catalog: list[CatalogEntry], specialties: list[Specialty]
) -> None:
    names = {s.name for s in specialties}
    for provider in sample:
        assert set(provider.specialties) <= names
        assert set(provider.procedures) <= allowed_procedures(catalog, provider.specialties), provider.id


def test_serzhong_has_about_150_providers_covering_every_procedure_twice(
    sample: list[Provider], catalog: list[CatalogEntry]
) -> None:
    nearby = [p for p in sample if distance_km(p, SERZHONG) <= 20]
    assert 130 <= len(nearby) <= 180
    counts = Counter(slug for p in nearby for slug in p.procedures)
    assert [e.slug for e in catalog if counts[e.slug] < 2] == []


def test_serzhong_has_blood_patch_performers_near_and_a_little_farther_out(
    sample: list[Provider], catalog: list[CatalogEntry]
) -> None:
    allowed = set(next(e.specialties for e in catalog if e.slug == BLOOD_PATCH))
    doing = performers(sample, BLOOD_PATCH)
    assert all(allowed & set(p.specialties) for p in doing)
    assert len([p for p in doing if distance_km(p, SERZHONG) <= 25]) >= 5
    assert len([p for p in doing if 30 <= distance_km(p, SERZHONG) <= 60]) >= 2


def test_serzhong_has_dermatologists_treating_psoriasis(sample: list[Provider]) -> None:
    psoriasis = {"phototherapy-psoriasis", "biologic-therapy-psoriasis"}
    found = [
        p
        for p in sample
        if "Dermatology" in p.specialties and psoriasis & set(p.procedures) and distance_km(p, SERZHONG) <= 25
    ]
    assert len(found) >= 4


def test_marrow_creek_has_providers_but_no_blood_patch_so_a_search_must_widen(sample: list[Provider]) -> None:
    assert haversine_km(*SERZHONG, *MARROW_CREEK) == pytest.approx(61, abs=1)
    nearby = [p for p in sample if distance_km(p, MARROW_CREEK) <= 15]
    assert 25 <= len(nearby) <= 40
    assert not performers(nearby, BLOOD_PATCH)
    nearest = min(distance_km(p, MARROW_CREEK) for p in performers(sample, BLOOD_PATCH))
    assert 30 < nearest < 70


@pytest.mark.parametrize("city", list(CITY_CENTRES))
def test_each_sample_city_has_every_procedure_twice_within_25_km(
    sample: list[Provider], catalog: list[CatalogEntry], city: str
) -> None:
    centre = CITY_CENTRES[city]
    metro = [p for p in sample if distance_km(p, centre) <= 32]
    assert 500 <= len(metro) <= 600
    counts = Counter(slug for p in metro if distance_km(p, centre) <= 25 for slug in p.procedures)
    assert [e.slug for e in catalog if counts[e.slug] < 2] == []


def test_every_specialty_appears_in_the_sample(sample: list[Provider], specialties: list[Specialty]) -> None:
    present = {s for p in sample for s in p.specialties}
    assert {s.name for s in specialties} <= present
