"""The search stages that need no Elasticsearch: target choice, widening, notices, the ranking rule."""

from __future__ import annotations

import math

import pytest

from api.catalogue import Catalogue
from api.schemas import ResolvedLocation
from api.search import notices, ranking
from api.search.fusion import ProcedureScore
from api.search.params import SearchParams, Where
from api.search.parse import Intent
from api.search.present import page_notice
from api.search.providers import MAX_WIDEN_KM, ProviderPage, widening_steps
from api.search.target import Target, choose_target
from caremap.corpus.load import Corpus
from caremap.settings import PROJECT_ROOT

HERE = ResolvedLocation(lat=41.2, lon=-100.2, label="Serzhong, NE", source="place")
BLOOD_PATCH = Target(procedures=["epidural-blood-patch"], label="Epidural blood patch")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue(Corpus.load(PROJECT_ROOT / "corpus"))


def ranked(*slugs: str) -> list[ProcedureScore]:
    return [ProcedureScore(slug=s, name=s.replace("-", " "), score=1.0 - n / 10) for n, s in enumerate(slugs)]


def hit(distance_km: float) -> dict[str, object]:
    return {"sort": [1.0, distance_km, "prov-1"], "_source": {}}


# -- target ---------------------------------------------------------------------------------------------------


def test_a_symptom_lists_performers_of_the_first_interpreted_procedure(catalogue: Catalogue) -> None:
    target = choose_target(Intent(type="symptom"), ranked("occipital-nerve-block", "epidural-blood-patch"), catalogue)
    assert target == Target(procedures=["occipital-nerve-block"], label="occipital nerve block")


def test_an_explicit_procedure_wins_over_the_interpretation(catalogue: Catalogue) -> None:
    target = choose_target(Intent(type="symptom"), ranked("occipital-nerve-block"), catalogue,
                           procedure="epidural-blood-patch")
    assert target is not None and target.procedures == ["epidural-blood-patch"]
    assert target.label == catalogue.procedure_names["epidural-blood-patch"]


def test_a_condition_lists_its_procedures_and_the_specialties_that_manage_it(catalogue: Catalogue) -> None:
    target = choose_target(Intent(type="condition", slug="psoriasis"), ranked("cryotherapy-warts"), catalogue)
    psoriasis = catalogue.conditions["psoriasis"]
    assert target == Target(procedures=list(psoriasis.procedures), specialties=list(psoriasis.specialties),
                            label=psoriasis.name)


def test_a_specialty_lists_that_specialty_whatever_was_interpreted(catalogue: Catalogue) -> None:
    target = choose_target(Intent(type="specialty", slug="Dermatology"), ranked("mohs-surgery"), catalogue)
    assert target == Target(procedures=[], specialties=["Dermatology"], label="Dermatology")


def test_nothing_interpreted_and_nothing_named_means_no_target(catalogue: Catalogue) -> None:
    assert choose_target(Intent(type="symptom"), [], catalogue) is None


# -- widening -------------------------------------------------------------------------------------------------


def test_the_radius_doubles_up_to_the_cap() -> None:
    assert widening_steps(25) == [25, 50, 100, 200]
    assert widening_steps(30) == [30, 60, 120, MAX_WIDEN_KM]
    assert widening_steps(MAX_WIDEN_KM) == [MAX_WIDEN_KM]


# -- notices --------------------------------------------------------------------------------------------------


def params(radius_km: float = 25) -> SearchParams:
    return SearchParams(q="headache worse when upright", where=Where(near="Serzhong", radius_km=radius_km))


def test_no_notice_when_the_asked_radius_had_providers() -> None:
    page = ProviderPage(radius_km=25, hits=[hit(3.2)], total=1)
    assert page_notice(page, BLOOD_PATCH, HERE, params()) is None


def test_a_widened_page_says_how_far_and_the_nearest_distance() -> None:
    page = ProviderPage(radius_km=100, hits=[hit(61.4), hit(52.2)], total=2)
    assert page_notice(page, BLOOD_PATCH, HERE, params()) == (
        "No Epidural blood patch providers within 25 km; widened the search to 100 km (nearest 52 km away).")


def test_the_nearest_fallback_says_it_shows_the_nearest_ones() -> None:
    page = ProviderPage(radius_km=412, hits=[hit(388.0)], total=1, nearest_fallback=True)
    assert page_notice(page, BLOOD_PATCH, HERE, params()) == (
        "No Epidural blood patch providers within 25 km; showing the nearest ones (nearest 388 km away).")


def test_an_empty_page_names_the_place_and_the_nearest_performer_when_there_is_one() -> None:
    empty = ProviderPage(radius_km=200, hits=[], total=0, nearest_km=87.3)
    assert page_notice(empty, BLOOD_PATCH, HERE, params()) == (
        "No Epidural blood patch providers within 200 km of Serzhong, NE; the nearest is 87 km away.")
    nobody = ProviderPage(radius_km=200, hits=[], total=0)
    assert page_notice(nobody, BLOOD_PATCH, HERE, params()) == (
        "No Epidural blood patch providers within 200 km of Serzhong, NE.")


def test_the_emergency_notice_lists_no_clinics() -> None:
    assert "emergency care now" in notices.EMERGENCY and "not listed" in notices.EMERGENCY


# -- the ranking rule -----------------------------------------------------------------------------------------


def test_the_rule_in_words_names_the_weights_the_query_uses() -> None:
    for weight in (ranking.DISTANCE_WEIGHT, ranking.RATING_WEIGHT, ranking.REVIEWS_WEIGHT):
        assert f"{weight:g} x" in ranking.RANKING_RULE


def test_the_distance_decay_is_half_at_half_the_radius() -> None:
    at_half = ranking.components(distance_km=12.5, radius_km=25, rating=None, reviews=0)
    assert at_half.distance_decay == pytest.approx(ranking.DISTANCE_WEIGHT / 2)
    assert at_half.rating_component == pytest.approx(ranking.RATING_WEIGHT * ranking.MISSING_RATING)
    rated = ranking.components(distance_km=0, radius_km=25, rating=4.5, reviews=99)
    assert rated.total == pytest.approx(ranking.DISTANCE_WEIGHT + ranking.RATING_WEIGHT * 4.5
                                        + ranking.REVIEWS_WEIGHT * math.log10(100))


# -- procedures named inside a sentence ------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "slug"), [
    ("where to get an SGB shot for ptsd", "stellate-ganglion-block"),
    ("accutane dermatologist", "isotretinoin-acne-treatment"),
    ("EMG test near 97205", "electromyography-nerve-conduction"),
    ("how much is a root canal without insurance", "root-canal"),
])
def test_a_procedure_named_inside_a_sentence_is_found(catalogue: Catalogue, query: str, slug: str) -> None:
    assert catalogue.vocabulary.procedures_mentioned(query) == [slug]


@pytest.mark.parametrize("query", ["tsa precheck appointment", "echo dot on sale", "my cat has fleas"])
def test_a_short_name_in_lower_case_or_no_name_is_not_a_mention(catalogue: Catalogue, query: str) -> None:
    assert catalogue.vocabulary.procedures_mentioned(query) == []


def test_mentions_come_longest_name_first_in_the_order_typed(catalogue: Catalogue) -> None:
    assert catalogue.vocabulary.procedures_mentioned(
        "is botox for migraine covered like a hip replacement") == ["botox-chronic-migraine", "total-hip-replacement"]
