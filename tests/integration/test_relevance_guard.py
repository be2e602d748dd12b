"""Regression guard on relevance: a fixed set of queries whose first interpretation must not change."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

pytestmark = pytest.mark.es

GUARD = yaml.safe_load((Path(__file__).parents[1] / "data" / "relevance_guard.yaml").read_text())


@pytest.mark.parametrize("case", GUARD, ids=[c["query"][:40] for c in GUARD])
def test_first_interpretation_holds(api: TestClient, case: dict) -> None:
    response = api.get("/v1/search", params={"q": case["query"], "near": "Boston"})
    assert response.status_code == 200, response.text
    ranked = [p["slug"] for p in response.json()["interpretation"]["procedures"]]
    assert ranked[0] == case["top"], f"{case['query']!r}: got {ranked[:3]}"
