"""Offline location from a ZIP code: the ``zipcodes`` package's table, loaded once into a dict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

    def codes(self) -> list[str]:
        return sorted(self._places)
