"""How one search is scored against its judgment: the rank of the right answer."""

from types import SimpleNamespace

from api.evaluation import outcome
from caremap.corpus.schemas import Judgment


def _response(*slugs: str) -> SimpleNamespace:
    return SimpleNamespace(
        interpretation=SimpleNamespace(procedures=[SimpleNamespace(slug=s) for s in slugs], confidence="high",
                                       scope="in_scope"),
        providers=[], urgent=None, intent=SimpleNamespace(type="symptom"))


def test_any_procedure_graded_right_counts_at_its_rank() -> None:
    judgment = Judgment(query="up at night to pee, weak stream",
                        procedures={"turp": 3, "prostate-water-vapor-therapy": 3, "cystoscopy": 1})
    first = outcome(judgment, "hybrid", _response("prostate-water-vapor-therapy", "turp"))  # type: ignore[arg-type]
    assert (first.rank, first.expected) == (1, "prostate-water-vapor-therapy")
    later = outcome(judgment, "hybrid", _response("cystoscopy", "turp"))  # type: ignore[arg-type]
    assert (later.rank, later.expected, later.above) == (2, "turp", ["cystoscopy"])


def test_a_right_answer_missing_from_the_list_has_no_rank() -> None:
    judgment = Judgment(query="bone on bone knee", procedures={"total-knee-replacement": 3})
    missed = outcome(judgment, "hybrid", _response("cortisone-joint-injection"))  # type: ignore[arg-type]
    assert (missed.rank, missed.expected) == (None, "total-knee-replacement")
