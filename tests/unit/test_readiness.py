"""/readyz's verdicts, from what it observed (api/readiness.py), and the partial-results guard."""

from __future__ import annotations

import pytest

from api.readiness import assess
from caremap.es_client import PartialResultsError, raise_if_partial

ALIASES = {"caremap-procedures": True, "caremap-providers": True}


def health(status: str = "green", nodes: int = 3) -> dict[str, object]:
    return {"status": status, "number_of_nodes": nodes}


def test_all_nodes_green_and_aliases_present_is_ok() -> None:
    verdict = assess(health(), aliases=ALIASES, expected_nodes=3)
    assert verdict.status == "ok"
    assert (verdict.nodes, verdict.expected_nodes) == (3, 3)
    assert verdict.checks["nodes"] == "3 of 3 expected"


def test_a_missing_node_degrades_even_when_green() -> None:
    verdict = assess(health("green", nodes=2), aliases=ALIASES, expected_nodes=3)
    assert verdict.status == "degraded"
    assert verdict.checks["nodes"] == "2 of 3 expected"


def test_yellow_degrades() -> None:
    assert assess(health("yellow"), aliases=ALIASES, expected_nodes=3).status == "degraded"


def test_an_unreachable_shared_rate_limit_storage_degrades() -> None:
    verdict = assess(health(), aliases=ALIASES, expected_nodes=3, limits_reachable=False)
    assert verdict.status == "degraded"
    assert verdict.checks["rate_limit_storage"].startswith("unreachable")
    assert "rate_limit_storage" not in assess(health(), aliases=ALIASES, expected_nodes=3).checks


@pytest.mark.parametrize(("observed", "aliases"), [
    (health("red"), ALIASES),
    (health(), {"caremap-procedures": True, "caremap-providers": False}),
    (None, {}),
])
def test_red_a_missing_alias_or_no_answer_is_unavailable(observed: dict[str, object] | None,
                                                         aliases: dict[str, bool]) -> None:
    assert assess(observed, unreachable="ConnectionError", aliases=aliases, expected_nodes=1).status == "unavailable"


def test_unreachable_names_the_error() -> None:
    verdict = assess(None, unreachable="ConnectionTimeout", aliases={}, expected_nodes=3)
    assert verdict.checks == {"elasticsearch": "unreachable (ConnectionTimeout)"}


def test_a_search_with_failed_shards_is_refused() -> None:
    raise_if_partial({"hits": {}, "_shards": {"total": 2, "failed": 0}})
    raise_if_partial({"hits": {}})  # filtered responses without _shards pass
    with pytest.raises(PartialResultsError, match="1 of 2 shards"):
        raise_if_partial({"_shards": {"total": 2, "failed": 1}})
