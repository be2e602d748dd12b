"""The query model in a child process of its own, spoken to over a pipe the event loop watches.

Why a process: in the server's process the model's Python code and the event loop queue for the same
interpreter lock, so under concurrent load every embedding waited behind request handling. Why a bare pipe
rather than a process pool: a pool hands each call through two extra threads (about 3 ms a query here); the
loop reads this pipe directly when the child's answer arrives.

One call at a time (``QueryVectors`` batches concurrent queries into one call); ``start`` writes the texts
to the pipe before it returns, so the model is already working while the caller goes on. The child is started with
``spawn`` (forking a process that already runs threads is unsafe). If it dies, the next call starts a new one
and asks once more; a child that cannot load the model is an error the caller sees, with the child's own
traceback on stderr.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from caremap.embedding import Precision, Vector

START_TIMEOUT_S = 300.0  # a cold start imports PyTorch and loads the model


class ModelProcessError(RuntimeError):
    """The child could not embed (it failed to load the model, or raised while embedding)."""


def _serve(conn: Connection, model: str, batch_size: int, threads: int, precision: Precision) -> None:
    """The child: load the model, then answer each list of texts with their vectors until the pipe closes."""
    import torch

    from caremap.embedding import Embedder

    torch.set_num_threads(threads)
    try:
        embedder = Embedder(model, batch_size=batch_size, precision=precision)
    except Exception as error:
        conn.send(("error", f"could not load model {model!r}: {error}"))
        raise
    conn.send(("ready", embedder.dims))
    while True:
        try:
            texts = conn.recv()
        except EOFError:  # the server closed the pipe: stop
            return
        try:
            conn.send(("ok", embedder.embed_queries(texts)))
        except Exception as error:
            conn.send(("error", f"{type(error).__name__}: {error}"))


class ModelProcess:
    def __init__(self, model: str, *, batch_size: int = 64, threads: int = 1, precision: Precision = "float32") -> None:
        self._args = (model, batch_size, threads, precision)
        self._conn: Connection | None = None
        self._process: BaseProcess | None = None
        self._in_flight = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, texts: list[str]) -> asyncio.Future[list[Vector]]:
        """Hand ``texts`` to the child now when it is up (so the caller's own work overlaps the model's) and
        return the future of their vectors. One call at a time: ``QueryVectors`` batches concurrent queries."""
        if self._in_flight:
            raise RuntimeError("the query model process answers one call at a time")
        self._in_flight = True
        sent = self._send(texts)
        return asyncio.ensure_future(self._complete(texts, sent=sent))

    async def embed(self, texts: list[str]) -> list[Vector]:
        return await self.start(texts)

    def _send(self, texts: list[str]) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.send(texts)
        except OSError:  # the child has gone (broken pipe): the call starts another
            self._stop()
            return False
        return True

    async def _complete(self, texts: list[str], *, sent: bool) -> list[Vector]:
        try:
            try:
                return await self._answer(texts, sent=sent)
            except (EOFError, OSError):  # the child died: start another and ask once more
                self._stop()
                return await self._answer(texts, sent=False)
        finally:
            self._in_flight = False

    async def _answer(self, texts: list[str], *, sent: bool) -> list[Vector]:
        if not sent:
            if self._conn is None:
                await self._start()
            assert self._conn is not None
            self._conn.send(texts)
        assert self._conn is not None
        try:
            kind, payload = await self._receive(self._conn)
        except BaseException:  # cancelled, or the pipe broke: a late answer must not reach the next caller
            self._stop()
            raise
        if kind == "error":
            raise ModelProcessError(payload)
        return list(payload)

    async def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs, *self._args), daemon=True,
                                        name="caremap-query-model")
        self._process.start()
        theirs.close()
        self._conn = ours
        try:
            kind, payload = await asyncio.wait_for(self._receive(ours), START_TIMEOUT_S)
        except (EOFError, TimeoutError) as error:
            self._stop()
            raise ModelProcessError(f"the query model process did not start ({error!r}); see its output") from error
        if kind != "ready":
            self._stop()
            raise ModelProcessError(str(payload))

    @staticmethod
    async def _receive(conn: Connection) -> tuple[str, Any]:
        """The child's next message, waiting on the event loop (not a thread) until the pipe is readable."""
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(conn.fileno(), wake)
        try:
            await readable
        finally:
            loop.remove_reader(conn.fileno())
            os.set_blocking(conn.fileno(), True)  # the loop made it non-blocking; the rest of a message follows
        message: tuple[str, Any] = conn.recv()  # raises EOFError when the child has gone
        return message

    def _stop(self, *, wait_s: float = 0.0) -> None:
        """Close the pipe (a healthy child then exits by itself); kill the child if it has not within
        ``wait_s`` (at once after a failure: it may be mid-answer to a question nobody waits for)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(timeout=wait_s)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)
            self._process = None

    def close(self) -> None:
        self._stop(wait_s=2.0)
