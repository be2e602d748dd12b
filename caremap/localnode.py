"""The embedded default: Elasticsearch on loopback, provisioned and run by the project.

A ``LocalNode`` is one node: on its own (a single-node cluster, the default) or, given a ``Membership``, one
node of a ``caremap.localcluster.LocalCluster``. Each node (one per HTTP port: the developer's and the
tests') has its own config, data, logs and password under ``<home>/nodes/<port>`` (a cluster's nodes under
``<home>/clusters/<first port>/<port>``). Security stays on: the ``elastic`` user's password is generated on
first start and kept beside the node (mode 0600), where the client finds it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from caremap.es_dist import (
    LocalNodeError,
    as_service_user,
    ensure_distribution,
    find_java,
    own_by,
    running_pid,
    tail,
    terminate,
)
from caremap.settings import ELASTICSEARCH_VERSION, Settings

__all__ = ["LocalNode", "LocalNodeError", "Membership", "find_java"]


@dataclass(frozen=True)
class Membership:
    """How one node of a local cluster finds the others: shared name, password and CA, seed transport ports."""

    cluster_dir: Path  # holds the shared password and, per node, its TLS files (tls/<port>/)
    cluster_name: str
    transport_port: int
    seed_transport_ports: tuple[int, ...]
    settings: tuple[str, ...] = ()  # further elasticsearch.yml lines, the same on every node


@dataclass(frozen=True)
class LocalNode:
    home: Path
    port: int
    heap: str
    service_user: str
    version: str = ELASTICSEARCH_VERSION
    membership: Membership | None = None

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
        if self.membership is not None:
            return self.membership.cluster_dir / str(self.port)
        return self.home / "nodes" / str(self.port)

    @property
    def password_file(self) -> Path:
        if self.membership is not None:
            return self.membership.cluster_dir / "password"
        return self.node_dir / "password"

    @property
    def name(self) -> str:
        return f"caremap-{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.node_dir / "es.pid"

    @property
    def cluster_name(self) -> str:
        return self.membership.cluster_name if self.membership else self.name

    @property
    def log_file(self) -> Path:
        return self.node_dir / "logs" / f"{self.cluster_name}.log"

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
        self.prepare()
        self.launched(self.launch())
        self._wait_healthy(timeout_s)
        return self.url

    def prepare(self) -> None:
        """Fetch the distribution (once) and write the node's config and keystore (once)."""
        ensure_distribution(self.dist_dir, self.version)
        self._ensure_node_config()

    def launch(self, *, extra: tuple[str, ...] = ()) -> subprocess.Popen[str]:
        """Start the node as a daemon; the returned process ends once the node has started (or failed to).

        ``extra`` are ``-E`` settings for this start only (``cluster.initial_master_nodes`` on a first start).
        """
        self.pid_file.unlink(missing_ok=True)
        cmd = [str(self.dist_dir / "bin" / "elasticsearch"), "-d", "-p", str(self.pid_file)]
        cmd += [arg for setting in extra for arg in ("-E", setting)]
        return subprocess.Popen(as_service_user(cmd, self.service_user), env=_env(self), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def launched(self, proc: subprocess.Popen[str]) -> None:
        """Wait for a ``launch``; raise with its output and the log's tail when the node did not start."""
        output, _ = proc.communicate()
        if proc.returncode != 0:
            raise LocalNodeError(f"{self.name} did not start ({proc.returncode}):\n{tail(output or '')}\n"
                                 f"Last lines of {self.log_file}:\n{self.log_tail()}")

    def down(self, *, timeout_s: float = 60.0) -> bool:
        """Stop the node if it runs; return whether it was running."""
        pid = self.pid()
        if pid is None:
            return False
        terminate([pid], timeout_s=timeout_s, poll_s=0.5)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> dict[str, object]:
        health = self.health()
        return {
            "url": self.url,
            "version": self.version,
            "pid": self.pid(),
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
        if self.membership is not None:  # certificates must sit inside the config folder (entitlements)
            shutil.copytree(self.membership.cluster_dir / "tls" / str(self.port), conf / "tls")
        (conf / "elasticsearch.yml").write_text(elasticsearch_yml(self))
        (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{self.heap}\n-Xmx{self.heap}\n")
        self._own_by_service_user()
        # A cluster's password is made once for all its nodes (no native users on this distribution).
        password = self.password() if self.membership is not None else secrets.token_urlsafe(24)
        self._run_as_service_user([str(self.dist_dir / "bin" / "elasticsearch-keystore"), "create"])
        self._run_as_service_user(
            [str(self.dist_dir / "bin" / "elasticsearch-keystore"), "add", "-x", "-f", "bootstrap.password"],
            stdin=password,
        )
        if self.membership is None:
            self.password_file.write_text(password + "\n")
            self.password_file.chmod(0o600)

    # -- process -----------------------------------------------------------------------------------

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.is_healthy():
                return
            if self.pid_file.exists() and self.pid() is None:
                break  # the JVM started and has exited: no point waiting longer
            time.sleep(1.0)
        raise LocalNodeError(
            f"Elasticsearch did not become healthy on {self.url} within {timeout_s:.0f}s.\n"
            f"Last lines of {self.log_file}:\n{self.log_tail()}"
        )

    def pid(self) -> int | None:
        """The running node's process id, else None."""
        return running_pid(self.pid_file)

    def _port_in_use(self) -> bool:
        try:
            httpx.get(f"{self.url}/_cluster/health", timeout=1.0)
        except httpx.HTTPError:
            return False
        return True

    def log_tail(self) -> str:
        return _log_tail(self.log_file, self.node_dir / "logs")

    # -- the unprivileged user ---------------------------------------------------------------------
    def _run_as_service_user(self, cmd: list[str], *, stdin: str | None = None) -> None:
        cmd = as_service_user(cmd, self.service_user)
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=_env(self), check=False)
        if proc.returncode != 0:
            raise LocalNodeError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{tail(proc.stdout + proc.stderr)}")

    def _own_by_service_user(self) -> None:
        own_by(self.service_user, self.home, self.node_dir, self.dist_dir)


def elasticsearch_yml(node: LocalNode) -> str:
    """The node's config/elasticsearch.yml: one node on loopback, or a member of a local cluster (transport TLS)."""
    member = node.membership
    return "\n".join([
        f"cluster.name: {node.cluster_name}",
        f"node.name: {node.name}",
        f"path.data: {node.node_dir / 'data'}",
        f"path.logs: {node.node_dir / 'logs'}",
        "network.host: 127.0.0.1",
        f"http.port: {node.port}",
        f"transport.port: {member.transport_port if member else node.port + 100}",
        *(_cluster_yml(member) if member else ["discovery.type: single-node"]),
        "xpack.security.enabled: true",
        "xpack.security.http.ssl.enabled: false",
        *([] if member else ["xpack.security.transport.ssl.enabled: false"]),
        # A nearly full disk must not turn the indices read-only under a developer's feet.
        "cluster.routing.allocation.disk.threshold_enabled: false",
        "",
    ])


def _cluster_yml(member: Membership) -> list[str]:
    seeds = ", ".join(f'"127.0.0.1:{port}"' for port in member.seed_transport_ports)
    return [
        f"discovery.seed_hosts: [{seeds}]",
        "xpack.security.transport.ssl.enabled: true",
        "xpack.security.transport.ssl.verification_mode: full",
        "xpack.security.transport.ssl.key: tls/node.key",
        "xpack.security.transport.ssl.certificate: tls/node.crt",
        'xpack.security.transport.ssl.certificate_authorities: ["tls/ca.crt"]',
        *member.settings,
    ]


def _env(node: LocalNode) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "CAREMAP_"))}
    env["ES_JAVA_HOME"] = str(find_java())
    env["ES_PATH_CONF"] = str(node.node_dir / "config")
    env["ES_JAVA_OPTS"] = f"-Xms{node.heap} -Xmx{node.heap}"
    return env


def _log_tail(log_file: Path, logs: Path) -> str:
    for candidate in (log_file, *sorted(logs.glob("*.log"))):
        if candidate.exists():
            return tail(candidate.read_text(errors="replace"))
    return "(no log written)"
