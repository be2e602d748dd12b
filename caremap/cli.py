"""The `caremap` command: local Elasticsearch, corpus validation, indexing, generation, serving."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from caremap.settings import PROJECT_ROOT, get_settings

app = typer.Typer(
    help="caremap: symptoms to procedures to the clinicians near you.", no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
es_app = typer.Typer(help="The local Elasticsearch node the project provisions (the embedded default).")
app.add_typer(es_app, name="es")


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@es_app.command("up")
def es_up() -> None:
    """Fetch (once), configure and start the local node; wait until it is healthy."""
    from caremap.localnode import LocalNode, LocalNodeError

    try:
        url = LocalNode.from_settings(get_settings()).up()
    except LocalNodeError as e:
        _fail(str(e))
    typer.echo(f"Elasticsearch is up at {url}")


@es_app.command("down")
def es_down() -> None:
    """Stop the local node (its data stays)."""
    from caremap.localnode import LocalNode

    stopped = LocalNode.from_settings(get_settings()).down()
    typer.echo("stopped" if stopped else "was not running")


@es_app.command("status")
def es_status() -> None:
    """Print the local node's state as JSON; exit 1 when it is not healthy."""
    from caremap.localnode import LocalNode

    node = LocalNode.from_settings(get_settings())
    typer.echo(json.dumps(node.status(), indent=2))
    if not node.is_healthy():
        raise typer.Exit(1)


@app.command()
def validate() -> None:
    """Validate the corpus files and their cross-references; print every problem."""
    from caremap.corpus.checks import check_corpus
    from caremap.corpus.load import CorpusError

    settings = get_settings()
    try:
        summary = check_corpus(settings.corpus_dir, providers_path=settings.providers_path)
    except CorpusError as e:
        _fail(str(e))
    typer.echo(json.dumps(summary, indent=2))


@app.command()
def index(
    providers: Annotated[Path | None, typer.Option(help="JSON Lines of providers (default: the corpus sample)")] = None,
    if_missing: Annotated[bool, typer.Option(help="Do nothing when the aliases already serve an index")] = False,
) -> None:
    """Validate, embed and load the corpus into new versioned indices, then swap the aliases."""
    from caremap.corpus.load import CorpusError
    from indexer.build import BuildError, build_indices

    settings = get_settings()
    if providers is not None:
        settings = settings.model_copy(update={"providers_file": providers})
    try:
        report = build_indices(settings, only_if_missing=if_missing)
    except (CorpusError, BuildError) as e:
        _fail(f"indexing failed; the previously published index (if any) is still serving.\n{e}")
    typer.echo(json.dumps(report, indent=2))


@app.command("generate-providers")
def generate_providers(
    out: Annotated[Path, typer.Option(help="Output JSON Lines file")],
    count: Annotated[int, typer.Option(min=1, help="How many providers")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file")] = 1,
    sample: Annotated[bool, typer.Option(help="Write the committed sample instead of `count` records")] = False,
) -> None:
    """Generate fictional providers (streamed; 1,000,000 fit in bounded memory)."""
    from caremap.corpus.load import Corpus
    from caremap.corpus.providers_gen import generate_providers as generate
    from caremap.corpus.providers_gen import sample_providers, write_jsonl
    from caremap.places import Gazetteer

    corpus = Corpus.load(get_settings().corpus_dir)
    gazetteer = Gazetteer.load(corpus.places)
    records = (
        sample_providers(
            catalog=corpus.catalog, specialties=corpus.specialties, gazetteer=gazetteer,
            corpus_places=corpus.places,
        )
        if sample
        else generate(
            count=count, seed=seed, catalog=corpus.catalog, specialties=corpus.specialties, gazetteer=gazetteer,
        )
    )
    written = write_jsonl(records, out)
    typer.echo(f"wrote {written} providers to {out}", err=True)


@app.command("eval")
def evaluate(
    judgments: Annotated[Path, typer.Option(help="Judgment set (YAML)")] = Path("corpus/judgments/dev.yaml"),
    out: Annotated[Path, typer.Option(help="Folder for eval.json, eval.md and eval.png")] = Path("reports"),
    strategy: Annotated[list[str] | None, typer.Option(help="Strategies to compare (default: all three)")] = None,
) -> None:
    """Run a judgment set against the live search; print a table and write JSON, Markdown and a chart."""
    import asyncio

    from api import evaluation
    from api.search_service import SearchService
    from caremap.corpus.load import load_judgments

    judged = load_judgments(judgments)
    strategies = tuple(strategy or evaluation.STRATEGIES)

    async def _run() -> list[evaluation.Outcome]:
        service = SearchService.from_settings(get_settings())
        try:
            return await evaluation.run(service, judged, strategies)  # type: ignore[arg-type]
        finally:
            await service.close()

    outcomes = asyncio.run(_run())
    report = evaluation.metrics(judged, outcomes)
    typer.echo(evaluation.table(report))
    for path in evaluation.write_reports(report, outcomes, out):
        typer.echo(f"wrote {path}")


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

    # Uvicorn's access log prints query strings (symptoms, places): ours logs the path only.
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, log_level="info", access_log=False,
                workers=workers)


@app.command()
def run(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    reindex: Annotated[bool, typer.Option(help="Rebuild the indices even when they exist")] = False,
) -> None:
    """Everything a fresh machine needs: local Elasticsearch up, sample corpus indexed, API served."""
    settings = get_settings()
    if settings.es_is_local:
        es_up()
    index(providers=None, if_missing=not reindex)
    typer.echo(f"caremap API on http://{host}:{port}  (docs: /docs, search: /v1/search?q=...&near=...)")
    serve(host=host, port=port)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="caremap")


if __name__ == "__main__":  # pragma: no cover
    main()
