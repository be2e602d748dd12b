"""`caremap redis up|down|status`: the local Redis the API workers share their rate limits through."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from caremap.cli.app import app, fail
from caremap.settings import get_settings

redis_app = typer.Typer(help="The local Redis that API workers share rate limits through.")
app.add_typer(redis_app, name="redis")


@redis_app.command("up")
def redis_up(port: Annotated[int | None, typer.Option(help="Port (default: CAREMAP_RATE_LIMIT_STORAGE's)")] = None,
             ) -> None:
    """Start the local Redis the API workers share their rate limits through."""
    from caremap.localredis import LocalRedis, LocalRedisError

    try:
        url = LocalRedis.from_settings(get_settings(), port=port).up()
    except LocalRedisError as e:
        fail(str(e))
    typer.echo(f"Redis is up at {url}")


@redis_app.command("down")
def redis_down(port: Annotated[int | None, typer.Option(help="Port")] = None) -> None:
    """Stop the local Redis."""
    from caremap.localredis import LocalRedis

    typer.echo("stopped" if LocalRedis.from_settings(get_settings(), port=port).down() else "was not running")


@redis_app.command("status")
def redis_status(port: Annotated[int | None, typer.Option(help="Port")] = None) -> None:
    """Print the local Redis's state as JSON; exit 1 when it does not answer."""
    from caremap.localredis import LocalRedis

    state = LocalRedis.from_settings(get_settings(), port=port).status()
    typer.echo(json.dumps(state, indent=2))
    if not state["up"]:
        raise typer.Exit(1)
