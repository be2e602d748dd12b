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
from caremap.embedding import Embedder, Vector, effective_precision, native_bfloat16

TEXTS = ["headache worse when upright", "knee pain on stairs", "itchy scaly elbows", "blood in urine",
         "heavy periods", "ringing in ears", "numb fingers at night", "chest pain when walking"]


class Failing:
    def start(self, texts: list[str]) -> asyncio.Future[list[Vector]]:
        failed: asyncio.Future[list[Vector]] = asyncio.get_running_loop().create_future()
        failed.set_exception(RuntimeError("model crashed"))
        return failed

    def close(self) -> None:
        pass


class Recording:
    """Records what reached the model and when; answers only when told to."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.pending: list[asyncio.Future[list[Vector]]] = []

    def start(self, texts: list[str]) -> asyncio.Future[list[Vector]]:
        self.calls.append(texts)
        self.pending.append(asyncio.get_running_loop().create_future())
        return self.pending[-1]

    def answer(self) -> None:
        self.pending[-1].set_result([[float(len(t))] for t in self.calls[-1]])

    def close(self) -> None:
        pass


def cosine(a: Vector, b: Vector) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_concurrent_misses_share_model_calls_and_get_their_own_vectors(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    got = await asyncio.gather(*(vectors.get(t) for t in TEXTS))
    assert vectors.embedded == len(TEXTS)
    assert vectors.batches < len(TEXTS)  # the first call runs alone, the others wait and go together
    for text, vector in zip(TEXTS, got, strict=True):
        assert cosine(vector, embedder.embed_query(text)) == pytest.approx(1.0, abs=1e-4)


async def test_the_same_text_in_flight_twice_is_embedded_once(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    first, second = await asyncio.gather(vectors.get("Knee  pain"), vectors.get("knee pain"))
    assert first == second
    assert vectors.embedded == 1


async def test_a_repeat_is_a_cache_hit_with_no_model_time(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    first = await vectors.get("knee pain")
    again = vectors.request("KNEE  pain")
    assert again.done() and again.result() == first  # answered from the cache, without waiting
    assert vectors.embedded == 1


async def test_a_request_reaches_the_model_before_the_caller_awaits_anything() -> None:
    model = Recording()
    vectors = QueryVectors(model)
    first = vectors.request("knee pain")
    assert model.calls == [["knee pain"]]  # synchronously: the caller's own work overlaps the model's
    second, third = vectors.request("heavy periods"), vectors.request("blood in urine")
    assert model.calls == [["knee pain"]]  # the model is busy: these wait together
    model.answer()
    assert await first == [9.0]
    assert model.calls[-1] == ["heavy periods", "blood in urine"]  # handed over as one batch
    model.answer()
    assert (await second, await third) == ([13.0], [14.0])
    assert (vectors.batches, vectors.embedded) == (2, 3)


async def test_a_caller_that_goes_away_does_not_break_the_others(embedder: Embedder) -> None:
    vectors = QueryVectors(ModelThread(embedder))
    leaving = asyncio.create_task(vectors.get("knee pain"))
    staying = asyncio.create_task(vectors.get("knee pain"))
    await asyncio.sleep(0)
    leaving.cancel()
    assert len(await staying) == embedder.dims
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_model_failure_reaches_every_waiter_and_the_next_call_tries_again() -> None:
    vectors = QueryVectors(Failing())
    results = await asyncio.gather(*(vectors.get(t) for t in TEXTS[:3]), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    with pytest.raises(RuntimeError, match="model crashed"):
        await vectors.get(TEXTS[0])


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


async def test_the_model_process_answers_one_call_at_a_time(embedder: Embedder) -> None:
    encoder = ModelProcess(embedder.model_name)
    try:
        first = encoder.start(TEXTS[:1])
        with pytest.raises(RuntimeError, match="one call at a time"):
            encoder.start(TEXTS[1:2])
        assert len((await first)[0]) == embedder.dims
        assert len((await encoder.embed(TEXTS[1:2]))[0]) == embedder.dims  # free again once answered
    finally:
        encoder.close()


async def test_a_bfloat16_query_model_stays_within_rounding_of_float32(embedder: Embedder) -> None:
    fast = Embedder(embedder.model_name, precision="bfloat16")
    encoder = ModelProcess(embedder.model_name, precision="bfloat16")
    try:
        in_child = await encoder.embed(TEXTS)
    finally:
        encoder.close()
    for text, vector, child_vector in zip(TEXTS, fast.embed_queries(TEXTS), in_child, strict=True):
        exact = embedder.embed_query(text)
        assert vector != exact  # the setting took effect (bfloat16 rounds) ...
        assert cosine(vector, exact) > 0.9995  # ... and ranks the same
        assert cosine(child_vector, vector) == pytest.approx(1.0, abs=1e-5)  # the child runs it too
        assert cosine(vector, vector) == pytest.approx(1.0, abs=1e-5)  # still unit length


def test_auto_precision_is_bfloat16_only_where_the_cpu_computes_in_it(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n")
    assert native_bfloat16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n")
    assert not native_bfloat16(cpuinfo)
    assert not native_bfloat16(tmp_path / "missing")
    transformer_first, static_first = [Transformer()], [object()]
    assert effective_precision("auto", transformer_first, native=True) == "bfloat16"
    assert effective_precision("auto", transformer_first, native=False) == "float32"
    assert effective_precision("auto", static_first, native=True) == "float32"  # any model keeps working
    assert effective_precision("float32", transformer_first, native=True) == "float32"
    assert effective_precision("bfloat16", transformer_first, native=False) == "bfloat16"  # asked for: given
    with pytest.raises(ValueError, match="expected auto, float32 or bfloat16"):
        effective_precision("int8", transformer_first)  # type: ignore[arg-type]


class Transformer:
    """Stands in for sentence-transformers' first module when it wraps a transformer."""

    auto_model = None


async def test_a_model_that_cannot_be_loaded_is_a_clear_error(tmp_path: Path) -> None:
    encoder = ModelProcess(str(tmp_path / "no-such-model"))
    try:
        with pytest.raises(ModelProcessError, match="could not load model"):
            await encoder.embed(["knee pain"])
    finally:
        encoder.close()
