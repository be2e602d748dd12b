"""The NPPES reader: the npidata_pfile read in blocks of whole records (``caremap.registry.csvblocks``, pyarrow),
columns found by header name, and the listing rules applied to a block's columns at once.

Each data row becomes a listed individual (an active NPI, a taxonomy, a placeable ZIP) in the block's
``People``, a ``Rejection`` (a bad row: reported with its line, NPI, column and value) or a left-out reason
(an organisation, a deactivated NPI: correct rows that a directory of individuals does not list).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from caremap.registry.csvblocks import BadReason, Block, CsvBlocks, read_header
from caremap.registry.layouts import NPPES, TAXONOMY_SLOTS
from caremap.registry.npi import valid_npis
from caremap.registry.zips import ZipPlace, ZipTable

Reason = Literal["malformed NPI", "missing taxonomy", "unknown ZIP"] | BadReason
LeftOutReason = Literal["organisation", "deactivated"]
#: Joins a row's taxonomy codes into one value (codes are 10 letters and digits, never this character).
_SEPARATOR = "\x1f"
_NULL = pa.scalar(None, pa.string())
_Column = Callable[[str], pa.Array]


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    npi: str
    reason: Reason
    column: str
    value: str


@dataclass(frozen=True)
class People:
    """The listed individuals of one block, column by column (lists of the same length)."""

    npi: list[str]
    first: list[str]
    middle: list[str]
    last: list[str]
    suffix: list[str]
    credential: list[str]
    sex: list[str]
    street1: list[str]
    street2: list[str]
    city: list[str]
    state: list[str]
    postal: list[str]
    phone: list[str]
    updated: list[str]  # YYYY-MM-DD, or as published when not MM/DD/YYYY
    place: list[ZipPlace]
    taxonomies: list[tuple[str, ...]]  # primary first, then the other slots' codes in order

    def __len__(self) -> int:
        return len(self.npi)


@dataclass(frozen=True)
class Sorted:
    """One block's rows: who is listed, who is rejected and how many are left out, per reason."""

    rows: int
    people: People
    rejected: list[Rejection]
    left_out: Counter[LeftOutReason]
    deactivated: list[str]  # their NPIs (a weekly increment removes them)


_PERSON_COLUMNS = ("npi", "first", "middle", "last", "suffix", "credential", "sex", "street1", "street2", "city",
                   "state", "postal", "phone")


class NppesReader:
    """The blocks of one npidata_pfile (a binary handle). The header is checked on construction (LayoutError
    names what is missing)."""

    def __init__(self, handle: BinaryIO, *, file: Path, zips: ZipTable) -> None:
        self.header = read_header(handle)
        self._at = NPPES.resolve(self.header, file=file)
        self._blocks = CsvBlocks(handle, header=self.header, wanted=self._at.values(), key=self._at["npi"])
        self._zips = zips
        self._taxonomies = _Taxonomies()
        self._header_of = {key: self.header[i] for key, i in self._at.items()}
        self.rows = 0

    @property
    def fallback_blocks(self) -> int:
        """Blocks read by the csv module instead of pyarrow (see ``caremap.registry.csvblocks``)."""
        return self._blocks.fallback_blocks

    def __iter__(self) -> Iterator[Sorted]:
        for block in self._blocks:
            self.rows += block.rows
            yield self._sort(block)

    def _sort(self, block: Block) -> Sorted:
        def column(key: str) -> pa.Array:
            return block.columns[self._at[key]]

        deactivated = _deactivated(column("deactivated"), column("reactivated"))
        # Deactivated NPIs first: CMS blanks their other columns, entity type included.
        organisation = ~deactivated & _numpy(pc.not_equal(column("entity"), "1"))
        candidate = ~deactivated & ~organisation
        malformed = candidate & ~valid_npis(column("npi"))
        primary = self._primary(column)
        untaxed = candidate & ~malformed & _numpy(primary.is_null())
        zip_at = self._zips.positions(column("postal"))
        unplaced = candidate & ~malformed & ~untaxed & _numpy(zip_at.is_null())
        listed = candidate & ~malformed & ~untaxed & ~unplaced
        rejected = [Rejection(b.line, b.key, b.reason, b.column, b.value) for b in block.bad]
        rejected += self._rejections(column, block.lines, malformed=malformed, untaxed=untaxed, unplaced=unplaced)
        rejected.sort(key=lambda r: r.line)
        left_out: Counter[LeftOutReason] = Counter()
        left_out["deactivated"] += int(deactivated.sum())
        left_out["organisation"] += int(organisation.sum())
        people = self._people(column, pa.array(listed), primary, zip_at)
        gone: list[str] = column("npi").filter(pa.array(deactivated)).to_pylist()
        return Sorted(block.rows, people, rejected, +left_out, gone)

    def _primary(self, column: _Column) -> pa.Array:
        """The slot switched Y, else (older records say X, "not answered") the first listed code; null when none."""
        slots = [(column(f"tax{n}"), column(f"primary{n}")) for n in range(1, TAXONOMY_SLOTS + 1)]
        switched = [pc.if_else(pc.and_(pc.not_equal(code, ""), pc.equal(switch, "Y")), code, _NULL)
                    for code, switch in slots]
        listed = [pc.if_else(pc.not_equal(code, ""), code, _NULL) for code, _ in slots]
        return pc.coalesce(*switched, *listed)

    def _rejections(self, column: _Column, lines: npt.NDArray[np.int64], *, malformed: npt.NDArray[np.bool_],
                    untaxed: npt.NDArray[np.bool_], unplaced: npt.NDArray[np.bool_]) -> list[Rejection]:
        out: list[Rejection] = []
        for mask, reason, key in ((malformed, "malformed NPI", "npi"), (untaxed, "missing taxonomy", "tax1"),
                                  (unplaced, "unknown ZIP", "postal")):
            rows = np.flatnonzero(mask)
            if len(rows) == 0:
                continue
            npis = column("npi").take(rows).to_pylist()
            values = column(key).take(rows).to_pylist()
            for row, npi, value in zip(rows.tolist(), npis, values, strict=True):
                out.append(Rejection(int(lines[row]), npi, reason, self._header_of[key], value))  # type: ignore[arg-type]
        return out

    def _people(self, column: _Column, listed: pa.Array, primary: pa.Array, zip_at: pa.Array) -> People:
        def kept(values: pa.Array) -> list[str]:
            result: list[str] = values.filter(listed).to_pylist()
            return result

        places = self._zips.by_position
        codes = [column(f"tax{n}") for n in range(1, TAXONOMY_SLOTS + 1)]
        return People(
            **{key: kept(column(key)) for key in _PERSON_COLUMNS},
            updated=kept(_iso_dates(column("updated"))),
            place=[places[i] for i in zip_at.filter(listed).to_pylist()],
            taxonomies=self._taxonomies(pc.binary_join_element_wise(primary, *codes, _SEPARATOR).filter(listed)),
        )



def _numpy(mask: pa.Array) -> npt.NDArray[np.bool_]:
    result: npt.NDArray[np.bool_] = mask.to_numpy(zero_copy_only=False)
    return result


def _iso_dates(dates: pa.Array) -> pa.Array:
    """MM/DD/YYYY -> YYYY-MM-DD (sortable); any other value stays as it is."""
    def part(start: int, stop: int) -> pa.Array:
        return pc.utf8_slice_codeunits(dates, start, stop)

    iso = pc.binary_join_element_wise(part(6, 10), part(0, 2), part(3, 5), "-")
    return pc.if_else(pc.equal(pc.utf8_length(dates), 10), iso, dates)


def _deactivated(deactivated: pa.Array, reactivated: pa.Array) -> npt.NDArray[np.bool_]:
    """A deactivation date and no later reactivation date."""
    later = pc.and_(pc.not_equal(reactivated, ""), pc.greater(_iso_dates(reactivated), _iso_dates(deactivated)))
    return _numpy(pc.and_not(pc.not_equal(deactivated, ""), later))


class _Taxonomies:
    """(primary, other codes in slot order without repeats) per row, from "primary<sep>code1<sep>...code15";
    each distinct combination is split once (a file has a few thousand)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, ...]] = {}

    def __call__(self, joined: pa.Array) -> list[tuple[str, ...]]:
        encoded = joined.dictionary_encode()
        if len(self._seen) > 100_000:
            self._seen.clear()
        combinations = [self._seen.get(value) or self._split(value) for value in encoded.dictionary.to_pylist()]
        return [combinations[i] for i in encoded.indices.to_pylist()]

    def _split(self, value: str) -> tuple[str, ...]:
        primary, *codes = value.split(_SEPARATOR)
        split = self._seen[value] = (primary, *(c for c in dict.fromkeys(codes) if c and c != primary))
        return split
