"""Benchmark: the providers index at directory scale, each figure next to its floor measured in the same run.

    python -m bench.scale_bench --providers 100000
    python -m bench.scale_bench --providers 1000000 --queries 200

On the bench node (CAREMAP_BENCH_ES_URL, default the test node's URL) under the prefix ``scale``:

1. Generates N fictional providers (seeded; cached under /var/tmp by N and seed).
2. Indexing floor: the same records as pre-serialised NDJSON without vectors, one client, refresh off, into a
   scratch index, then force-merged. End to end: ``build_indices(only="providers")`` (validate, embed each
   distinct profile, load, refresh, merge, swap). Prints docs/s, the ratio, merge time, index size, ES heap.
   The procedures index is built once per prefix and reused.
3. kNN recall@10 of the provider index's vector type against exact scoring (numpy over the admissible set's
   vectors), tie-aware: a returned provider counts when its exact score reaches the 10th best.
4. Search through the real server (bench.server): the judged queries cycled over metro areas, first time each;
   one client p50/p95, then 8 clients req/s and p95. The floor: the same queries' embedding in this process
   plus their Elasticsearch requests sent raw (the two piece rankings in one msearch, then the provider query
   for the procedure the API chose), no API and no fusion; one client and 8.

Figures on a shared machine are noisy: the ratios to floors of the same run are what to read. Asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import orjson
from elasticsearch import Elasticsearch

from api import queries
from bench.search_bench import first_seen_queries, percentile
from bench.server import running_server
from caremap.corpus.load import Corpus, iter_providers
from caremap.embedding import Embedder
from caremap.es_client import sync_client
from caremap.index_contract import index_body
from caremap.localnode import LocalNode
from caremap.settings import PROJECT_ROOT, Settings
from indexer.build import build_indices, force_merge
from indexer.documents import ProfileVocabulary, provider_profile
from indexer.provider_load import send_bulk

PLACES = ["New York, NY", "Los Angeles, CA", "Chicago, IL", "Houston, TX", "Phoenix, AZ", "Denver, CO",
          "Atlanta, GA", "Omaha, NE", "Boston, MA", "Seattle, WA", "Miami, FL", "Nashville, TN"]
CLIENTS = 8
RECALL_QUERIES = 50


def generated_file(count: int, seed: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"caremap-scale-{count}-seed{seed}.jsonl"
    if not path.exists():
        from caremap.corpus.directory.national import generate_providers
        from caremap.corpus.providers_gen import write_jsonl
        from caremap.places import Gazetteer

        corpus = Corpus.load(PROJECT_ROOT / "corpus")
        started = time.perf_counter()
        write_jsonl(generate_providers(count=count, seed=seed, catalog=corpus.catalog,
                                       specialties=corpus.specialties, gazetteer=Gazetteer.load(corpus.places)),
                    path)
        print(f"generated {count} providers in {time.perf_counter() - started:.0f} s -> {path}")
    return path


def raw_floor(es: Elasticsearch, path: Path, index: str) -> tuple[float, float]:
    """Seconds to bulk the records without vectors (pre-serialised, one client) and to force-merge them."""
    body = index_body("providers")
    del body["mappings"]["properties"]["vector"]
    body["settings"] = {**body["settings"], "refresh_interval": "-1"}
    es.indices.create(index=index, **body)
    ndjson = Path(tempfile.gettempdir()) / f"{index}.ndjson"
    with path.open("rb") as source, ndjson.open("wb") as out:
        for line in source:
            record = orjson.loads(line)
            out.write(b'{"index":{"_id":' + orjson.dumps(record["id"]) + b"}}\n" + orjson.dumps(record) + b"\n")
    try:
        with ndjson.open("rb") as lines:
            started = time.perf_counter()
            send_bulk(es, index, (a + d for a, d in zip(lines, lines, strict=False)), workers=1)
            es.options(request_timeout=600).indices.refresh(index=index)
            loaded = time.perf_counter() - started
        started = time.perf_counter()
        force_merge(es, index)
        return loaded, time.perf_counter() - started
    finally:
        ndjson.unlink(missing_ok=True)
        es.indices.delete(index=index, ignore_unavailable=True)


def indexing(es: Elasticsearch, settings: Settings, embedder: Embedder, path: Path) -> str:
    if not es.indices.exists_alias(name=settings.alias("procedures")):
        built = build_indices(settings, only="procedures", progress=False, embedder=embedder)
        print(f"procedures index built once for this prefix ({built['counts']['procedures']} pieces, "
              f"{built['embed_s']:.0f} s embedding)")
    count = sum(1 for _ in path.open("rb"))
    floor_load, floor_merge = raw_floor(es, path, f"{settings.index_prefix}-floor")
    floor = floor_load + floor_merge
    started = time.perf_counter()
    report = build_indices(settings.model_copy(update={"providers_file": path}), only="providers",
                           progress=False, embedder=embedder)
    wall = time.perf_counter() - started
    name = report["indices"]["providers"]
    size = es.indices.stats(index=name, metric="store")["indices"][name]["primaries"]["store"]["size_in_bytes"]
    jvm = next(iter(es.nodes.stats(metric="jvm")["nodes"].values()))["jvm"]["mem"]
    print(f"== indexing {count} providers ({report['distinct_profiles']} distinct profiles)")
    print(f"floor (no vectors)  {floor:6.1f} s  = load {floor_load:.1f} + merge {floor_merge:.1f}   "
          f"{count / floor:7.0f} docs/s")
    print(f"end to end          {wall:6.1f} s  = validate+embed+load {report['load_s'] + _scan_s(report, wall):.1f}"
          f" (embedding {report['embed_s']:.1f}) + refresh {report['refresh_s']:.1f} + merge {report['merge_s']:.1f}"
          f"   {count / wall:7.0f} docs/s")
    print(f"ratio end to end / floor  {wall / floor:.2f}  (target <= 3)")
    print(f"index size {size / 2**20:.0f} MiB   ES heap used {jvm['heap_used_in_bytes'] / 2**20:.0f} MiB "
          f"of {jvm['heap_max_in_bytes'] / 2**20:.0f} MiB")
    return name


def _scan_s(report: dict[str, Any], wall: float) -> float:
    """What the build report does not itemise (validation pass, index creation, swap)."""
    return max(0.0, wall - report["load_s"] - report["refresh_s"] - report["merge_s"])


@dataclass(frozen=True)
class Located:
    query: str
    place: str
    lat: float
    lon: float
    procedure: str | None


def recall(es: Elasticsearch, index: str, path: Path, embedder: Embedder, located: Sequence[Located]) -> None:
    """The kNN term's top 10 against exact scoring of every admissible provider's vector."""
    vocabulary = ProfileVocabulary.from_corpus(Corpus.load(PROJECT_ROOT / "corpus"))
    profile_of = {p.id: provider_profile(p, vocabulary) for p in iter_providers(path)}
    texts = sorted(set(profile_of.values()))
    matrix = embedder.embed_document_matrix(texts)
    row = {t: i for i, t in enumerate(texts)}
    recalls, took = [], []
    for item in [x for x in located if x.procedure][:RECALL_QUERIES]:
        vector = embedder.embed_query(item.query)
        body = queries.providers_near(procedures=[item.procedure or ""], lat=item.lat, lon=item.lon, radius_km=25,
                                      size=10_000, query_vector=vector)
        semantic = next(c["knn"] for c in body["query"]["bool"]["should"] if "knn" in c)
        found = es.search(index=index, query={"bool": {"filter": semantic["filter"]}}, size=10_000, source=False,
                          track_total_hits=True)["hits"]
        admitted = found["hits"]
        if len(admitted) < 10 or found["total"]["value"] > len(admitted):
            continue
        exact = matrix[[row[profile_of[h["_id"]]] for h in admitted]] @ np.asarray(vector, dtype=np.float32)
        tenth = float(np.sort(exact)[-10])
        score = {h["_id"]: float(s) for h, s in zip(admitted, exact, strict=True)}
        # The production kNN (k and num_candidates as the ranking uses them), its 10 best.
        knn = {k: v for k, v in semantic.items() if k not in ("boost", "_name")}
        result = es.search(index=index, query={"knn": knn}, size=10, source=False)
        took.append(float(result["took"]))
        recalls.append(sum(score[h["_id"]] >= tenth - 1e-6 for h in result["hits"]["hits"]) / 10)
    if recalls:
        print(f"== kNN recall@10 vs exact ({len(recalls)} geo+procedure-filtered queries, tie-aware)  "
              f"mean {statistics.mean(recalls):.3f}  min {min(recalls):.2f}   "
              f"kNN took p50 {percentile(took, 50):.0f} ms")


def search_paths(count: int) -> list[tuple[str, str]]:
    return [(q, PLACES[i % len(PLACES)]) for i, q in enumerate(first_seen_queries(count))]


def api_search(base_port: int, paths: Sequence[tuple[str, str]], clients: int) -> tuple[list[float], float,
                                                                                    list[dict[str, Any]]]:
    """Latencies (ms), wall seconds and response bodies of the searches, ``clients`` at a time."""
    def one(chunk: Sequence[tuple[str, str]]) -> list[tuple[float, dict[str, Any]]]:
        connection = http.client.HTTPConnection("127.0.0.1", base_port, timeout=60)
        out = []
        for q, near in chunk:
            started = time.perf_counter()
            connection.request("GET", "/v1/search?" + urlencode({"q": q, "near": near}))
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"search {q!r} near {near!r} answered {response.status}: {body[:300]!r}")
            out.append(((time.perf_counter() - started) * 1000, json.loads(body)))
        connection.close()
        return out

    return _fan_out(one, paths, clients)


def floor_search(es: Elasticsearch, settings: Settings, embedder: Embedder, located: Sequence[Located],
                 clients: int) -> tuple[list[float], float]:
    def one(chunk: Sequence[Located]) -> list[tuple[float, None]]:
        out = []
        for item in chunk:
            started = time.perf_counter()
            vector = embedder.embed_query(item.query)
            es.msearch(searches=[{"index": settings.alias("procedures")}, queries.semantic_pieces(vector),
                                 {"index": settings.alias("procedures")}, queries.lexical_pieces(item.query)])
            if item.procedure:
                es.search(index=settings.alias("providers"), **queries.providers_near(
                    procedures=[item.procedure], lat=item.lat, lon=item.lon, radius_km=25, size=10, facets=True,
                    query_vector=vector))
            out.append(((time.perf_counter() - started) * 1000, None))
        return out

    latencies, wall, _ = _fan_out(one, located, clients)
    return latencies, wall


def _fan_out(one: Callable[[Any], list[tuple[float, Any]]], items: Sequence[Any],
             clients: int) -> tuple[list[float], float, list[Any]]:
    chunks = [items[i::clients] for i in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = [r for chunk in pool.map(one, chunks) for r in chunk]
    return [r[0] for r in results], time.perf_counter() - started, [r[1] for r in results]


def line(label: str, latencies: list[float], wall: float, floor: tuple[list[float], float] | None = None) -> str:
    text = (f"{label:<22} p50 {percentile(latencies, 50):6.1f} ms  p95 {percentile(latencies, 95):6.1f} ms  "
            f"{len(latencies) / wall:6.1f} req/s")
    if floor is not None:
        text += (f"   / floor p50 {percentile(latencies, 50) / percentile(floor[0], 50):.2f}x  "
                 f"p95 {percentile(latencies, 95) / percentile(floor[0], 95):.2f}x  "
                 f"req/s {(len(latencies) / wall) / (len(floor[0]) / floor[1]):.2f}x")
    return text


def rss_mib(port: int) -> float:
    """Resident memory of the server listening on ``port`` and its children (the query model's process)."""
    pids = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()]
    server = [p for p in pids if f"--port\0{port}\0" in _read(f"/proc/{p}/cmdline")]
    family = set(server) | {p for p in pids if any(f"PPid:\t{s}\n" in _read(f"/proc/{p}/status") for s in server)}
    kib = sum(int(next((ln.split()[1] for ln in _read(f"/proc/{p}/status").splitlines() if ln.startswith("VmRSS")),
                       "0")) for p in family)
    return kib / 1024


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, required=True, help="how many providers to generate and index")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200, help="searches per phase")
    parser.add_argument("--prefix", default="scale")
    args = parser.parse_args()

    url = os.environ.get("CAREMAP_BENCH_ES_URL", os.environ.get("CAREMAP_TEST_ES_URL", "http://127.0.0.1:9250"))
    settings = Settings(es_url=url, index_prefix=args.prefix)
    if settings.es_is_local:
        LocalNode.from_settings(settings).up()
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the machine is shared)")
    es = sync_client(settings)
    embedder = Embedder(settings.model)
    path = generated_file(args.providers, args.seed)
    index = indexing(es, settings, embedder, path)
    with running_server(es_url=url, index_prefix=args.prefix) as base:
        port = int(base.rsplit(":", 1)[1])
        api_search(port, [(f"warm up {q}", p) for q, p in search_paths(40)], 1)
        paths = search_paths(args.queries * 2)
        one_client, one_wall, bodies = api_search(port, paths[: args.queries], 1)
        many, many_wall, more = api_search(port, [(f"{q} again", p) for q, p in paths[args.queries:]], CLIENTS)
        memory = rss_mib(port)
    import torch

    torch.set_num_threads(1)  # as the API's query model process (CAREMAP_QUERY_MODEL_THREADS=1)
    located = [Located(q, near, b["location"]["lat"], b["location"]["lon"],
                       (b["interpretation"]["procedures"] or [{}])[0].get("slug"))
               for (q, near), b in zip(paths, [*bodies, *more], strict=True)]
    floor_one = floor_search(es, settings, embedder, located[: args.queries], 1)
    floor_many = floor_search(es, settings, embedder, located[args.queries:], CLIENTS)
    print(f"== search ({args.queries} first-time queries per phase, cycled over {len(PLACES)} metro areas)")
    print(line("floor 1 client", *floor_one))
    print(line("API 1 client", one_client, one_wall, floor_one))
    print(line(f"floor {CLIENTS} clients", *floor_many))
    print(line(f"API {CLIENTS} clients", many, many_wall, floor_many))
    with_providers = sum(1 for b in [*bodies, *more] if b.get("providers"))
    print(f"searches listing providers {with_providers}/{len(located)}   API RSS (server + query model) "
          f"{memory:.0f} MiB")
    recall(es, index, path, embedder, located)
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    es.close()


if __name__ == "__main__":
    main()
