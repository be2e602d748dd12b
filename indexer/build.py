"""Validate → embed → bulk-load new versioned indices → verify → swap the aliases atomically.

Nothing is published until every step has succeeded: a bad record stops the run before Elasticsearch is
touched, and any failure after the new indices exist deletes them, so the aliases keep serving the
previous build.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import streaming_bulk
from tqdm import tqdm

from caremap.corpus.checks import corpus_problems, provider_problems
from caremap.corpus.load import Corpus, CorpusError, iter_providers
from caremap.embedding import Embedder
from caremap.es_client import sync_client
from caremap.index_contract import (
    INDICES,
    IndexName,
    ProcedureDoc,
    ProviderDoc,
    index_body,
    versioned_name,
)
from caremap.settings import Settings
from indexer.documents import procedure_pieces, provider_text

log = logging.getLogger(__name__)

PROVIDER_BATCH = 512
KEEP_PREVIOUS_BUILDS = 1


class BuildError(RuntimeError):
    """Loading or verifying the new indices failed; they were removed and nothing was published."""


def build_indices(settings: Settings, *, only_if_missing: bool = False, progress: bool = True,
                  embedder: Embedder | None = None) -> dict[str, Any]:
    es = sync_client(settings)
    try:
        if only_if_missing and all(es.indices.exists_alias(name=settings.alias(i)) for i in INDICES):
            return {"skipped": "the aliases already serve an index; use --reindex to rebuild"}
        corpus = _validated_corpus(settings)
        embedder = embedder or Embedder(settings.model, batch_size=settings.embed_batch_size)
        return _build(es, settings, corpus, embedder, progress=progress)
    finally:
        es.close()


def _validated_corpus(settings: Settings) -> Corpus:
    corpus = Corpus.load(settings.corpus_dir)
    problems = corpus_problems(corpus)
    path = settings.providers_path
    problems.extend(provider_problems(iter_providers(path), corpus, file=str(path)))
    if problems:
        raise CorpusError(problems)
    return corpus


def _build(
    es: Elasticsearch, settings: Settings, corpus: Corpus, embedder: Embedder, *, progress: bool,
) -> dict[str, Any]:
    new = {i: versioned_name(settings.alias(i)) for i in INDICES}
    # load_s is the whole streamed load (embedding included); embed_s the embedding part of it.
    timings: dict[str, float] = {"embed_s": 0.0, "load_s": 0.0}
    try:
        for index, name in new.items():
            body = index_body(index, dims=embedder.dims)
            body["settings"] = {**body.get("settings", {}), "refresh_interval": "-1"}
            es.indices.create(index=name, **body)
        counts = {
            "procedures": _load(es, new["procedures"], _procedure_docs(corpus, embedder, timings), timings,
                                progress=progress, label="procedures"),
            "providers": _load(es, new["providers"], _provider_docs(settings, corpus, embedder, timings), timings,
                               progress=progress, label="providers",
                               total=_count_lines(settings)),
        }
        _verify_and_optimise(es, new, counts)
        swap_aliases(es, settings, new)
    except BaseException:
        for name in new.values():
            es.indices.delete(index=name, ignore_unavailable=True)
        raise
    removed = _remove_old_builds(es, settings, keep=set(new.values()))
    return {"indices": new, "counts": counts, "removed": removed,
            **{k: round(v, 2) for k, v in timings.items()}, "model": embedder.model_name}


def _procedure_docs(corpus: Corpus, embedder: Embedder, timings: dict[str, float]) -> Iterator[dict[str, Any]]:
    pieces = list(procedure_pieces(corpus))
    started = time.perf_counter()
    vectors = embedder.embed_documents([p.text for p in pieces])
    timings["embed_s"] += time.perf_counter() - started
    for n, (piece, vector) in enumerate(zip(pieces, vectors, strict=True)):
        doc = ProcedureDoc(
            slug=piece.slug, name=piece.name, kind=piece.kind, section=piece.section, condition=piece.condition,
            text=piece.text, specialties=list(piece.specialties), area=piece.area, vector=vector,
        )
        yield {"_id": f"{piece.slug}:{n}", "_source": doc.model_dump(exclude_none=True)}


def _provider_docs(settings: Settings, corpus: Corpus, embedder: Embedder,
                   timings: dict[str, float]) -> Iterator[dict[str, Any]]:
    names = {a.slug: a.name for a in corpus.articles}
    codes = {s.name: s.nucc_code for s in corpus.specialties}
    providers = iter_providers(settings.providers_path)
    while batch := list(itertools.islice(providers, PROVIDER_BATCH)):
        started = time.perf_counter()
        vectors = embedder.embed_documents([provider_text(p, names) for p in batch])
        timings["embed_s"] += time.perf_counter() - started
        for provider, vector in zip(batch, vectors, strict=True):
            doc = ProviderDoc(
                **provider.model_dump(exclude={"credentials", "specialties", "procedures", "languages",
                                               "insurance_networks", "clinic"}),
                clinic=provider.clinic,
                credentials=list(provider.credentials), specialties=list(provider.specialties),
                specialty_codes=[codes[s] for s in provider.specialties if s in codes],
                procedures=list(provider.procedures), languages=list(provider.languages),
                insurance_networks=list(provider.insurance_networks), vector=vector,
            )
            yield {"_id": provider.id, "_source": doc.model_dump(mode="json")}


def _load(es: Elasticsearch, index: str, docs: Iterable[dict[str, Any]], timings: dict[str, float], *,
          progress: bool, label: str, total: int | None = None) -> int:
    ok = 0
    errors: list[str] = []
    bar = tqdm(total=total, desc=f"indexing {label}", unit="doc", disable=not progress)
    started = time.perf_counter()
    for success, info in streaming_bulk(es, docs, index=index, chunk_size=500, raise_on_error=False,
                                        raise_on_exception=True, max_retries=3):
        if success:
            ok += 1
        elif len(errors) < 20:
            item = next(iter(info.values()))
            errors.append(f"{item.get('_id')}: {item.get('error')}")
        bar.update(1)
    bar.close()
    timings["load_s"] += time.perf_counter() - started
    if errors:
        raise BuildError(f"{label}: Elasticsearch rejected documents:\n  " + "\n  ".join(errors))
    return ok


def _count_lines(settings: Settings) -> int:
    with settings.providers_path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def _verify_and_optimise(es: Elasticsearch, new: dict[IndexName, str], counts: dict[str, int]) -> None:
    for index, name in new.items():
        es.indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
        es.indices.refresh(index=name)
        stored = int(es.count(index=name)["count"])
        if stored != counts[index]:
            raise BuildError(f"{name}: {stored} documents stored but {counts[index]} were sent")
        if stored == 0:
            raise BuildError(f"{name}: no documents; refusing to publish an empty index")
        # A read-only index with one segment answers kNN several times faster (one HNSW graph).
        es.indices.forcemerge(index=name, max_num_segments=1)


def swap_aliases(es: Elasticsearch, settings: Settings, new: dict[IndexName, str]) -> None:
    """Point every alias at its new index in one atomic request."""
    actions: list[dict[str, Any]] = []
    for index, name in new.items():
        alias = settings.alias(index)
        actions.append({"remove": {"index": f"{alias}-*", "alias": alias, "must_exist": False}})
        actions.append({"add": {"index": name, "alias": alias}})
    es.indices.update_aliases(actions=actions)


def _remove_old_builds(es: Elasticsearch, settings: Settings, *, keep: set[str]) -> list[str]:
    """Delete builds beyond the newest previous one (kept for a quick manual rollback)."""
    removed: list[str] = []
    for index in INDICES:
        alias = settings.alias(index)
        try:
            existing = sorted(es.indices.get(index=f"{alias}-v*").keys(), reverse=True)
        except NotFoundError:
            continue
        older = [name for name in existing if name not in keep]
        for name in older[KEEP_PREVIOUS_BUILDS:]:
            es.indices.delete(index=name)
            removed.append(name)
    return removed
