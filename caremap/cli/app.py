"""The `caremap` command, the composition root: the only place that wires the shared package, the indexer and
the API together (an import contract in pyproject.toml keeps the rest of `caremap` free of `api` and `indexer`).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="caremap: symptoms to procedures to the clinicians near you.", no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
es_app = typer.Typer(help="The local Elasticsearch node the project provisions (the embedded default).")
app.add_typer(es_app, name="es")


def fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)
