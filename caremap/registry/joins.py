"""The per-NPI joins, indexed on disk: Medicare utilisation (billed volume per procedure) and secondary
practice locations.

Both files are streamed once into a temporary SQLite database; only the NPIs that have something are kept in
memory, as a sorted ``array`` of 8-byte integers (about 10 MB for the 1.26M NPIs a year of utilisation has),
so the NPPES pass asks SQLite only for rows it will use.
"""

from __future__ import annotations

import csv
import sqlite3
import tempfile
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from caremap.registry.layouts import LOCATIONS, UTILIZATION, LayoutError

_BATCH = 50_000
_IN_LIST = 500  # NPIs per SQL IN list


@dataclass(frozen=True, slots=True)
class Billed:
    slug: str
    volume: float
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Location:
    street1: str
    street2: str
    city: str
    state: str
    postal: str
    phone: str


class _NpiSet:
    """The NPIs that have rows, as one sorted array of 8-byte integers (no Python object per NPI)."""

    def __init__(self, values: npt.NDArray[np.int64]) -> None:
        self._values = values

    def among(self, npis: Sequence[str]) -> list[int]:
        """Those of ``npis`` (ten-digit strings, one block's) in the set, as integers."""
        if len(self._values) == 0 or not npis:
            return []
        numbers = np.array(npis, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._values, numbers), len(self._values) - 1)
        result: list[int] = numbers[self._values[at] == numbers].tolist()
        return result

    def __len__(self) -> int:
        return len(self._values)


class JoinStore:
    """Billed procedures and secondary locations per NPI, from a SQLite file in a temporary folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="caremap-ingest-", dir=folder)
        self._db = sqlite3.connect(Path(self._dir.name) / "joins.sqlite3")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "CREATE TABLE claim (npi INTEGER, slug TEXT, code TEXT, services REAL);"
            "CREATE TABLE billed (npi INTEGER, slug TEXT, volume REAL, codes TEXT);"
            "CREATE TABLE location (npi INTEGER, street1 TEXT, street2 TEXT, city TEXT, state TEXT,"
            " postal TEXT, phone TEXT);"
        )
        self._billed = _NpiSet(np.array([], dtype=np.int64))
        self._located = _NpiSet(np.array([], dtype=np.int64))
        self.claim_rows = 0
        self.claim_rows_used = 0
        self.location_rows = 0

    # --- loading ---------------------------------------------------------------------------------------

    def load_utilization(self, path: Path, *, code_slugs: Mapping[str, str]) -> None:
        """Keep the rows whose HCPCS/CPT code a catalogue procedure lists; sum Tot_Srvcs per NPI and procedure
        over places of service."""
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            at = UTILIZATION.resolve(next(reader, []), file=path)
            npi_at, code_at, services_at = at["npi"], at["code"], at["services"]
            need = max(at.values())

            def rows() -> Iterator[tuple[int, str, str, float]]:
                for line_no, row in enumerate(reader, start=2):
                    self.claim_rows += 1
                    if len(row) <= need:
                        continue
                    slug = code_slugs.get(row[code_at])
                    if slug is None:
                        continue
                    try:
                        yield int(row[npi_at]), slug, row[code_at], float(row[services_at])
                    except ValueError as e:
                        raise LayoutError(
                            f"{path}: line {line_no}: Rndrng_NPI {row[npi_at]!r} / Tot_Srvcs {row[services_at]!r}: "
                            "expected an NPI and a number"
                        ) from e
                    self.claim_rows_used += 1

            self._db.executemany("INSERT INTO claim VALUES (?, ?, ?, ?)", rows())
        self._db.executescript(
            "INSERT INTO billed SELECT npi, slug, SUM(services), GROUP_CONCAT(DISTINCT code) FROM claim"
            " GROUP BY npi, slug; DELETE FROM claim; CREATE INDEX billed_npi ON billed (npi);"
        )
        self._billed = self._npis("billed")

    def load_locations(self, path: Path) -> None:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            at = LOCATIONS.resolve(next(reader, []), file=path)
            keys = ("npi", "street1", "street2", "city", "state", "postal", "phone")
            positions = [at[k] for k in keys]
            need = max(positions)

            def rows() -> Iterator[list[str]]:
                for row in reader:
                    self.location_rows += 1
                    if len(row) > need and row[at["npi"]].isdigit():
                        yield [row[i] for i in positions]

            self._db.executemany("INSERT INTO location VALUES (?, ?, ?, ?, ?, ?, ?)", rows())
        self._db.execute("CREATE INDEX location_npi ON location (npi)")
        self._located = self._npis("location")

    def _npis(self, table: str) -> _NpiSet:
        values = array("q")
        cursor = self._db.execute(f"SELECT DISTINCT npi FROM {table} ORDER BY npi")  # noqa: S608 - our names
        while chunk := cursor.fetchmany(_BATCH):
            values.extend(npi for (npi,) in chunk)
        return _NpiSet(np.frombuffer(values, dtype=np.int64))

    # --- lookups ---------------------------------------------------------------------------------------

    def billed(self, npis: Sequence[str]) -> dict[str, list[Billed]]:
        """The billed procedures of those of ``npis`` (one block's) that billed any, by NPI."""
        found: dict[str, list[Billed]] = {}
        query = "SELECT npi, slug, volume, codes FROM billed WHERE npi IN ({}) ORDER BY npi, slug"
        for npi, slug, volume, codes in self._rows(query, self._billed.among(npis)):
            found.setdefault(str(npi), []).append(Billed(slug, volume, tuple(sorted(codes.split(",")))))
        return found

    def locations(self, npis: Sequence[str]) -> dict[str, list[Location]]:
        """The secondary practice locations of those of ``npis`` that have any, by NPI, in the file's order."""
        found: dict[str, list[Location]] = {}
        query = ("SELECT npi, street1, street2, city, state, postal, phone FROM location WHERE npi IN ({})"
                 " ORDER BY npi, rowid")
        for npi, *fields in self._rows(query, self._located.among(npis)):
            found.setdefault(str(npi), []).append(Location(*fields))
        return found

    def _rows(self, query: str, npis: list[int]) -> Iterator[tuple[Any, ...]]:
        for at in range(0, len(npis), _IN_LIST):
            chunk = npis[at:at + _IN_LIST]
            yield from self._db.execute(query.format(", ".join("?" * len(chunk))), chunk)

    @property
    def billed_npis(self) -> int:
        return len(self._billed)

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> JoinStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
