"""How the two triage layers combine: a word pattern warns unless the detector is sure it is no emergency."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from api.safety.detector import Assessment
from api.search.triage import PATTERN_OVERRULED_BELOW, triage
from caremap.corpus.load import Corpus
from caremap.corpus.schemas import Presentation
from caremap.settings import PROJECT_ROOT

CORPUS = Corpus.load(PROJECT_ROOT / "corpus")
PRESENTATION: Presentation = CORPUS.presentations[0]


@dataclass
class FixedDetector:
    """A detector that answers one probability, to test the layering alone."""

    probability: float
    threshold: float = 0.8

    def assess(self, text: str, vector: object) -> Assessment:
        return Assessment(probability=self.probability,
                          presentation=PRESENTATION if self.probability >= self.threshold else None)


PATTERNED = "sudden worst headache of my life"  # matches the thunderclap word pattern


@pytest.mark.parametrize(("probability", "source"), [(0.99, "pattern"), (0.5, "pattern"),
                                                      (PATTERN_OVERRULED_BELOW - 0.01, None)])
def test_a_pattern_warns_unless_the_detector_is_sure_it_is_no_emergency(probability: float,
                                                                         source: str | None) -> None:
    found = triage(PATTERNED, [0.0], flags=CORPUS.red_flags, detector=FixedDetector(probability))  # type: ignore[arg-type]
    assert (found.source if found else None) == source


def test_without_a_pattern_the_detector_decides_at_its_threshold() -> None:
    text = "something no word pattern knows"
    assert triage(text, [0.0], flags=CORPUS.red_flags, detector=FixedDetector(0.79)) is None  # type: ignore[arg-type]
    found = triage(text, [0.0], flags=CORPUS.red_flags, detector=FixedDetector(0.81))  # type: ignore[arg-type]
    assert found is not None and found.source == "detector" and found.id == PRESENTATION.id


def test_without_a_detector_the_patterns_alone_decide() -> None:
    assert triage(PATTERNED, None, flags=CORPUS.red_flags, detector=None) is not None
    assert triage("mild headache after screens", None, flags=CORPUS.red_flags, detector=None) is None
