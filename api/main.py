"""The FastAPI application: heavy resources built in lifespan, closed after it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.contract import install_contract
from api.errors import install_error_handlers
from api.logging import install_request_logging
from api.metrics import install_metrics
from api.resources import Resources
from api.routes import ROUTERS
from api.security import install_access_control, install_cors
from caremap.settings import Settings, get_settings

API_VERSION = "1.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.resources = resources = await Resources.open(settings)
        try:
            yield
        finally:
            await resources.close()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    app = FastAPI(
        title="caremap",
        version=API_VERSION,
        summary="From what a person feels to the care that fixes it and the clinicians near them.",
        description="Provider records in the sample data are fictional.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    # Middleware added later wraps the earlier:
    # CORS > metrics and timings > request log > API key and rate limit > routes.
    install_access_control(app, settings)
    install_request_logging(app)
    install_metrics(app)
    install_cors(app, settings)
    install_contract(app)
    return app
