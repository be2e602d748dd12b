"""The API's heavy resources, built once in the app's lifespan (or by a command) and closed after it."""

from __future__ import annotations

from dataclasses import dataclass

from threadpoolctl import threadpool_limits

from api.catalogue import Catalogue
from api.elastic import Elastic
from api.model_process import ModelProcess
from api.query_vectors import Encoder, ModelThread, QueryVectors
from api.safety.training import train_safety
from api.search.service import SearchService
from api.suggest import Suggester
from caremap.corpus.load import Corpus
from caremap.embedding import Embedder
from caremap.es_client import async_client
from caremap.places import Gazetteer
from caremap.settings import Settings


@dataclass(frozen=True)
class Resources:
    settings: Settings
    es: Elastic
    vectors: QueryVectors
    gazetteer: Gazetteer
    catalogue: Catalogue
    suggester: Suggester
    search: SearchService

    @classmethod
    async def open(cls, settings: Settings) -> Resources:
        """Load the corpus and the gazetteer, start the query model (and wait until it answers), train the
        safety classifiers (or load them from the cache) and create the client."""
        corpus = Corpus.load(settings.corpus_dir)
        catalogue, gazetteer = Catalogue(corpus), Gazetteer.load(corpus.places)
        vectors = QueryVectors(_encoder(settings))
        try:
            await vectors.warm()
            safety = await train_safety(corpus, vectors, model_key=f"{settings.model}/{settings.query_model_precision}",
                                        cache_dir=settings.home / "cache")
        except BaseException:
            vectors.close()
            raise
        one_blas_thread()
        es = Elastic(async_client(settings), settings)
        return cls(settings=settings, es=es, vectors=vectors, gazetteer=gazetteer, catalogue=catalogue,
                   suggester=Suggester(corpus, gazetteer),
                   search=SearchService(es=es, vectors=vectors, gazetteer=gazetteer, catalogue=catalogue,
                                        safety=safety))

    async def close(self) -> None:
        self.vectors.close()
        await self.es.close()


def one_blas_thread() -> None:
    """One BLAS thread for this process from now on (the query model, in its own process or on OpenMP, keeps its
    threads). The safety checks' matrix-vector products are small, and an idle BLAS thread that spins while the
    model and Elasticsearch want both cores took a third of the searches' throughput at 8 clients (issue 16's
    note: ``python -m bench.load_bench``, interleaved with and without)."""
    threadpool_limits(limits=1, user_api="blas")


def _encoder(settings: Settings) -> Encoder:
    precision = settings.query_model_precision
    if settings.query_model_process:
        return ModelProcess(settings.model, batch_size=settings.embed_batch_size,
                            threads=settings.query_model_threads, precision=precision)
    return ModelThread(Embedder(settings.model, batch_size=settings.embed_batch_size, precision=precision))
