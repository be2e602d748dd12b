"""Query embeddings on the search path: cached, batched across concurrent requests, in a thread or a child
process (real model)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from api.model_process import ModelProcess, ModelProcessError
from api.query_vectors import ModelThread, QueryVectors
from api.search_service import Timings
from caremap.embedding import Embedder, Vector

TEXTS = ["headache worse when upright", "knee pain on stairs", "itchy scaly elbows", "blood in urine",
         "heavy periods", "ringing in ears", "numb fingers at night", "chest pain when walking"]


class Failing:
    async def embed(self, texts: list[str]) -> list[Vector]:
        raise RuntimeError("model crashed")

    def close(self) -> None:
        pass


def cosine(a: Vector, b: Vector) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_concurrent_misses_share_model_calls_and_get_their_own_vectors(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    got = await asyncio.gather(*(vectors.get(t, Timings()) for t in TEXTS))
    assert vectors.embedded == len(TEXTS)
    assert vectors.batches < len(TEXTS)  # the first call runs alone, the others wait and go together
    for text, vector in zip(TEXTS, got, strict=True):
        assert cosine(vector, embedder.embed_query(text)) == pytest.approx(1.0, abs=1e-4)


async def test_the_same_text_in_flight_twice_is_embedded_once(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    first, second = await asyncio.gather(vectors.get("Knee  pain", Timings()), vectors.get("knee pain", Timings()))
    assert first == second
    assert vectors.embedded == 1


async def test_a_repeat_is_a_cache_hit_with_no_model_time(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    await vectors.get("knee pain", Timings())
    timings = Timings()
    await vectors.get("KNEE pain", timings)
    assert timings.cache_hit and timings.embed_ms == 0.0
    assert vectors.embedded == 1


async def test_a_caller_that_goes_away_does_not_break_the_others(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    leaving = asyncio.create_task(vectors.get("knee pain", Timings()))
    staying = asyncio.create_task(vectors.get("knee pain", Timings()))
    await asyncio.sleep(0)
    leaving.cancel()
    assert len(await staying) == embedder.dims
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_model_failure_reaches_every_waiter_and_the_next_call_tries_again() -> None:
    vectors = QueryVectors(Failing())
    results = await asyncio.gather(*(vectors.get(t, Timings()) for t in TEXTS[:3]), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    with pytest.raises(RuntimeError, match="model crashed"):
        await vectors.get(TEXTS[0], Timings())


async def test_the_model_process_gives_the_same_vectors_and_survives_its_child_dying(embedder: Embedder) -> None:
    encoder = ModelProcess(embedder.model_name)
    try:
        first = await encoder.embed(TEXTS[:2])
        for text, vector in zip(TEXTS[:2], first, strict=True):
            assert cosine(vector, embedder.embed_query(text)) == pytest.approx(1.0, abs=1e-4)
        killed = encoder.pid
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        again = await encoder.embed(TEXTS[2:3])  # a new child is started and asked again
        assert cosine(again[0], embedder.embed_query(TEXTS[2])) == pytest.approx(1.0, abs=1e-4)
        assert encoder.pid not in (None, killed)
    finally:
        encoder.close()


async def test_a_model_that_cannot_be_loaded_is_a_clear_error(tmp_path: Path) -> None:
    encoder = ModelProcess(str(tmp_path / "no-such-model"))
    try:
        with pytest.raises(ModelProcessError, match="could not load model"):
            await encoder.embed(["knee pain"])
    finally:
        encoder.close()
