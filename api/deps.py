"""Shared request dependencies with short Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.search_service import SearchService
from caremap.settings import Settings


def _service(request: Request) -> SearchService:
    service: SearchService = request.app.state.search
    return service


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SearchDep = Annotated[SearchService, Depends(_service)]
SettingsDep = Annotated[Settings, Depends(_settings)]
