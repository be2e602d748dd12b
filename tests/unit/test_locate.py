"""Locate: coordinates, a place field, or a place typed into the query; clear 400s otherwise."""

from __future__ import annotations

import pytest

from api.errors import ApiProblem
from api.search.locate import locate
from api.search.params import Where
from api.search.parse import ParsedQuery
from caremap.corpus.load import Corpus
from caremap.places import Gazetteer
from caremap.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(Corpus.load(PROJECT_ROOT / "corpus").places)


def test_coordinates_win_and_get_the_nearest_town_as_label(gazetteer: Gazetteer) -> None:
    found = locate(Where(near="Boston", lat=41.2, lon=-100.2), gazetteer)
    assert (found.lat, found.lon, found.source) == (41.2, -100.2, "coordinates")
    assert found.label.startswith("Serzhong")


def test_a_place_typed_into_the_query_is_used_when_near_is_empty(gazetteer: Gazetteer) -> None:
    parsed = ParsedQuery(text="epidural blood patch", place="Serzhong", near_me=False)
    found = locate(Where(), gazetteer, parsed)
    assert found.source == "place" and found.label.startswith("Serzhong")


def test_half_a_coordinate_pair_is_a_400_naming_the_missing_one(gazetteer: Gazetteer) -> None:
    with pytest.raises(ApiProblem) as raised:
        locate(Where(lat=41.2), gazetteer)
    assert raised.value.status == 400 and raised.value.errors[0]["parameter"] == "lon"


def test_near_me_without_coordinates_says_what_to_send(gazetteer: Gazetteer) -> None:
    with pytest.raises(ApiProblem) as raised:
        locate(Where(), gazetteer, ParsedQuery(text="knee doctor", place=None, near_me=True))
    assert "needs coordinates" in raised.value.errors[0]["rule"]


def test_an_unknown_place_is_a_400_with_the_accepted_forms(gazetteer: Gazetteer) -> None:
    with pytest.raises(ApiProblem) as raised:
        locate(Where(near="Qwzxqv Plains"), gazetteer)
    assert raised.value.errors[0]["value"] == "Qwzxqv Plains"
    assert "5-digit ZIP" in raised.value.errors[0]["rule"]
