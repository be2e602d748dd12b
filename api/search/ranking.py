"""The provider ranking rule, in one place: the Elasticsearch query (``api.queries``), the explanation of a
score (``api.search.present``) and the rule's wording in every response all read these weights.

    score = 0.6 · gauss(distance; half score at half the radius) + 0.06 · rating (missing = 3)
            + 0.033 · log10(1 + reviews) + 0.05 · log10(1 + billed Medicare volume of the procedure)
            + 2 · (1 + cos(query, profile)) / 2     (the 100 most similar profiles inside the same filters)

The volume term exists only for registry records with Medicare claims (the fictional sample has none); the
semantic term only for searches with query text. It moves clinicians whose profile (focus, procedures,
conditions treated) matches the query's words up: a cosine 0.1 higher is worth ~4 km at the default radius.

Distance dominates, quality breaks near-ties: a 4.9-rated clinic 2 km further can pass a 3.5-rated one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DISTANCE_WEIGHT = 0.6
RATING_WEIGHT = 0.06
MISSING_RATING = 3.0
REVIEWS_WEIGHT = 0.033
VOLUME_WEIGHT = 0.05
SEMANTIC_WEIGHT = 2.0
SEMANTIC_K = 100
MIN_DISTANCE_SCALE_KM = 0.5

RANKING_RULE = (
    "Providers who perform the interpreted procedure (or, for a condition, one of its procedures and a "
    "specialty that manages it; for a specialty, that specialty), inside the radius, ranked by "
    f"{DISTANCE_WEIGHT:g} x distance decay (gaussian, half score at half the radius) + {RATING_WEIGHT:g} x rating "
    f"(missing = {MISSING_RATING:g}) + {REVIEWS_WEIGHT:g} x log10(1 + review count) + {VOLUME_WEIGHT:g} x "
    "log10(1 + billed Medicare volume, registry records only), plus, for a search with query text, "
    f"{SEMANTIC_WEIGHT:g} x (1 + cosine similarity of the query to the provider's profile) / 2 for the "
    f"{SEMANTIC_K} most similar profiles among them; ties by distance."
)


def distance_scale_km(radius_km: float) -> float:
    """Where the distance decay is at half: half the radius searched."""
    return max(radius_km / 2, MIN_DISTANCE_SCALE_KM)


@dataclass(frozen=True)
class Components:
    distance_decay: float
    rating_component: float
    reviews_component: float
    volume_component: float = 0.0

    @property
    def total(self) -> float:
        return self.distance_decay + self.rating_component + self.reviews_component + self.volume_component


def components(*, distance_km: float, radius_km: float, rating: float | None, reviews: int,
               volume: float = 0.0) -> Components:
    """The rule's terms for one provider, as Elasticsearch computes them (``volume``: the highest billed
    annual volume among the matched procedures)."""
    decay = DISTANCE_WEIGHT * math.exp(math.log(0.5) * (distance_km / distance_scale_km(radius_km)) ** 2)
    return Components(
        distance_decay=decay,
        rating_component=RATING_WEIGHT * (rating if rating is not None else MISSING_RATING),
        reviews_component=REVIEWS_WEIGHT * math.log10(1 + reviews),
        volume_component=VOLUME_WEIGHT * math.log10(1 + volume) if volume > 0 else 0.0,
    )
