"""The real API server for the benchmarks: `python -m caremap serve` in a subprocess on a free loopback port.

    with running_server(es_url=url, index_prefix=prefix, workers=1) as base:   # "http://127.0.0.1:<port>"
        ...

It inherits this environment (so OMP_NUM_THREADS, HF_HOME and the like pass through) with the Elasticsearch
URL and prefix set, the model kept offline and the rate limit lifted; it yields once /readyz answers 200 and
stops the server on exit. If it never gets ready, the error carries the tail of the server's output; if the
bench fails while it runs, that tail goes to stderr.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO

import httpx

from caremap.settings import PROJECT_ROOT

OUTPUT_TAIL_CHARS = 3000


class ServerNotReadyError(RuntimeError):
    """The server exited, or did not answer /readyz with 200 in time."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(*, es_url: str, index_prefix: str, workers: int = 1, ready_within_s: float = 120,
                   env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Start the server, yield its base URL once ready, stop it afterwards. ``env`` adds or overrides settings."""
    port = free_port()
    env = {**os.environ, "CAREMAP_ES_URL": es_url, "CAREMAP_INDEX_PREFIX": index_prefix, "HF_HUB_OFFLINE": "1",
           "CAREMAP_RATE_LIMIT": "1000000/minute", **(env or {})}
    command = [sys.executable, "-m", "caremap", "serve", "--port", str(port), "--workers", str(workers)]
    # A file, not a pipe: nobody reads the output while the bench runs, and a full pipe would stall the server.
    with tempfile.TemporaryFile() as output:
        server = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(server, base, ready_within_s, output)
            try:
                yield base
            except Exception:
                print(f"server output (last {OUTPUT_TAIL_CHARS} characters):\n{_tail(output)}", file=sys.stderr)
                raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_ready(server: subprocess.Popen[bytes], base: str, within_s: float, output: IO[bytes]) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerNotReadyError(f"the server exited with code {server.returncode} before it was ready:\n"
                                      f"{_tail(output)}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise ServerNotReadyError(f"{base}/readyz did not answer 200 within {within_s:.0f} s; server output:\n"
                              f"{_tail(output)}")


def _tail(output: IO[bytes]) -> str:
    output.seek(0)  # reading leaves the offset at the end again, where the server goes on writing
    return output.read().decode("utf-8", "replace")[-OUTPUT_TAIL_CHARS:]
