"""Weekly NPPES increments applied to a providers file written earlier.

CMS's weekly file has the monthly file's layout and one complete row per NPI added or changed that week. Its
records replace the base file's records of the same NPIs (in place, so the file keeps its order; new NPIs
come at the end), its deactivated NPIs are removed, and every other base record is copied as it is. A row of
the increment that is rejected changes nothing: the base keeps that NPI's previous record. The increments'
records are held in memory until the merge (a weekly file's are tens of megabytes); the base file is
streamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

_ID_PREFIX = b'{"id":"npi-'  # how caremap's own records start: the NPI without parsing the line


class BaseFileError(ValueError):
    """The base providers file has a line that is not a provider record."""


@dataclass
class MergeCounts:
    replaced: int = 0
    added: int = 0
    removed: int = 0
    kept: int = 0


class Changes:
    """What the increments, applied in order, do to the base file's NPIs: a new record, or removal."""

    def __init__(self, base: Path) -> None:
        self._base = base
        self._records: dict[str, bytes] = {}
        self._removed: set[str] = set()

    def listed(self, npis: Sequence[str], lines: Sequence[bytes]) -> None:
        for npi, line in zip(npis, lines, strict=True):
            self._records[npi] = line
            self._removed.discard(npi)

    def deactivated(self, npis: Iterable[str]) -> None:
        for npi in npis:
            self._records.pop(npi, None)
            self._removed.add(npi)

    def merge(self, out: BinaryIO) -> MergeCounts:
        """Write the base file with the changes applied to ``out``."""
        base, counts = self._base, MergeCounts()
        pending = dict(self._records)
        with base.open("rb") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                npi = _npi(line, base=base, number=number)
                if npi in pending:
                    out.write(pending.pop(npi))
                    counts.replaced += 1
                elif npi in self._removed:
                    counts.removed += 1
                else:
                    out.write(line if line.endswith(b"\n") else line + b"\n")
                    counts.kept += 1
        out.writelines(pending.values())
        counts.added = len(pending)
        return counts


def _npi(line: bytes, *, base: Path, number: int) -> str | None:
    """The NPI of a base record ("npi-<NPI>" ids), None for a record of another kind (kept as it is)."""
    if line.startswith(_ID_PREFIX) and line[21:22] == b'"':
        return line[11:21].decode("ascii")
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        raise BaseFileError(f"{base}: line {number}: not a JSON provider record ({e})") from e
    identifier = record.get("id") if isinstance(record, dict) else None
    if not isinstance(identifier, str):
        raise BaseFileError(f"{base}: line {number}: a provider record needs a string 'id', found {identifier!r}")
    return identifier.removeprefix("npi-") if identifier.startswith("npi-") else None
