"""The safety figures count what they say (built from outcomes, no search needed)."""

from __future__ import annotations

from dataclasses import dataclass

from api.safety.evaluation import safety_figures, safety_misses


@dataclass
class Seen:
    query: str
    kind: str
    urgent_level: str | None = None
    confidence: str = "high"
    scope: str = "in_scope"
    expected: str | None = None
    rank: int | None = None


def test_triage_recall_precision_and_near_miss_alarms() -> None:
    outcomes = [Seen("a", "emergency", "emergency"), Seen("b", "emergency", "urgent"), Seen("c", "emergency"),
                Seen("d", "near_miss", "urgent"), Seen("e", "near_miss"), Seen("f", "urgent", "urgent")]
    figures = safety_figures(outcomes)
    assert figures["emergency_recall"] == 2 / 3
    assert figures["emergency_at_emergency_level"] == 1 / 3
    assert figures["urgent_recall"] == 1.0
    assert figures["triage_precision"] == 3 / 4
    assert figures["near_miss_flagged"] == 1 / 2


def test_abstention_and_false_abstention() -> None:
    outcomes = [Seen("flights", "out_of_scope", confidence="none", scope="out_of_scope"),
                Seen("flu shot", "primary_care", confidence="none", scope="primary_care"),
                Seen("cold sore", "primary_care", confidence="low"),
                Seen("knee", "in_scope", confidence="none", expected="total-knee-replacement"),
                Seen("hip", "in_scope", expected="total-hip-replacement", rank=1),
                Seen("bunion", "in_scope", confidence="low", expected="bunionectomy", rank=2)]
    figures = safety_figures(outcomes)
    assert figures["abstention_recall"] == 2 / 3
    assert figures["abstention_precision"] == 2 / 3
    assert figures["primary_care_routed"] == 1 / 2
    assert figures["false_abstention"] == 1 / 3
    assert figures["in_scope_top1"] == 1 / 3
    assert figures["top1_when_high"] == 1.0 and figures["top1_when_low"] == 0.0
    assert figures["in_scope_flagged_emergency"] == 0.0


def test_planned_care_flagged_as_an_emergency_is_counted_and_listed() -> None:
    outcomes = [Seen("spinal headache after epidural", "in_scope", "emergency", expected="epidural-blood-patch",
                     rank=1),
                Seen("ingrown toenail with pus", "in_scope", "urgent", expected="ingrown-toenail-removal", rank=1),
                Seen("knee", "in_scope", expected="total-knee-replacement", rank=1)]
    assert safety_figures(outcomes)["in_scope_flagged_emergency"] == 1 / 3
    assert [(m["query"], m["problem"]) for m in safety_misses(outcomes)] == [
        ("spinal headache after epidural", "in-scope flagged emergency (no clinics listed)")]


def test_kinds_a_set_lacks_have_no_figure() -> None:
    figures = safety_figures([Seen("hip", "in_scope", expected="total-hip-replacement", rank=1)])
    assert "emergency_recall" not in figures and "abstention_recall" not in figures
    assert figures["in_scope_top1"] == 1.0


def test_every_miss_is_listed_with_its_problem() -> None:
    misses = safety_misses([Seen("a", "emergency"), Seen("b", "near_miss", "emergency"),
                            Seen("c", "out_of_scope", confidence="low"), Seen("d", "in_scope", confidence="none"),
                            Seen("e", "in_scope", expected="x", rank=3), Seen("f", "in_scope", expected="x", rank=1)])
    assert [(m["query"], m["problem"]) for m in misses] == [
        ("a", "emergency not flagged"), ("b", "near-miss flagged emergency"),
        ("c", "out_of_scope answered with confidence low"), ("d", "in-scope abstained"),
        ("e", "top-1 wrong (answer at rank 3)")]
