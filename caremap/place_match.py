"""Place matches and the small pure helpers every place lookup shares (normalised names, great-circle distance)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from caremap.text import fold

PlaceKind = Literal["city", "zip", "locality"]

EARTH_RADIUS_KM = 6371.0088
_TOKEN_FORMS = {"saint": "st", "sainte": "ste", "mount": "mt", "fort": "ft"}


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    id: str  # "geonames:<geonameid>", "zip:<5 digits>", "corpus:<slug>"
    name: str  # the place name; for a ZIP, the name of the town it serves
    region: str  # US state code, or the corpus's own region
    country: str
    lat: float
    lon: float
    population: int  # 0 when unknown (ZIP codes)
    kind: PlaceKind
    fictional: bool
    postal_code: str | None = None  # set for kind == "zip"

    @property
    def label(self) -> str:
        text = (
            f"{self.postal_code} ({self.name}, {self.region})"
            if self.kind == "zip"
            else (f"{self.name}, {self.region}")
        )
        return f"{text} (fictional)" if self.fictional else text


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a place text resolved to. ``best`` is None when the text is unknown or ambiguous."""

    query: str
    best: PlaceMatch | None
    alternatives: list[PlaceMatch]
    ambiguous: bool
    #: Set when the text names two places that disagree (a ZIP and a town it does not serve): says both.
    conflict: str | None = None


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "St. Louis" and "saint louis" both give "st louis"."""
    return " ".join(_TOKEN_FORMS.get(t, t) for t in fold(text, drop_periods=True).split())


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


