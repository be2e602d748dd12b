"""A ZIP after a town, a state or a query: resolved when they agree, reported when they contradict."""

from __future__ import annotations

import pytest
import yaml

from api.search.parse import parse_query
from caremap.corpus.schemas import Place
from caremap.places import Gazetteer
from caremap.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    places = yaml.safe_load((PROJECT_ROOT / "corpus" / "places.yaml").read_text())
    return Gazetteer.load([Place.model_validate(p) for p in places])


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Portland OR 97205", "97205 (Portland, OR)"),
        ("Portland, OR 97205", "97205 (Portland, OR)"),
        ("Phoenix, AZ 85004", "85004 (Phoenix, AZ)"),
        ("Salt Lake City UT 84101", "84101 (Salt Lake City, UT)"),
        ("Cambridge, MA 02139", "02139 (Cambridge, MA)"),
        ("OR 97205", "97205 (Portland, OR)"),
        ("Springfield 62701", "62701 (Springfield, IL)"),  # the name alone is ambiguous; the ZIP says which
        ("97205-1234", "97205 (Portland, OR)"),
    ],
)
def test_a_town_or_state_that_agrees_with_the_zip_resolves_to_the_zip(gazetteer: Gazetteer, text: str,
                                                                      label: str) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.best is not None, resolution
    assert resolution.best.label == label
    assert resolution.conflict is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Portland ME 97205", ["97205", "Portland, OR", "Portland ME"]),
        ("Boston 97205", ["97205", "Portland, OR", "Boston"]),
        ("Phoenix, AZ 97205", ["97205", "Portland, OR", "Phoenix, AZ"]),
        ("TX 97205", ["97205", "Portland, OR", "TX"]),
    ],
)
def test_a_zip_that_contradicts_the_town_is_reported_naming_both_not_guessed(gazetteer: Gazetteer, text: str,
                                                                             named: list[str]) -> None:
    resolution = gazetteer.resolve(text)
    assert resolution.best is None
    assert resolution.conflict is not None
    for part in named:
        assert part in resolution.conflict
    assert resolution.alternatives[0].postal_code == "97205"


@pytest.mark.parametrize(
    ("query", "text", "place"),
    [
        ("colonoscopy Phoenix AZ 85004", "colonoscopy", "Phoenix AZ 85004"),
        ("OB/GYN Portland OR 97205", "OB/GYN", "Portland OR 97205"),
        ("dermatologist in Portland, OR 97205", "dermatologist", "Portland, OR 97205"),
        ("knee pain near 02139", "knee pain", "02139"),
        ("colonoscopy in 85004", "colonoscopy", "85004"),  # "in" is not Indiana here
        ("hip replacement Indianapolis IN 46204", "hip replacement", "Indianapolis IN 46204"),
        ("colonoscopy Portland ME 97205", "colonoscopy", "Portland ME 97205"),  # reported when resolved
    ],
)
def test_a_zip_after_a_query_takes_the_town_before_it_out_of_the_text(gazetteer: Gazetteer, query: str,
                                                                        text: str, place: str) -> None:
    parsed = parse_query(query, gazetteer)
    assert (parsed.text, parsed.place) == (text, place)


def test_a_number_that_is_no_zip_stays_in_the_query(gazetteer: Gazetteer) -> None:
    parsed = parse_query("vitamin d 00000", gazetteer)
    assert parsed.place is None
