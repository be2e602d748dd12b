"""The API's routers, one module per area; main.py includes every router listed here."""

from fastapi import APIRouter

from api.routes import catalog, health, ops, search, suggest, web

ROUTERS: list[APIRouter] = [search.router, health.router, ops.router, catalog.router, suggest.router, web.router]
