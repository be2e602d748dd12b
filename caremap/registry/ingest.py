"""One ingest run: check every header, index the joins on disk, stream NPPES into provider records (or apply
weekly increments to a providers file written earlier).

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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import orjson
from tqdm import tqdm

from caremap.corpus.load import Corpus
from caremap.registry.csvblocks import read_header
from caremap.registry.increments import BaseFileError, Changes, MergeCounts
from caremap.registry.joins import JoinStore
from caremap.registry.layouts import LOCATIONS, NPPES, UTILIZATION, LayoutError
from caremap.registry.nppes import NppesReader, Rejection, Sorted
from caremap.registry.records import RecordBuilder, Sources, code_slugs
from caremap.registry.taxonomy import TaxonomyMap, load_display_names
from caremap.registry.zips import ZipTable

EXAMPLES = 20


class IngestError(RuntimeError):
    """The run could not finish; no output was written."""


@dataclass(frozen=True)
class IngestFiles:
    """The run's files. ``npi`` is one NPPES file; with ``base`` (a providers file written earlier), one or
    more weekly increments applied to it in order (``caremap.registry.increments``)."""

    npi: Path | tuple[Path, ...]
    out: Path
    base: Path | None = None
    locations: Path | None = None
    taxonomy: Path | None = None
    utilization: Path | None = None
    utilization_year: int | None = None

    @property
    def npi_files(self) -> tuple[Path, ...]:
        return self.npi if isinstance(self.npi, tuple) else (self.npi,)


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
    merge: MergeCounts | None = None

    def summary(self) -> dict[str, object]:
        return {
            "rows": self.rows, "written": self.written, "with_billed_procedures": self.with_billed,
            "left_out": dict(self.left_out), "rejected": dict(self.rejected),
            "secondary_locations_with_unknown_zip": self.skipped_locations,
            "utilization_rows": self.utilization_rows, "utilization_rows_matched": self.utilization_rows_used,
            **({"base_records": asdict(self.merge)} if self.merge else {}),
            "seconds": round(self.seconds, 1), "rows_per_s": round(self.rows / self.seconds) if self.seconds else 0,
            "rejections_file": str(self.rejections_file) if self.rejections_file else None,
        }


def ingest_nppes(files: IngestFiles, corpus: Corpus, *, billed_only: bool = False, progress: bool = True,
                 zips: ZipTable | None = None) -> IngestReport:
    """Write the providers file ``files.out``: NPPES into records, or weekly increments applied to a base."""
    started = time.perf_counter()
    year = _check_inputs(files)
    zips = zips or ZipTable.load()
    display = load_display_names(files.taxonomy) if files.taxonomy else None
    taxonomy = TaxonomyMap(corpus.specialties, display_names=display)
    rejections = files.out.with_name(files.out.name + ".rejections.csv")
    report = IngestReport(rejections_file=rejections)
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
            stack.enter_context(_replacing(rejections)).open("w", encoding="utf-8", newline="")
        )
        bar = stack.enter_context(tqdm(desc="ingesting NPPES", unit=" rows", unit_scale=True, disable=not progress,
                                       mininterval=1.0))
        run = _Pass(zips=zips, joins=joins, report=report, reject=csv.writer(rejects).writerow, bar=bar.update)
        changes = Changes(files.base) if files.base else None
        for path in files.npi_files:
            builder = RecordBuilder(
                taxonomy=taxonomy, catalog=corpus.catalog, zips=zips, billed_only=billed_only,
                sources=Sources(nppes_file=path.name, nppes_date=_file_date(path),
                                utilization_file=files.utilization.name if files.utilization else None,
                                utilization_year=year),
            )
            for block, lines in run.records(path, builder):
                if changes is None:
                    out.writelines(lines)
                    report.written += len(lines)
                else:
                    changes.listed(block.people.npi, lines)
                    changes.deactivated(block.deactivated)
            report.skipped_locations += builder.skipped_locations
        if changes is None:
            _check_written(files, report)
        else:
            report.merge = _merge(changes, out)
            report.written = report.merge.replaced + report.merge.added + report.merge.kept
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Pass:
    """Reading NPPES files into record lines, counting and reporting rows as it goes."""

    zips: ZipTable
    joins: JoinStore
    report: IngestReport
    reject: Callable[[Iterable[object]], object]
    bar: Callable[[int], object]

    def __post_init__(self) -> None:
        self.reject(["line", "npi", "reason", "column", "value", "file"])

    def records(self, path: Path, builder: RecordBuilder) -> Iterator[tuple[Sorted, list[bytes]]]:
        """Each block of ``path`` with its listed people's records as JSON lines."""
        report, joins = self.report, self.joins
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        with path.open("rb") as handle:
            reader = NppesReader(handle, file=path, zips=self.zips)
            for block in reader:
                self.bar(block.rows)
                report.left_out.update(block.left_out)
                for rejection in block.rejected:
                    self._reject(rejection, file=path)
                people = block.people
                billed = joins.billed(people.npi)
                records = builder.records(people, billed=billed, locations=joins.locations(people.npi))
                report.with_billed += len(billed)
                yield block, [dumps(r, option=option) for r in records]
            report.rows += reader.rows

    def _reject(self, item: Rejection, *, file: Path) -> None:
        self.report.rejected[item.reason] += 1
        self.reject([item.line, item.npi, item.reason, item.column, item.value, file.name])
        if len(self.report.examples) < EXAMPLES:
            self.report.examples.append(item)


def _check_written(files: IngestFiles, report: IngestReport) -> None:
    if report.written == 0:
        raise IngestError(f"{files.npi_files[0]}: no provider records to write (rows read: {report.rows}, "
                          f"left out: {dict(report.left_out)}, rejected: {dict(report.rejected)})")


def _merge(changes: Changes, out: BinaryIO) -> MergeCounts:
    try:
        return changes.merge(out)
    except BaseFileError as e:
        raise IngestError(str(e)) from e


def _check_inputs(files: IngestFiles) -> int | None:
    """Fail before any work when a file is missing or not its layout; return the utilisation data year."""
    if files.base is None and len(files.npi_files) > 1:
        raise IngestError("several NPPES files are weekly increments: give the providers file they apply to "
                          "(--base)")
    if files.base is not None and not files.base.is_file():
        raise IngestError(f"{files.base}: no such file (the providers file the increments apply to)")
    return _check_headers(files)


def _check_headers(files: IngestFiles) -> int | None:
    """Fail before any work when a file is not its layout; return the utilisation data year."""
    checks = [*((path, NPPES) for path in files.npi_files), (files.locations, LOCATIONS),
              (files.utilization, UTILIZATION)]
    for path, layout in checks:
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
