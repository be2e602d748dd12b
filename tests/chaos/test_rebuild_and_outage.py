"""A full rebuild published (alias swap) under a stream of searches, then the whole cluster down and back.

The rebuild indexes another provider set (the first 600 sample providers instead of 300), so the two builds
answer some queries differently: every 200 must be exactly the old build's answer or the new one's (a page
never mixes them), and page two of a cursor taken before the swap still comes from the old build.

A search that finds nobody at the asked radius reads the providers again (wider radii, the nearest performer
for the notice); those reads are pinned to the build the alias serves after the first one
(``api.search.providers``), which leaves one narrow window: a swap between that first, empty read and the pin.
Before the pin, 2 of 1,121 searches around a swap were pages of two builds; any page that is neither build's
answer is still reported as an expected failure (with its body in the artifact) rather than passing.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from elasticsearch import Elasticsearch

from caremap.embedding import Embedder
from caremap.localcluster import LocalCluster
from caremap.settings import Settings
from tests.chaos.conftest import first_providers, readiness, restored
from tests.chaos.stream import QUERIES, Record, healthy_answers, search_stream

pytestmark = [pytest.mark.es, pytest.mark.chaos]


def test_a_rebuild_swapped_in_during_searches_serves_one_build_per_page(
    chaos_api: str, chaos_settings: Settings, embedder: Embedder, tmp_path: Path,
) -> None:
    from indexer.build import build_indices

    old = asyncio.run(healthy_answers(chaos_api, rounds=1))
    first_page = httpx.get(f"{chaos_api}/v1/search", params=QUERIES[1], timeout=30).json()
    cursor = first_page["next_cursor"]
    second_page_before = httpx.get(f"{chaos_api}/v1/search", params={**QUERIES[1], "cursor": cursor}, timeout=30)
    assert second_page_before.status_code == 200
    bigger = chaos_settings.model_copy(update={"providers_file": first_providers(tmp_path / "p600.jsonl", 600)})
    report: dict[str, Any] = {}

    async def rebuild(record: Record) -> None:
        await record.reached(50)
        record.mark("rebuild")
        report.update(await asyncio.to_thread(build_indices, bigger, progress=False, embedder=embedder))
        record.mark("swapped")
        await record.reached(len(record.replies) + 60)  # searches after the swap, on the new build

    record = asyncio.run(search_stream(chaos_api, "rebuild-alias-swap", count=320, max_s=300, fault=rebuild))
    new = asyncio.run(healthy_answers(chaos_api, rounds=1))
    assert report["counts"]["providers"] == 600
    assert any(old[i] != new[i] for i in old), "the two builds answer alike: the test could not see a mix"
    either = {i: old[i] | new[i] for i in old}
    mixed = record.partial(either)
    summary = record.summary(either)
    record.save(summary, odd=mixed)
    assert summary["searches"] >= 300
    assert record.failed() == [], f"failed searches: {record.failed()[:5]}"
    after_swap = [r for r in record.between("swapped") if r.body in either[r.query]]
    assert after_swap and all(r.body in new[r.query] for r in after_swap), "the old build served after the swap"
    second_page_after = httpx.get(f"{chaos_api}/v1/search", params={**QUERIES[1], "cursor": cursor}, timeout=30)
    assert second_page_after.status_code == 200
    assert second_page_after.json()["providers"] == second_page_before.json()["providers"]
    if mixed:  # known: see the module docstring; the bodies are in the artifact
        pytest.xfail(f"{len(mixed)} of {len(record.replies)} pages were neither build's answer (sent at "
                     f"{[round(r.at_s - record.events['swapped'], 2) for r in mixed]} s from the swap's end)")


def test_the_whole_cluster_down_is_503_and_searches_come_back_with_it(
    chaos_api: str, cluster: LocalCluster, cluster_es: Elasticsearch,
) -> None:
    query = QUERIES[0]
    before = httpx.get(f"{chaos_api}/v1/search", params=query, timeout=30)
    assert before.status_code == 200
    try:
        assert cluster.down()
        down = httpx.get(f"{chaos_api}/v1/search", params=query, timeout=30)
        assert down.status_code == 503, down.text
        assert down.headers["content-type"] == "application/problem+json"
        assert int(down.headers["Retry-After"]) > 0
        ready = httpx.get(f"{chaos_api}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    finally:
        restored(cluster, cluster_es)
    after, refused = back_within(chaos_api, query, within_s=30)
    print(f"\nwhole-cluster outage: {refused} searches refused (503) after the cluster was green again")
    assert after.text == before.text
    assert readiness(chaos_api)["status"] == "ok"


def back_within(base: str, query: dict[str, Any], *, within_s: float) -> tuple[httpx.Response, int]:
    """The first 200 to ``query`` (asked every 0.5 s for at most ``within_s``), and how many 503s came first:
    the client's node pool has had every node on back-off and drops the dead connections as it goes."""
    deadline, refused = time.monotonic() + within_s, 0
    while True:
        response = httpx.get(f"{base}/v1/search", params=query, timeout=30)
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response, refused
        assert response.status_code == 503, response.text
        refused += 1
        time.sleep(0.5)
