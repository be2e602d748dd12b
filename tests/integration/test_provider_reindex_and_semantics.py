"""Against the real node: a provider-only rebuild, and the semantic term of the provider ranking."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

import indexer.build as build
from api import queries
from api.search import ranking
from caremap.embedding import Embedder
from caremap.settings import Settings

pytestmark = pytest.mark.es

CENTRE = {"lat": 41.2, "lon": -100.2}
KM_PER_DEGREE_LAT = 111.2


def provider(n: int, *, north_km: float, procedures: list[str], focus: str | None = None,
             specialties: tuple[str, ...] = ("Anesthesiology", "Pain Medicine")) -> dict[str, Any]:
    return {
        "id": f"test-{n:04d}", "fictional": True, "name": f"Test Clinician {n}", "specialties": list(specialties),
        "procedures": procedures, "focus": focus, "rating": 4.5, "review_count": 20,
        "clinic": {"name": f"Test Clinic {n}", "address": {"street": f"{n} Main Street", "city": "Serzhong",
                                                           "region": "NE", "postal_code": "68825"},
                   "location": {"lat": round(CENTRE["lat"] + north_km / KM_PER_DEGREE_LAT, 6),
                                "lon": CENTRE["lon"]}},
    }


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def build_with(embedder: Embedder) -> Callable[..., dict[str, Any]]:
    def run(settings: Settings, **kwargs: Any) -> dict[str, Any]:
        return build.build_indices(settings, progress=False, embedder=embedder, **kwargs)
    return run


def targets(es: Elasticsearch, alias: str) -> list[str]:
    return sorted(es.indices.get_alias(name=alias).keys())


def test_only_providers_rebuilds_and_swaps_the_providers_alias_alone(
    es: Elasticsearch, isolated_settings: Settings, small_providers: Path, build_with: Callable[..., Any],
) -> None:
    settings = isolated_settings.model_copy(update={"providers_file": small_providers})
    first = build_with(settings)
    again = build_with(settings, only="providers")
    assert set(again["indices"]) == {"providers"}
    assert targets(es, settings.alias("providers")) == [again["indices"]["providers"]]
    assert targets(es, settings.alias("procedures")) == [first["indices"]["procedures"]]
    assert set(es.indices.get(index=f"{settings.alias('procedures')}-v*")) == {first["indices"]["procedures"]}
    assert es.count(index=settings.alias("providers"))["count"] == first["counts"]["providers"]


def test_a_failed_provider_only_rebuild_deletes_its_index_and_the_old_one_keeps_serving(
    es: Elasticsearch, isolated_settings: Settings, small_providers: Path, build_with: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = isolated_settings.model_copy(update={"providers_file": small_providers})
    published = build_with(settings)

    def merge_fails(es: Elasticsearch, index: str, **_: object) -> None:
        raise build.BuildError(f"{index}: simulated force-merge failure")

    monkeypatch.setattr(build, "force_merge", merge_fails)
    with pytest.raises(build.BuildError, match="simulated force-merge failure"):
        build_with(settings, only="providers")
    for index in ("procedures", "providers"):
        alias = settings.alias(index)
        assert targets(es, alias) == [published["indices"][index]]
        assert set(es.indices.get(index=f"{alias}-v*")) == {published["indices"][index]}


def test_the_semantic_term_reorders_by_profile_and_never_admits_a_provider_outside_the_radius(
    es: Elasticsearch, isolated_settings: Settings, tmp_path: Path, embedder: Embedder,
    build_with: Callable[..., Any],
) -> None:
    generalist = ["epidural-blood-patch", "lumbar-epidural-steroid-injection", "facet-joint-injection",
                  "radiofrequency-ablation-spine"]
    records = [
        provider(1, north_km=1.0, procedures=generalist, focus="lumbar-epidural-steroid-injection"),
        provider(2, north_km=2.0, procedures=["epidural-blood-patch"], focus="epidural-blood-patch"),
        provider(3, north_km=3.0, procedures=generalist, focus="radiofrequency-ablation-spine"),
        # The best profile of all, but outside the radius: it must never be listed.
        provider(4, north_km=40.0, procedures=["epidural-blood-patch"], focus="epidural-blood-patch"),
    ]
    settings = isolated_settings.model_copy(update={"providers_file": write(tmp_path / "p.jsonl", records)})
    build_with(settings, only="providers")
    alias = settings.alias("providers")
    vector = embedder.embed_query("headache from a spinal fluid leak that is worse when I stand up")

    def ranked(query_vector: list[float] | None) -> list[dict[str, Any]]:
        body = queries.providers_near(procedures=["epidural-blood-patch"], radius_km=25, size=10,
                                      query_vector=query_vector, **CENTRE)
        return list(es.search(index=alias, **body)["hits"]["hits"])

    plain, semantic = ranked(None), ranked(vector)
    assert [h["_id"] for h in plain] == ["test-0001", "test-0002", "test-0003"]  # nearest first
    assert semantic[0]["_id"] == "test-0002"  # the blood-patch specialist moves up
    assert sorted(h["_id"] for h in semantic) == ["test-0001", "test-0002", "test-0003"]
    for hit in semantic:  # the two named terms add up to the score, and the kNN term is the weighted cosine
        terms = hit["matched_queries"]
        assert set(terms) == {"proximity", "semantic"}
        assert terms["proximity"] + terms["semantic"] == pytest.approx(hit["_score"], rel=1e-4)
        assert 0 < terms["semantic"] <= ranking.SEMANTIC_WEIGHT
