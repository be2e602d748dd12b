"""A large CSV file as blocks of whole records, parsed by pyarrow's CSV reader into the columns a run needs,
with the physical line each record starts on.

The file is cut into blocks of about ``block_size`` bytes, each ending after a line break that lies outside
quotes (an even number of ``"`` before it, counted from a record boundary), so that every block is whole
records. pyarrow parses a block in C++ (quoting, escaped quotes, line breaks inside values) and converts only
the wanted columns, all as strings. When every line of the block is exactly one record, the records' lines
follow from the block's first line. Any other block — a line break inside a value, a blank line, a record
with the wrong number of columns, a wanted value that is not UTF-8, anything pyarrow refuses — is read again
by the csv module, record by record, which knows each record's line and reports the records it cannot use
as ``BadRecord``s instead of failing the run.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pa_csv

BLOCK_SIZE = 4 << 20
BadReason = Literal["wrong column count", "undecodable text", "unreadable record"]
_SURROGATE = re.compile("[\udc80-\udcff]")  # what errors="surrogateescape" makes of bytes that are not UTF-8


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that could not be read: where it starts, its key, why, and what was found."""

    line: int
    key: str  # the record's value in the key column (the NPI), when it has one
    reason: BadReason
    column: str
    value: str


@dataclass(frozen=True)
class Block:
    """Whole records of one block: the wanted columns (by position in the header) and each record's line."""

    columns: dict[int, pa.Array]
    lines: npt.NDArray[np.int64]
    bad: list[BadRecord]

    @property
    def rows(self) -> int:
        """Records in the block, the bad ones included."""
        return len(self.lines) + len(self.bad)


def read_header(handle: BinaryIO) -> list[str]:
    """The first line's column names (a UTF-8 byte-order mark dropped); leaves ``handle`` at the first record."""
    return next(csv.reader([handle.readline().decode("utf-8-sig", "replace")]), [])


class CsvBlocks:
    """Blocks of the records after the header. ``handle`` is a binary file positioned after the header."""

    def __init__(self, handle: BinaryIO, *, header: Sequence[str], wanted: Iterable[int], key: int = 0,
                 block_size: int = BLOCK_SIZE) -> None:
        self._handle = handle
        self._key = key
        self._header = list(header)
        self._wanted = sorted(set(wanted))
        self._block_size = block_size
        names = [f"c{i}" for i in range(len(self._header))]
        # One thread and one parse per block: on a shared two-core machine the threads' hand-offs cost more CPU
        # than they save (measured: 300,000 vs 215,000 rows per CPU-second).
        self._read = pa_csv.ReadOptions(column_names=names, use_threads=False, block_size=4 * block_size)
        self._parse = pa_csv.ParseOptions(newlines_in_values=True)
        self._convert = pa_csv.ConvertOptions(
            include_columns=[names[i] for i in self._wanted],
            column_types={names[i]: pa.string() for i in self._wanted},
            strings_can_be_null=False, quoted_strings_can_be_null=False,
        )
        self.fallback_blocks = 0

    def __iter__(self) -> Iterator[Block]:
        line = 2  # the header is line 1
        for data in _whole_records(self._handle, self._block_size):
            breaks = _count(data, b"\n")
            records = breaks + (not data.endswith(b"\n"))  # when each line is one record
            yield self._plain(data, line, records) or self._exact(data, line)
            line += breaks

    def _plain(self, data: bytes, line: int, records: int) -> Block | None:
        """pyarrow's parse of a block where each line is one record; None for any other block."""
        try:
            table = pa_csv.read_csv(pa.BufferReader(data), read_options=self._read, parse_options=self._parse,
                                    convert_options=self._convert)
        except pa.ArrowInvalid:
            return None
        if table.num_rows != records:
            return None
        columns = {i: table.column(n).combine_chunks() for n, i in enumerate(self._wanted)}
        return Block(columns, np.arange(line, line + table.num_rows, dtype=np.int64), [])

    def _exact(self, data: bytes, line: int) -> Block:
        """The csv module's reading of a block, record by record, with the line each record starts on."""
        self.fallback_blocks += 1
        reader = csv.reader(io.StringIO(data.decode("utf-8", "surrogateescape"), newline=""))
        values: list[list[str]] = [[] for _ in self._wanted]
        lines: list[int] = []
        bad: list[BadRecord] = []
        start = line
        while True:
            try:
                row = next(reader, None)
            except csv.Error as e:  # e.g. a value longer than the csv module's field limit
                bad.append(BadRecord(start, "", "unreadable record", "(record)", str(e)))
                start = line + reader.line_num
                continue
            if row is None:
                break
            problem = self._problem(row, start) if row else None
            if problem:
                bad.append(problem)
            elif row:
                lines.append(start)
                for column, i in zip(values, self._wanted, strict=True):
                    column.append(row[i])
            start = line + reader.line_num
        columns = {i: pa.array(v, type=pa.string()) for i, v in zip(self._wanted, values, strict=True)}
        return Block(columns, np.array(lines, dtype=np.int64), bad)

    def _problem(self, row: list[str], line: int) -> BadRecord | None:
        key = _shown(row[self._key]) if len(row) > self._key else ""
        if len(row) != len(self._header):
            return BadRecord(line, key, "wrong column count", "(record)",
                             f"{len(row)} columns, expected {len(self._header)}")
        for i in self._wanted:
            if _SURROGATE.search(row[i]):
                return BadRecord(line, key, "undecodable text", self._header[i], _shown(row[i]))
        return None


def _shown(value: str) -> str:
    """A value for a report: bytes that are not UTF-8 written as \\xNN escapes."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _whole_records(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """Chunks of about ``size`` bytes, each cut after a line break outside quotes."""
    rest = b""
    while chunk := handle.read(size):
        data = rest + chunk
        cut = _last_boundary(data)
        if cut == 0:  # one record longer than the chunk: read on
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut]
    if rest:
        yield rest


def _last_boundary(data: bytes) -> int:
    """Where the last whole record of ``data`` ends (0: none does). A line break ends a record when an even
    number of quotes precedes it: escaped quotes come in pairs, so only a value's own quotes are odd."""
    end = data.rfind(b"\n")
    while end >= 0:
        if _count(data, b'"', end) % 2 == 0:
            return end + 1
        end = data.rfind(b"\n", 0, end)
    return 0


def _count(data: bytes, byte: bytes, end: int | None = None) -> int:
    """Occurrences of one byte in ``data[:end]`` (numpy: four times faster than ``bytes.count`` for quotes)."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8, count=-1 if end is None else end) == byte[0]))
