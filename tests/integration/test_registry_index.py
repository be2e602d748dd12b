"""Generated NPPES + utilisation files -> ingest -> the existing indexer -> the real test node -> a search."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api.provider_wording import provider_wording
from api.volume_signal import billed_volume_clause
from caremap.corpus.load import Corpus
from caremap.embedding import Embedder
from caremap.registry.generator import write_files
from caremap.registry.ingest import IngestFiles, ingest_nppes
from caremap.registry.zips import ZipTable
from caremap.settings import Settings

OMAHA = (41.2565, -95.9345)
TAXONOMIES = (("207L00000X", 1.0), ("208VP0000X", 1.0), ("363LF0000X", 1.0))
BLOOD_PATCH = "epidural-blood-patch"


def _near_omaha(zips: ZipTable) -> list[str]:
    def km(code: str) -> float:
        place = zips.get(code)
        assert place is not None
        dy = (place.lat - OMAHA[0]) * 111.2
        dx = (place.lon - OMAHA[1]) * 111.2 * math.cos(math.radians(OMAHA[0]))
        return math.hypot(dx, dy)

    return [c for c in zips.codes() if c.startswith("681") and km(c) < 12]


@pytest.fixture
def registry_settings(tmp_path: Path, isolated_settings: Settings, embedder: Embedder) -> Iterator[Settings]:
    from indexer.build import build_indices

    zips = ZipTable.load()
    generated = write_files(tmp_path / "registry", count=300, seed=11, zips=_near_omaha(zips), bad_every=40,
                            codes_by_taxonomy={"207L00000X": ["62273"], "208VP0000X": ["62273", "64405"]},
                            taxonomies=TAXONOMIES)
    out = tmp_path / "providers.jsonl"
    report = ingest_nppes(IngestFiles(npi=generated.npi, out=out, utilization=generated.utilization,
                                      locations=generated.locations),
                          Corpus.load(isolated_settings.corpus_dir), progress=False, zips=zips)
    assert report.written > 150 and report.with_billed > 5
    assert set(report.rejected) == {"malformed NPI", "unknown ZIP", "missing taxonomy"}
    settings = isolated_settings.model_copy(update={"providers_file": out})
    built = build_indices(settings, progress=False, embedder=embedder)
    assert built["counts"]["providers"] == report.written
    yield settings


def test_registry_records_are_indexed_found_and_ranked_by_billed_volume(
    registry_settings: Settings, es: Elasticsearch,
) -> None:
    from api.main import create_app

    alias = registry_settings.alias("providers")
    by_volume = es.search(index=alias, size=3, query=billed_volume_clause([BLOOD_PATCH]))
    hits = by_volume["hits"]["hits"]
    volumes = [h["_source"]["procedure_evidence"][BLOOD_PATCH]["volume"] for h in hits]
    assert len(volumes) == 3 and volumes == sorted(volumes, reverse=True)
    top: dict[str, Any] = hits[0]["_source"]
    assert top["fictional"] is False and top["provenance"]["source"] == "NPPES"
    why = provider_wording(top, [BLOOD_PATCH], {BLOOD_PATCH: "Epidural blood patch"}, 2.0).why
    assert why.startswith(f"Billed Medicare for {round(volumes[0]):,} epidural blood patches in 2023")

    lat, lon = top["clinic"]["location"]["lat"], top["clinic"]["location"]["lon"]
    with TestClient(create_app(registry_settings)) as client:
        response = client.get("/v1/search", params={"q": "epidural blood patch", "lat": lat, "lon": lon,
                                                    "radius_km": 40, "page_size": 50})
    assert response.status_code == 200, response.text
    providers = response.json()["providers"]
    assert providers and all(p["fictional"] is False for p in providers)
    assert all(BLOOD_PATCH in p["procedures"] for p in providers)
    assert top["id"] in {p["id"] for p in providers}
