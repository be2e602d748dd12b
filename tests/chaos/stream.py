"""A bounded stream of searches against the real server, every reply recorded (status, latency, body).

``search_stream`` keeps ``concurrency`` clients (two: the server and three nodes share two cores) asking
the given queries in turn until at least ``count`` replies are in and the fault has run its course, and never
longer than ``max_s``. A reply is *failed* when it is not a 200 (or no HTTP answer came), and *partial* when
it is a 200 whose body is not one of the bodies the healthy cluster gave for that query: a page with a shard
missing would list other providers or facets.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from caremap.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "chaos"
QUERIES: list[dict[str, Any]] = [
    {"q": "headache worse when upright", "near": "Serzhong", "radius_km": 200, "size": 5},
    {"q": "knee pain", "near": "Boston", "size": 5},
    {"q": "best psoriasis doctors", "lat": 41.2, "lon": -100.2, "size": 5},
    {"q": "numb fingers at night", "near": "Serzhong", "radius_km": 100, "size": 5},
    {"q": "dermatologist", "near": "Boston", "size": 5},
    {"q": "colonoscopy", "near": "Denver", "size": 5},
]


@dataclass(frozen=True)
class Reply:
    at_s: float  # when the request was sent, from the stream's start
    query: int
    status: int  # 0: no HTTP answer
    latency_s: float
    body: str | None = field(default=None, repr=False)
    error: str | None = None


@dataclass
class Record:
    name: str
    replies: list[Reply] = field(default_factory=list)
    events: dict[str, float] = field(default_factory=dict)  # fault name -> at_s
    started: float = field(default_factory=time.monotonic)

    def now(self) -> float:
        return time.monotonic() - self.started

    def mark(self, event: str) -> None:
        self.events[event] = self.now()

    async def reached(self, count: int) -> None:
        while len(self.replies) < count:
            await asyncio.sleep(0.02)

    def failed(self) -> list[Reply]:
        return [r for r in self.replies if r.status != 200]

    def partial(self, expected: Mapping[int, set[str]]) -> list[Reply]:
        return [r for r in self.replies if r.status == 200 and r.body not in expected[r.query]]

    def before(self, event: str) -> list[Reply]:
        return [r for r in self.replies if r.at_s < self.events[event]]

    def between(self, start: str, end: str | None = None) -> list[Reply]:
        """Replies to requests sent from event ``start`` until event ``end`` (or the end)."""
        last = self.events[end] if end else math.inf
        return [r for r in self.replies if self.events[start] <= r.at_s < last]

    def summary(self, expected: Mapping[int, set[str]] | None = None, *, window: list[Reply] | None = None,
                healthy: list[Reply] | None = None) -> dict[str, Any]:
        """Counts over all replies; latencies over ``window`` (default: all), and over ``healthy`` (the
        replies before the fault) for comparison."""
        latencies = [r.latency_s for r in (self.replies if window is None else window)]
        calm = [r.latency_s for r in healthy or []]
        return {
            "healthy_searches": len(calm), "healthy_p50_s": round(percentile(calm, 50), 3),
            "healthy_p99_s": round(percentile(calm, 99), 3),
            "test": self.name, "searches": len(self.replies), "failed": len(self.failed()),
            "partial": len(self.partial(expected)) if expected is not None else None,
            "statuses": sorted({r.status for r in self.replies}),
            "p50_s": round(percentile(latencies, 50), 3), "p99_s": round(percentile(latencies, 99), 3),
            "max_s": round(max(latencies, default=0.0), 3), "window_searches": len(latencies),
            "duration_s": round(self.now(), 1), "events": {k: round(v, 2) for k, v in self.events.items()},
        }

    def save(self, summary: dict[str, Any], *, odd: Sequence[Reply] = ()) -> Path:
        """Write the summary and every reply to test-artifacts/chaos/<name>.json (bodies only of ``odd``)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}.json"
        replies = [{k: v for k, v in asdict(r).items() if k != "body" or r in odd} for r in self.replies]
        path.write_text(json.dumps({"summary": summary, "replies": replies}, indent=1))
        print(f"\n{self.name}: {json.dumps(summary)}")
        return path


def latency_bound(summary: Mapping[str, Any], target_s: float) -> float:
    """The p99 the faulted window must stay under: the issue's target, or, when this shared machine is so
    loaded that the healthy cluster itself missed it in the same run, 1.25 × the healthy p99 (the fault
    then still may not cost more than noise)."""
    return max(target_s, 1.25 * float(summary["healthy_p99_s"]))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


def fingerprint(response: httpx.Response) -> str:
    """The answer, with the page cursor reduced to whether there is one: the cursor carries the last hit's
    score, and a replica scores a provider alike only up to the last float digit (its segments differ), so a
    search a failover sends to another copy gives the same page with a cursor one digit apart."""
    answer = response.json()
    answer["next_cursor"] = answer.get("next_cursor") is not None
    return json.dumps(answer, sort_keys=True)


def difference(twice: dict[int, list[str]]) -> str:
    """The first lines where two answers to one query part (the answers pretty-printed)."""
    query, (first, second, *_) = next(iter(twice.items()))
    pretty = [json.dumps(json.loads(body), indent=1, sort_keys=True).splitlines() for body in (first, second)]
    lines = [line for line in difflib.unified_diff(*pretty, lineterm="", n=1) if line[:1] in "+-@"]
    return f"query {query}: " + "\n".join(lines[:40])


async def search_stream(base: str, name: str, *, count: int, max_s: float, concurrency: int = 2,
                        fault: Callable[[Record], Awaitable[None]] | None = None,
                        queries: list[dict[str, Any]] = QUERIES) -> Record:
    """Search until ``count`` replies are in and ``fault`` (started at once, beside the searches) is done."""
    record, stop = Record(name), asyncio.Event()

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            i = n
            while not stop.is_set():
                query, i = i % len(queries), i + concurrency
                sent, t0 = record.now(), time.perf_counter()
                try:
                    response = await http.get("/v1/search", params=queries[query])
                    reply = Reply(sent, query, response.status_code, time.perf_counter() - t0,
                                  body=fingerprint(response) if response.status_code == 200 else None)
                except httpx.HTTPError as e:
                    reply = Reply(sent, query, 0, time.perf_counter() - t0, error=type(e).__name__)
                record.replies.append(reply)

    clients = [asyncio.create_task(client(n)) for n in range(concurrency)]
    faulted = asyncio.create_task(fault(record)) if fault else None
    deadline = time.monotonic() + max_s
    while time.monotonic() < deadline:
        if len(record.replies) >= count and (faulted is None or faulted.done()):
            break
        if faulted is not None and faulted.done() and faulted.exception() is not None:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*clients)
    if faulted is not None:
        if not faulted.done():
            faulted.cancel()
        await faulted  # its failure (or a cancellation past max_s) fails the test
    return record


async def healthy_answers(base: str, *, rounds: int = 3,
                          queries: list[dict[str, Any]] = QUERIES) -> dict[int, set[str]]:
    """What the healthy cluster answers each query (asked ``rounds`` times, served by different nodes)."""
    answers: dict[int, set[str]] = {i: set() for i in range(len(queries))}
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for _ in range(rounds):
            for i, query in enumerate(queries):
                response = await http.get("/v1/search", params=query)
                assert response.status_code == 200, response.text
                answers[i].add(fingerprint(response))
    return answers
