"""Indexing against the real node: versioned indices behind aliases, and failures that publish nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

import indexer.build as build
from caremap.corpus.load import CorpusError
from caremap.embedding import Embedder
from caremap.settings import Settings

pytestmark = pytest.mark.es


@pytest.fixture
def build_with(embedder: Embedder) -> Callable[[Settings], dict[str, Any]]:
    """Build with the session's embedder: its cache makes repeated builds of one corpus cheap."""
    return functools.partial(build.build_indices, progress=False, embedder=embedder)


def alias_targets(es: Elasticsearch, alias: str) -> list[str]:
    return sorted(es.indices.get_alias(name=alias).keys())


def test_build_serves_versioned_indices_through_aliases(es: Elasticsearch, base_settings: Settings,
                                                        built: dict) -> None:
    for index in ("procedures", "providers"):
        targets = alias_targets(es, base_settings.alias(index))
        assert targets == [built["indices"][index]]
        assert targets[0].startswith(f"{base_settings.alias(index)}-v1-")
        assert es.count(index=base_settings.alias(index))["count"] == built["counts"][index]


def test_indexed_documents_carry_no_vector_in_source_and_geo_points(es: Elasticsearch, base_settings: Settings,
                                                                    built: dict) -> None:
    hit = es.search(index=base_settings.alias("providers"), size=1)["hits"]["hits"][0]
    assert "vector" not in hit["_source"]
    mapping = es.indices.get_mapping(index=base_settings.alias("providers"))
    props = next(iter(mapping.values()))["mappings"]["properties"]
    assert props["clinic"]["properties"]["location"]["type"] == "geo_point"
    assert props["vector"]["index_options"]["type"] == "flat"


def test_rebuild_swaps_aliases_and_keeps_one_previous_build(es: Elasticsearch, isolated_settings: Settings,
                                                            small_providers: Path, build_with: Callable) -> None:
    settings = isolated_settings.model_copy(update={"providers_file": small_providers})
    first = build_with(settings)
    second = build_with(settings)
    third = build_with(settings)
    alias = settings.alias("providers")
    assert alias_targets(es, alias) == [third["indices"]["providers"]]
    remaining = set(es.indices.get(index=f"{alias}-v*").keys())
    assert remaining == {second["indices"]["providers"], third["indices"]["providers"]}
    assert first["indices"]["providers"] in third["removed"]


def test_malformed_provider_fails_naming_record_and_field_and_old_index_keeps_serving(
    es: Elasticsearch, isolated_settings: Settings, small_providers: Path, tmp_path: Path, build_with: Callable,
) -> None:
    good = isolated_settings.model_copy(update={"providers_file": small_providers})
    published = build_with(good)

    lines = small_providers.read_text().splitlines()
    lines[6] = lines[6].replace('"lat":', '"lat": 123.0, "ignored_lat":', 1)  # clinic latitude out of range
    broken_file = tmp_path / "broken.jsonl"
    broken_file.write_text("\n".join(lines) + "\n")
    broken = isolated_settings.model_copy(update={"providers_file": broken_file})

    with pytest.raises(CorpusError) as failure:
        build_with(broken)
    message = str(failure.value)
    assert "line 7" in message
    assert "clinic.location" in message

    alias = good.alias("providers")
    assert alias_targets(es, alias) == [published["indices"]["providers"]]
    assert es.count(index=alias)["count"] == published["counts"]["providers"]


def test_failure_after_loading_deletes_the_new_indices_and_publishes_nothing(
    es: Elasticsearch, isolated_settings: Settings, small_providers: Path, monkeypatch: pytest.MonkeyPatch,
    build_with: Callable,
) -> None:
    settings = isolated_settings.model_copy(update={"providers_file": small_providers})
    published = build_with(settings)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash before the alias swap")

    monkeypatch.setattr(build, "swap_aliases", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_with(settings)

    for index in ("procedures", "providers"):
        alias = settings.alias(index)
        assert alias_targets(es, alias) == [published["indices"][index]]
        assert set(es.indices.get(index=f"{alias}-v*").keys()) == {published["indices"][index]}
