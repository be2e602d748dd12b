"""The embedded default: a single-node Elasticsearch on loopback, provisioned and run by the project.

The distribution is the ``integ-test-zip`` from Maven Central, fetched with Maven's own resolver and
unpacked once into ``<home>/dist`` so later clones reuse it. Each node (one per HTTP port: the developer's
and the tests') has its own config, data, logs and password under ``<home>/nodes/<port>``.
Security stays on: the ``elastic`` user's password is generated on first start and kept in the node's
folder (mode 0600), where the client finds it.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from caremap.settings import ELASTICSEARCH_VERSION, Settings

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
MIN_JAVA = 21


class LocalNodeError(RuntimeError):
    """The local node could not be provisioned, started or stopped; the message says why."""


@dataclass(frozen=True)
class LocalNode:
    home: Path
    port: int
    heap: str
    service_user: str
    version: str = ELASTICSEARCH_VERSION

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalNode:
        if not settings.es_is_local:
            raise LocalNodeError(
                f"CAREMAP_ES_URL={settings.es_url} is not a loopback address; "
                "the local node is only for http://127.0.0.1:<port>"
            )
        return cls(
            home=settings.home, port=settings.es_port, heap=settings.es_heap,
            service_user=settings.es_service_user,
        )

    # -- paths -------------------------------------------------------------------------------------
    @property
    def dist_dir(self) -> Path:
        return self.home / "dist" / f"elasticsearch-{self.version}"

    @property
    def node_dir(self) -> Path:
        return self.home / "nodes" / str(self.port)

    @property
    def password_file(self) -> Path:
        return self.node_dir / "password"

    @property
    def pid_file(self) -> Path:
        return self.node_dir / "es.pid"

    @property
    def log_file(self) -> Path:
        return self.node_dir / "logs" / f"caremap-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- public operations -------------------------------------------------------------------------
    def password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError as e:
            raise LocalNodeError(f"no local node has been provisioned on port {self.port}; run `caremap es up`") from e

    def up(self, *, timeout_s: float = 180.0) -> str:
        """Provision (once) and start the node; return its URL. Harmless when it is already running."""
        if self.is_healthy():
            return self.url
        if self._port_in_use():
            raise LocalNodeError(
                f"port {self.port} answers but not as caremap's node (wrong password or another service); "
                "choose another port in CAREMAP_ES_URL"
            )
        self._ensure_distribution()
        self._ensure_node_config()
        self._start()
        self._wait_healthy(timeout_s)
        return self.url

    def down(self, *, timeout_s: float = 60.0) -> bool:
        """Stop the node if it runs; return whether it was running."""
        pid = self._pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                self.pid_file.unlink(missing_ok=True)
                return True
            time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> dict[str, object]:
        health = self.health()
        return {
            "url": self.url,
            "version": self.version,
            "pid": self._pid(),
            "provisioned": self.password_file.exists(),
            "health": health.get("status") if health else None,
            "node_dir": str(self.node_dir),
        }

    def health(self) -> dict[str, object] | None:
        if not self.password_file.exists():
            return None
        try:
            r = httpx.get(
                f"{self.url}/_cluster/health", auth=("elastic", self.password()), timeout=2.0
            )
        except httpx.HTTPError:
            return None
        if r.status_code != 200:
            return None
        body: dict[str, object] = r.json()
        return body

    def is_healthy(self) -> bool:
        health = self.health()
        return bool(health and health.get("status") in {"green", "yellow"})

    # -- provisioning ------------------------------------------------------------------------------
    def _ensure_distribution(self) -> None:
        if (self.dist_dir / "bin" / "elasticsearch").exists():
            return
        if shutil.which("mvn") is None:
            raise LocalNodeError("Maven (`mvn`) is needed to fetch Elasticsearch; install it (apt-get install maven)")
        self.dist_dir.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.dist_dir.parent) as tmp:
            artifact = ARTIFACT.format(version=self.version)
            proc = subprocess.run(
                ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={tmp}"],
                capture_output=True, text=True, check=False,
            )
            zips = list(Path(tmp).glob("*.zip"))
            if proc.returncode != 0 or not zips:
                raise LocalNodeError(f"could not fetch {artifact} with Maven:\n{_tail(proc.stdout + proc.stderr)}")
            with zipfile.ZipFile(zips[0]) as zf:
                zf.extractall(tmp)
            unpacked = Path(tmp) / f"elasticsearch-{self.version}"
            for script in (unpacked / "bin").iterdir():
                script.chmod(0o755)
            # The rename is the publish step: a crash before it leaves no half-unpacked distribution.
            unpacked.rename(self.dist_dir)

    def _ensure_node_config(self) -> None:
        conf = self.node_dir / "config"
        if (conf / "elasticsearch.keystore").exists() and self.password_file.exists():
            self._own_by_service_user()
            return
        for sub in ("data", "logs"):
            (self.node_dir / sub).mkdir(parents=True, exist_ok=True)
        if conf.exists():
            shutil.rmtree(conf)
        shutil.copytree(self.dist_dir / "config", conf)
        (conf / "elasticsearch.yml").write_text(self._elasticsearch_yml())
        (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{self.heap}\n-Xmx{self.heap}\n")
        self._own_by_service_user()
        password = secrets.token_urlsafe(24)
        self._run_as_service_user([str(self.dist_dir / "bin" / "elasticsearch-keystore"), "create"])
        self._run_as_service_user(
            [str(self.dist_dir / "bin" / "elasticsearch-keystore"), "add", "-x", "-f", "bootstrap.password"],
            stdin=password,
        )
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)

    def _elasticsearch_yml(self) -> str:
        return "\n".join([
            f"cluster.name: caremap-{self.port}",
            f"node.name: caremap-{self.port}",
            f"path.data: {self.node_dir / 'data'}",
            f"path.logs: {self.node_dir / 'logs'}",
            "network.host: 127.0.0.1",
            f"http.port: {self.port}",
            f"transport.port: {self.port + 100}",
            "discovery.type: single-node",
            "xpack.security.enabled: true",
            "xpack.security.http.ssl.enabled: false",
            "xpack.security.transport.ssl.enabled: false",
            # A nearly full disk must not turn the indices read-only under a developer's feet.
            "cluster.routing.allocation.disk.threshold_enabled: false",
            "",
        ])

    # -- process -----------------------------------------------------------------------------------
    def _start(self) -> None:
        self.pid_file.unlink(missing_ok=True)
        self._run_as_service_user([str(self.dist_dir / "bin" / "elasticsearch"), "-d", "-p", str(self.pid_file)])

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.is_healthy():
                return
            if self.pid_file.exists() and self._pid() is None:
                break  # the JVM started and has exited: no point waiting longer
            time.sleep(1.0)
        raise LocalNodeError(
            f"Elasticsearch did not become healthy on {self.url} within {timeout_s:.0f}s.\n"
            f"Last lines of {self.log_file}:\n{self._log_tail()}"
        )

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) else None

    def _port_in_use(self) -> bool:
        try:
            httpx.get(f"{self.url}/_cluster/health", timeout=1.0)
        except httpx.HTTPError:
            return False
        return True

    def _log_tail(self) -> str:
        for candidate in (self.log_file, *sorted((self.node_dir / "logs").glob("*.log"))):
            if candidate.exists():
                return _tail(candidate.read_text(errors="replace"))
        return "(no log written)"

    # -- the unprivileged user ---------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "CAREMAP_"))}
        env["ES_JAVA_HOME"] = str(find_java())
        env["ES_PATH_CONF"] = str(self.node_dir / "config")
        env["ES_JAVA_OPTS"] = f"-Xms{self.heap} -Xmx{self.heap}"
        return env

    def _run_as_service_user(self, cmd: list[str], *, stdin: str | None = None, check: bool = True) -> None:
        if os.geteuid() == 0:
            _ensure_user(self.service_user)
            cmd = ["runuser", "-u", self.service_user, "--", *cmd]
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=self._env(), check=False)
        if check and proc.returncode != 0:
            raise LocalNodeError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{_tail(proc.stdout + proc.stderr)}")

    def _own_by_service_user(self) -> None:
        if os.geteuid() != 0:
            return
        _ensure_user(self.service_user)
        closed = [p for p in self.home.parents if p.exists() and not p.stat().st_mode & 0o001]
        if closed:
            raise LocalNodeError(
                f"{self.service_user} cannot reach {self.home}: {closed[0]} is not traversable by other users; "
                "set CAREMAP_HOME to a folder outside it"
            )
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o755)
        subprocess.run(["chown", "-R", f"{self.service_user}:", str(self.node_dir), str(self.dist_dir)], check=True)


def find_java() -> Path:
    """A JDK >= 21: ``ES_JAVA_HOME`` if set, else the newest one under /usr/lib/jvm."""
    candidates: list[Path] = []
    if os.environ.get("ES_JAVA_HOME"):
        candidates.append(Path(os.environ["ES_JAVA_HOME"]))
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        candidates.extend(sorted(jvm_root.iterdir(), reverse=True))
    found: list[tuple[int, Path]] = []
    for home in candidates:
        java = home / "bin" / "java"
        if java.exists() and (major := _java_major(java)) >= MIN_JAVA:
            found.append((major, home.resolve()))
    if not found:
        raise LocalNodeError(
            f"Elasticsearch {ELASTICSEARCH_VERSION} needs Java >= {MIN_JAVA}; none found under /usr/lib/jvm "
            "and ES_JAVA_HOME is unset (install e.g. openjdk-21-jdk-headless)"
        )
    return max(found)[1]


def _java_major(java: Path) -> int:
    proc = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)', proc.stderr + proc.stdout)
    return int(match.group(1)) if match else 0


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True, capture_output=True,
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
