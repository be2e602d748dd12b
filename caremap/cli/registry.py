"""`caremap ingest nppes` and `caremap generate-nppes`: the public US provider registry (docs/real-data.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caremap.cli.app import app, fail
from caremap.settings import get_settings

ingest_app = typer.Typer(help="Load public registry files into provider records (see docs/real-data.md).")
app.add_typer(ingest_app, name="ingest")


@ingest_app.command("nppes")
def ingest_nppes(
    npi: Annotated[list[Path], typer.Option(help="NPPES npidata_pfile CSV; with --base, a weekly increment "
                                            "(repeat for several, applied in order)")],
    out: Annotated[Path, typer.Option(help="Provider records to write (JSON Lines; may be the --base file)")],
    base: Annotated[Path | None, typer.Option(help="A providers file written earlier: apply the --npi weekly "
                                              "increments to it instead of starting afresh")] = None,
    locations: Annotated[Path | None, typer.Option(help="NPPES pl_pfile CSV (secondary practice locations)")] = None,
    taxonomy: Annotated[Path | None, typer.Option(help="NUCC taxonomy CSV (display names)")] = None,
    utilization: Annotated[Path | None, typer.Option(help="Medicare by Provider and Service CSV")] = None,
    utilization_year: Annotated[int | None, typer.Option(help="Its data year (default: from the file name)")] = None,
    billed_only: Annotated[bool, typer.Option(help="With --utilization, list only billed procedures")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
) -> None:
    """Stream NPPES (+ utilisation, locations) into provider records for `index --providers`, or apply weekly
    NPPES increments to a providers file (--base)."""
    from caremap.registry.commands import run_ingest
    from caremap.registry.ingest import IngestError, IngestFiles
    from caremap.registry.layouts import LayoutError

    files = IngestFiles(npi=tuple(npi), out=out, base=base, locations=locations, taxonomy=taxonomy,
                        utilization=utilization, utilization_year=utilization_year)
    try:
        run_ingest(files, corpus_dir=get_settings().corpus_dir, billed_only=billed_only, progress=progress)
    except (LayoutError, IngestError) as e:
        fail(f"ingest failed; nothing was written.\n{e}")


@app.command("generate-nppes")
def generate_nppes(
    out: Annotated[Path, typer.Option(help="Folder for npidata_pfile, pl_pfile and the utilisation file")],
    count: Annotated[int, typer.Option(min=1, help="NPPES rows")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files")] = 1,
    bad_every: Annotated[int, typer.Option(min=0, help="Spoil every Nth row (0: none)")] = 0,
    gender_header: Annotated[bool, typer.Option(help="Use the older 'Provider Gender Code' header")] = False,
) -> None:
    """Write fictional NPPES and Medicare utilisation files in the published layouts."""
    from caremap.registry.commands import run_generate

    run_generate(out, count=count, seed=seed, corpus_dir=get_settings().corpus_dir, bad_every=bad_every,
                 gender_header=gender_header)
