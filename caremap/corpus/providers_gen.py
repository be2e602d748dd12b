"""A deterministic, seeded generator of clearly fictional provider profiles, streamed one record at a time.

Every record says ``fictional: true``. Names and streets come from Faker (seeded), places and ZIP codes are
real, plan names are invented, phone numbers use the 555-01xx range reserved for fiction.

    python -m caremap.corpus.providers_gen sample                 # rewrite corpus/providers/sample.jsonl
    python -m caremap.corpus.providers_gen generate --count 1000000 --out /tmp/gen.jsonl
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import os
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from faker import Faker

from caremap.corpus.load import _load_yaml_records, load_catalog
from caremap.corpus.schemas import Address, CatalogEntry, Clinic, GeoPoint, Place, Provider, Specialty
from caremap.places import Gazetteer, PlaceMatch

Gender = Literal["female", "male", "nonbinary"]

# --- who practises what ------------------------------------------------------------------------------

#: Relative frequency as a primary specialty, roughly the US workforce in thousands; non-physicians are
#: scaled down so that a medical search stays mostly about physicians. Unlisted specialties get the default.
SPECIALTY_WEIGHTS: Mapping[str, float] = {
    "Internal Medicine": 120,
    "Family Medicine": 118,
    "Pediatrics": 60,
    "Emergency Medicine": 45,
    "Obstetrics and Gynecology": 42,
    "Anesthesiology": 40,
    "General Dentistry": 40,
    "Psychiatry": 38,
    "Physical Therapy": 35,
    "Diagnostic Radiology": 26,
    "General Surgery": 25,
    "Cardiovascular Disease": 22,
    "Orthopaedic Surgery": 19,
    "Ophthalmology": 18,
    "Gastroenterology": 15,
    "Medical Oncology": 14,
    "Neurology": 14,
    "Pulmonary Disease": 12,
    "Dermatology": 12,
    "Nephrology": 10,
    "Urology": 10,
    "Podiatry": 10,
    "Otolaryngology": 9,
    "Physical Medicine and Rehabilitation": 9,
    "Endocrinology": 7,
    "Plastic Surgery": 7,
    "Rheumatology": 6,
    "Neurosurgery": 5.5,
    "Pain Medicine": 5,
    "Radiation Oncology": 5,
    "Audiology": 5,
    "Allergy and Immunology": 4.5,
    "Interventional Cardiology": 4.5,
    "Oral and Maxillofacial Surgery": 4,
    "Thoracic Surgery": 4,
    "Vascular Surgery": 3.5,
    "Interventional Radiology": 3.5,
    "Sports Medicine": 3,
    "Retina Specialist": 3,
    "Endodontics": 3,
    "Periodontics": 3,
    "Clinical Cardiac Electrophysiology": 2.5,
    "Colon and Rectal Surgery": 1.8,
    "Sleep Medicine": 1.5,
    "Hand Surgery": 1.5,
    "Breast Imaging": 1.5,
    "Surgical Oncology": 1.5,
    "Bariatric Surgery": 1.2,
    "Reproductive Endocrinology": 1.2,
    "Urogynecology": 1.0,
    "Nuclear Medicine": 0.9,
    "Neuroradiology": 0.6,
    "Headache Medicine": 0.5,
    "Pediatric Otolaryngology": 0.5,
    "Mohs Surgery": 0.4,
    "Endocrine Surgery": 0.4,
}
DEFAULT_SPECIALTY_WEIGHT = 2.0

#: Plausible second specialties (board certifications that go together), with their probability.
SECOND_SPECIALTIES: Mapping[str, tuple[tuple[str, float], ...]] = {
    "Anesthesiology": (("Pain Medicine", 0.12),),
    "Pain Medicine": (("Anesthesiology", 0.45), ("Physical Medicine and Rehabilitation", 0.2)),
    "Physical Medicine and Rehabilitation": (("Pain Medicine", 0.12), ("Sports Medicine", 0.08)),
    "Neurology": (("Headache Medicine", 0.05), ("Sleep Medicine", 0.04)),
    "Headache Medicine": (("Neurology", 0.8),),
    "Diagnostic Radiology": (
        ("Breast Imaging", 0.06),
        ("Neuroradiology", 0.03),
        ("Interventional Radiology", 0.03),
        ("Nuclear Medicine", 0.03),
    ),
    "Neuroradiology": (("Diagnostic Radiology", 0.6),),
    "Interventional Radiology": (("Diagnostic Radiology", 0.5),),
    "Breast Imaging": (("Diagnostic Radiology", 0.6),),
    "Nuclear Medicine": (("Diagnostic Radiology", 0.4),),
    "Dermatology": (("Mohs Surgery", 0.06),),
    "Mohs Surgery": (("Dermatology", 0.9),),
    "Ophthalmology": (("Retina Specialist", 0.06),),
    "Retina Specialist": (("Ophthalmology", 0.6),),
    "Otolaryngology": (("Pediatric Otolaryngology", 0.04), ("Sleep Medicine", 0.03)),
    "Pediatric Otolaryngology": (("Otolaryngology", 0.7),),
    "Orthopaedic Surgery": (("Sports Medicine", 0.12), ("Hand Surgery", 0.06)),
    "Sports Medicine": (
        ("Family Medicine", 0.35),
        ("Orthopaedic Surgery", 0.15),
        ("Physical Medicine and Rehabilitation", 0.1),
    ),
    "Hand Surgery": (("Orthopaedic Surgery", 0.6), ("Plastic Surgery", 0.25)),
    "Plastic Surgery": (("Hand Surgery", 0.05),),
    "Family Medicine": (("Sports Medicine", 0.03),),
    "Cardiovascular Disease": (
        ("Interventional Cardiology", 0.12),
        ("Clinical Cardiac Electrophysiology", 0.05),
    ),
    "Interventional Cardiology": (("Cardiovascular Disease", 0.7),),
    "Clinical Cardiac Electrophysiology": (("Cardiovascular Disease", 0.7),),
    "Pulmonary Disease": (("Sleep Medicine", 0.12),),
    "Sleep Medicine": (("Pulmonary Disease", 0.4), ("Neurology", 0.2)),
    "Obstetrics and Gynecology": (("Urogynecology", 0.03), ("Reproductive Endocrinology", 0.02)),
    "Urogynecology": (("Obstetrics and Gynecology", 0.6), ("Urology", 0.1)),
    "Reproductive Endocrinology": (("Obstetrics and Gynecology", 0.7),),
    "General Surgery": (
        ("Bariatric Surgery", 0.06),
        ("Surgical Oncology", 0.04),
        ("Colon and Rectal Surgery", 0.03),
        ("Endocrine Surgery", 0.02),
    ),
    "Bariatric Surgery": (("General Surgery", 0.8),),
    "Surgical Oncology": (("General Surgery", 0.6),),
    "Endocrine Surgery": (("General Surgery", 0.7), ("Otolaryngology", 0.1)),
    "Colon and Rectal Surgery": (("General Surgery", 0.5),),
    "Vascular Surgery": (("General Surgery", 0.1),),
    "Rheumatology": (("Internal Medicine", 0.15),),
    "Endocrinology": (("Internal Medicine", 0.15),),
    "Nephrology": (("Internal Medicine", 0.15),),
    "Gastroenterology": (("Internal Medicine", 0.1),),
    "Medical Oncology": (("Internal Medicine", 0.1),),
    "Allergy and Immunology": (("Pediatrics", 0.15), ("Internal Medicine", 0.1)),
}

Credentials = tuple[str, ...]
_PHYSICIAN: tuple[tuple[Credentials, float], ...] = ((("MD",), 0.86), (("DO",), 0.11), (("MD", "PhD"), 0.03))
_DENTIST: tuple[tuple[Credentials, float], ...] = ((("DDS",), 0.55), (("DMD",), 0.45))
#: Degrees by primary specialty; anything not listed is a physician (MD or DO).
CREDENTIALS: Mapping[str, tuple[tuple[Credentials, float], ...]] = {
    "Podiatry": ((("DPM",), 1.0),),
    "Audiology": ((("AuD",), 1.0),),
    "Physical Therapy": ((("DPT",), 0.7), (("PT",), 0.3)),
    "General Dentistry": _DENTIST,
    "Endodontics": _DENTIST,
    "Periodontics": _DENTIST,
    "Oral and Maxillofacial Surgery": _DENTIST,
    "Orthodontics": _DENTIST,
    "Pediatric Dentistry": _DENTIST,
    "Prosthodontics": _DENTIST,
}

#: What a practice of that specialty tends to call itself ("Kim Pain & Spine Center", "Austin Dermatology
#: Associates"); unlisted specialties use "<Specialty> Associates" and the like.
CLINIC_NOUNS: Mapping[str, tuple[str, ...]] = {
    "Pain Medicine": ("Pain & Spine Center", "Pain Management", "Spine & Pain Institute"),
    "Anesthesiology": ("Anesthesia & Pain Associates", "Pain & Spine Center", "Surgery Center"),
    "Physical Medicine and Rehabilitation": ("Spine & Rehabilitation", "Physical Medicine Associates"),
    "Dermatology": ("Dermatology Associates", "Skin & Laser Clinic", "Dermatology"),
    "Mohs Surgery": ("Skin Cancer & Mohs Surgery Center", "Dermatologic Surgery"),
    "Family Medicine": ("Family Medicine", "Family Health Center", "Family Practice"),
    "Internal Medicine": ("Internal Medicine", "Primary Care Associates", "Adult Medicine"),
    "Pediatrics": ("Pediatrics", "Children's Clinic", "Pediatric Associates"),
    "Emergency Medicine": ("Urgent & Emergency Care", "Emergency Physicians"),
    "Obstetrics and Gynecology": ("Women's Health", "OB/GYN Associates"),
    "Orthopaedic Surgery": ("Orthopaedics", "Bone & Joint Institute", "Orthopaedic Associates"),
    "Sports Medicine": ("Sports Medicine", "Sports & Orthopaedic Care"),
    "Hand Surgery": ("Hand & Upper Extremity Center", "Hand Surgery"),
    "Cardiovascular Disease": ("Heart & Vascular", "Cardiology Associates"),
    "Interventional Cardiology": ("Heart Institute", "Cardiovascular Associates"),
    "Clinical Cardiac Electrophysiology": ("Heart Rhythm Center", "Cardiac Electrophysiology"),
    "Ophthalmology": ("Eye Center", "Eye Associates", "Vision Institute"),
    "Retina Specialist": ("Retina Consultants", "Retina Center"),
    "Otolaryngology": ("ENT & Allergy", "Ear, Nose & Throat Associates", "Sinus Center"),
    "Pediatric Otolaryngology": ("Pediatric ENT",),
    "Audiology": ("Hearing Center", "Audiology"),
    "Gastroenterology": ("Digestive Health", "Gastroenterology Associates"),
    "General Surgery": ("Surgical Associates", "General Surgery"),
    "Neurology": ("Neurology Associates", "Neurology & Headache Center"),
    "Headache Medicine": ("Headache Center", "Neurology & Headache Center"),
    "Neurosurgery": ("Neurosurgery & Spine", "Brain & Spine Institute"),
    "Psychiatry": ("Behavioral Health", "Psychiatry Associates", "Mind & Mood Clinic"),
    "Podiatry": ("Foot & Ankle Center", "Podiatry Associates"),
    "Physical Therapy": ("Physical Therapy", "Rehab & Movement Clinic"),
    "General Dentistry": ("Family Dentistry", "Dental Care", "Dental Studio"),
    "Endodontics": ("Endodontics", "Root Canal Specialists"),
    "Periodontics": ("Periodontics & Implants", "Gum & Implant Center"),
    "Oral and Maxillofacial Surgery": ("Oral Surgery", "Oral & Facial Surgery Center"),
    "Urology": ("Urology Associates", "Urology Center"),
    "Plastic Surgery": ("Plastic Surgery", "Aesthetic & Reconstructive Surgery"),
    "Diagnostic Radiology": ("Imaging Center", "Radiology Associates"),
    "Interventional Radiology": ("Vascular & Interventional Radiology", "Interventional Imaging"),
    "Neuroradiology": ("Neuroradiology", "Brain & Spine Imaging"),
    "Breast Imaging": ("Breast Imaging Center", "Women's Imaging"),
    "Sleep Medicine": ("Sleep Center", "Sleep Medicine"),
    "Pulmonary Disease": ("Lung & Sleep Center", "Pulmonary Associates"),
}
_DEFAULT_CLINIC_NOUNS = ("{} Associates", "{} Clinic", "{} Group")

#: Languages besides English, with relative frequency among providers who speak another one.
LANGUAGES: tuple[tuple[str, float], ...] = (
    ("Spanish", 45),
    ("Chinese", 7),
    ("Hindi", 6),
    ("French", 5),
    ("Vietnamese", 4),
    ("Tagalog", 4),
    ("Arabic", 4),
    ("Russian", 3),
    ("Korean", 3),
    ("Portuguese", 2.5),
    ("Urdu", 2.5),
    ("German", 2),
    ("Gujarati", 2),
    ("Haitian Creole", 1.5),
    ("Persian", 1.5),
    ("Italian", 1.5),
    ("Polish", 1.2),
    ("Japanese", 1),
    ("American Sign Language", 0.8),
)
_P_OTHER_LANGUAGE = 0.38
_P_THIRD_LANGUAGE = 0.18

#: Invented plan names: they belong to no real insurer.
INSURANCE_NETWORKS: tuple[str, ...] = (
    "Northstar Health PPO",
    "Northstar Health HMO",
    "Cedarline Care HMO",
    "Copperleaf Health EPO",
    "Ashgrove Health PPO",
    "Lumenfield Care PPO",
    "Silverbirch Mutual PPO",
    "Harborlight Health Plan",
    "Brightmeadow HMO",
    "Kestrel Health POS",
    "Orchardvale Care PPO",
    "Quillfield Health EPO",
    "Bramblewood Community Plan",
    "Tallowpine Medicaid Partners",
    "Goldcrest Senior Advantage",
    "Fernhollow Marketplace Silver",
)

_SURGICAL_TELEHEALTH = 0.12
TELEHEALTH_RATES: Mapping[str, float] = {
    "Psychiatry": 0.75,
    "Sleep Medicine": 0.6,
    "Endocrinology": 0.55,
    "Neurology": 0.5,
    "Headache Medicine": 0.6,
    "Rheumatology": 0.5,
    "Allergy and Immunology": 0.45,
    "Internal Medicine": 0.5,
    "Family Medicine": 0.5,
    "Pediatrics": 0.4,
    "Physical Therapy": 0.3,
    "Audiology": 0.15,
    "Emergency Medicine": 0.15,
    "Diagnostic Radiology": 0.05,
    "Interventional Radiology": 0.05,
    "Neuroradiology": 0.05,
    "Breast Imaging": 0.05,
    "Nuclear Medicine": 0.05,
    "General Dentistry": 0.05,
    "Endodontics": 0.03,
    "Periodontics": 0.03,
    "Anesthesiology": 0.08,
}
_DEFAULT_TELEHEALTH = 0.4
_P_ACCEPTING = 0.75

_COMMON_STREET_SUFFIXES = (
    "Street",
    "Avenue",
    "Road",
    "Drive",
    "Lane",
    "Boulevard",
    "Way",
    "Court",
    "Place",
    "Parkway",
    "Circle",
    "Trail",
    "Terrace",
    "Highway",
    "Pike",
)
#: Clinics sit within this distance of their ZIP's centre.
ZIP_JITTER_KM = 1.2
MAX_ZIPS_PER_CITY = 250
_POOL_SIZES = {"female": 3000, "male": 3000, "nonbinary": 400, "last": 5000, "street": 2000}

# The committed sample: where the demo and tests expect supply.
SAMPLE_CITIES: tuple[str, ...] = ("Boston, MA", "Denver, CO", "Austin, TX", "Chicago, IL", "Seattle, WA")
BLOOD_PATCH = "epidural-blood-patch"
PSORIASIS_PROCEDURES = ("phototherapy-psoriasis", "biologic-therapy-psoriasis")


# --- precomputed tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    """Everything about one primary specialty that records draw from."""

    name: str
    title: str  # "dermatologist", for the bio
    credentials: tuple[Credentials, ...]
    credential_weights: tuple[float, ...]
    seconds: tuple[str, ...]
    second_cum: tuple[float, ...]  # cumulative probabilities of each second specialty
    nouns: tuple[str, ...]
    telehealth: float


@dataclass(frozen=True)
class _Pool:
    """Procedures open to one set of specialties, with how central each is to them (for weighted picks)."""

    slugs: tuple[str, ...]
    inverse_weights: tuple[float, ...]


@dataclass(frozen=True)
class _Spot:
    lat: float
    lon: float
    city: str
    region: str
    postal_code: str


class _Tables:
    """Built once per generator run: per-specialty profiles and procedure pools, places, Faker pools."""

    def __init__(
        self,
        *,
        catalog: Sequence[CatalogEntry],
        specialties: Sequence[Specialty],
        gazetteer: Gazetteer,
        seed: int,
    ) -> None:
        names = [s.name for s in specialties]
        _check_catalog_specialties(catalog, names)
        self.catalog = tuple(catalog)
        self.gazetteer = gazetteer
        self.procedure_names = {e.slug: e.name for e in catalog}
        self.catalog_order = {e.slug: i for i, e in enumerate(catalog)}
        self.profiles = {s.name: _profile(s, names) for s in specialties}
        self.specialty_names = tuple(names)
        weights = (SPECIALTY_WEIGHTS.get(n, DEFAULT_SPECIALTY_WEIGHT) for n in names)
        self.specialty_cum = tuple(itertools.accumulate(weights))
        self._pools: dict[tuple[tuple[str, ...], frozenset[str]], _Pool] = {}
        self.cities = tuple(c for c in gazetteer.cities() if c.population > 0)
        self.city_cum = tuple(itertools.accumulate(c.population for c in self.cities))
        self._city_zips: dict[str, tuple[PlaceMatch, ...]] = {}
        self.language_names = tuple(name for name, _ in LANGUAGES)
        self.language_cum = tuple(itertools.accumulate(weight for _, weight in LANGUAGES))
        faker = Faker("en_US")
        faker.seed_instance(seed)
        self.first_names: dict[Gender, tuple[str, ...]] = {
            "female": tuple(faker.first_name_female() for _ in range(_POOL_SIZES["female"])),
            "male": tuple(faker.first_name_male() for _ in range(_POOL_SIZES["male"])),
            "nonbinary": tuple(faker.first_name_nonbinary() for _ in range(_POOL_SIZES["nonbinary"])),
        }
        self.last_names = tuple(faker.last_name() for _ in range(_POOL_SIZES["last"]))
        self.streets = tuple(_plain_street(faker.street_name(), i) for i in range(_POOL_SIZES["street"]))

    def pool(self, specialties: tuple[str, ...], exclude: frozenset[str] = frozenset()) -> _Pool:
        key = (specialties, exclude)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _build_pool(self.catalog, specialties, exclude)
        return pool

    def zips_near_city(self, city: PlaceMatch, radius_km: float) -> tuple[PlaceMatch, ...]:
        """Street ZIPs within ``radius_km`` of a city's centre (computed once per city)."""
        zips = self._city_zips.get(city.id)
        if zips is None:
            found = self.gazetteer.nearest_zips(
                city.lat, city.lon, radius_km=radius_km, limit=MAX_ZIPS_PER_CITY
            )
            zips = self._city_zips[city.id] = tuple(found)
        return zips

    def nearest_zip(self, city: PlaceMatch) -> PlaceMatch | None:
        key = f"nearest:{city.id}"
        zips = self._city_zips.get(key)
        if zips is None:
            zips = self._city_zips[key] = self.nearest_zips(city.lat, city.lon, 25.0, limit=1)
        return zips[0] if zips else None

    def nearest_zips(self, lat: float, lon: float, radius_km: float, *, limit: int) -> tuple[PlaceMatch, ...]:
        for radius in (radius_km, 60.0, 250.0):
            found = self.gazetteer.nearest_zips(lat, lon, radius_km=radius, limit=limit)
            if found:
                return tuple(found)
        return ()


def _check_catalog_specialties(catalog: Sequence[CatalogEntry], names: Sequence[str]) -> None:
    known = set(names)
    missing = sorted({s for e in catalog for s in e.specialties} - known)
    if missing:
        raise ValueError(
            f"catalogue specialties {missing} are not in the specialties list; expected every "
            "catalog.tsv specialty to have an entry in specialties.yaml"
        )


def _profile(specialty: Specialty, names: Sequence[str]) -> _Profile:
    credentials = CREDENTIALS.get(specialty.name, _PHYSICIAN)
    seconds = [(n, p) for n, p in SECOND_SPECIALTIES.get(specialty.name, ()) if n in names]
    nouns = CLINIC_NOUNS.get(specialty.name) or tuple(f.format(specialty.name) for f in _DEFAULT_CLINIC_NOUNS)
    surgical = "Surgery" in specialty.name or specialty.name == "Neurosurgery"
    telehealth = TELEHEALTH_RATES.get(
        specialty.name, _SURGICAL_TELEHEALTH if surgical else _DEFAULT_TELEHEALTH
    )
    return _Profile(
        name=specialty.name,
        title=specialty.lay_names[0] if specialty.lay_names else f"{specialty.name.lower()} specialist",
        credentials=tuple(c for c, _ in credentials),
        credential_weights=tuple(w for _, w in credentials),
        seconds=tuple(n for n, _ in seconds),
        second_cum=tuple(itertools.accumulate(p for _, p in seconds)),
        nouns=nouns,
        telehealth=telehealth,
    )


def _build_pool(
    catalog: Sequence[CatalogEntry], specialties: tuple[str, ...], exclude: frozenset[str]
) -> _Pool:
    """Procedures open to ``specialties`` per the catalogue; those listing them first are the most central."""
    slugs: list[str] = []
    inverse_weights: list[float] = []
    for entry in catalog:
        ranks = [entry.specialties.index(s) for s in specialties if s in entry.specialties]
        if ranks and entry.slug not in exclude:
            slugs.append(entry.slug)
            inverse_weights.append(1.0 + 0.6 * min(ranks))  # weight 1, 0.63, 0.45, ... by listing position
    return _Pool(tuple(slugs), tuple(inverse_weights))


def _plain_street(street: str, index: int) -> str:
    """Faker streets end in any USPS suffix ("Haley Forges"); most real clinic addresses use a handful."""
    stem, _, suffix = street.rpartition(" ")
    if suffix in _COMMON_STREET_SUFFIXES or not stem:
        return street
    return f"{stem} {_COMMON_STREET_SUFFIXES[index % len(_COMMON_STREET_SUFFIXES)]}"


# --- one record --------------------------------------------------------------------------------------


class _Factory:
    """Turns random draws into Provider records; every draw comes from one seeded Random, in a fixed order."""

    def __init__(self, tables: _Tables, rng: random.Random) -> None:
        self.t = tables
        self.rng = rng

    def provider(
        self,
        provider_id: str,
        spot: _Spot,
        *,
        primary: str | None = None,
        must_do: str | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> Provider:
        rng, t = self.rng, self.t
        profile = t.profiles[primary or self._pick(t.specialty_names, t.specialty_cum)]
        specialties = self._specialties(profile)
        procedures = self._procedures(t.pool(specialties, exclude), must_do)
        gender: Gender = "female" if rng.random() < 0.47 else ("nonbinary" if rng.random() < 0.02 else "male")
        first, last = rng.choice(t.first_names[gender]), rng.choice(t.last_names)
        middle = f" {chr(65 + rng.randrange(26))}." if rng.random() < 0.25 else ""
        name = f"{first}{middle} {last}"
        years = 1 + int(39 * rng.betavariate(1.7, 3.0))
        rating, reviews = self._reputation(years)
        return Provider(
            id=provider_id,
            fictional=True,
            name=name,
            credentials=rng.choices(profile.credentials, weights=profile.credential_weights)[0],
            gender=gender,
            specialties=specialties,
            procedures=procedures,
            clinic=self._clinic(profile, spot, last),
            languages=self._languages(),
            accepting_new_patients=rng.random() < _P_ACCEPTING,
            telehealth=rng.random() < profile.telehealth,
            insurance_networks=self._networks(),
            years_in_practice=years,
            rating=rating,
            review_count=reviews,
            bio=self._bio(name, profile, procedures, spot, years),
        )

    def _pick(self, items: Sequence[str], cum_weights: Sequence[float]) -> str:
        return items[bisect.bisect(cum_weights, self.rng.random() * cum_weights[-1])]

    def _specialties(self, profile: _Profile) -> tuple[str, ...]:
        draw = self.rng.random()
        if not profile.seconds or draw >= profile.second_cum[-1]:
            return (profile.name,)
        second = profile.seconds[bisect.bisect(profile.second_cum, draw)]
        return (profile.name, second)

    def _procedures(self, pool: _Pool, must_do: str | None) -> tuple[str, ...]:
        rng = self.rng
        if not pool.slugs:
            return ()
        count = min(len(pool.slugs), 3 + rng.randrange(6) if rng.random() < 0.9 else 1 + rng.randrange(2))
        # Weighted sampling without replacement (Efraimidis-Spirakis): the largest u ** (1 / w) win.
        keys = [rng.random() ** inverse for inverse in pool.inverse_weights]
        chosen = sorted(range(len(keys)), key=keys.__getitem__, reverse=True)[:count]
        picked = {pool.slugs[i] for i in chosen}
        if must_do is not None and must_do not in picked:
            if must_do not in pool.slugs:
                raise ValueError(f"procedure {must_do!r} is not open to specialties of this provider")
            picked.discard(pool.slugs[chosen[-1]])
            picked.add(must_do)
        return tuple(sorted(picked, key=self.t.catalog_order.__getitem__))

    def _reputation(self, years: int) -> tuple[float | None, int]:
        rng = self.rng
        if rng.random() < (0.5 if years <= 2 else 0.02):
            return None, 0
        rating = round(max(1.0, min(5.0, 5.0 - rng.expovariate(2.4))), 1)
        reviews = max(1, int(rng.lognormvariate(2.6 + 0.03 * years, 1.1)))
        return rating, reviews

    def _clinic(self, profile: _Profile, spot: _Spot, surname: str) -> Clinic:
        rng, t = self.rng, self.t
        noun = rng.choice(profile.nouns)
        form = rng.random()
        if form < 0.45:
            clinic_name = f"{spot.city} {noun}"
        elif form < 0.85:
            clinic_name = f"{surname if rng.random() < 0.5 else rng.choice(t.last_names)} {noun}"
        else:
            clinic_name = f"{surname} & {rng.choice(t.last_names)} {noun}"
        number = int(10 ** (1 + 3 * rng.random()))
        suite = f", Suite {100 * (1 + rng.randrange(6)) + rng.randrange(40)}" if rng.random() < 0.35 else ""
        area_codes = t.gazetteer.area_codes(spot.postal_code)
        area = area_codes[rng.randrange(len(area_codes))] if area_codes else "555"
        return Clinic(
            name=clinic_name,
            address=Address(
                street=f"{number} {rng.choice(t.streets)}{suite}",
                city=spot.city,
                region=spot.region,
                postal_code=spot.postal_code,
            ),
            location=GeoPoint(lat=spot.lat, lon=spot.lon),
            phone=f"({area}) 555-01{rng.randrange(100):02d}",  # 555-0100..0199 is reserved for fiction
        )

    def _languages(self) -> tuple[str, ...]:
        rng, t = self.rng, self.t
        if rng.random() >= _P_OTHER_LANGUAGE:
            return ("English",)
        first = self._pick(t.language_names, t.language_cum)
        if rng.random() >= _P_THIRD_LANGUAGE:
            return ("English", first)
        second = self._pick(t.language_names, t.language_cum)
        return ("English", first) if second == first else ("English", first, second)

    def _networks(self) -> tuple[str, ...]:
        picked = set(self.rng.sample(range(len(INSURANCE_NETWORKS)), 3 + self.rng.randrange(6)))
        return tuple(INSURANCE_NETWORKS[i] for i in sorted(picked))

    def _bio(self, name: str, profile: _Profile, procedures: Sequence[str], spot: _Spot, years: int) -> str:
        title = profile.title
        article = "an" if title[:1].lower() in "aeio" else "a"
        experience = f"{years} year{'s' if years != 1 else ''} in practice"
        focus = ""
        if procedures:
            focus = f" and an interest in {_lower_first(self.t.procedure_names[self.rng.choice(procedures)])}"
        return (
            f"{name} is {article} {title} in {spot.city}, {spot.region}, with {experience}{focus}. "
            "This is a fictional profile generated for caremap; it describes no real person or practice."
        )


def _lower_first(text: str) -> str:
    """Lower-case a display name's first letter unless it starts an acronym ("ERCP", "LASIK")."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


# --- where ---------------------------------------------------------------------------------------------


def _jitter_radius_km(population: int) -> float:
    """A few km around a small town, more around a big city (2 km at 1,000 people, ~14 km at 8 million)."""
    return 2.0 + 3.0 * math.log10(max(population, 1000) / 1000)


def _offset(lat: float, lon: float, distance_km: float, bearing_rad: float) -> tuple[float, float]:
    """A point ``distance_km`` from (lat, lon) in the given direction (flat-earth: fine below ~100 km)."""
    dlat = distance_km * math.cos(bearing_rad) / 111.2
    dlon = distance_km * math.sin(bearing_rad) / (111.32 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _scatter(
    rng: random.Random, lat: float, lon: float, radius_km: float, *, shape: float = 0.5
) -> tuple[float, float]:
    """A random point within ``radius_km``; shape 0.5 is uniform over the disc, larger crowds the centre."""
    return _offset(lat, lon, radius_km * rng.random() ** shape, 2 * math.pi * rng.random())


def _around(rng: random.Random, zip_area: PlaceMatch) -> _Spot:
    """A point near a ZIP's centre, addressed with that ZIP and its postal town name."""
    lat, lon = _scatter(rng, zip_area.lat, zip_area.lon, ZIP_JITTER_KM)
    return _Spot(lat, lon, zip_area.name, zip_area.region, zip_area.postal_code or "00000")


def _national_spot(t: _Tables, rng: random.Random) -> _Spot:
    """Near a city drawn by population: in one of the ZIP areas within its radius, else around its centre."""
    city = t.cities[bisect.bisect(t.city_cum, rng.random() * t.city_cum[-1])]
    radius = _jitter_radius_km(city.population)
    zips = t.zips_near_city(city, radius)
    if zips:
        return _around(rng, zips[rng.randrange(len(zips))])
    lat, lon = _scatter(rng, city.lat, city.lon, radius)
    nearest = t.nearest_zip(city)
    return _Spot(
        lat, lon, city.name, city.region, nearest.postal_code if nearest and nearest.postal_code else "00000"
    )


def _town_spot(t: _Tables, town: Place, lat: float, lon: float) -> _Spot:
    """A spot in a corpus town: its own postal code if it has one, else the real ZIP nearest its centre."""
    if town.postal_codes:
        return _Spot(lat, lon, town.name, town.region, town.postal_codes[0])
    nearest = t.nearest_zips(town.lat, town.lon, 25.0, limit=1)
    code = nearest[0].postal_code if nearest and nearest[0].postal_code else "00000"
    return _Spot(lat, lon, town.name, town.region, code)


def _rural_spot(t: _Tables, lat: float, lon: float) -> _Spot:
    """A spot at exactly (lat, lon), addressed with the nearest real ZIP."""
    nearest = t.nearest_zips(lat, lon, 25.0, limit=1)
    if not nearest or not nearest[0].postal_code:
        raise ValueError(f"no ZIP code within 250 km of ({lat}, {lon}) to address a clinic with")
    return _Spot(lat, lon, nearest[0].name, nearest[0].region, nearest[0].postal_code)


# --- public entry points -----------------------------------------------------------------------------


def generate_providers(
    *,
    count: int,
    seed: int,
    catalog: Sequence[CatalogEntry],
    specialties: Sequence[Specialty],
    gazetteer: Gazetteer,
    id_prefix: str = "gen",
) -> Iterator[Provider]:
    """``count`` fictional providers spread over real US cities by population, one at a time.

    Memory stays bounded: only per-specialty and per-city tables are kept, never the records.
    """
    tables = _Tables(catalog=catalog, specialties=specialties, gazetteer=gazetteer, seed=seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not security
    factory = _Factory(tables, rng)
    for n in range(1, count + 1):
        yield factory.provider(f"{id_prefix}-{n:07d}", _national_spot(tables, rng))


def sample_providers(
    *,
    catalog: Sequence[CatalogEntry],
    specialties: Sequence[Specialty],
    gazetteer: Gazetteer,
    corpus_places: Sequence[Place],
    seed: int = 7,
) -> Iterator[Provider]:
    """The committed sample (~2,900 records, ids "prov-0000001"...), built so that the demo searches work.

    - Serzhong: ~150 providers within 20 km covering every catalogue procedure at least twice, with at least
      5 epidural-blood-patch performers and 4 psoriasis dermatologists among them, plus 2 more blood-patch
      performers 30-60 km away (on the side away from Marrow Creek).
    - Marrow Creek (~61 km from Serzhong): ~30 providers, none doing an epidural blood patch.
    - Boston, Denver, Austin, Chicago, Seattle: ~550 each within 30 km; every procedure has 2+ performers
      and every specialty 1+ provider within 20 km of the centre.
    """
    tables = _Tables(catalog=catalog, specialties=specialties, gazetteer=gazetteer, seed=seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not security
    builder = _SampleBuilder(_Factory(tables, rng), tables, rng)
    places = {p.slug: p for p in corpus_places}
    for slug in ("serzhong", "marrow-creek"):
        if slug not in places:
            raise ValueError(
                f"corpus place {slug!r} is missing from places.yaml; the sample is built around it"
            )
    yield from builder.serzhong(places["serzhong"], away_from=places["marrow-creek"])
    yield from builder.marrow_creek(places["marrow-creek"])
    for city_text in SAMPLE_CITIES:
        city = gazetteer.resolve(city_text).best
        if city is None:
            raise ValueError(f"the gazetteer cannot resolve sample city {city_text!r}")
        yield from builder.city(city)


class _SampleBuilder:
    def __init__(self, factory: _Factory, tables: _Tables, rng: random.Random) -> None:
        self.factory = factory
        self.t = tables
        self.rng = rng
        self.serial = itertools.count(1)

    def _next_id(self) -> str:
        return f"prov-{next(self.serial):07d}"

    def serzhong(self, town: Place, *, away_from: Place) -> Iterator[Provider]:
        def near() -> _Spot:
            return _town_spot(self.t, town, *_scatter(self.rng, town.lat, town.lon, 20.0, shape=0.7))

        blood_patch_specialties = self._specialties_for(BLOOD_PATCH)
        forced = [(BLOOD_PATCH, blood_patch_specialties)] * 5
        forced += [(self.rng.choice(PSORIASIS_PROCEDURES), ("Dermatology",)) for _ in range(4)]
        yield from self._cluster(near, size=150, per_procedure=2, forced=forced)
        # Two more blood-patch performers 30-60 km out, on the far side from Marrow Creek, so that a search
        # there still has to widen past Serzhong's own performers.
        bearing = _bearing(away_from.lat, away_from.lon, town.lat, town.lon)
        for distance_km, turn in ((38.0, -0.5), (52.0, 0.6)):
            lat, lon = _offset(town.lat, town.lon, distance_km, bearing + turn)
            spot = _rural_spot(self.t, lat, lon)
            primary = self._weighted(blood_patch_specialties)
            yield self.factory.provider(self._next_id(), spot, primary=primary, must_do=BLOOD_PATCH)

    def marrow_creek(self, town: Place) -> Iterator[Provider]:
        no_blood_patch = frozenset({BLOOD_PATCH})
        for _ in range(30):
            spot = _town_spot(self.t, town, *_scatter(self.rng, town.lat, town.lon, 8.0))
            yield self.factory.provider(self._next_id(), spot, exclude=no_blood_patch)

    def city(self, city: PlaceMatch) -> Iterator[Provider]:
        # Clinics go into the ZIP areas around the centre (land, and named as the post office names them).
        core_zips = self.t.nearest_zips(city.lat, city.lon, 20.0 - ZIP_JITTER_KM, limit=10_000)
        metro_zips = self.t.nearest_zips(city.lat, city.lon, 30.0 - ZIP_JITTER_KM, limit=10_000)

        def core() -> _Spot:
            return _around(self.rng, self.rng.choice(core_zips))

        def metro() -> _Spot:
            return _around(self.rng, self.rng.choice(metro_zips))

        yield from self._cluster(
            core,
            size=550,
            per_procedure=2,
            every_specialty=True,
            fill_spot=metro,
        )

    def _cluster(
        self,
        spot: Callable[[], _Spot],
        *,
        size: int,
        per_procedure: int,
        forced: Sequence[tuple[str, Sequence[str]]] = (),
        every_specialty: bool = False,
        fill_spot: Callable[[], _Spot] | None = None,
    ) -> Iterator[Provider]:
        """Providers at ``spot()`` until each procedure has ``per_procedure`` performers, then random ones."""
        performers = dict.fromkeys((e.slug for e in self.t.catalog), 0)
        made = 0

        def record(provider: Provider) -> Provider:
            nonlocal made
            made += 1
            for slug in provider.procedures:
                performers[slug] += 1
            return provider

        for slug, allowed in forced:
            primary = self._weighted(allowed)
            yield record(self.factory.provider(self._next_id(), spot(), primary=primary, must_do=slug))
        if every_specialty:
            for name in self.t.specialty_names:
                yield record(self.factory.provider(self._next_id(), spot(), primary=name))
        for entry in self.t.catalog:
            while performers[entry.slug] < per_procedure:
                primary = self._weighted(entry.specialties)
                yield record(
                    self.factory.provider(self._next_id(), spot(), primary=primary, must_do=entry.slug)
                )
        while made < size:
            yield record(self.factory.provider(self._next_id(), (fill_spot or spot)()))

    def _specialties_for(self, slug: str) -> tuple[str, ...]:
        return next(e.specialties for e in self.t.catalog if e.slug == slug)

    def _weighted(self, names: Sequence[str]) -> str:
        weights = [SPECIALTY_WEIGHTS.get(n, DEFAULT_SPECIALTY_WEIGHT) for n in names]
        return self.rng.choices(list(names), weights=weights)[0]


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Direction (radians clockwise from north) from point 1 to point 2, flat-earth."""
    return math.atan2((lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)), lat2 - lat1)


def write_jsonl(records: Iterable[Provider], path: Path) -> int:
    """Write one JSON object per line to a temporary file, then rename it over ``path``; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            for record in records:
                out.write(record.model_dump_json())
                out.write("\n")
                count += 1
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


# --- command line ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caremap.corpus.providers_gen", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "corpus")
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="rewrite the committed sample")
    sample.add_argument("--out", type=Path, default=None)
    generate = commands.add_parser("generate", help="stream COUNT records to OUT")
    generate.add_argument("--count", type=int, required=True)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--out", type=Path, required=True)
    generate.add_argument("--id-prefix", default="gen")
    args = parser.parse_args(argv)

    root: Path = args.corpus
    specialties = _load_yaml_records([root / "specialties.yaml"], Specialty, "name")
    catalog = load_catalog(root / "catalog.tsv")
    places = _load_yaml_records([root / "places.yaml"], Place, "slug")
    gazetteer = Gazetteer.load(places)
    if args.command == "sample":
        out = args.out or root / "providers" / "sample.jsonl"
        written = write_jsonl(
            sample_providers(
                catalog=catalog, specialties=specialties, gazetteer=gazetteer, corpus_places=places
            ),
            out,
        )
    else:
        out = args.out
        written = write_jsonl(
            generate_providers(
                count=args.count,
                seed=args.seed,
                catalog=catalog,
                specialties=specialties,
                gazetteer=gazetteer,
                id_prefix=args.id_prefix,
            ),
            out,
        )
    print(f"wrote {written} providers to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
