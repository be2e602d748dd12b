"""Validate → embed → bulk-load new versioned indices → verify → swap the aliases atomically.

Nothing is published until every step has succeeded: a bad record stops the run before Elasticsearch is
touched, and any failure after the new indices exist deletes them, so the aliases keep serving the
previous build.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.exceptions import GeneralAvailabilityWarning
from elasticsearch.helpers import streaming_bulk
from tqdm import tqdm

from caremap.corpus.checks import corpus_problems
from caremap.corpus.load import Corpus, CorpusError
from caremap.embedding import Embedder
from caremap.es_client import sync_client
from caremap.index_contract import (
    INDICES,
    IndexName,
    ProcedureDoc,
    index_body,
    versioned_name,
)
from caremap.settings import Settings
from indexer.documents import ProfileVocabulary, procedure_pieces
from indexer.provider_load import BULK_TIMEOUT_S, BulkRejectedError, ProviderScan, load_providers, scan_providers

log = logging.getLogger(__name__)

KEEP_PREVIOUS_BUILDS = 1
REPLICA_SETTINGS = ("number_of_replicas", "auto_expand_replicas")
REPLICAS_WITHIN = "120s"
REFRESH_TIMEOUT_S = 600.0
TASK_POLL_S = 30.0
MERGE_DEADLINE_S = 3600.0


class BuildError(RuntimeError):
    """Loading or verifying the new indices failed; they were removed and nothing was published."""


def build_indices(settings: Settings, *, only_if_missing: bool = False, progress: bool = True,
                  embedder: Embedder | None = None, only: IndexName | None = None) -> dict[str, Any]:
    """Build and publish every index, or ``only`` one of them (its alias alone is swapped: the providers
    directory changes daily, the procedure knowledge does not)."""
    indices: tuple[IndexName, ...] = INDICES if only is None else (only,)
    es = sync_client(settings)
    try:
        if only_if_missing and all(es.indices.exists_alias(name=settings.alias(i)) for i in indices):
            return {"skipped": "the aliases already serve an index; use --reindex to rebuild"}
        corpus, scan = _validated(settings, with_providers="providers" in indices)
        embedder = embedder or Embedder(settings.model, batch_size=settings.embed_batch_size)
        return _build(es, settings, corpus, scan, embedder, indices=indices, progress=progress)
    finally:
        es.close()


def _validated(settings: Settings, *, with_providers: bool) -> tuple[Corpus, ProviderScan | None]:
    """The corpus and the providers file, all validated before Elasticsearch is touched."""
    corpus = Corpus.load(settings.corpus_dir)
    problems = corpus_problems(corpus)
    scan = None
    if with_providers:
        try:
            scan = scan_providers(settings.providers_path, corpus, ProfileVocabulary.from_corpus(corpus))
        except CorpusError as e:
            problems.extend(e.problems)
    if problems:
        raise CorpusError(problems)
    return corpus, scan


def _build(
    es: Elasticsearch, settings: Settings, corpus: Corpus, scan: ProviderScan | None, embedder: Embedder, *,
    indices: tuple[IndexName, ...], progress: bool,
) -> dict[str, Any]:
    new = {i: versioned_name(settings.alias(i)) for i in indices}
    # load_s is the whole streamed load (embedding included); embed_s the embedding part of it.
    timings: dict[str, float] = {"embed_s": 0.0, "load_s": 0.0}
    counts: dict[str, int] = {}
    extra: dict[str, Any] = {}
    try:
        copies: dict[IndexName, dict[str, Any]] = {}
        for index, name in new.items():
            body = index_body(index, dims=embedder.dims, settings=settings.index_settings.get(index))
            # Replicas come after the force-merge, copied from the primary's files: identical copies (a kNN
            # graph built twice can differ) and half the indexing work.
            copies[index] = {k: body["settings"].pop(k) for k in REPLICA_SETTINGS if k in body.get("settings", {})}
            body["settings"] = {**body.get("settings", {}), "refresh_interval": "-1",
                                "number_of_replicas": 0, "auto_expand_replicas": "false"}
            es.indices.create(index=name, **body)
        if "procedures" in new:
            counts["procedures"] = _load(es, new["procedures"], _procedure_docs(corpus, embedder, timings), timings,
                                         progress=progress, label="procedures")
        if "providers" in new:
            assert scan is not None
            bar = tqdm(total=scan.count, desc="indexing providers", unit="doc", disable=not progress)
            try:
                loaded = load_providers(es, new["providers"], path=settings.providers_path, corpus=corpus,
                                        embedder=embedder, scan=scan, progress=bar.update)
            except BulkRejectedError as e:
                raise BuildError(str(e)) from e
            finally:
                bar.close()
            counts["providers"] = loaded.count
            timings["embed_s"] += loaded.embed_s
            timings["load_s"] += loaded.embed_s + loaded.bulk_s
            extra["distinct_profiles"] = loaded.distinct_profiles
        timings.update(_verify_and_optimise(es, new, counts))
        _add_replicas(es, new, copies)
        swap_aliases(es, settings, new)
    except BaseException:
        for name in new.values():
            es.indices.delete(index=name, ignore_unavailable=True)
        raise
    removed = _remove_old_builds(es, settings, keep=set(new.values()), indices=indices)
    return {"indices": new, "counts": counts, "removed": removed, **extra,
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


def _load(es: Elasticsearch, index: str, docs: Iterable[dict[str, Any]], timings: dict[str, float], *,
          progress: bool, label: str, total: int | None = None) -> int:
    ok = 0
    errors: list[str] = []
    bar = tqdm(total=total, desc=f"indexing {label}", unit="doc", disable=not progress)
    started = time.perf_counter()
    for success, info in streaming_bulk(es.options(request_timeout=BULK_TIMEOUT_S), docs, index=index,
                                        chunk_size=500, raise_on_error=False, raise_on_exception=True,
                                        max_retries=3):
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


def _verify_and_optimise(es: Elasticsearch, new: dict[IndexName, str], counts: dict[str, int]) -> dict[str, float]:
    """Refresh, check the counts, force-merge to one segment; returns the seconds refresh and merge took.
    Both can take minutes at directory scale: the refresh gets a long timeout of its own, and the merge runs
    as a task that is polled (no single request has to outlive it)."""
    slow = es.options(request_timeout=REFRESH_TIMEOUT_S)
    took = {"refresh_s": 0.0, "merge_s": 0.0}
    for index, name in new.items():
        started = time.perf_counter()
        slow.indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
        slow.indices.refresh(index=name)
        took["refresh_s"] += time.perf_counter() - started
        stored = int(es.count(index=name)["count"])
        if stored != counts[index]:
            raise BuildError(f"{name}: {stored} documents stored but {counts[index]} were sent")
        if stored == 0:
            raise BuildError(f"{name}: no documents; refusing to publish an empty index")
        started = time.perf_counter()
        # A read-only index with one segment answers kNN several times faster (one graph or one flat file).
        force_merge(es, name)
        took["merge_s"] += time.perf_counter() - started
    return took


def force_merge(es: Elasticsearch, index: str, *, deadline_s: float = MERGE_DEADLINE_S) -> None:
    """Merge ``index`` to one segment as a background task, polling it until done or ``deadline_s``."""
    started = es.indices.forcemerge(index=index, max_num_segments=1, wait_for_completion=False)
    task_id = str(started["task"])
    poll = es.options(request_timeout=TASK_POLL_S + 30, ignore_status=408)  # 408: not done yet
    limit = time.monotonic() + deadline_s
    while True:
        with warnings.catch_warnings():  # the tasks API is "technical preview"; polling a task is all we do
            warnings.simplefilter("ignore", GeneralAvailabilityWarning)
            status = poll.tasks.get(task_id=task_id, wait_for_completion=True, timeout=f"{TASK_POLL_S:.0f}s")
        if status.get("completed"):
            failure = status.get("error") or (status.get("response") or {}).get("_shards", {}).get("failures")
            if failure:
                raise BuildError(f"{index}: force-merge failed: {failure}")
            return
        if time.monotonic() > limit:
            raise BuildError(f"{index}: force-merge still running after {deadline_s:.0f} s (task {task_id})")


def _add_replicas(es: Elasticsearch, new: dict[IndexName, str], copies: dict[IndexName, dict[str, Any]]) -> None:
    """Give each new index its replicas and wait for them, so no alias points at a single copy that could be
    lost with one node. Not all copies can be placed (fewer nodes than replicas): published with those there
    are, and a warning (the cluster's health says yellow meanwhile)."""
    for index, name in new.items():
        if copies[index]:
            es.indices.put_settings(index=name, settings={"index": copies[index]})
    health = es.options(request_timeout=150, ignore_status=408).cluster.health(  # 408: not all placed in time
        index=",".join(new.values()), wait_for_status="green", wait_for_no_initializing_shards=True,
        timeout=REPLICAS_WITHIN)
    if health.get("timed_out"):
        log.warning("not every replica of %s could be placed within %s (health %s, %s unassigned)",
                    ", ".join(new.values()), REPLICAS_WITHIN, health.get("status"), health.get("unassigned_shards"))


def swap_aliases(es: Elasticsearch, settings: Settings, new: dict[IndexName, str]) -> None:
    """Point every alias at its new index in one atomic request."""
    actions: list[dict[str, Any]] = []
    for index, name in new.items():
        alias = settings.alias(index)
        actions.append({"remove": {"index": f"{alias}-*", "alias": alias, "must_exist": False}})
        actions.append({"add": {"index": name, "alias": alias}})
    es.indices.update_aliases(actions=actions)


def _remove_old_builds(es: Elasticsearch, settings: Settings, *, keep: set[str],
                       indices: tuple[IndexName, ...]) -> list[str]:
    """Delete builds beyond the newest previous one (kept for a quick manual rollback)."""
    removed: list[str] = []
    for index in indices:
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
