"""Public request and response models of the HTTP API (never raw Elasticsearch hits)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.search.fusion import Strategy
from caremap.corpus.schemas import Address, Judgment


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error response."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, object]] | None = None


class PieceMatch(BaseModel):
    signal: Literal["lexical", "semantic"]
    rank: int = Field(description="Rank of this procedure within the signal (1 = best)")
    score: float = Field(description="Raw signal score: BM25, or (1 + cosine) / 2 for semantic")
    kind: str = Field(description="Which kind of text matched: name, alias, lay_phrase, passage, condition_...")
    text: str = Field(description="The matched text")
    section: str | None = None


class InterpretedProcedure(BaseModel):
    slug: str
    name: str
    score: float = Field(description="Fused relevance score (reciprocal-rank fusion); higher is better")
    conditions: list[str] = Field(default_factory=list, description="Condition slugs whose phrases matched")
    explanation: list[PieceMatch] | None = None


class ConditionOut(BaseModel):
    slug: str
    name: str
    score: float = Field(description="Fused score of the condition's matching names and phrases")


class Interpretation(BaseModel):
    strategy: Strategy
    text: str = Field(description="The part of the query that was interpreted (a place typed in it removed)")
    confidence: Literal["high", "low", "none"] = Field(
        description="high: a procedure we cover fits; low: only possible matches; none: nothing we cover fits")
    scope: Literal["in_scope", "primary_care", "out_of_scope"] = Field(
        description="in_scope: a catalogue procedure may fit; primary_care: primary care, a pharmacy or urgent "
                    "care fits; out_of_scope: no medical match")
    procedures: list[InterpretedProcedure]
    conditions: list[ConditionOut] = Field(default_factory=list)


class IntentOut(BaseModel):
    type: Literal["symptom", "condition", "procedure", "specialty"] = Field(
        description="What the query was taken to be")
    slug: str | None = Field(default=None, description="The procedure or condition slug, or specialty name")
    matched: str | None = Field(default=None, description="The name or alias that matched")


class Coordinates(BaseModel):
    lat: float
    lon: float


class PlaceOption(BaseModel):
    id: str
    label: str
    lat: float
    lon: float


class ResolvedLocation(BaseModel):
    lat: float
    lon: float
    label: str
    source: Literal["place", "coordinates"]
    ambiguous: bool = False
    alternatives: list[PlaceOption] = Field(default_factory=list)


class ClinicOut(BaseModel):
    name: str
    address: Address
    location: Coordinates


class ClaimOut(BaseModel):
    slug: str
    name: str
    evidence: Literal["billed", "inferred", "listed"] = Field(
        description="billed: Medicare claims; inferred: from the specialty only; listed: the record lists it")
    volume: float | None = Field(default=None, description="Annual services billed (Medicare), when billed")
    year: int | None = None
    codes: list[str] = Field(default_factory=list, description="CPT/HCPCS codes billed")


class ProviderExplanation(BaseModel):
    distance_decay: float
    rating_component: float
    reviews_component: float
    volume_component: float = Field(default=0.0, description="From billed Medicare volume (registry records)")
    semantic_component: float | None = Field(
        default=None, description="The profile kNN term, weight x (1 + cosine) / 2, for searches with query text")
    total: float
    procedure_evidence: list[ClaimOut] = Field(default_factory=list)
    volume_caveat: str | None = None


class ProviderResult(BaseModel):
    id: str
    name: str
    credentials: list[str]
    specialties: list[str]
    procedures: list[str] = Field(description="Slugs this provider performs that match the interpretation")
    clinic: ClinicOut
    distance_km: float
    accepting_new_patients: bool
    telehealth: bool
    languages: list[str]
    rating: float | None = None
    review_count: int
    fictional: bool
    score: float | None = Field(default=None, description="Relevance score of the ranking rule")
    why: str = Field(description="One line on why this provider matched")
    explanation: ProviderExplanation | None = None


class FacetCount(BaseModel):
    value: str
    count: int


class Facets(BaseModel):
    specialties: list[FacetCount]
    languages: list[FacetCount]
    accepting_new_patients: list[FacetCount]
    telehealth: list[FacetCount]
    distance_bands: list[FacetCount]


class HelpLine(BaseModel):
    kind: Literal["call-911", "lifeline-988", "poison-help", "battery-hotline"]
    label: str = Field(description="What to show, e.g. 'Call 911'")
    tel: str = Field(description="Number to dial (tel: link)")
    sms: str | None = Field(default=None, description="Number to text, when texting works")


class Urgent(BaseModel):
    level: Literal["emergency", "urgent"] = Field(description="emergency: 911 or the emergency department now; "
                                                              "urgent: get seen today")
    category: str = Field(description="Triage group, e.g. neurological, mental-health, poisoning")
    name: str | None = Field(default=None, description="What it may be, in plain words, when known")
    advice: str
    help: list[HelpLine] = Field(description="Who to call, most important first")
    red_flag: str = Field(description="Id of the pattern or presentation that matched")
    source: Literal["pattern", "rule", "detector"] = Field(
        description="A reviewed word pattern, a reviewed rule on numbers (fever in a baby under 3 months), "
                    "or the detector")
    probability: float | None = Field(default=None, description="The detector's probability, when it fired")


class ProviderListing(BaseModel):
    """What every response that lists providers near a place carries."""

    location: ResolvedLocation
    radius_km: float = Field(description="The radius actually searched (may be wider than requested)")
    requested_radius_km: float
    widened: bool = False
    notice: str | None = Field(default=None, description="Honest note for empty or widened results")
    providers: list[ProviderResult]
    total_providers: int
    next_cursor: str | None = Field(default=None, description="Pass as cursor= for the next page")
    ranking: str = Field(description="The ranking rule, in words")


class SearchResponse(ProviderListing):
    query: str
    intent: IntentOut
    urgent: Urgent | None = None
    interpretation: Interpretation
    sort: Literal["relevance", "distance", "rating"] = "relevance"
    facets: Facets | None = Field(default=None, description="Counts for the current query (first page only)")


class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
    nodes: int | None = Field(default=None, description="Elasticsearch nodes in the cluster (readiness only)")
    expected_nodes: int | None = Field(default=None, description="Nodes the configuration expects")


class EvalRequest(BaseModel):
    """A judgment set to run against the live search (same fields as corpus/judgments/*.yaml)."""

    judgments: list[Judgment] = Field(min_length=1, max_length=500)
    strategies: list[Strategy] = Field(default=["lexical", "semantic", "hybrid"], min_length=1, max_length=3)


class EvalFailure(BaseModel):
    query: str
    expected: str | None = None
    rank: int | None = None
    above: list[str]


class EvalResponse(BaseModel):
    metrics: dict[str, dict[str, float]] = Field(description="Per strategy: top1, top3, mrr, ndcg@10, ...")
    failures: dict[str, list[EvalFailure]] = Field(description="Per strategy: queries without the answer first")


class Subject(BaseModel):
    type: Literal["procedure", "condition"]
    slug: str
    name: str
    summary: str


class BestOfResponse(ProviderListing):
    """The data behind a "Best doctors near you for X in Y" page."""

    title: str
    subject: Subject
