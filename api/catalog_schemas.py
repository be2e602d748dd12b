"""Public response models of the catalogue, places, providers and typeahead endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import ProviderListing
from caremap.corpus.schemas import Clinic
from caremap.places import PlaceKind

# --- typeahead -------------------------------------------------------------------------------------------


class SuggestionOut(BaseModel):
    type: Literal["procedure", "condition", "specialty", "symptom", "place"]
    label: str = Field(description="What the list shows")
    value: str = Field(description="What to use next: the procedure or condition slug, the specialty name, "
                                   "the place id, or (for a symptom) the phrase to put in the search box")
    slug: str | None = Field(default=None, description="Procedure or condition slug")
    id: str | None = Field(default=None, description="Place id")
    lat: float | None = None
    lon: float | None = None
    matched: str | None = Field(default=None, description="The alias or lay name that matched, when not the label")


class SuggestResponse(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


# --- places ----------------------------------------------------------------------------------------------


class PlaceOut(BaseModel):
    id: str = Field(description="'geonames:<id>', 'zip:<5 digits>' or 'corpus:<slug>'")
    label: str
    name: str
    region: str
    country: str
    kind: PlaceKind
    lat: float
    lon: float
    population: int = Field(description="0 when unknown (ZIP codes)")
    postal_code: str | None = None
    fictional: bool


class PlaceResolution(BaseModel):
    query: str
    best: PlaceOut | None = Field(default=None, description="The place the text names; null when unknown or ambiguous")
    alternatives: list[PlaceOut] = Field(description="Other candidates, or near spellings when nothing fits")
    ambiguous: bool = Field(description="Several places fit equally well: ask the user to choose")


class ReversePlace(BaseModel):
    lat: float
    lon: float
    place: PlaceOut
    distance_km: float = Field(description="From the given coordinates to the place's centre")


# --- procedures and conditions ---------------------------------------------------------------------------


class PassageHit(BaseModel):
    slug: str
    name: str
    section: str | None = None
    text: str
    highlights: list[str] = Field(description="Fragments of the text with the matching words in <em> tags")
    score: float


class PassageSearchResponse(BaseModel):
    query: str
    total: int
    hits: list[PassageHit]


class SpecialtyOut(BaseModel):
    name: str
    nucc_code: str | None = Field(default=None, description="NUCC Health Care Provider Taxonomy code")
    nucc_display: str | None = None


class NamedRef(BaseModel):
    slug: str
    name: str


class Section(BaseModel):
    heading: str
    text: str


class ProcedureDetail(BaseModel):
    slug: str
    name: str
    aliases: list[str]
    area: str | None = Field(default=None, description="Catalogue area, e.g. 'headache'")
    specialties: list[SpecialtyOut]
    setting: str
    duration: str
    sections: list[Section] = Field(description="The article, in reading order")
    related: list[NamedRef] = Field(description="Procedures people confuse this one with")
    conditions: list[NamedRef] = Field(description="Conditions this procedure treats or diagnoses")


class ConditionDetail(BaseModel):
    slug: str
    name: str
    aliases: list[str]
    summary: str
    procedures: list[NamedRef] = Field(description="Procedures that treat or diagnose it, best first")
    specialties: list[SpecialtyOut]


# --- providers -------------------------------------------------------------------------------------------


class ProviderDetail(BaseModel):
    id: str
    fictional: bool = Field(description="Sample and generated records are fictional and say so")
    name: str
    credentials: list[str]
    gender: str
    specialties: list[SpecialtyOut]
    procedures: list[NamedRef]
    clinic: Clinic
    languages: list[str]
    accepting_new_patients: bool
    telehealth: bool
    insurance_networks: list[str]
    years_in_practice: int
    rating: float | None = None
    review_count: int
    bio: str


class ProvidersResponse(ProviderListing):
    target: Literal["procedure", "condition"]
    slug: str
    label: str = Field(description="The procedure or condition name")
    specialties: list[str] = Field(description="Specialty filter applied (a condition's specialties)")

