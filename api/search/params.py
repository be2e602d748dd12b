"""What a search is asked: the request's parameters, validated by the route, read by every stage."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from api.queries import ProviderFilters, SortOrder
from api.search.cursor import binding_for
from api.search.fusion import Strategy

MAX_QUERY_CHARS = 300
EMBEDDING_STRATEGIES: tuple[Strategy, ...] = ("semantic", "hybrid")  # the strategies that need the query vector


@dataclass(frozen=True)
class Where:
    """Where to look: a place (name, "City, ST" or ZIP) or coordinates, how far, and how many per page."""

    near: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float = 25.0
    size: int = 10


@dataclass(frozen=True)
class SearchParams:
    q: str
    where: Where = field(default_factory=Where)
    strategy: Strategy = "hybrid"
    explain: bool = False
    procedure: str | None = None
    filters: ProviderFilters = field(default_factory=ProviderFilters)
    sort: SortOrder = "relevance"
    cursor: str | None = None

    @property
    def embeds(self) -> bool:
        return self.strategy in EMBEDDING_STRATEGIES

    def binding(self) -> str:
        """What a page cursor is bound to: everything but the cursor and the presentation flags."""
        return binding_for({k: v for k, v in asdict(self).items() if k not in {"cursor", "explain"}})
