"""Request dependencies with short Annotated aliases: the resources built in the lifespan, the settings, and
the location parameters that every provider-listing route shares.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, a thread
hand-off per dependency per request for what is an attribute lookup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from api.catalogue import Catalogue
from api.elastic import Elastic
from api.resources import Resources
from api.search.params import Where
from api.search.service import SearchService
from api.suggest import Suggester
from caremap.places import Gazetteer
from caremap.settings import Settings


def _resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


async def _search(request: Request) -> SearchService:
    return _resources(request).search


async def _es(request: Request) -> Elastic:
    return _resources(request).es


async def _catalogue(request: Request) -> Catalogue:
    return _resources(request).catalogue


async def _gazetteer(request: Request) -> Gazetteer:
    return _resources(request).gazetteer


async def _suggester(request: Request) -> Suggester:
    return _resources(request).suggester


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _where(
    settings: Annotated[Settings, Depends(_settings)],
    near: Annotated[str | None, Query(max_length=100, description="Place name, 'City, ST' or ZIP")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=200, description="Search radius (default 25 km)")] = None,
    size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Where:
    return Where(near=near, lat=lat, lon=lon, radius_km=radius_km or settings.default_radius_km, size=size)


SearchDep = Annotated[SearchService, Depends(_search)]
EsDep = Annotated[Elastic, Depends(_es)]
CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]
GazetteerDep = Annotated[Gazetteer, Depends(_gazetteer)]
SuggesterDep = Annotated[Suggester, Depends(_suggester)]
SettingsDep = Annotated[Settings, Depends(_settings)]
WhereDep = Annotated[Where, Depends(_where)]
