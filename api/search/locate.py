"""Locate: where the person is looking — coordinates, a place field, or a place typed into the query."""

from __future__ import annotations

from api.errors import bad_parameter
from api.schemas import PlaceOption, ResolvedLocation
from api.search.params import Where
from api.search.parse import ParsedQuery
from caremap.places import Gazetteer, PlaceMatch

ALTERNATIVES_SHOWN = 5


def locate(where: Where, gazetteer: Gazetteer, parsed: ParsedQuery | None = None) -> ResolvedLocation:
    """Coordinates win; then ``near``; then a place named at the end of the query. Unknown, ambiguous or
    missing places are 400 problems naming the parameter, with the alternatives when there are any."""
    if (where.lat is None) != (where.lon is None):
        missing = "lon" if where.lon is None else "lat"
        raise bad_parameter(missing, None, "lat and lon must be given together")
    if where.lat is not None and where.lon is not None:
        place = gazetteer.reverse(where.lat, where.lon)
        label = place.label if place else f"{where.lat:.3f}, {where.lon:.3f}"
        return ResolvedLocation(lat=where.lat, lon=where.lon, label=label, source="coordinates")
    near = where.near if where.near and where.near.strip() else (parsed.place if parsed else None)
    if not near:
        rule = ("'near me' needs coordinates: pass lat and lon (e.g. from the browser), or near=<place>"
                if parsed and parsed.near_me else "give a place name or ZIP in near, or lat and lon")
        raise bad_parameter("near", where.near, rule)
    resolution = gazetteer.resolve(near)
    best = resolution.best
    shown = resolution.alternatives[:ALTERNATIVES_SHOWN]
    if resolution.conflict is not None:  # a ZIP and a town that disagree are reported, not guessed
        raise bad_parameter("near", near, resolution.conflict, alternatives=[_option(p).model_dump() for p in shown])
    if best is None and resolution.alternatives:
        labels = [p.label for p in shown]
        raise bad_parameter("near", near, f"ambiguous or misspelled place; did you mean one of {labels}?",
                            alternatives=[_option(p).model_dump() for p in shown])
    if best is None:
        raise bad_parameter("near", near,
                            "unknown place; use a city ('Boston'), 'City, ST' ('Springfield, IL') or a 5-digit ZIP")
    return ResolvedLocation(
        lat=best.lat, lon=best.lon, label=best.label, source="place", ambiguous=resolution.ambiguous,
        alternatives=[_option(p) for p in resolution.alternatives if p.id != best.id][:ALTERNATIVES_SHOWN],
    )


def _option(place: PlaceMatch) -> PlaceOption:
    return PlaceOption(id=place.id, label=place.label, lat=place.lat, lon=place.lon)
