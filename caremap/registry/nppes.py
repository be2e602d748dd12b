"""The NPPES reader: the npidata_pfile streamed with the csv module's C reader, columns found by header name.

Each data row becomes a ``Person`` (an individual with an active NPI, a taxonomy and a placeable ZIP), a
``Rejection`` (a bad row: reported with its line, NPI, column and value) or a ``LeftOut`` reason (an
organisation, a deactivated NPI: correct rows that a directory of individuals does not list).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from caremap.registry.fastcsv import QuotedRows
from caremap.registry.layouts import NPPES, TAXONOMY_SLOTS
from caremap.registry.npi import is_valid_npi
from caremap.registry.zips import ZipPlace, ZipTable

Reason = Literal["malformed NPI", "missing taxonomy", "unknown ZIP", "short row"]
LeftOutReason = Literal["organisation", "deactivated"]


@dataclass(frozen=True, slots=True)
class Person:
    line: int
    npi: str
    first: str
    middle: str
    last: str
    suffix: str
    credential: str
    sex: str
    street1: str
    street2: str
    city: str
    state: str
    postal: str
    phone: str
    place: ZipPlace
    primary: str
    taxonomies: tuple[str, ...]  # primary first, then the other slots in order
    updated: str


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    npi: str
    reason: Reason
    column: str
    value: str


@dataclass(frozen=True, slots=True)
class LeftOut:
    reason: LeftOutReason


def iso_date(value: str) -> str:
    """MM/DD/YYYY -> YYYY-MM-DD (sortable); "" stays ""."""
    return f"{value[6:10]}-{value[0:2]}-{value[3:5]}" if len(value) == 10 else value


class NppesReader:
    """Rows of one npidata_pfile. The header is checked on construction (LayoutError names what is missing)."""

    def __init__(self, handle: TextIO, *, file: Path, zips: ZipTable) -> None:
        self.header = next(csv.reader(handle), [])
        self._at = NPPES.resolve(self.header, file=file)
        self._rows = QuotedRows(handle, columns=len(self.header), keep=max(self._at.values()) + 1)
        self._need = max(self._at.values())
        self._zips = zips
        self._header_of = {key: self.header[i] for key, i in self._at.items()}
        self.rows = 0

    def __iter__(self) -> Iterator[Person | Rejection | LeftOut]:
        at = self._at
        entity, npi_at, deact, react = at["entity"], at["npi"], at["deactivated"], at["reactivated"]
        slots = [(at[f"tax{n}"], at[f"primary{n}"]) for n in range(1, TAXONOMY_SLOTS + 1)]
        need = self._need
        for line, row in self._rows:
            self.rows += 1
            if len(row) <= need:
                yield Rejection(line, row[npi_at] if row else "", "short row", "(row)",
                                f"{len(row)} columns, expected {len(self.header)}")
                continue
            # Deactivated NPIs first: CMS blanks their other columns, entity type included.
            if row[deact] and not _reactivated_after(row[react], row[deact]):
                yield LeftOut("deactivated")
                continue
            if row[entity] != "1":
                yield LeftOut("organisation")
                continue
            npi = row[npi_at]
            if not is_valid_npi(npi):
                yield Rejection(line, npi, "malformed NPI", self._header_of["npi"], npi)
                continue
            yield self._person(row, line, npi, slots)

    def _person(self, row: list[str], line: int, npi: str, slots: list[tuple[int, int]]) -> Person | Rejection:
        at = self._at
        codes: list[str] = []
        primary = ""
        for code_at, switch_at in slots:
            code = row[code_at]
            if code:
                codes.append(code)
                if not primary and row[switch_at] == "Y":
                    primary = code
        if not codes:
            return Rejection(line, npi, "missing taxonomy", self._header_of["tax1"], "")
        # No slot marked Y (older records say X, "not answered"): the first listed code is the primary.
        primary = primary or codes[0]
        postal = row[at["postal"]]
        place = self._zips.get(postal)
        if place is None:
            return Rejection(line, npi, "unknown ZIP", self._header_of["postal"], postal)
        others = tuple(c for c in dict.fromkeys(codes) if c != primary)
        return Person(
            line, npi, row[at["first"]], row[at["middle"]], row[at["last"]], row[at["suffix"]],
            row[at["credential"]], row[at["sex"]], row[at["street1"]], row[at["street2"]], row[at["city"]],
            row[at["state"]], postal, row[at["phone"]], place, primary, (primary, *others), row[at["updated"]],
        )


def _reactivated_after(reactivated: str, deactivated: str) -> bool:
    """Whether a reactivation date (MM/DD/YYYY) is later than the deactivation date."""
    return bool(reactivated) and iso_date(reactivated) > iso_date(deactivated)
