"""Where clinics sit: around ZIP centres, scattered around cities and towns, addressed with real ZIP codes."""

from __future__ import annotations

import bisect
import math
import random

from caremap.corpus.directory.tables import Spot, Tables
from caremap.corpus.directory.workforce import ZIP_JITTER_KM
from caremap.corpus.schemas import Place
from caremap.places import PlaceMatch, haversine_km


def jitter_radius_km(population: int) -> float:
    """A few km around a small town, more around a big city (2 km at 1,000 people, ~14 km at 8 million)."""
    return 2.0 + 3.0 * math.log10(max(population, 1000) / 1000)


def offset(lat: float, lon: float, distance_km: float, bearing_rad: float) -> tuple[float, float]:
    """A point ``distance_km`` from (lat, lon) in the given direction (flat-earth: fine below ~100 km)."""
    dlat = distance_km * math.cos(bearing_rad) / 111.2
    dlon = distance_km * math.sin(bearing_rad) / (111.32 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def scatter(
    rng: random.Random, lat: float, lon: float, radius_km: float, *, shape: float = 0.5
) -> tuple[float, float]:
    """A random point within ``radius_km``; shape 0.5 is uniform over the disc, larger crowds the centre."""
    return offset(lat, lon, radius_km * rng.random() ** shape, 2 * math.pi * rng.random())


def around(rng: random.Random, zip_area: PlaceMatch) -> Spot:
    """A point near a ZIP's centre, addressed with that ZIP and its postal town name."""
    lat, lon = scatter(rng, zip_area.lat, zip_area.lon, ZIP_JITTER_KM)
    return Spot(lat, lon, zip_area.name, zip_area.region, zip_area.postal_code or "00000")


def national_spot(t: Tables, rng: random.Random) -> Spot:
    """Near a city drawn by population: in one of the ZIP areas within its radius, else around its centre."""
    city = t.cities[bisect.bisect(t.city_cum, rng.random() * t.city_cum[-1])]
    radius = jitter_radius_km(city.population)
    zips = t.zips_near_city(city, radius)
    if zips:
        return around(rng, zips[rng.randrange(len(zips))])
    nearest = t.nearest_zip(city)
    if nearest is not None and haversine_km(city.lat, city.lon, nearest.lat, nearest.lon) > radius + ZIP_JITTER_KM:
        return around(rng, nearest)  # no street ZIP near this town: a clinic at the nearest one, addressed there
    lat, lon = scatter(rng, city.lat, city.lon, radius)
    return Spot(
        lat, lon, city.name, city.region, nearest.postal_code if nearest and nearest.postal_code else "00000"
    )


def town_spot(t: Tables, town: Place, lat: float, lon: float) -> Spot:
    """A spot in a corpus town: its own postal code if it has one, else the real ZIP nearest its centre."""
    if town.postal_codes:
        return Spot(lat, lon, town.name, town.region, town.postal_codes[0])
    nearest = t.nearest_zips(town.lat, town.lon, 25.0, limit=1)
    code = nearest[0].postal_code if nearest and nearest[0].postal_code else "00000"
    return Spot(lat, lon, town.name, town.region, code)


def rural_spot(t: Tables, lat: float, lon: float) -> Spot:
    """A spot at exactly (lat, lon), addressed with the nearest real ZIP."""
    nearest = t.nearest_zips(lat, lon, 25.0, limit=1)
    if not nearest or not nearest[0].postal_code:
        raise ValueError(f"no ZIP code within 250 km of ({lat}, {lon}) to address a clinic with")
    return Spot(lat, lon, nearest[0].name, nearest[0].region, nearest[0].postal_code)



def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Direction (radians clockwise from north) from point 1 to point 2, flat-earth."""
    return math.atan2((lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)), lat2 - lat1)

