"""The index contract, owned in one place: mapping files, index/alias naming and indexed document shapes.

Each logical index ("procedures", "providers") is built under a versioned, timestamped name such as
``caremap-procedures-v1-20261127t141500`` and served through the alias ``caremap-procedures``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field

from caremap.corpus.schemas import Clinic, ProcedureEvidence, Provenance
from caremap.settings import PROJECT_ROOT

IndexName = Literal["procedures", "providers"]
INDICES: tuple[IndexName, ...] = ("procedures", "providers")
MAPPINGS_DIR = PROJECT_ROOT / "mappings"
MAPPING_VERSION = "v1"


@cache
def _mapping_file(index: IndexName) -> dict[str, Any]:
    path = MAPPINGS_DIR / f"{index}.{MAPPING_VERSION}.json"
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in body.items() if not k.startswith("_")}


def index_body(index: IndexName, *, dims: int | None = None,
               settings: Mapping[str, object] | None = None) -> dict[str, Any]:
    """The create-index body; ``dims`` replaces the vector size when a non-default model is configured, and
    ``settings`` (CAREMAP_INDEX_SETTINGS for this index) go over the mapping file's.

    The files give procedures (small, read by every search) a copy on every data node
    (``auto_expand_replicas: 0-all``) and providers one replica once there are two data nodes (``0-1``);
    an explicit ``number_of_replicas`` turns the auto-expansion off."""
    body = copy.deepcopy(_mapping_file(index))
    if dims is not None:
        body["mappings"]["properties"]["vector"]["dims"] = dims
    if settings:
        merged = {**body.get("settings", {}), **settings}
        if "number_of_replicas" in settings and "auto_expand_replicas" not in settings:
            merged["auto_expand_replicas"] = "false"
        body["settings"] = merged
    return body


def mapping_dims(index: IndexName) -> int:
    return int(_mapping_file(index)["mappings"]["properties"]["vector"]["dims"])


def versioned_name(alias: str, *, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dt%H%M%S%f")
    return f"{alias}-{MAPPING_VERSION}-{stamp}"


def is_build_of(alias: str, name: str) -> bool:
    """Whether ``name`` is one of the versioned builds ``versioned_name`` makes for ``alias``."""
    return re.fullmatch(rf"{re.escape(alias)}-v\d+-\d{{8}}t\d{{12}}", name) is not None


class IndexedDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")


PassageKind = Literal["name", "alias", "lay_phrase", "passage", "condition_name", "condition_phrase"]


class ProcedureDoc(IndexedDoc):
    """One searchable piece of procedure knowledge, with its own vector."""

    slug: str
    name: str
    kind: PassageKind
    section: str | None = None
    condition: str | None = None
    text: str
    specialties: list[str]
    area: str
    vector: list[float]


class ProviderDoc(IndexedDoc):
    id: str
    fictional: bool
    name: str
    credentials: list[str]
    gender: str
    specialties: list[str]
    specialty_codes: list[str]
    procedures: list[str]
    focus: str | None = None
    clinic: Clinic
    languages: list[str]
    accepting_new_patients: bool
    telehealth: bool
    insurance_networks: list[str]
    years_in_practice: int
    rating: float | None
    review_count: int
    bio: str
    vector: list[float]
    other_clinics: list[Clinic] = []
    procedure_evidence: dict[str, ProcedureEvidence] = {}
    provenance: Provenance | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def billed(self) -> list[dict[str, object]]:
        return billed_entries(self.procedure_evidence)


def billed_entries(evidence: Mapping[str, ProcedureEvidence]) -> list[dict[str, object]]:
    """Billed annual volume per procedure (nested documents: a ranking signal per procedure slug)."""
    return [{"procedure": slug, "volume": e.volume, "year": e.year}
            for slug, e in evidence.items() if e.source == "billed" and e.volume]
