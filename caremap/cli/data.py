"""`caremap validate|index|generate-providers`: the corpus and the indices built from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from caremap.cli.app import app, fail
from caremap.settings import get_settings


@app.command()
def validate() -> None:
    """Validate the corpus files and their cross-references; print every problem."""
    from caremap.corpus.checks import check_corpus
    from caremap.corpus.load import CorpusError

    settings = get_settings()
    try:
        summary = check_corpus(settings.corpus_dir, providers_path=settings.providers_path)
    except CorpusError as e:
        fail(str(e))
    typer.echo(json.dumps(summary, indent=2))


@app.command()
def index(
    providers: Annotated[Path | None, typer.Option(help="JSON Lines of providers (default: the corpus sample)")] = None,
    if_missing: Annotated[bool, typer.Option(help="Do nothing when the aliases already serve an index")] = False,
    only: Annotated[str | None, typer.Option(help="Rebuild providers or procedures alone")] = None,
) -> None:
    """Validate, embed and load the corpus into new versioned indices, then swap the aliases."""
    from caremap.corpus.load import CorpusError
    from caremap.index_contract import INDICES
    from indexer.build import BuildError, build_indices

    chosen = next((i for i in INDICES if i == only), None)
    if only is not None and chosen is None:
        fail(f"--only {only!r}: expected one of {', '.join(INDICES)}")
    settings = get_settings()
    if providers is not None:
        settings = settings.model_copy(update={"providers_file": providers})
    try:
        report = build_indices(settings, only_if_missing=if_missing, only=chosen)
    except (CorpusError, BuildError) as e:
        fail(f"indexing failed; the previously published index (if any) is still serving.\n{e}")
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
