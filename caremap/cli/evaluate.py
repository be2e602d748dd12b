"""`caremap eval`: a judgment set against the live search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caremap.cli.app import app
from caremap.settings import get_settings


@app.command("eval")
def evaluate(
    judgments: Annotated[Path, typer.Option(help="Judgment set (YAML)")] = Path("corpus/judgments/dev.yaml"),
    out: Annotated[Path, typer.Option(help="Folder for eval.json, eval.md and eval.png")] = Path("reports"),
    strategy: Annotated[list[str] | None, typer.Option(help="Strategies to compare (default: all three)")] = None,
) -> None:
    """Run a judgment set against the live search; print a table and write JSON, Markdown and a chart."""
    import asyncio

    from api import evaluation
    from api.resources import Resources
    from caremap.corpus.load import load_judgments

    judged = load_judgments(judgments)
    strategies = tuple(strategy or evaluation.STRATEGIES)

    async def _run() -> list[evaluation.Outcome]:
        resources = await Resources.open(get_settings())
        try:
            return await evaluation.run(resources.search, judged, strategies)  # type: ignore[arg-type]
        finally:
            await resources.close()

    outcomes = asyncio.run(_run())
    report = evaluation.metrics(judged, outcomes)
    typer.echo(evaluation.table(report))
    for path in evaluation.write_reports(report, outcomes, out):
        typer.echo(f"wrote {path}")
