"""Tables built once per generator run: per-specialty profiles, procedure pools and practices, places, names."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from faker import Faker

from caremap.corpus.directory.workforce import (
    CLINIC_NOUNS,
    COMMON_STREET_SUFFIXES,
    CREDENTIALS,
    DEFAULT_CLINIC_NOUNS,
    DEFAULT_SPECIALTY_WEIGHT,
    DEFAULT_TELEHEALTH,
    LANGUAGES,
    MAX_ZIPS_PER_CITY,
    PHYSICIAN,
    POOL_SIZES,
    SECOND_SPECIALTIES,
    SPECIALTY_WEIGHTS,
    SURGICAL_TELEHEALTH,
    TELEHEALTH_RATES,
    Credentials,
    Gender,
)
from caremap.corpus.schemas import CatalogEntry, Specialty
from caremap.places import Gazetteer, PlaceMatch


@dataclass(frozen=True)
class Profile:
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
class Pool:
    """Procedures open to one set of specialties, with how central each is to them (for weighted picks)."""

    slugs: tuple[str, ...]
    inverse_weights: tuple[float, ...]


@dataclass(frozen=True)
class Practice:
    """A set of procedures clinicians of one specialty set offer together, and the one they focus on."""

    procedures: tuple[str, ...]
    focus: str | None


#: Practices drawn per specialty set, before adding one for each procedure that none of them offers.
PRACTICES_PER_POOL = 6


def draw_procedures(rng: random.Random, pool: Pool, must_do: str | None,
                    order: Mapping[str, int]) -> tuple[tuple[str, ...], str | None]:
    """Three to eight of the pool's procedures (sometimes one or two), the central ones likelier, with
    ``must_do`` among them; and the focus: ``must_do``, else the most strongly drawn one."""
    if not pool.slugs:
        return (), None
    count = min(len(pool.slugs), 3 + rng.randrange(6) if rng.random() < 0.9 else 1 + rng.randrange(2))
    # Weighted sampling without replacement (Efraimidis-Spirakis): the largest u ** (1 / w) win.
    keys = [rng.random() ** inverse for inverse in pool.inverse_weights]
    chosen = sorted(range(len(keys)), key=keys.__getitem__, reverse=True)[:count]
    picked = {pool.slugs[i] for i in chosen}
    focus = pool.slugs[chosen[0]]
    if must_do is not None and must_do not in picked:
        if must_do not in pool.slugs:
            raise ValueError(f"procedure {must_do!r} is not open to specialties of this provider")
        picked.discard(pool.slugs[chosen[-1]])
        picked.add(must_do)
    if must_do is not None:
        focus = must_do
    return tuple(sorted(picked, key=order.__getitem__)), focus


def build_practices(pool: Pool, rng: random.Random, order: Mapping[str, int]) -> tuple[Practice, ...]:
    """A few practices for a pool, plus one per procedure none of them offers (so every procedure has some)."""
    practices = [Practice(*draw_procedures(rng, pool, None, order)) for _ in range(PRACTICES_PER_POOL)]
    for slug in pool.slugs:
        if not any(slug in p.procedures for p in practices):
            practices.append(Practice(*draw_procedures(rng, pool, slug, order)))
    return tuple(dict.fromkeys(practices))


@dataclass(frozen=True)
class Spot:
    lat: float
    lon: float
    city: str
    region: str
    postal_code: str


class Tables:
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
        check_catalog_specialties(catalog, names)
        self.catalog = tuple(catalog)
        self.gazetteer = gazetteer
        self.procedure_names = {e.slug: e.name for e in catalog}
        self.catalog_order = {e.slug: i for i, e in enumerate(catalog)}
        self.profiles = {s.name: specialty_profile(s, names) for s in specialties}
        self.specialty_names = tuple(names)
        weights = (SPECIALTY_WEIGHTS.get(n, DEFAULT_SPECIALTY_WEIGHT) for n in names)
        self.specialty_cum = tuple(itertools.accumulate(weights))
        self._pools: dict[tuple[tuple[str, ...], frozenset[str]], Pool] = {}
        self._practices: dict[tuple[tuple[str, ...], frozenset[str]], tuple[Practice, ...]] = {}
        self.seed = seed
        self.cities = tuple(c for c in gazetteer.cities() if c.population > 0)
        self.city_cum = tuple(itertools.accumulate(c.population for c in self.cities))
        self._city_zips: dict[str, tuple[PlaceMatch, ...]] = {}
        self.language_names = tuple(name for name, _ in LANGUAGES)
        self.language_cum = tuple(itertools.accumulate(weight for _, weight in LANGUAGES))
        faker = Faker("en_US")
        faker.seed_instance(seed)
        self.first_names: dict[Gender, tuple[str, ...]] = {
            "female": tuple(faker.first_name_female() for _ in range(POOL_SIZES["female"])),
            "male": tuple(faker.first_name_male() for _ in range(POOL_SIZES["male"])),
            "nonbinary": tuple(faker.first_name_nonbinary() for _ in range(POOL_SIZES["nonbinary"])),
        }
        self.last_names = tuple(faker.last_name() for _ in range(POOL_SIZES["last"]))
        self.streets = tuple(plain_street(faker.street_name(), i) for i in range(POOL_SIZES["street"]))

    def pool(self, specialties: tuple[str, ...], exclude: frozenset[str] = frozenset()) -> Pool:
        key = (specialties, exclude)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = build_pool(self.catalog, specialties, exclude)
        return pool

    def practices(self, specialties: tuple[str, ...], exclude: frozenset[str] = frozenset()) -> tuple[Practice, ...]:
        """The practices of one specialty set, drawn once from a Random of their own (seeded by the run's
        seed and the set), so a set's practices do not depend on which records came first."""
        key = (specialties, exclude)
        practices = self._practices.get(key)
        if practices is None:
            rng = random.Random(f"{self.seed}:{'|'.join(specialties)}:{'|'.join(sorted(exclude))}")  # noqa: S311
            practices = self._practices[key] = build_practices(self.pool(specialties, exclude), rng,
                                                               self.catalog_order)
        return practices

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


def check_catalog_specialties(catalog: Sequence[CatalogEntry], names: Sequence[str]) -> None:
    known = set(names)
    missing = sorted({s for e in catalog for s in e.specialties} - known)
    if missing:
        raise ValueError(
            f"catalogue specialties {missing} are not in the specialties list; expected every "
            "catalog.tsv specialty to have an entry in specialties.yaml"
        )


def specialty_profile(specialty: Specialty, names: Sequence[str]) -> Profile:
    credentials = CREDENTIALS.get(specialty.name, PHYSICIAN)
    seconds = [(n, p) for n, p in SECOND_SPECIALTIES.get(specialty.name, ()) if n in names]
    nouns = CLINIC_NOUNS.get(specialty.name) or tuple(f.format(specialty.name) for f in DEFAULT_CLINIC_NOUNS)
    surgical = "Surgery" in specialty.name or specialty.name == "Neurosurgery"
    telehealth = TELEHEALTH_RATES.get(
        specialty.name, SURGICAL_TELEHEALTH if surgical else DEFAULT_TELEHEALTH
    )
    return Profile(
        name=specialty.name,
        title=specialty.lay_names[0] if specialty.lay_names else f"{specialty.name.lower()} specialist",
        credentials=tuple(c for c, _ in credentials),
        credential_weights=tuple(w for _, w in credentials),
        seconds=tuple(n for n, _ in seconds),
        second_cum=tuple(itertools.accumulate(p for _, p in seconds)),
        nouns=nouns,
        telehealth=telehealth,
    )


def build_pool(
    catalog: Sequence[CatalogEntry], specialties: tuple[str, ...], exclude: frozenset[str]
) -> Pool:
    """Procedures open to ``specialties`` per the catalogue; those listing them first are the most central."""
    slugs: list[str] = []
    inverse_weights: list[float] = []
    for entry in catalog:
        ranks = [entry.specialties.index(s) for s in specialties if s in entry.specialties]
        if ranks and entry.slug not in exclude:
            slugs.append(entry.slug)
            inverse_weights.append(1.0 + 0.6 * min(ranks))  # weight 1, 0.63, 0.45, ... by listing position
    return Pool(tuple(slugs), tuple(inverse_weights))


def plain_street(street: str, index: int) -> str:
    """Faker streets end in any USPS suffix ("Haley Forges"); most real clinic addresses use a handful."""
    stem, _, suffix = street.rpartition(" ")
    if suffix in COMMON_STREET_SUFFIXES or not stem:
        return street
    return f"{stem} {COMMON_STREET_SUFFIXES[index % len(COMMON_STREET_SUFFIXES)]}"

