"""The national directory `caremap run` serves: every US metro area covered, records fictional, profiles few."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pytest

from caremap.corpus.directory.national import METRO_MIN_POPULATION, metro_areas, national_providers
from caremap.corpus.load import Corpus
from caremap.corpus.schemas import Provider
from caremap.places import Gazetteer, PlaceMatch, PointIndex
from caremap.settings import PROJECT_ROOT
from indexer.documents import ProfileVocabulary, provider_profile

RADIUS_KM = 25.0


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(PROJECT_ROOT / "corpus")


@pytest.fixture(scope="module")
def gazetteer(corpus: Corpus) -> Gazetteer:
    return Gazetteer.load(corpus.places)


@pytest.fixture(scope="module")
def directory(corpus: Corpus, gazetteer: Gazetteer) -> list[Provider]:
    return list(national_providers(catalog=corpus.catalog, specialties=corpus.specialties, gazetteer=gazetteer,
                                   corpus_places=corpus.places))


def uncovered(directory: list[Provider], gazetteer: Gazetteer, wanted: list[str],
              offered: Callable[[Provider], list[str]]) -> list[tuple[str, str]]:
    """(city, what) for each city of 50,000+ people with no provider offering ``what`` within 25 km."""
    holders: dict[str, list[PlaceMatch]] = defaultdict(list)
    for p in directory:
        point = PlaceMatch(id=p.id, name=p.name, region="", country="US", lat=p.clinic.location.lat,
                           lon=p.clinic.location.lon, population=0, kind="city", fictional=True)
        for what in offered(p):
            holders[what].append(point)
    indexes = {what: PointIndex(points) for what, points in holders.items()}
    cities = [c for c in gazetteer.cities() if c.population >= METRO_MIN_POPULATION]
    assert len(cities) > 900
    return [(city.label, what) for what in wanted for city in cities
            if what not in indexes or not indexes[what].nearest(city.lat, city.lon, radius_km=RADIUS_KM, limit=1)]


def test_every_city_of_50000_people_has_every_procedure_within_25_km(
    directory: list[Provider], gazetteer: Gazetteer, corpus: Corpus,
) -> None:
    assert uncovered(directory, gazetteer, [e.slug for e in corpus.catalog], lambda p: p.procedures) == []


def test_every_city_of_50000_people_has_every_specialty_within_25_km(
    directory: list[Provider], gazetteer: Gazetteer, corpus: Corpus,
) -> None:
    """A specialty query ("mohs surgeon tampa", "endodontist st louis") lists that specialty nearby."""
    assert uncovered(directory, gazetteer, [s.name for s in corpus.specialties], lambda p: p.specialties) == []


def test_big_metros_have_more_clinicians_than_small_ones(directory: list[Provider], gazetteer: Gazetteer) -> None:
    metros = metro_areas(gazetteer)
    biggest, smallest = metros[0], metros[-1]

    def near(lat: float, lon: float) -> int:
        index = PointIndex(PlaceMatch(id=p.id, name=p.name, region="", country="US", lat=p.clinic.location.lat,
                                      lon=p.clinic.location.lon, population=0, kind="city", fictional=True)
                           for p in directory)
        return len(index.nearest(lat, lon, radius_km=RADIUS_KM, limit=100_000))

    assert near(biggest.lat, biggest.lon) > 20 * near(smallest.lat, smallest.lon)


def test_records_are_fictional_and_the_corpus_towns_come_first(directory: list[Provider]) -> None:
    assert all(p.fictional and "fictional" in p.bio for p in directory)
    assert directory[0].clinic.address.city == "Serzhong"
    assert [p.id for p in directory[:3]] == ["prov-0000001", "prov-0000002", "prov-0000003"]
    assert len({p.id for p in directory}) == len(directory)


def test_the_directory_has_few_distinct_profiles_to_embed(directory: list[Provider], corpus: Corpus) -> None:
    vocabulary = ProfileVocabulary.from_corpus(corpus)
    profiles = {provider_profile(p, vocabulary) for p in directory}
    assert len(directory) > 40_000
    assert len(profiles) < len(directory) / 50
    assert all(p.focus in p.procedures for p in directory if p.focus)
