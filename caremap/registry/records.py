"""One provider record (the schema ``python -m caremap index --providers`` takes) from one NPPES person.

Built as plain dicts for speed (millions of rows); the tests validate the output against ``Provider``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from caremap.corpus.schemas import CatalogEntry
from caremap.registry.joins import Billed, Location
from caremap.registry.names import credentials, display_name, name_case, phone, street
from caremap.registry.nppes import Person, iso_date
from caremap.registry.taxonomy import TaxonomyMap
from caremap.registry.zips import ZipTable

_GENDER = {"M": "male", "F": "female"}
#: Fields the registry says nothing about: the record keeps the schema's neutral value and says so.
UNSTATED: tuple[str, ...] = ("languages", "accepting_new_patients", "telehealth", "insurance_networks",
                             "years_in_practice", "rating")
UTILIZATION_DATASET = "Medicare Physician & Other Practitioners by Provider and Service"


@dataclass(frozen=True)
class Sources:
    """What every record of a run says about where it came from."""

    nppes_file: str
    nppes_date: str | None
    utilization_file: str | None = None
    utilization_year: int | None = None


@dataclass
class RecordBuilder:
    taxonomy: TaxonomyMap
    catalog: Sequence[CatalogEntry]
    sources: Sources
    zips: ZipTable
    billed_only: bool = False
    _by_specialty: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False)
    _profiles: dict[tuple[str, ...], tuple[list[str], dict[str, dict[str, Any]], list[str]]] = field(
        default_factory=dict, init=False)
    skipped_locations: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        by: dict[str, list[str]] = {}
        for entry in self.catalog:
            for name in entry.specialties:
                by.setdefault(name, []).append(entry.slug)
        self._by_specialty = {name: tuple(slugs) for name, slugs in by.items()}

    def record(self, person: Person, billed: Iterable[Billed] = (),
               locations: Sequence[Location] = ()) -> dict[str, Any]:
        # Lists, dicts and tuples shared between records (orjson writes tuples as arrays) are never modified.
        specialties, inferred, procedures = self._profile(person.taxonomies)
        evidence = inferred
        if claims := self._billed(billed):
            evidence = {**claims, **{k: v for k, v in inferred.items() if k not in claims}}
            procedures = list(evidence)
        creds = credentials(person.credential) if person.credential else ()
        # As in the sample: the name without credentials; pages show "Mara Quillfeather, MD" from both.
        name = plain = display_name(person.first, person.middle, person.last, person.suffix, ())
        place = person.place
        clinic = {
            "name": f"Practice location of {plain}",
            "address": {"street": street(person.street1, person.street2) or "(no street given)",
                        "city": name_case(person.city) or name_case(place.city),
                        "region": person.state or place.state, "postal_code": person.postal[:5], "country": "US"},
            "location": {"lat": place.lat, "lon": place.lon},
            "phone": phone(person.phone),
        }
        return {
            "id": f"npi-{person.npi}", "fictional": False, "name": name, "credentials": creds,
            "gender": _GENDER.get(person.sex, "unknown"), "specialties": specialties,
            "specialty_codes": person.taxonomies, "procedures": procedures, "clinic": clinic,
            "languages": [], "accepting_new_patients": False, "telehealth": False, "insurance_networks": [],
            "years_in_practice": 0, "rating": None, "review_count": 0, "bio": "",
            "other_clinics": [c for c in (self._clinic(plain, loc) for loc in locations) if c] if locations else [],
            "procedure_evidence": evidence,
            "provenance": self._provenance(person),
        }

    def _profile(self, taxonomies: tuple[str, ...]) -> tuple[list[str], dict[str, dict[str, Any]], list[str]]:
        """Specialty names and inferred procedures for a set of taxonomy codes (cached: few distinct sets)."""
        hit = self._profiles.get(taxonomies)
        if hit is None:
            names: dict[str, None] = {}
            for code in taxonomies:
                names.update(dict.fromkeys(self.taxonomy.specialties(code)[0]))
            inferred: dict[str, dict[str, Any]] = {}
            if not self.billed_only or self.sources.utilization_file is None:
                for name in names:
                    for slug in self._by_specialty.get(name, ()):
                        inferred.setdefault(slug, {"source": "inferred"})
            if len(self._profiles) > 100_000:
                self._profiles.clear()
            hit = self._profiles[taxonomies] = (list(names), inferred, list(inferred))
        return hit

    def _billed(self, claims: Iterable[Billed]) -> dict[str, dict[str, Any]]:
        return {b.slug: {"source": "billed", "volume": round(b.volume, 1), "year": self.sources.utilization_year,
                         "codes": list(b.codes), "dataset": UTILIZATION_DATASET} for b in claims}

    def _clinic(self, plain: str, loc: Location) -> dict[str, Any] | None:
        place = self.zips.get(loc.postal)
        if place is None:
            self.skipped_locations += 1
            return None
        return {
            "name": f"Practice location of {plain}",
            "address": {"street": street(loc.street1, loc.street2) or "(no street given)",
                        "city": name_case(loc.city) or name_case(place.city), "region": loc.state or place.state,
                        "postal_code": loc.postal[:5], "country": "US"},
            "location": {"lat": place.lat, "lon": place.lon},
            "phone": phone(loc.phone),
        }

    def _provenance(self, person: Person) -> dict[str, Any]:
        return {
            "source": "NPPES", "file": self.sources.nppes_file, "file_date": self.sources.nppes_date,
            "npi": person.npi, "last_updated": iso_date(person.updated) or None,
            "utilization_file": self.sources.utilization_file, "utilization_year": self.sources.utilization_year,
            "unstated": UNSTATED,
        }


def code_slugs(articles: Iterable[Any]) -> Mapping[str, str]:
    """CPT/HCPCS code -> catalogue slug, from the articles' ``billing_codes``."""
    return {code: a.slug for a in articles for code in a.billing_codes}
