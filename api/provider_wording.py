"""What a provider's "why" line and explanation say about the procedures it matched, worded by evidence.

A registry record says, per procedure, whether the provider billed it (Medicare claims, with the annual
volume and the data year) or whether it is only inferred from the specialty. Only billed procedures (and the
fictional sample's listed ones) are worded as performed; an inferred one is "a specialty that offers" it.
Pure functions: the search presenter calls ``provider_wording`` with the hit's ``_source``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

Evidence = Literal["billed", "inferred", "listed"]

VOLUME_CAVEAT = (
    "Volumes are Medicare fee-for-service claims only (mostly patients 65 and over; no Medicare Advantage, "
    "commercial or Medicaid), and a procedure billed for fewer than 11 patients in the year is not published."
)
_NO_PLURAL = re.compile(r"\b(for|of|with|in|to)\b")


@dataclass(frozen=True)
class ProcedureClaim:
    slug: str
    name: str
    evidence: Evidence
    volume: float | None = None
    year: int | None = None
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProviderWording:
    why: str
    claims: tuple[ProcedureClaim, ...]
    volume_caveat: str | None

    def explain_components(self) -> dict[str, Any]:
        """For ``explain=true``: the evidence per matched procedure and, with billed volumes, the caveat."""
        return {"procedure_evidence": [asdict(c) for c in self.claims], "volume_caveat": self.volume_caveat}


def provider_wording(source: Mapping[str, Any], chosen: Iterable[str], names: Mapping[str, str],
                     distance_km: float) -> ProviderWording:
    """The why line ("Billed Medicare for 34 epidural blood patches in 2023; 3.2 km away") and its parts."""
    wanted = set(chosen)
    claims = tuple(_claim(source, slug, names) for slug in source.get("procedures", ()) if slug in wanted)
    parts = [p for p in (_billed_part(claims), _listed_part(claims), _inferred_part(source, claims)) if p]
    lead = "; ".join(parts) if parts else ", ".join(source.get("specialties", ()))
    why = f"{lead}; {distance_km:.1f} km away"
    if source.get("rating") is not None:
        why += f"; rated {source['rating']:.1f} ({source.get('review_count', 0)} reviews)"
    caveat = VOLUME_CAVEAT if any(c.evidence == "billed" for c in claims) else None
    return ProviderWording(why=why, claims=claims, volume_caveat=caveat)


def _claim(source: Mapping[str, Any], slug: str, names: Mapping[str, str]) -> ProcedureClaim:
    name = names.get(slug, slug)
    evidence = (source.get("procedure_evidence") or {}).get(slug)
    if evidence is None:
        # Records without evidence: the fictional sample lists what each generated provider performs; a real
        # record without evidence for a procedure claims nothing about it beyond the specialty.
        return ProcedureClaim(slug, name, "listed" if source.get("fictional", True) else "inferred")
    if evidence.get("source") == "billed" and evidence.get("volume"):
        return ProcedureClaim(slug, name, "billed", float(evidence["volume"]), evidence.get("year"),
                              tuple(evidence.get("codes", ())))
    return ProcedureClaim(slug, name, "inferred")


def _billed_part(claims: tuple[ProcedureClaim, ...]) -> str:
    billed = [c for c in claims if c.evidence == "billed"]
    if not billed:
        return ""
    by_year: dict[int | None, list[str]] = {}
    for c in billed:
        count = round(c.volume or 0)
        by_year.setdefault(c.year, []).append(f"{count:,} {plural(c.name) if count != 1 else _lower(c.name)}")
    pieces = [f"{_and(items)}{f' in {year}' if year else ''}" for year, items in by_year.items()]
    return "Billed Medicare for " + ", ".join(pieces)


def _listed_part(claims: tuple[ProcedureClaim, ...]) -> str:
    listed = [c.name for c in claims if c.evidence == "listed"]
    return f"Performs {', '.join(listed)}" if listed else ""


def _inferred_part(source: Mapping[str, Any], claims: tuple[ProcedureClaim, ...]) -> str:
    inferred = [c.name for c in claims if c.evidence == "inferred"]
    if not inferred:
        return ""
    specialties = list(source.get("specialties", ()))
    who = specialties[0] if specialties else "Their specialty"
    text = f"{who}, a specialty that offers {_and([_lower(n) for n in inferred])}"
    year = (source.get("provenance") or {}).get("utilization_year")
    if year:
        text += f" (no published Medicare claims for it in {year})" if len(inferred) == 1 else \
            f" (no published Medicare claims for these in {year})"
    return text


def plural(name: str) -> str:
    """"Epidural blood patch" -> "epidural blood patches"; the head noun before "for"/"of" is the one
    pluralised ("Botulinum toxin injections for chronic migraine" stays as it is)."""
    text = _lower(name)
    match = _NO_PLURAL.search(text)
    head, tail = (text[:match.start()].rstrip(), " " + text[match.start():]) if match else (text, "")
    words = head.split(" ")
    last = words[-1]
    if last.endswith("s") or not last.isalpha():
        return text
    if re.search(r"(ch|sh|x|z)$", last):
        last += "es"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return " ".join([*words[:-1], last]) + tail


def _lower(name: str) -> str:
    """Lower-case the first word unless it is an acronym ("TURP", "LASIK", "ACL reconstruction")."""
    first, _, rest = name.partition(" ")
    shown = first if first.isupper() and len(first) > 1 else first[:1].lower() + first[1:]
    return f"{shown} {rest}" if rest else shown


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
