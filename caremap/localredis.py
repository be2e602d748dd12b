"""A local Redis for the rate limits that API workers share: Debian's ``redis-server``, run by the project.

``CAREMAP_RATE_LIMIT_STORAGE=redis://127.0.0.1:<port>`` points the API at it; ``caremap redis up`` starts it
(``caremap run`` does too when that setting names a loopback Redis). It binds loopback only, keeps nothing
on disk (counters of a moving window are worth nothing after a restart) and lives under
``<home>/redis/<port>`` (pid file, log).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import redis

from caremap.es_dist import running_pid, tail, terminate
from caremap.settings import Settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LocalRedisError(RuntimeError):
    """The local Redis could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class LocalRedis:
    home: Path
    port: int

    @classmethod
    def from_settings(cls, settings: Settings, *, port: int | None = None) -> LocalRedis:
        if port is None:
            parsed = urlparse(settings.rate_limit_storage)
            if parsed.scheme != "redis" or parsed.hostname not in LOOPBACK:
                raise LocalRedisError(
                    f"CAREMAP_RATE_LIMIT_STORAGE={settings.rate_limit_storage} is not a loopback redis:// URL; "
                    "the local Redis is for redis://127.0.0.1:<port> (or pass --port)")
            port = parsed.port or 6379
        return cls(home=settings.home, port=port)

    @property
    def folder(self) -> Path:
        return self.home / "redis" / str(self.port)

    @property
    def pid_file(self) -> Path:
        return self.folder / "redis.pid"

    @property
    def log_file(self) -> Path:
        return self.folder / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def up(self, *, timeout_s: float = 20.0) -> str:
        """Start Redis unless it answers already; return its URL."""
        if self.is_up():
            return self.url
        binary = shutil.which("redis-server")
        if binary is None:
            raise LocalRedisError("redis-server is not installed (apt-get install redis-server)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.pid_file.unlink(missing_ok=True)
        proc = subprocess.run(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--protected-mode", "yes",
             "--daemonize", "yes", "--pidfile", str(self.pid_file), "--logfile", str(self.log_file),
             "--dir", str(self.folder), "--save", "", "--appendonly", "no"],
            capture_output=True, text=True, check=False,
        )
        deadline = time.monotonic() + timeout_s
        while proc.returncode == 0 and time.monotonic() < deadline:
            if self.is_up():
                return self.url
            time.sleep(0.2)
        log = tail(self.log_file.read_text(errors="replace")) if self.log_file.exists() else "(no log written)"
        raise LocalRedisError(f"redis-server did not answer on port {self.port} within {timeout_s:.0f} s:\n"
                              f"{tail(proc.stdout + proc.stderr)}\n{log}")

    def down(self, *, timeout_s: float = 20.0) -> bool:
        """Stop it if it runs; return whether it was running."""
        pid = self.pid()
        if pid is None:
            return False
        terminate([pid], timeout_s=timeout_s, poll_s=0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def pid(self) -> int | None:
        return running_pid(self.pid_file)

    def is_up(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)
        with contextlib.closing(client):
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

    def status(self) -> dict[str, object]:
        return {"url": self.url, "pid": self.pid(), "up": self.is_up(), "folder": str(self.folder)}
