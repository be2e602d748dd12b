"""Providers at directory scale: every record validated before Elasticsearch is touched, each distinct profile
text embedded once, documents serialised straight to bulk lines, and bulk requests sent by a few threads.

A million providers share a bounded number of profile texts (what a clinician does and treats, not who they
are: see ``indexer.documents.provider_profile``), so embedding costs per distinct text, not per record. Each
distinct vector is serialised to JSON once and spliced into every document that uses it.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from elasticsearch import Elasticsearch

from caremap.corpus.checks import provider_problems
from caremap.corpus.load import Corpus, CorpusError, iter_providers
from caremap.corpus.schemas import Provider
from caremap.embedding import Embedder
from caremap.index_contract import billed_entries
from indexer.documents import ProfileVocabulary, provider_profile

BULK_DOCS = 1000
#: Requests in flight: one being indexed while the next is prepared and sent (2 cores; more only queue).
BULK_WORKERS = 2
BULK_TIMEOUT_S = 120.0
MAX_REPORTED_ERRORS = 20


class BulkRejectedError(RuntimeError):
    """Elasticsearch refused documents of a bulk request."""


@dataclass(frozen=True)
class ProviderScan:
    """The validation pass over a providers file: how many records, and their distinct profile texts."""

    count: int
    profiles: list[str]


def scan_providers(path: Path, corpus: Corpus, vocabulary: ProfileVocabulary) -> ProviderScan:
    """Validate every record (schema and cross-checks) and collect the distinct profile texts; a bad record
    raises CorpusError naming its line or id, field, value and what was expected."""
    texts: dict[str, None] = {}
    count = 0

    def counted() -> Iterator[Provider]:
        nonlocal count
        for provider in iter_providers(path):
            count += 1
            texts[provider_profile(provider, vocabulary)] = None
            yield provider

    problems = list(provider_problems(counted(), corpus, file=str(path)))
    if problems:
        raise CorpusError(problems)
    return ProviderScan(count=count, profiles=list(texts))


def serialised_vectors(embedder: Embedder, texts: list[str]) -> dict[str, bytes]:
    """Each text's vector as the JSON array a document carries, computed and serialised once."""
    matrix = embedder.embed_document_matrix(texts)
    return {text: orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) for text, row in zip(texts, matrix,
                                                                                            strict=True)}


def bulk_lines(providers: Iterable[Provider], *, vectors: Mapping[str, bytes], vocabulary: ProfileVocabulary,
               specialty_codes: Mapping[str, str]) -> Iterator[bytes]:
    """An action line and a document line per provider (the ``ProviderDoc`` shape: the record, its
    specialties' NUCC codes with the record's own, its billed volumes and its profile's vector)."""
    codes: dict[tuple[tuple[str, ...], tuple[str, ...]], bytes] = {}
    for provider in providers:
        key = (provider.specialties, tuple(provider.specialty_codes))
        code_json = codes.get(key)
        if code_json is None:
            code_json = codes[key] = orjson.dumps(list(dict.fromkeys(
                [*(specialty_codes[s] for s in provider.specialties if s in specialty_codes),
                 *provider.specialty_codes])))
        record = provider.model_dump_json(exclude={"specialty_codes"}).encode()
        billed = billed_entries(provider.procedure_evidence)
        volumes = b',"billed":' + orjson.dumps(billed) if billed else b""
        vector = vectors[provider_profile(provider, vocabulary)]
        yield (b'{"index":{"_id":' + orjson.dumps(provider.id) + b"}}\n" + record[:-1]
               + b',"specialty_codes":' + code_json + volumes + b',"vector":' + vector + b"}\n")


def send_bulk(es: Elasticsearch, index: str, lines: Iterable[bytes], *, workers: int = BULK_WORKERS,
              docs_per_request: int = BULK_DOCS, progress: Callable[[int], object] | None = None) -> int:
    """Send pre-serialised bulk lines, ``workers`` requests in flight; returns how many were indexed.
    Any rejected document fails the whole load (the caller deletes the new index)."""
    client = es.options(request_timeout=BULK_TIMEOUT_S)
    indexed = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulk") as pool:
        pending: deque[Future[int]] = deque()
        for chunk in _batched(lines, docs_per_request):
            pending.append(pool.submit(_bulk_request, client, index, b"".join(chunk), len(chunk)))
            while len(pending) > workers:
                indexed += _settled(pending.popleft(), progress)
        while pending:
            indexed += _settled(pending.popleft(), progress)
    return indexed


def _batched(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _settled(future: Future[int], progress: Callable[[int], object] | None) -> int:
    done = future.result()
    if progress is not None:
        progress(done)
    return done


def _bulk_request(es: Elasticsearch, index: str, body: bytes, count: int) -> int:
    # Pre-serialised NDJSON goes through the client's serializer untouched (its stubs only know lists).
    response: Any = es.bulk(index=index, operations=body,  # type: ignore[arg-type]
                            filter_path=["errors", "items.*.error"])
    if response.get("errors"):
        reasons = [f"{item['error'].get('type')}: {item['error'].get('reason')}"
                   for entry in response.get("items", []) for item in entry.values() if "error" in item]
        raise BulkRejectedError(f"{index}: Elasticsearch rejected documents:\n  "
                           + "\n  ".join(reasons[:MAX_REPORTED_ERRORS]))
    return count


@dataclass
class ProviderLoad:
    """The figures of one provider load."""

    count: int = 0
    distinct_profiles: int = 0
    scan_s: float = 0.0
    embed_s: float = 0.0
    bulk_s: float = 0.0


def load_providers(es: Elasticsearch, index: str, *, path: Path, corpus: Corpus, embedder: Embedder,
                   scan: ProviderScan, progress: Callable[[int], object] | None = None) -> ProviderLoad:
    """Embed the scanned file's distinct profiles, then stream its records into ``index``."""
    vocabulary = ProfileVocabulary.from_corpus(corpus)
    figures = ProviderLoad(distinct_profiles=len(scan.profiles))
    started = time.perf_counter()
    vectors = serialised_vectors(embedder, scan.profiles)
    figures.embed_s = time.perf_counter() - started
    codes = {s.name: s.nucc_code for s in corpus.specialties}
    started = time.perf_counter()
    lines = bulk_lines(iter_providers(path), vectors=vectors, vocabulary=vocabulary, specialty_codes=codes)
    figures.count = send_bulk(es, index, lines, progress=progress)
    figures.bulk_s = time.perf_counter() - started
    return figures
