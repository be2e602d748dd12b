"""Relevance evaluation: run a judgment set through the live search and score it with ranx.

Interpretation metrics use the judged procedure grades (3 = the answer, 2 = alternative, 1 = related):
top-1 / top-3 accuracy and MRR count the first grade-3 answer (a judge may grade several as right); nDCG@10 and
recall@5 use all grades.
Provider nDCG@10 grades each returned provider by the best judged grade among the procedures it performs
(a derived judgment: the sample has no per-provider labels). Zero-result rate counts queries that have a
grade-3 procedure but got no provider. Red flags: precision and recall of `urgent` against the labels.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from api.safety.evaluation import calibration_chart, safety_figures, safety_misses
from api.schemas import SearchResponse
from api.search.fusion import Strategy
from api.search.params import SearchParams, Where
from api.search.service import SearchService
from caremap.corpus.schemas import Judgment

STRATEGIES: tuple[Strategy, ...] = ("lexical", "semantic", "hybrid")
DEFAULT_PLACE = "Serzhong"


@dataclass
class Outcome:
    """One judged query under one strategy: what came back and where the answer was."""

    query: str
    strategy: str
    expected: str | None
    ranked: list[str]
    rank: int | None
    urgent_expected: bool
    urgent_returned: bool
    intent_expected: str
    intent_returned: str
    providers: int
    provider_grades: list[int] = field(default_factory=list)
    kind: str = "in_scope"
    urgent_level: str | None = None
    confidence: str = "high"
    scope: str = "in_scope"

    @property
    def above(self) -> list[str]:
        """What ranked above the right answer (the analyst's first question)."""
        if self.expected is None:
            return []
        return self.ranked[: (self.rank - 1) if self.rank else 5]


def outcome(judgment: Judgment, strategy: str, response: SearchResponse) -> Outcome:
    ranked = [p.slug for p in response.interpretation.procedures]
    right = [s for s, g in judgment.procedures.items() if g == 3]  # a judge may grade several as right
    rank = next((i + 1 for i, slug in enumerate(ranked) if slug in right), None)
    expected = ranked[rank - 1] if rank else next(iter(right), None)
    grades = [max((judgment.procedures.get(s, 0) for s in p.procedures), default=0) for p in response.providers]
    return Outcome(
        query=judgment.query, strategy=strategy, expected=expected,
        ranked=ranked, rank=rank,
        urgent_expected=judgment.urgent or judgment.kind in ("emergency", "urgent"),
        urgent_returned=response.urgent is not None,
        intent_expected=judgment.intent, intent_returned=response.intent.type,
        providers=len(response.providers), provider_grades=grades,
        kind=judgment.kind or ("emergency" if judgment.urgent else "in_scope"),
        urgent_level=response.urgent.level if response.urgent else None,
        confidence=response.interpretation.confidence, scope=response.interpretation.scope,
    )


async def run(service: SearchService, judgments: Sequence[Judgment],
              strategies: Sequence[Strategy] = STRATEGIES) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for strategy in strategies:
        for judgment in judgments:
            params = SearchParams(q=judgment.query, where=Where(near=judgment.near or DEFAULT_PLACE, size=10),
                                  strategy=strategy)
            outcomes.append(outcome(judgment, strategy, await service.search(params)))
    return outcomes


def metrics(judgments: Sequence[Judgment], outcomes: Sequence[Outcome]) -> dict[str, dict[str, float]]:
    """Per strategy: the interpretation, provider, zero-result and red-flag figures."""
    from ranx import Qrels, Run, evaluate  # heavy import (numba): only when evaluating

    by_query = {j.query: j for j in judgments}
    answer = {f"q{i}": {s: 1 for s, g in j.procedures.items() if g == 3} for i, j in enumerate(judgments)}
    graded = {f"q{i}": {s: g for s, g in j.procedures.items() if g > 0} for i, j in enumerate(judgments)}
    qid = {j.query: f"q{i}" for i, j in enumerate(judgments)}
    report: dict[str, dict[str, float]] = {}
    for strategy in sorted({o.strategy for o in outcomes}):
        mine = [o for o in outcomes if o.strategy == strategy]
        run_ = {qid[o.query]: {s: float(len(o.ranked) - r) for r, s in enumerate(o.ranked)} or {"none": 0.0}
                for o in mine}
        with_answer = {q: v for q, v in answer.items() if v}
        with_grades = {q: v for q, v in graded.items() if v}
        figures: dict[str, float] = {}
        primary = evaluate(Qrels(with_answer), Run({q: run_[q] for q in with_answer}),
                           ["hit_rate@1", "hit_rate@3", "mrr"])
        figures["top1"], figures["top3"], figures["mrr"] = (
            float(primary["hit_rate@1"]), float(primary["hit_rate@3"]), float(primary["mrr"]))
        graded_figures = evaluate(Qrels(with_grades), Run({q: run_[q] for q in with_grades}),
                                  ["ndcg@10", "recall@5"])
        figures["ndcg@10"], figures["recall@5"] = float(graded_figures["ndcg@10"]), float(graded_figures["recall@5"])
        figures["provider_ndcg@10"] = _provider_ndcg(mine)
        answerable = [o for o in mine if o.expected and not by_query[o.query].urgent]
        figures["zero_result_rate"] = (sum(o.providers == 0 for o in answerable) / len(answerable)
                                       if answerable else 0.0)
        tp = sum(o.urgent_returned and o.urgent_expected for o in mine)
        fp = sum(o.urgent_returned and not o.urgent_expected for o in mine)
        fn = sum(o.urgent_expected and not o.urgent_returned for o in mine)
        figures["redflag_precision"] = tp / (tp + fp) if tp + fp else 1.0
        figures["redflag_recall"] = tp / (tp + fn) if tp + fn else 1.0
        figures["intent_accuracy"] = sum(o.intent_expected == o.intent_returned for o in mine) / len(mine)
        figures.update(safety_figures(mine))
        figures["queries"] = float(len(mine))
        report[strategy] = {k: round(v, 4) for k, v in figures.items()}
    return report


def _provider_ndcg(outcomes: Sequence[Outcome]) -> float:
    """Mean nDCG@10 of the returned providers' derived grades against the ideal order of those grades."""
    from ranx import Qrels, Run, evaluate

    qrels: dict[str, dict[str, int]] = {}
    run_: dict[str, dict[str, float]] = {}
    for i, o in enumerate(outcomes):
        if not o.expected or not o.provider_grades:
            continue
        ids = [f"p{n}" for n in range(len(o.provider_grades))]
        relevant = {pid: g for pid, g in zip(ids, o.provider_grades, strict=True) if g > 0}
        if not relevant:
            relevant = {"missing": 3}  # nothing relevant returned: the query scores 0
        qrels[f"q{i}"] = relevant
        run_[f"q{i}"] = {pid: float(len(ids) - n) for n, pid in enumerate(ids)}
    if not qrels:
        return 0.0
    return float(evaluate(Qrels(qrels), Run(run_), "ndcg@10"))


def failures(outcomes: Sequence[Outcome], strategy: str) -> list[dict[str, Any]]:
    return [
        {"query": o.query, "expected": o.expected, "rank": o.rank, "above": o.above}
        for o in outcomes if o.strategy == strategy and o.expected and o.rank != 1
    ]


def write_reports(report: dict[str, dict[str, float]], outcomes: Sequence[Outcome], out_dir: Path) -> list[Path]:
    """JSON (everything), a PNG chart comparing strategies, and a Markdown report with per-query failures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "eval.json"
    json_path.write_text(json.dumps({"metrics": report, "outcomes": [asdict(o) for o in outcomes]}, indent=2))
    chart, calibration = out_dir / "eval.png", out_dir / "calibration.png"
    _chart(report, chart)
    calibration_chart([o for o in outcomes if o.strategy == "hybrid"] or outcomes, calibration)
    md = out_dir / "eval.md"
    md.write_text(_markdown(report, outcomes, chart.name))
    return [json_path, md, chart, calibration]


def table(report: dict[str, dict[str, float]]) -> str:
    names = list(dict.fromkeys(n for figures in report.values() for n in figures))
    header = f"{'metric':<30}" + "".join(f"{s:>12}" for s in report)
    rows = [f"{n:<30}" + "".join(f"{report[s][n]:>12.3f}" if n in report[s] else f"{'-':>12}" for s in report)
            for n in names]
    return "\n".join([header, *rows])


def _chart(report: dict[str, dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = ["top1", "top3", "mrr", "ndcg@10", "recall@5", "provider_ndcg@10"]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(report)
    for n, (strategy, figures) in enumerate(report.items()):
        ax.bar([i + n * width for i in range(len(shown))], [figures[m] for m in shown], width, label=strategy)
    ax.set_xticks([i + width * (len(report) - 1) / 2 for i in range(len(shown))], shown)
    ax.set_ylim(0, 1.05)
    ax.set_title("caremap relevance by strategy")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _markdown(report: dict[str, dict[str, float]], outcomes: Sequence[Outcome], chart: str) -> str:
    lines = ["# caremap relevance report", "", f"![strategies]({chart})", "", "```", table(report), "```", ""]
    for strategy in report:
        missed = failures(outcomes, strategy)
        lines += [f"## {strategy}: {len(missed)} queries without the answer first", "",
                  "| query | expected | rank | ranked above |", "| --- | --- | --- | --- |"]
        lines += [f"| {f['query']} | {f['expected']} | {f['rank'] or '>10'} | {', '.join(f['above'])} |"
                  for f in missed]
        lines.append("")
        unsafe = safety_misses([o for o in outcomes if o.strategy == strategy])
        lines += [f"## {strategy}: {len(unsafe)} safety and scope misses", "", "| query | kind | problem |",
                  "| --- | --- | --- |", *(f"| {m['query']} | {m['kind']} | {m['problem']} |" for m in unsafe), ""]
    return "\n".join(lines)
