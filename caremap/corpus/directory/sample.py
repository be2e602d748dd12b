"""The committed sample: the corpus towns and five cities, built so that the demo searches work."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator, Sequence

from caremap.corpus.directory.records import Factory
from caremap.corpus.directory.spots import around, bearing, offset, rural_spot, scatter, town_spot
from caremap.corpus.directory.tables import Spot, Tables
from caremap.corpus.directory.workforce import (
    BLOOD_PATCH,
    DEFAULT_SPECIALTY_WEIGHT,
    PSORIASIS_PROCEDURES,
    SAMPLE_CITIES,
    SPECIALTY_WEIGHTS,
    ZIP_JITTER_KM,
)
from caremap.corpus.schemas import CatalogEntry, Place, Provider, Specialty
from caremap.places import Gazetteer, PlaceMatch


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
    tables = Tables(catalog=catalog, specialties=specialties, gazetteer=gazetteer, seed=seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not security
    builder = SampleBuilder(Factory(tables, rng), tables, rng)
    serzhong, marrow_creek = corpus_town(corpus_places, "serzhong"), corpus_town(corpus_places, "marrow-creek")
    yield from builder.serzhong(serzhong, away_from=marrow_creek)
    yield from builder.marrow_creek(marrow_creek)
    for city_text in SAMPLE_CITIES:
        city = gazetteer.resolve(city_text).best
        if city is None:
            raise ValueError(f"the gazetteer cannot resolve sample city {city_text!r}")
        yield from builder.city(city)


def corpus_town(places: Sequence[Place], slug: str) -> Place:
    found = next((p for p in places if p.slug == slug), None)
    if found is None:
        raise ValueError(f"corpus place {slug!r} is missing from places.yaml; the sample is built around it")
    return found


class SampleBuilder:
    def __init__(self, factory: Factory, tables: Tables, rng: random.Random) -> None:
        self.factory = factory
        self.t = tables
        self.rng = rng
        self.serial = itertools.count(1)

    def _next_id(self) -> str:
        return f"prov-{next(self.serial):07d}"

    def serzhong(self, town: Place, *, away_from: Place) -> Iterator[Provider]:
        def near() -> Spot:
            return town_spot(self.t, town, *scatter(self.rng, town.lat, town.lon, 20.0, shape=0.7))

        blood_patch_specialties = self._specialties_for(BLOOD_PATCH)
        forced = [(BLOOD_PATCH, blood_patch_specialties)] * 5
        forced += [(self.rng.choice(PSORIASIS_PROCEDURES), ("Dermatology",)) for _ in range(4)]
        yield from self.cluster(near, size=150, per_procedure=2, forced=forced)
        # Two more blood-patch performers 30-60 km out, on the far side from Marrow Creek, so that a search
        # there still has to widen past Serzhong's own performers.
        away = bearing(away_from.lat, away_from.lon, town.lat, town.lon)
        for distance_km, turn in ((38.0, -0.5), (52.0, 0.6)):
            lat, lon = offset(town.lat, town.lon, distance_km, away + turn)
            spot = rural_spot(self.t, lat, lon)
            primary = self._weighted(blood_patch_specialties)
            yield self.factory.provider(self._next_id(), spot, primary=primary, must_do=BLOOD_PATCH)

    def marrow_creek(self, town: Place) -> Iterator[Provider]:
        no_blood_patch = frozenset({BLOOD_PATCH})
        for _ in range(30):
            spot = town_spot(self.t, town, *scatter(self.rng, town.lat, town.lon, 8.0))
            yield self.factory.provider(self._next_id(), spot, exclude=no_blood_patch)

    def city(self, city: PlaceMatch) -> Iterator[Provider]:
        # Clinics go into the ZIP areas around the centre (land, and named as the post office names them).
        core_zips = self.t.nearest_zips(city.lat, city.lon, 20.0 - ZIP_JITTER_KM, limit=10_000)
        metro_zips = self.t.nearest_zips(city.lat, city.lon, 30.0 - ZIP_JITTER_KM, limit=10_000)

        def core() -> Spot:
            return around(self.rng, self.rng.choice(core_zips))

        def metro() -> Spot:
            return around(self.rng, self.rng.choice(metro_zips))

        yield from self.cluster(
            core,
            size=550,
            per_procedure=2,
            every_specialty=True,
            fill_spot=metro,
        )

    def cluster(
        self,
        spot: Callable[[], Spot],
        *,
        size: int,
        per_procedure: int,
        forced: Sequence[tuple[str, Sequence[str]]] = (),
        every_specialty: bool = False,
        fill_spot: Callable[[], Spot] | None = None,
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


