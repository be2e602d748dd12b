"""The infant-fever rule: an age under 3 months and a temperature of 38 °C / 100.4 °F or more, in either unit,
and nothing that only looks like one (a fever's duration, weeks of pregnancy, an older child, a feed in ml)."""

from __future__ import annotations

import pytest

from api.search.infant_fever import PRESENTATION, has_infant_fever
from api.search.triage import PATTERN_OVERRULED_BELOW, triage
from tests.unit.test_triage_layers import CORPUS, FixedDetector

INFANT_FEVER = next(p for p in CORPUS.presentations if p.id == PRESENTATION)


@pytest.mark.parametrize("query", [
    "my 6 week old has a temp of 38.2",
    "2 month old 100.6 F and sleepy",
    "newborn feels hot, thermometer says 38.1",
    "10-day-old baby temp 38",
    "7 wk old fever 100.4",
    "6 wk old 38 degrees c",
    "our 11 weeks old son is at 39.0 tonight",
])
def test_a_fever_in_a_baby_under_3_months_is_caught_in_either_unit(query: str) -> None:
    assert has_infant_fever(query)


@pytest.mark.parametrize("query", [
    "my 2 month old is 37.8 after her shots",  # no fever
    "8 week old temp 100",  # under 100.4 °F
    "3 month old temp 38.5",  # not under 3 months
    "2 yr old 39.5 and cranky",
    "fever for 2 days 38.5 in my 6 year old",  # "2 days" is no age
    "38 weeks pregnant, temp 38.3",  # weeks of pregnancy are no age
    "born at 38 weeks, now 3 weeks old, temp 37.5",
    "newborn took 60 ml and temp is 37.2",
    "my 5 month old has a 101 fever",
])
def test_what_only_looks_like_an_infant_fever_is_not(query: str) -> None:
    assert not has_infant_fever(query)


def test_the_rule_warns_with_the_infant_fever_advice_below_the_detectors_threshold() -> None:
    query = "my 6 week old has a temp of 38.2"
    found = triage(query, [0.0], flags=CORPUS.red_flags, detector=FixedDetector(0.5),  # type: ignore[arg-type]
                   infant_fever=INFANT_FEVER)
    assert found is not None and (found.source, found.id, found.level) == ("rule", PRESENTATION, "emergency")
    # like a word pattern, it gives way when the detector is sure the query is no emergency
    assert triage(query, [0.0], flags=CORPUS.red_flags, detector=FixedDetector(PATTERN_OVERRULED_BELOW - 0.01),  # type: ignore[arg-type]
                  infant_fever=INFANT_FEVER) is None
