"""`caremap es up|down|status`: the local Elasticsearch node or cluster."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from caremap.cli.app import es_app, fail
from caremap.settings import get_settings


@es_app.command("up")
def es_up(
    nodes: Annotated[int | None, typer.Option(min=1, max=9, help="Nodes (default: one per CAREMAP_ES_URL)")] = None,
    port: Annotated[int | None, typer.Option(help="First HTTP port (default: CAREMAP_ES_URL's)")] = None,
    transport_port: Annotated[int | None, typer.Option(help="First transport port (default: port + 100)")] = None,
) -> None:
    """Fetch (once), configure and start the local node or cluster; wait until it is healthy."""
    from caremap.local_services import es_up as up
    from caremap.localnode import LocalNodeError

    try:
        urls = up(get_settings(), nodes=nodes, port=port, transport_port=transport_port)
    except LocalNodeError as e:
        fail(str(e))
    typer.echo(f"Elasticsearch is up at {','.join(urls)}")


@es_app.command("down")
def es_down(port: Annotated[int | None, typer.Option(help="First HTTP port")] = None) -> None:
    """Stop the local node or cluster (its data stays)."""
    from caremap.local_services import es_down as down

    typer.echo("stopped" if down(get_settings(), port=port) else "was not running")


@es_app.command("status")
def es_status(port: Annotated[int | None, typer.Option(help="First HTTP port")] = None) -> None:
    """Print the local node's or cluster's state (nodes, health, shards) as JSON; exit 1 unless healthy."""
    from caremap.local_services import es_status as status

    state, healthy = status(get_settings(), port=port)
    typer.echo(json.dumps(state, indent=2))
    if not healthy:
        raise typer.Exit(1)
