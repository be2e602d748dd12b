"""The Elasticsearch distribution the local nodes run, the JDK, and the unprivileged user they run as.

The distribution is the ``integ-test-zip`` from Maven Central, fetched with Maven's own resolver and
unpacked once into ``<home>/dist`` so later clones (and every local node or cluster) reuse it.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from caremap.settings import ELASTICSEARCH_VERSION

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
MIN_JAVA = 21


class LocalNodeError(RuntimeError):
    """A local node or cluster could not be provisioned, started or stopped; the message says why."""


def ensure_distribution(dist_dir: Path, version: str = ELASTICSEARCH_VERSION) -> None:
    """Fetch and unpack the release into ``dist_dir`` unless it is already there."""
    if (dist_dir / "bin" / "elasticsearch").exists():
        return
    if shutil.which("mvn") is None:
        raise LocalNodeError("Maven (`mvn`) is needed to fetch Elasticsearch; install it (apt-get install maven)")
    dist_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dist_dir.parent) as tmp:
        artifact = ARTIFACT.format(version=version)
        proc = subprocess.run(
            ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={tmp}"],
            capture_output=True, text=True, check=False,
        )
        zips = list(Path(tmp).glob("*.zip"))
        if proc.returncode != 0 or not zips:
            raise LocalNodeError(f"could not fetch {artifact} with Maven:\n{tail(proc.stdout + proc.stderr)}")
        with zipfile.ZipFile(zips[0]) as zf:
            zf.extractall(tmp)
        unpacked = Path(tmp) / f"elasticsearch-{version}"
        for script in (unpacked / "bin").iterdir():
            script.chmod(0o755)
        # The rename is the publish step: a crash before it leaves no half-unpacked distribution.
        unpacked.rename(dist_dir)


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


def as_service_user(cmd: list[str], user: str) -> list[str]:
    """``cmd`` run as ``user`` when we are root (Elasticsearch refuses to run as root), else as it is."""
    if os.geteuid() != 0:
        return cmd
    ensure_user(user)
    return ["runuser", "-u", user, "--", *cmd]


def own_by(user: str, home: Path, *paths: Path) -> None:
    """Give ``paths`` to ``user`` (when we are root), after checking it can reach ``home``."""
    if os.geteuid() != 0:
        return
    ensure_user(user)
    closed = [p for p in home.parents if p.exists() and not p.stat().st_mode & 0o001]
    if closed:
        raise LocalNodeError(
            f"{user} cannot reach {home}: {closed[0]} is not traversable by other users; "
            "set CAREMAP_HOME to a folder outside it"
        )
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    subprocess.run(["chown", "-R", f"{user}:", *map(str, paths)], check=True)


def ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True, capture_output=True,
        )


def running_pid(pid_file: Path) -> int | None:
    """The process id in ``pid_file`` when that process is alive, else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if alive(pid) else None


def terminate(pids: list[int], *, timeout_s: float, poll_s: float = 0.2) -> None:
    """SIGTERM every process, wait up to ``timeout_s`` for all to end, SIGKILL those still alive."""
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(poll_s)
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
