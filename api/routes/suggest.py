"""Typeahead for the search box: typed suggestions as the user types (in memory, no Elasticsearch)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.catalog_schemas import SuggestionOut, SuggestResponse
from api.deps import SuggesterDep
from api.suggest import MAX_LIMIT

router = APIRouter()


@router.get("/v1/suggest", response_model=SuggestResponse, response_model_exclude_none=True, tags=["search"],
            summary="Typeahead: procedures, conditions, specialties, symptoms and places for what is typed so far")
async def suggest(
    suggester: SuggesterDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="The text typed so far")],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Suggestions to return at most")] = 8,
) -> SuggestResponse:
    found = suggester.suggest(q, limit=limit)
    return SuggestResponse(query=q, suggestions=[SuggestionOut(**asdict(s)) for s in found])
