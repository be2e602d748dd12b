"""NUCC taxonomy codes -> specialty names: the corpus's specialties where they cover the code, else the code's
own NUCC name (a specialty of its own, without procedures)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from caremap.corpus.schemas import Specialty
from caremap.registry.layouts import TAXONOMY

#: NUCC's classification codes end in 00000X; a specialisation shares the classification's first four
#: characters (207LP2900X Pain Medicine is under 207L00000X Anesthesiology).
_CLASSIFICATION_TAIL = "00000X"


class TaxonomyMap:
    """Which specialty names a provider with a given NUCC code has, and what an unmapped code is called."""

    def __init__(self, specialties: Iterable[Specialty], *, display_names: Mapping[str, str] | None = None) -> None:
        exact: dict[str, list[str]] = {}
        approximate: dict[str, list[str]] = {}
        for s in specialties:
            # A note means "no exact NUCC entry, closest code used": those names are only used for a code
            # no specialty holds exactly (Bariatric Surgery shares General Surgery's 208600000X).
            (approximate if s.nucc_note else exact).setdefault(s.nucc_code, []).append(s.name)
            for code in s.nucc_also:
                exact.setdefault(code, []).append(s.name)
        self._own = {code: tuple(exact.get(code) or approximate[code]) for code in {*exact, *approximate}}
        self._display = dict(display_names or {})
        self._cache: dict[str, tuple[tuple[str, ...], bool]] = {}

    def specialties(self, code: str) -> tuple[tuple[str, ...], bool]:
        """(names, mapped): the catalogue specialties holding ``code`` (else its classification's code), or
        its NUCC display name with ``mapped`` False."""
        hit = self._cache.get(code)
        if hit is None:
            hit = self._cache[code] = self._lookup(code)
        return hit

    def _lookup(self, code: str) -> tuple[tuple[str, ...], bool]:
        names = self._own.get(code) or self._own.get(code[:4] + _CLASSIFICATION_TAIL)
        if names:
            return names, True
        return (self._display.get(code) or f"NUCC taxonomy {code}",), False


def load_display_names(path: Path) -> dict[str, str]:
    """Code -> display name from the NUCC CSV (``Display Name``, else "Classification, Specialization")."""
    try:
        return _display_names(path, "utf-8-sig")
    except UnicodeDecodeError:  # some NUCC releases are Windows-1252 (curly quotes in definitions)
        return _display_names(path, "cp1252")


def _display_names(path: Path, encoding: str) -> dict[str, str]:
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        at = TAXONOMY.resolve(next(reader, []), file=path)
        names: dict[str, str] = {}
        for row in reader:
            if len(row) <= max(at.values()):
                continue
            code = row[at["code"]].strip()
            shown = row[at["display"]].strip() or ", ".join(
                v for v in (row[at["classification"]].strip(), row[at["specialization"]].strip()) if v
            )
            if code and shown:
                names[code] = shown
    return names
