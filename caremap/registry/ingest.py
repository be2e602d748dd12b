"""One ingest run: check every header, index the joins on disk, stream NPPES into provider records.

The records go to a temporary file beside the output and are renamed over it only when the run succeeds;
the rejected rows go to ``<out>.rejections.csv`` the same way. A failed run leaves neither.
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
from tqdm import tqdm

from caremap.corpus.load import Corpus
from caremap.registry.csvblocks import read_header
from caremap.registry.joins import JoinStore
from caremap.registry.layouts import LOCATIONS, NPPES, UTILIZATION, LayoutError
from caremap.registry.nppes import NppesReader, Rejection
from caremap.registry.records import RecordBuilder, Sources, code_slugs
from caremap.registry.taxonomy import TaxonomyMap, load_display_names
from caremap.registry.zips import ZipTable

EXAMPLES = 20


class IngestError(RuntimeError):
    """The run could not finish; no output was written."""


@dataclass(frozen=True)
class IngestFiles:
    npi: Path
    out: Path
    locations: Path | None = None
    taxonomy: Path | None = None
    utilization: Path | None = None
    utilization_year: int | None = None


@dataclass
class IngestReport:
    rows: int = 0
    written: int = 0
    with_billed: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    examples: list[Rejection] = field(default_factory=list)
    skipped_locations: int = 0
    utilization_rows: int = 0
    utilization_rows_used: int = 0
    seconds: float = 0.0
    rejections_file: Path | None = None

    def summary(self) -> dict[str, object]:
        return {
            "rows": self.rows, "written": self.written, "with_billed_procedures": self.with_billed,
            "left_out": dict(self.left_out), "rejected": dict(self.rejected),
            "secondary_locations_with_unknown_zip": self.skipped_locations,
            "utilization_rows": self.utilization_rows, "utilization_rows_matched": self.utilization_rows_used,
            "seconds": round(self.seconds, 1), "rows_per_s": round(self.rows / self.seconds) if self.seconds else 0,
            "rejections_file": str(self.rejections_file) if self.rejections_file else None,
        }


def ingest_nppes(files: IngestFiles, corpus: Corpus, *, billed_only: bool = False, progress: bool = True,
                 zips: ZipTable | None = None) -> IngestReport:
    started = time.perf_counter()
    year = _check_headers(files)
    zips = zips or ZipTable.load()
    display = load_display_names(files.taxonomy) if files.taxonomy else None
    builder = RecordBuilder(
        taxonomy=TaxonomyMap(corpus.specialties, display_names=display), catalog=corpus.catalog, zips=zips,
        sources=Sources(nppes_file=files.npi.name, nppes_date=_file_date(files.npi),
                        utilization_file=files.utilization.name if files.utilization else None,
                        utilization_year=year),
        billed_only=billed_only,
    )
    report = IngestReport()
    rejections_path = files.out.with_name(files.out.name + ".rejections.csv")
    files.out.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        joins = stack.enter_context(JoinStore(folder=files.out.parent))
        if files.utilization:
            joins.load_utilization(files.utilization, code_slugs=code_slugs(corpus.articles))
            report.utilization_rows, report.utilization_rows_used = joins.claim_rows, joins.claim_rows_used
        if files.locations:
            joins.load_locations(files.locations)
        # Each file is closed (LIFO) before its temporary path is renamed.
        out = stack.enter_context(stack.enter_context(_replacing(files.out)).open("wb", buffering=1 << 20))
        rejects = stack.enter_context(
            stack.enter_context(_replacing(rejections_path)).open("w", encoding="utf-8", newline="")
        )
        reject_row = csv.writer(rejects).writerow
        reject_row(["line", "npi", "reason", "column", "value"])
        npi_file = stack.enter_context(files.npi.open("rb"))
        reader = NppesReader(npi_file, file=files.npi, zips=zips)
        bar = stack.enter_context(tqdm(desc="ingesting NPPES", unit=" rows", unit_scale=True, disable=not progress,
                                       mininterval=1.0))
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        for block in reader:
            bar.update(block.rows)
            report.left_out.update(block.left_out)
            for rejection in block.rejected:
                _reject(report, reject_row, rejection)
            people = block.people
            billed = joins.billed(people.npi)
            out.writelines(dumps(r, option=option)
                           for r in builder.records(people, billed=billed, locations=joins.locations(people.npi)))
            report.written += len(people)
            report.with_billed += len(billed)
        report.rows = reader.rows
        if report.written == 0:
            raise IngestError(f"{files.npi}: no provider records to write (rows read: {report.rows}, "
                              f"left out: {dict(report.left_out)}, rejected: {dict(report.rejected)})")
    report.skipped_locations = builder.skipped_locations
    report.rejections_file = rejections_path
    report.seconds = time.perf_counter() - started
    return report


def _reject(report: IngestReport, write: Callable[[Iterable[object]], object], item: Rejection) -> None:
    report.rejected[item.reason] += 1
    write([item.line, item.npi, item.reason, item.column, item.value])
    if len(report.examples) < EXAMPLES:
        report.examples.append(item)


def _check_headers(files: IngestFiles) -> int | None:
    """Fail before any work when a file is not its layout; return the utilisation data year."""
    for path, layout in ((files.npi, NPPES), (files.locations, LOCATIONS), (files.utilization, UTILIZATION)):
        if path is not None:
            layout.resolve(_header(path), file=path)
    if files.utilization is None:
        return None
    year = files.utilization_year or _data_year(files.utilization.name)
    if year is None:
        raise LayoutError(f"{files.utilization}: cannot tell the data year from the file name (CMS names it "
                          "..._D23_Prov_Svc.csv for 2023); give it with --utilization-year")
    return year


def _header(path: Path) -> list[str]:
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    with path.open("rb") as f:
        return read_header(f)


def _data_year(name: str) -> int | None:
    match = re.search(r"_D(\d{2})_", name) or re.search(r"(?<!\d)(20\d{2})(?!\d)", name)
    if match is None:
        return None
    digits = match.group(1)
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _file_date(path: Path) -> str:
    """The end date CMS puts in the name (npidata_pfile_20050523-20260309.csv), else the file's mtime."""
    match = re.search(r"-(\d{4})(\d{2})(\d{2})(?!\d)", path.name)
    if match:
        return "-".join(match.groups())
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it on success and removed on any failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
