"""Offline location from a ZIP code: the ``zipcodes`` package's table, loaded once into a dict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import zipcodes


@dataclass(frozen=True, slots=True)
class ZipPlace:
    lat: float
    lon: float
    city: str
    state: str


class ZipTable:
    """ZIP code (5 digits) -> its centre, city and state. Codes without a location (military APO/FPO sit at
    0, 0) are left out, so a row addressed there is rejected rather than placed in the Atlantic."""

    def __init__(self, places: dict[str, ZipPlace]) -> None:
        self._places = places
        self.by_position: list[ZipPlace] = list(places.values())
        # Position by the ZIP's value (00000-99999), -1 where the table has no such ZIP: a column is placed
        # with one array lookup.
        self._position = np.full(100_000, -1, dtype=np.int32)
        for n, code in enumerate(places):
            self._position[int(code)] = n

    @classmethod
    def load(cls) -> ZipTable:
        list_all: Callable[[], list[dict[str, Any]]] = zipcodes.list_all  # the package's wrappers are untyped
        places: dict[str, ZipPlace] = {}
        for record in list_all():
            lat, lon = float(record["lat"]), float(record["long"])
            if record.get("zip_code_type") == "MILITARY" or (lat == 0 and lon == 0):
                continue
            places[record["zip_code"]] = ZipPlace(round(lat, 6), round(lon, 6), record["city"], record["state"])
        return cls(places)

    def get(self, postal_code: str) -> ZipPlace | None:
        """The place of a ZIP or ZIP+4 ("681021234" -> 68102); None when the table cannot place it."""
        return self._places.get(postal_code.strip()[:5])

    def positions(self, postal_codes: pa.Array) -> pa.Array:
        """``get`` over a column: each code's position in ``by_position``, null where the table cannot place it."""
        five = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(postal_codes), 0, 5)
        digits = pc.match_substring_regex(five, r"^[0-9]{5}$")
        values = pc.cast(pc.if_else(digits, five, "00000"), pa.int32()).to_numpy()
        positions = np.where(digits.to_numpy(zero_copy_only=False), self._position[values], -1)
        return pa.array(positions, mask=positions < 0)

    def codes(self) -> list[str]:
        return sorted(self._places)
