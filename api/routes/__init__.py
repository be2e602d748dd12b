"""The API's routers, one module per area; main.py includes every router listed here."""

from fastapi import APIRouter

from api.routes import health, search

ROUTERS: list[APIRouter] = [search.router, health.router]
