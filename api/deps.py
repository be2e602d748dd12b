"""Shared request dependencies with short Annotated aliases.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, a thread
hand-off per dependency per request for what is an attribute lookup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.search_service import SearchService
from caremap.settings import Settings


async def _service(request: Request) -> SearchService:
    service: SearchService = request.app.state.search
    return service


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SearchDep = Annotated[SearchService, Depends(_service)]
SettingsDep = Annotated[Settings, Depends(_settings)]
