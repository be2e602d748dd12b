"""Operational routes beyond health: the Prometheus scrape endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.metrics import Metrics

router = APIRouter()


@router.get("/metrics", tags=["operations"], summary="Prometheus metrics (text exposition format)",
            response_class=Response,
            responses={200: {"description": "Prometheus text exposition format",
                             "content": {"text/plain": {"schema": {"type": "string"}}}}})
async def metrics(request: Request) -> Response:
    collected: Metrics = request.app.state.metrics
    body, content_type = collected.render()
    return Response(body, media_type=content_type)
