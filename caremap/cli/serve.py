"""`caremap serve|run|openapi|hash-key`: the HTTP API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caremap.cli.app import app
from caremap.cli.data import index
from caremap.cli.es import es_up
from caremap.cli.redis import redis_up
from caremap.settings import PROJECT_ROOT, get_settings


@app.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Where to write the document")] = PROJECT_ROOT / "openapi.json",
) -> None:
    """Write the API's OpenAPI document (sorted keys, indented) without contacting Elasticsearch."""
    from api.contract import render_openapi
    from api.main import create_app

    out.write_text(render_openapi(create_app(get_settings())))
    typer.echo(f"wrote {out}")


@app.command("hash-key")
def hash_key(
    new: Annotated[bool, typer.Option(help="Generate a random key and print it with its digest")] = False,
) -> None:
    """Print the sha256 digest of an API key (read from stdin or a prompt) for CAREMAP_API_KEYS."""
    import secrets

    from api.security import hash_key as digest

    if new:
        key = secrets.token_urlsafe(32)
        typer.echo(f"key (give to the caller, store nowhere): {key}")
    else:
        key = typer.prompt("API key", hide_input=True).strip()
    typer.echo(digest(key))


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes (each loads the model)")] = 1,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    if workers > 1 and get_settings().rate_limit_storage == "memory://":
        typer.secho(f"note: {workers} workers each keep their own rate-limit counters (CAREMAP_RATE_LIMIT is per "
                    "worker); set CAREMAP_RATE_LIMIT_STORAGE=redis://... to share them", err=True)

    # Uvicorn's access log prints query strings (symptoms, places): ours logs the path only.
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, log_level="info", access_log=False,
                workers=workers)


@app.command()
def run(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    reindex: Annotated[bool, typer.Option(help="Rebuild the indices even when they exist")] = False,
) -> None:
    """Everything a fresh machine needs: local Elasticsearch up, corpus and national directory indexed, API up."""
    settings = get_settings()
    if settings.es_is_local:
        es_up()
    if settings.rate_limit_storage.startswith("redis://127.0.0.1"):
        redis_up()
    providers = settings.providers_file
    if providers is None:  # the default data: the generated national directory (CAREMAP_PROVIDERS_FILE overrides)
        from caremap.corpus.directory.default import national_directory_file

        providers = national_directory_file(settings)
    index(providers=providers, if_missing=not reindex, only=None)
    typer.echo(f"caremap API on http://{host}:{port}  (docs: /docs, search: /v1/search?q=...&near=...)")
    serve(host=host, port=port)
