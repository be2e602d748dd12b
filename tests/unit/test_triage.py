"""Red flags: emergencies are recognised, near-misses are not (cases in tests/data/redflag_cases.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.search.triage import match_red_flags
from caremap.corpus.load import Corpus
from caremap.settings import PROJECT_ROOT

CASES = yaml.safe_load((Path(__file__).parents[1] / "data" / "redflag_cases.yaml").read_text())
FLAGS = Corpus.load(PROJECT_ROOT / "corpus").red_flags


@pytest.mark.parametrize("case", CASES, ids=[c["query"][:40] for c in CASES])
def test_red_flag_case(case: dict) -> None:
    match = match_red_flags(case["query"], FLAGS)
    assert (match.id if match else None) == case["expected"]


@pytest.mark.parametrize("query", [
    "headache worse when upright",
    "headache after spinal tap, better lying flat",
    "chronic migraine 20 days a month",
    "back pain for months",
    "floaters for years",
])
def test_the_briefs_near_misses_are_not_emergencies(query: str) -> None:
    assert match_red_flags(query, FLAGS) is None


def test_sudden_worst_headache_is_an_emergency_with_advice() -> None:
    match = match_red_flags("sudden worst headache of my life", FLAGS)
    assert match is not None
    assert match.level == "emergency"
    assert "emergency" in match.advice.lower()


def test_curly_apostrophes_and_case_do_not_matter() -> None:
    assert match_red_flags("I CAN’T BREATHE and my lips are blue", FLAGS) is not None


PATTERNS = Corpus.load(PROJECT_ROOT / "corpus").symptom_patterns


@pytest.mark.parametrize(("query", "pattern"), [
    ("headache worse when upright", "orthostatic-headache"),
    ("my head pounds when I sit and is better lying flat", "orthostatic-headache"),
    ("headache since my spinal tap", "orthostatic-headache"),
    ("headache worse lying down in the morning", None),
    ("headache better when I sit up", None),
    ("room spins when I roll over in bed", "positional-vertigo"),
    ("numb fingers at night", "nocturnal-hand-numbness"),
    ("numb little finger at night", None),
    ("sore knee", None),
])
def test_symptom_patterns(query: str, pattern: str | None) -> None:
    from api.search.triage import match_symptom_patterns

    matched = [p.id for p in match_symptom_patterns(query, PATTERNS)]
    assert matched == ([pattern] if pattern else [])
