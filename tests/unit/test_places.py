"""Offline geocoding: resolve, suggest and reverse over real US places and the corpus's fictional towns."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from caremap.corpus.schemas import Place
from caremap.places import Gazetteer, PlaceMatch, PointIndex, haversine_km, normalise

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    places = [Place.model_validate(item) for item in yaml.safe_load((CORPUS / "places.yaml").read_text())]
    return Gazetteer.load(places)


def labels(matches: list[PlaceMatch]) -> list[str]:
    return [m.label for m in matches]


# --- normalise ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("St. Louis", "st louis"),
        ("Saint Louis", "st louis"),
        ("  BOSTON  ", "boston"),
        ("Cañon City", "canon city"),
        ("Winston-Salem", "winston salem"),
        ("Coeur d'Alene", "coeur dalene"),
        ("Fort Worth", "ft worth"),
    ],
)
def test_normalise_ignores_case_accents_punctuation_and_saint_abbreviations(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- resolve -----------------------------------------------------------------------------------------


def test_a_name_shared_with_much_smaller_places_resolves_to_the_big_one(gazetteer: Gazetteer) -> None:
    result = gazetteer.resolve("Boston")
    assert result.best is not None and result.best.label == "Boston, MA"
    assert not result.ambiguous
    assert "Boston, NY" in labels(result.alternatives)


@pytest.mark.parametrize(
    "text", ["boston, ma", "Boston MA", "BOSTON,MA", "Boston, Massachusetts", "Boston, MA, USA"]
)
def test_city_with_state_in_any_common_spelling(gazetteer: Gazetteer, text: str) -> None:
    best = gazetteer.resolve(text).best
    assert best is not None and (best.name, best.region, best.kind) == ("Boston", "MA", "city")


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Springfield, IL", "IL"),
        ("Springfield, MO", "MO"),
        ("Springfield, Illinois", "IL"),
        ("Springfield Illinois", "IL"),
        ("springfield mo", "MO"),
    ],
)
def test_the_state_picks_one_of_several_same_name_cities(
    gazetteer: Gazetteer, text: str, region: str
) -> None:
    result = gazetteer.resolve(text)
    assert result.best is not None and (result.best.name, result.best.region) == ("Springfield", region)
    assert not result.ambiguous


def test_same_name_cities_of_similar_size_are_reported_ambiguous_not_guessed(gazetteer: Gazetteer) -> None:
    result = gazetteer.resolve("Springfield")
    assert result.ambiguous
    assert result.best is None
    assert [m.region for m in result.alternatives[:3]] == ["MO", "MA", "IL"]
    populations = [m.population for m in result.alternatives]
    assert populations == sorted(populations, reverse=True)


def test_the_dominance_rule_needs_five_times_the_next_population(gazetteer: Gazetteer) -> None:
    portland = gazetteer.resolve("Portland")  # Oregon is about ten times Maine's Portland
    assert portland.best is not None and portland.best.region == "OR" and not portland.ambiguous
    kansas_city = gazetteer.resolve("Kansas City")  # Missouri is about three times Kansas's
    assert kansas_city.ambiguous and kansas_city.best is None
    assert {m.region for m in kansas_city.alternatives} == {"MO", "KS"}


def test_alternatives_respect_the_limit(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.resolve("Springfield", limit=3).alternatives) == 3


@pytest.mark.parametrize("text", ["02115", "02115-1234", "021151234", "Boston, MA 02115"])
def test_zip_and_zip_plus_four_resolve_to_the_zip_area(gazetteer: Gazetteer, text: str) -> None:
    result = gazetteer.resolve(text)
    assert result.best is not None
    assert result.best.kind == "zip"
    assert result.best.id == "zip:02115"
    assert result.best.label == "02115 (Boston, MA)"


def test_an_unknown_zip_resolves_to_nothing(gazetteer: Gazetteer) -> None:
    result = gazetteer.resolve("00000")
    assert result.best is None and not result.ambiguous


def test_the_corpus_fictional_town_resolves_and_says_it_is_fictional(gazetteer: Gazetteer) -> None:
    best = gazetteer.resolve("Serzhong").best
    assert best is not None
    assert (best.id, best.kind, best.fictional) == ("corpus:serzhong", "locality", True)
    assert best.label == "Serzhong, NE (fictional)"
    assert gazetteer.resolve("serzhong, nebraska").best == best


@pytest.mark.parametrize("text", ["Xqzzyville", "", "   ", "!!!"])
def test_unknown_text_resolves_to_nothing(gazetteer: Gazetteer, text: str) -> None:
    result = gazetteer.resolve(text)
    assert result.best is None and not result.ambiguous


def test_a_misspelling_is_not_resolved_but_offered_as_an_alternative(gazetteer: Gazetteer) -> None:
    result = gazetteer.resolve("Bostn")
    assert result.best is None and not result.ambiguous
    assert result.alternatives[0].label == "Boston, MA"


def test_a_known_name_in_the_wrong_state_is_not_resolved(gazetteer: Gazetteer) -> None:
    result = gazetteer.resolve("Boston, CA")
    assert result.best is None
    assert "Boston, MA" in labels(result.alternatives)


def test_common_alternate_names_of_big_cities_resolve(gazetteer: Gazetteer) -> None:
    for text in ("New York", "NYC", "New York, NY"):
        best = gazetteer.resolve(text).best
        assert best is not None and (best.name, best.region) == ("New York City", "NY"), text


def test_saint_and_st_are_the_same_name(gazetteer: Gazetteer) -> None:
    saint = gazetteer.resolve("Saint Louis, MO").best
    assert saint is not None and saint == gazetteer.resolve("St. Louis, MO").best


# --- suggest -----------------------------------------------------------------------------------------


def test_suggest_matches_name_prefixes_most_populous_first(gazetteer: Gazetteer) -> None:
    matches = gazetteer.suggest("bos")
    assert matches[0].label == "Boston, MA"
    assert all(normalise(m.name).startswith("bos") for m in matches)
    populations = [m.population for m in matches]
    assert populations == sorted(populations, reverse=True)


def test_suggest_respects_the_limit(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.suggest("s", limit=3)) == 3
    assert gazetteer.suggest("s", limit=0) == []


def test_suggest_ignores_case_and_accents(gazetteer: Gazetteer) -> None:
    assert (
        labels(gazetteer.suggest("CANON CI"))[0]
        == labels(gazetteer.suggest("cañon ci"))[0]
        == "Cañon City, CO"
    )


def test_suggest_digits_offers_zip_codes_in_order(gazetteer: Gazetteer) -> None:
    matches = gazetteer.suggest("0211", limit=5)
    codes = [m.postal_code or "" for m in matches]
    assert len(codes) == 5 and codes == sorted(codes)
    assert all(c.startswith("0211") and m.kind == "zip" for c, m in zip(codes, matches, strict=True))


@pytest.mark.parametrize("typo", ["bsoton", "bostno", "bpston", "boston"])
def test_suggest_tolerates_one_typo_in_prefixes_of_four_or_more_characters(
    gazetteer: Gazetteer, typo: str
) -> None:
    assert "Boston, MA" in labels(gazetteer.suggest(typo))


def test_suggest_finds_the_corpus_town_through_a_transposition(gazetteer: Gazetteer) -> None:
    assert labels(gazetteer.suggest("serhzong"))[0] == "Serzhong, NE (fictional)"


def test_suggest_does_not_guess_typos_in_short_prefixes(gazetteer: Gazetteer) -> None:
    assert "Boston, MA" not in labels(gazetteer.suggest("bso"))


def test_exact_prefix_matches_come_before_typo_matches(gazetteer: Gazetteer) -> None:
    matches = gazetteer.suggest("denv", limit=20)
    exact = [normalise(m.name).startswith("denv") for m in matches]
    assert exact[0] and exact == sorted(exact, reverse=True)


def test_suggest_after_a_comma_filters_by_state(gazetteer: Gazetteer) -> None:
    matches = gazetteer.suggest("springfield, i")
    assert matches and all(m.region.startswith("I") for m in matches)
    assert "Springfield, IL" in labels(matches)


# --- reverse -----------------------------------------------------------------------------------------


def test_reverse_at_a_city_centre_gives_that_city(gazetteer: Gazetteer) -> None:
    boston = gazetteer.resolve("Boston, MA").best
    assert boston is not None
    assert gazetteer.reverse(boston.lat, boston.lon) == boston


def test_reverse_finds_the_corpus_town(gazetteer: Gazetteer) -> None:
    nearest = gazetteer.reverse(41.2001, -100.2001)
    assert nearest is not None and nearest.id == "corpus:serzhong"


def test_reverse_returns_the_nearest_place_within_fifty_km(gazetteer: Gazetteer) -> None:
    nearest = gazetteer.reverse(42.36, -71.10)
    assert nearest is not None and nearest.kind in ("city", "locality")
    assert haversine_km(42.36, -71.10, nearest.lat, nearest.lon) < 5


def test_reverse_far_from_any_place_is_none(gazetteer: Gazetteer) -> None:
    assert gazetteer.reverse(35.0, -45.0) is None  # mid-Atlantic


def test_the_point_index_finds_what_a_full_scan_finds(gazetteer: Gazetteer) -> None:
    cities = list(gazetteer.cities())
    index = PointIndex(cities)
    rng = random.Random(7)
    near_cities = [(c.lat + rng.uniform(-0.3, 0.3), c.lon + rng.uniform(-0.3, 0.3)) for c in rng.sample(cities, 150)]
    anywhere = [(rng.uniform(18, 65), rng.uniform(-170, -60)) for _ in range(150)]
    found_some = 0
    for lat, lon in near_cities + anywhere:
        scan = sorted((haversine_km(lat, lon, c.lat, c.lon), n) for n, c in enumerate(cities))
        for radius, limit in ((50.0, 1), (30.0, 7), (2.0, 3)):
            expected = [(d, cities[n]) for d, n in scan if d <= radius][:limit]
            assert index.nearest(lat, lon, radius_km=radius, limit=limit) == expected, (lat, lon, radius)
            found_some += bool(expected)
    assert found_some > 300  # the points were not all in empty places
    assert PointIndex([]).nearest(42.0, -71.0, radius_km=50, limit=3) == []


# --- helpers -----------------------------------------------------------------------------------------


def test_haversine_boston_to_new_york_is_about_306_km() -> None:
    assert haversine_km(42.3601, -71.0589, 40.7128, -74.0060) == pytest.approx(306, abs=2)


def test_nearest_zips_are_sorted_by_distance(gazetteer: Gazetteer) -> None:
    zips = gazetteer.nearest_zips(42.3601, -71.0589, radius_km=3, limit=5)
    distances = [haversine_km(42.3601, -71.0589, z.lat, z.lon) for z in zips]
    assert zips and distances == sorted(distances) and max(distances) <= 3
