"""Billed Medicare volume as a ranking signal: a query clause over the providers index's nested ``billed``
documents (core Elasticsearch only: no scripts, no mapper plugins). Pure functions, like ``api.queries``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def billed_volume_clause(procedures: Sequence[str], *, boost: float = 1.0) -> dict[str, Any]:
    """A ``should`` clause scoring a provider by log(1 + its billed annual volume) of the chosen procedures
    (the highest one counts); providers with no billed volume score nothing from it."""
    return {
        "nested": {
            "path": "billed",
            "score_mode": "max",
            "ignore_unmapped": True,
            "query": {
                "function_score": {
                    "query": {"terms": {"billed.procedure": list(procedures)}},
                    "field_value_factor": {"field": "billed.volume", "modifier": "log1p", "missing": 0},
                    "boost_mode": "replace",
                    "boost": boost,
                }
            },
        }
    }
