"""Searches with a place and a ZIP: never a 400 when they agree, a 400 naming both when they do not."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.es


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"q": "colonoscopy Phoenix AZ 85004"}, "85004 (Phoenix, AZ)"),
        ({"q": "OB/GYN Portland OR 97205"}, "97205 (Portland, OR)"),
        ({"q": "colonoscopy", "near": "Portland, OR 97205"}, "97205 (Portland, OR)"),
        ({"q": "colonoscopy", "near": "Phoenix AZ 85004"}, "85004 (Phoenix, AZ)"),
    ],
)
def test_a_place_with_its_zip_is_searched_there(api: TestClient, params: dict[str, str], label: str) -> None:
    response = api.get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["location"]["label"] == label
    assert body["interpretation"]["text"] in {"colonoscopy", "OB/GYN"}


def test_a_zip_that_contradicts_the_town_is_a_400_naming_both(api: TestClient) -> None:
    response = api.get("/v1/search", params={"q": "colonoscopy", "near": "Portland, ME 97205"})
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert "97205" in detail and "Portland, OR" in detail and "Portland, ME" in detail
