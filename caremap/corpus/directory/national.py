"""Providers over real US places: a count spread by population, or the national directory `make run` serves.

The national directory gives every US metro area of METRO_MIN_POPULATION people or more (cities merged when
their centres are within METRO_MERGE_KM) at least one clinician for every catalogue procedure and every specialty within
COVERAGE_KM of its centre, plus one clinician per PEOPLE_PER_PROVIDER people spread over the metro; and the
corpus's fictional towns (Serzhong, Marrow Creek) as in the sample. Every record is fictional and says so.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from caremap.corpus.directory.records import Factory
from caremap.corpus.directory.sample import SampleBuilder, corpus_town
from caremap.corpus.directory.spots import around, national_spot, rural_spot, scatter
from caremap.corpus.directory.tables import Spot, Tables
from caremap.corpus.directory.workforce import ZIP_JITTER_KM
from caremap.corpus.schemas import CatalogEntry, Place, Provider, Specialty
from caremap.places import Gazetteer, haversine_km

METRO_MIN_POPULATION = 50_000
#: A city this close to a larger one's centre is part of its metro area (and within reach of its clinics).
METRO_MERGE_KM = 15.0
#: The performers that cover the catalogue sit this close to the metro centre: with METRO_MERGE_KM, every
#: merged city is within 15 + 4 = 19 km of one of each, inside the default 25 km radius.
COVERAGE_KM = 4.0
METRO_SPREAD_KM = 20.0
#: About a tenth of the US physician density (~1 per 300 people): enough to fill a page in any metro,
#: small enough to index in a minute.
PEOPLE_PER_PROVIDER = 3_000
NATIONAL_SEED = 11


@dataclass(frozen=True)
class Metro:
    name: str
    region: str
    lat: float
    lon: float
    population: int


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

    Each takes one of a few practices of its specialties, so a million records share a bounded number of
    distinct profiles. Memory stays bounded: only per-specialty and per-city tables are kept.
    """
    tables = Tables(catalog=catalog, specialties=specialties, gazetteer=gazetteer, seed=seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not security
    factory = Factory(tables, rng, practices=True)
    for n in range(1, count + 1):
        yield factory.provider(f"{id_prefix}-{n:07d}", national_spot(tables, rng))


def metro_areas(gazetteer: Gazetteer, *, min_population: int = METRO_MIN_POPULATION,
                merge_km: float = METRO_MERGE_KM) -> list[Metro]:
    """Cities of ``min_population`` or more, largest first; a city near a larger one's centre joins it."""
    cities = sorted((c for c in gazetteer.cities() if c.population >= min_population),
                    key=lambda c: (-c.population, c.id))
    centres: list[Metro] = []
    for city in cities:
        for i, metro in enumerate(centres):
            if haversine_km(metro.lat, metro.lon, city.lat, city.lon) <= merge_km:
                centres[i] = Metro(metro.name, metro.region, metro.lat, metro.lon,
                                   metro.population + city.population)
                break
        else:
            centres.append(Metro(city.name, city.region, city.lat, city.lon, city.population))
    return centres


def national_providers(
    *,
    catalog: Sequence[CatalogEntry],
    specialties: Sequence[Specialty],
    gazetteer: Gazetteer,
    corpus_places: Sequence[Place],
    seed: int = NATIONAL_SEED,
    people_per_provider: int = PEOPLE_PER_PROVIDER,
) -> Iterator[Provider]:
    """The national directory (ids "prov-0000001"...): the corpus towns first, then every metro area."""
    tables = Tables(catalog=catalog, specialties=specialties, gazetteer=gazetteer, seed=seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not security
    builder = SampleBuilder(Factory(tables, rng, practices=True), tables, rng)
    serzhong, marrow_creek = corpus_town(corpus_places, "serzhong"), corpus_town(corpus_places, "marrow-creek")
    yield from builder.serzhong(serzhong, away_from=marrow_creek)
    yield from builder.marrow_creek(marrow_creek)
    for metro in metro_areas(gazetteer):
        core, spread = _spots(tables, rng, metro)
        size = max(1, metro.population // people_per_provider)
        # every specialty too: "mohs surgeon" or "endodontist" lists that specialty, not only its procedures
        yield from builder.cluster(core, size=size, per_procedure=1, every_specialty=True, fill_spot=spread)


def _spots(tables: Tables, rng: random.Random, metro: Metro) -> tuple[Callable[[], Spot], Callable[[], Spot]]:
    """Spots near the centre (the catalogue's coverage) and over the metro (the rest): in real ZIP areas."""
    near = tables.gazetteer.nearest_zips(metro.lat, metro.lon, radius_km=COVERAGE_KM - ZIP_JITTER_KM, limit=500)
    wide = tables.gazetteer.nearest_zips(metro.lat, metro.lon, radius_km=METRO_SPREAD_KM, limit=2_000)

    def core() -> Spot:
        if near:
            return around(rng, near[rng.randrange(len(near))])
        return rural_spot(tables, *scatter(rng, metro.lat, metro.lon, COVERAGE_KM - 1.0))

    def spread() -> Spot:
        return around(rng, wide[rng.randrange(len(wide))]) if wide else core()

    return core, spread
