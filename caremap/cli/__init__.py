"""The `caremap` command (see ``caremap.cli.app``); importing the modules registers their commands."""

from caremap.cli import data, es, evaluate, redis, registry, serve
from caremap.cli.app import app

__all__ = ["app", "data", "es", "evaluate", "main", "redis", "registry", "serve"]


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="caremap")
