"""Safety and honesty figures of an evaluation run: triage recall and precision per level, near-miss false
alarms, abstention on out-of-scope queries, false abstention on in-scope ones, and accuracy by confidence."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


class Judged(Protocol):
    query: str
    kind: str
    urgent_level: str | None
    confidence: str
    scope: str
    expected: str | None
    rank: int | None


FLAGGED_KINDS = ("emergency", "urgent")
ABSTAIN_KINDS = ("out_of_scope", "primary_care")


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def safety_figures(outcomes: Sequence[Judged]) -> dict[str, float]:
    """Figures for the kinds the set has (dev.yaml has no out-of-scope queries, for example)."""
    by_kind = {k: [o for o in outcomes if o.kind == k] for k in (*FLAGGED_KINDS, "near_miss", *ABSTAIN_KINDS,
                                                                  "in_scope")}
    flagged = [o for o in outcomes if o.urgent_level is not None]
    figures: dict[str, float | None] = {
        "emergency_recall": _share(sum(o.urgent_level is not None for o in by_kind["emergency"]),
                                   len(by_kind["emergency"])),
        "emergency_at_emergency_level": _share(sum(o.urgent_level == "emergency" for o in by_kind["emergency"]),
                                               len(by_kind["emergency"])),
        "urgent_recall": _share(sum(o.urgent_level is not None for o in by_kind["urgent"]), len(by_kind["urgent"])),
        "triage_precision": _share(sum(o.kind in FLAGGED_KINDS for o in flagged), len(flagged)),
        "near_miss_flagged": _share(sum(o.urgent_level is not None for o in by_kind["near_miss"]),
                                    len(by_kind["near_miss"])),
    }
    abstained = [o for o in outcomes if o.confidence == "none"]
    should = by_kind["out_of_scope"] + by_kind["primary_care"]
    in_scope = by_kind["in_scope"]
    figures |= {
        "abstention_recall": _share(sum(o.confidence == "none" for o in should), len(should)),
        "abstention_precision": _share(sum(o.kind in ABSTAIN_KINDS for o in abstained), len(abstained)),
        "primary_care_routed": _share(sum(o.scope == "primary_care" for o in by_kind["primary_care"]),
                                      len(by_kind["primary_care"])),
        "false_abstention": _share(sum(o.confidence == "none" for o in in_scope), len(in_scope)),
        # an emergency banner on planned care hides its clinics: a false alarm the near-miss figure does not count
        "in_scope_flagged_emergency": _share(sum(o.urgent_level == "emergency" for o in in_scope), len(in_scope)),
    }
    answered = [o for o in in_scope if o.expected]
    figures["in_scope_top1"] = _share(sum(o.rank == 1 for o in answered), len(answered))
    for level in ("high", "low"):
        at = [o for o in answered if o.confidence == level]
        figures[f"top1_when_{level}"] = _share(sum(o.rank == 1 for o in at), len(at))
        figures[f"share_{level}"] = _share(len(at), len(answered))
    return {name: value for name, value in figures.items() if value is not None}


def safety_misses(outcomes: Sequence[Judged]) -> list[dict[str, Any]]:
    """Every query the safety figures count against: what it was, what came back."""
    missed: list[dict[str, Any]] = []
    for o in outcomes:
        problem = None
        if o.kind in FLAGGED_KINDS and o.urgent_level is None:
            problem = "emergency not flagged" if o.kind == "emergency" else "urgent not flagged"
        elif o.kind == "near_miss" and o.urgent_level is not None:
            problem = f"near-miss flagged {o.urgent_level}"
        elif o.kind in ABSTAIN_KINDS and o.confidence != "none":
            problem = f"{o.kind} answered with confidence {o.confidence}"
        elif o.kind == "in_scope" and o.urgent_level == "emergency":
            problem = "in-scope flagged emergency (no clinics listed)"
        elif o.kind == "in_scope" and o.confidence == "none":
            problem = "in-scope abstained"
        elif o.kind == "in_scope" and o.expected and o.rank != 1:
            problem = f"top-1 wrong (answer at rank {o.rank or '>10'})"
        if problem:
            missed.append({"query": o.query, "kind": o.kind, "problem": problem})
    return missed


def calibration_chart(outcomes: Sequence[Judged], path: Path) -> None:
    """Top-1 accuracy of the in-scope queries at each confidence level, with how many queries each holds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    answered = [o for o in outcomes if o.kind == "in_scope" and o.expected]
    levels = ["high", "low", "none"]
    counts = [sum(o.confidence == level for o in answered) for level in levels]
    accuracy = [_share(sum(o.rank == 1 for o in answered if o.confidence == level), n) or 0.0
                for level, n in zip(levels, counts, strict=True)]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    bars = ax.bar(levels, accuracy, color=["#2b7a4b", "#c9a227", "#9a3b3b"])
    for bar, n in zip(bars, counts, strict=True):
        ax.annotate(f"n={n}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("top-1 accuracy")
    ax.set_xlabel("confidence")
    ax.set_title("Confidence vs accuracy (in-scope queries)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
