"""One provider record (the schema ``python -m caremap index --providers`` takes) from one NPPES person.

Built as plain dicts for speed (millions of rows); the tests validate the output against ``Provider``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from caremap.corpus.schemas import CatalogEntry
from caremap.registry.joins import Billed, Location
from caremap.registry.names import credentials, display_name, name_case, phone, street
from caremap.registry.nppes import People
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

    def records(self, people: People, *, billed: Mapping[str, Sequence[Billed]],
                locations: Mapping[str, Sequence[Location]]) -> Iterator[dict[str, Any]]:
        """One record per listed individual of a block, with their billed procedures and other locations."""
        # Lists, dicts and tuples shared between records (orjson writes tuples as arrays) are never modified.
        provenance = self._provenance()
        for (npi, first, middle, last, suffix, credential, sex, street1, street2, city, state, postal, phone_number,
             updated, place, taxonomies) in zip(
                people.npi, people.first, people.middle, people.last, people.suffix, people.credential, people.sex,
                people.street1, people.street2, people.city, people.state, people.postal, people.phone,
                people.updated, people.place, people.taxonomies, strict=True):
            specialties, evidence, procedures = self._profile(taxonomies)
            if claims := billed.get(npi):
                shown = self._billed(claims)
                evidence = {**shown, **{k: v for k, v in evidence.items() if k not in shown}}
                procedures = list(evidence)
            # As in the sample: the name without credentials; pages show "Mara Quillfeather, MD" from both.
            name = display_name(first, middle, last, suffix, ())
            others = locations.get(npi)
            yield {
                "id": f"npi-{npi}", "fictional": False, "name": name,
                "credentials": credentials(credential) if credential else (),
                "gender": _GENDER.get(sex, "unknown"), "specialties": specialties, "specialty_codes": taxonomies,
                "procedures": procedures,
                "clinic": {
                    "name": f"Practice location of {name}",
                    "address": {"street": street(street1, street2) or "(no street given)",
                                "city": name_case(city) or name_case(place.city), "region": state or place.state,
                                "postal_code": postal[:5], "country": "US"},
                    "location": {"lat": place.lat, "lon": place.lon},
                    "phone": phone(phone_number),
                },
                "languages": [], "accepting_new_patients": False, "telehealth": False, "insurance_networks": [],
                "years_in_practice": 0, "rating": None, "review_count": 0, "bio": "",
                "other_clinics": [c for c in (self._clinic(name, loc) for loc in others) if c] if others else [],
                "procedure_evidence": evidence,
                "provenance": {**provenance, "npi": npi, "last_updated": updated or None},
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

    def _provenance(self) -> dict[str, Any]:
        return {
            "source": "NPPES", "file": self.sources.nppes_file, "file_date": self.sources.nppes_date,
            "utilization_file": self.sources.utilization_file, "utilization_year": self.sources.utilization_year,
            "unstated": UNSTATED,
        }


def code_slugs(articles: Iterable[Any]) -> Mapping[str, str]:
    """CPT/HCPCS code -> catalogue slug, from the articles' ``billing_codes``."""
    return {code: a.slug for a in articles for code in a.billing_codes}
