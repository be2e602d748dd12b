"""Source records: what the files under corpus/ hold, validated. (Indexed documents live in indexer/.)"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=300)]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
NuccCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{9}X$")]
#: A CPT code (five digits, or four and a letter for categories II/III) or a HCPCS level II code (a letter
#: and four digits, e.g. G0121).
BillingCode = Annotated[str, StringConstraints(pattern=r"^([0-9]{5}|[0-9]{4}[A-Z]|[A-Z][0-9]{4})$")]

SECTIONS: tuple[str, ...] = (
    "What it is", "Who it helps", "How it is done", "Recovery", "Risks", "Alternatives",
)
DIFFERS_SECTION = "How it differs from similar procedures"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogEntry(Record):
    slug: Slug
    name: NonEmpty
    specialties: tuple[NonEmpty, ...] = Field(min_length=1)
    area: Slug


class ProcedureArticle(Record):
    slug: Slug
    name: NonEmpty
    aliases: tuple[Phrase, ...] = ()
    specialties: tuple[NonEmpty, ...] = Field(min_length=1)
    lay_phrases: tuple[Phrase, ...] = Field(min_length=6)
    setting: NonEmpty
    duration: NonEmpty
    confused_with: tuple[Slug, ...] = ()
    billing_codes: tuple[BillingCode, ...] = ()
    sections: dict[str, str]

    @field_validator("sections")
    @classmethod
    def _required_sections(cls, sections: dict[str, str]) -> dict[str, str]:
        missing = [s for s in SECTIONS if not sections.get(s, "").strip()]
        if missing:
            raise ValueError(f"missing or empty sections {missing}; expected the headings {list(SECTIONS)}")
        return sections

    @property
    def body_words(self) -> int:
        return sum(len(re.findall(r"\S+", text)) for text in self.sections.values())


class Condition(Record):
    slug: Slug
    name: NonEmpty
    aliases: tuple[Phrase, ...] = ()
    lay_phrases: tuple[Phrase, ...] = Field(min_length=3)
    procedures: tuple[Slug, ...] = Field(min_length=1)
    specialties: tuple[NonEmpty, ...] = Field(min_length=1)
    summary: Prose


class Specialty(Record):
    name: NonEmpty
    nucc_code: NuccCode
    nucc_display: NonEmpty
    nucc_note: Prose | None = None
    nucc_also: tuple[NuccCode, ...] = ()
    lay_names: tuple[Phrase, ...] = ()


TriageGroup = Literal["neurological", "cardiorespiratory", "mental-health", "poisoning", "obstetric",
                      "abdominal-urological", "metabolic", "pediatric", "trauma", "sepsis", "eye"]
Resource = Literal["call-911", "lifeline-988", "poison-help", "battery-hotline"]


class RedFlag(Record):
    id: Slug
    urgency: Literal["emergency", "urgent"]
    group: TriageGroup
    resources: tuple[Resource, ...] = ("call-911",)
    patterns: tuple[tuple[Term, ...], ...] = Field(min_length=1)
    not_when: tuple[NonEmpty, ...] = ()
    advice: Prose


class Presentation(Record):
    """An emergency or urgent presentation (corpus/triage/presentations.yaml): what to do, and lay phrasings
    that train the detector."""

    id: Slug
    group: TriageGroup
    level: Literal["emergency", "urgent"]
    name: NonEmpty
    resources: tuple[Resource, ...] = Field(min_length=1)
    advice: Prose
    phrasings: tuple[NonEmpty, ...] = Field(min_length=12)


class NearMiss(Record):
    """Alarming-sounding but not an emergency (corpus/triage/near_misses.yaml): a negative for the detector."""

    text: NonEmpty
    resembles: Slug


class ScopeExamples(Record):
    """Queries no catalogue procedure answers (corpus/triage/scope.yaml): training data for honest scope."""

    out_of_scope: tuple[NonEmpty, ...] = Field(min_length=1)
    primary_care: tuple[NonEmpty, ...] = Field(min_length=1)


class SymptomPattern(Record):
    """A classic presentation: word patterns that point to conditions (see symptom_patterns.yaml)."""

    id: Slug
    note: Prose
    conditions: tuple[Slug, ...] = Field(min_length=1)
    patterns: tuple[tuple[Term, ...], ...] = Field(min_length=1)
    not_when: tuple[NonEmpty, ...] = ()


class Place(Record):
    """A locality of the corpus's own (fictional towns); real places come from the gazetteer package."""

    slug: Slug
    name: NonEmpty
    region: NonEmpty
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    population: int = Field(ge=0)
    postal_codes: tuple[str, ...] = ()
    fictional: bool = True


class GeoPoint(Record):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Address(Record):
    street: NonEmpty
    city: NonEmpty
    region: NonEmpty
    postal_code: NonEmpty
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"


class Clinic(Record):
    name: NonEmpty
    address: Address
    location: GeoPoint
    phone: NonEmpty | None = None


class ProcedureEvidence(Record):
    """Why a provider is listed for a procedure: they billed it (with the annual volume), or it is inferred
    from their specialty."""

    source: Literal["billed", "inferred"]
    volume: float | None = Field(default=None, gt=0)
    year: int | None = Field(default=None, ge=1990, le=2100)
    codes: tuple[BillingCode, ...] = ()
    dataset: NonEmpty | None = None


class Provenance(Record):
    """Where a real record came from: the registry file (and its date) and any utilisation file joined."""

    source: NonEmpty
    file: NonEmpty
    file_date: NonEmpty | None = None
    npi: Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
    last_updated: NonEmpty | None = None
    utilization_file: NonEmpty | None = None
    utilization_year: int | None = None
    unstated: tuple[NonEmpty, ...] = ()  # record fields the source says nothing about (schema defaults)


class Provider(Record):
    """A provider profile. The sample and generated records are fictional and say so in ``fictional``; real
    records (``fictional: false``) carry their ``provenance``."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
    fictional: bool
    name: NonEmpty
    credentials: tuple[NonEmpty, ...] = ()
    gender: Literal["female", "male", "nonbinary", "unknown"] = "unknown"
    specialties: tuple[NonEmpty, ...] = Field(min_length=1)
    procedures: tuple[Slug, ...] = ()
    #: The procedure the clinician concentrates on (one of ``procedures``); part of the embedded profile.
    focus: Slug | None = None
    clinic: Clinic
    languages: tuple[NonEmpty, ...] = ("English",)
    accepting_new_patients: bool = True
    telehealth: bool = False
    insurance_networks: tuple[NonEmpty, ...] = ()
    years_in_practice: int = Field(default=0, ge=0, le=70)
    rating: float | None = Field(default=None, ge=1, le=5)
    review_count: int = Field(default=0, ge=0)
    bio: str = Field(default="", max_length=2000)
    specialty_codes: tuple[NuccCode, ...] = ()
    other_clinics: tuple[Clinic, ...] = ()
    procedure_evidence: dict[Slug, ProcedureEvidence] = {}
    provenance: Provenance | None = None


JudgedKind = Literal["emergency", "urgent", "near_miss", "out_of_scope", "primary_care", "in_scope"]


class Judgment(Record):
    query: NonEmpty
    procedures: dict[Slug, Annotated[int, Field(ge=0, le=3)]] = {}
    conditions: dict[Slug, Annotated[int, Field(ge=0, le=3)]] = {}
    urgent: bool = False
    kind: JudgedKind | None = None  # safety sets; without it: emergency when urgent, else in_scope
    category: TriageGroup | None = None
    intent: Literal["symptom", "condition", "procedure", "specialty", "provider"] = "symptom"
    near: NonEmpty | None = None
