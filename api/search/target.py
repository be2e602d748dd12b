"""Choose the target: whose providers a search lists — hard filters on procedures performed and specialties."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.catalogue import Catalogue
from api.search.fusion import ProcedureScore
from api.search.parse import Intent


@dataclass(frozen=True)
class Target:
    procedures: list[str]
    label: str
    specialties: list[str] = field(default_factory=list)


PRIMARY_CARE = Target(procedures=[], specialties=["Family Medicine", "Internal Medicine", "Pediatrics"],
                      label="primary care")


def procedure_target(slug: str, catalogue: Catalogue) -> Target:
    return Target(procedures=[slug], label=catalogue.procedure_names[slug])


def condition_target(slug: str, catalogue: Catalogue) -> Target:
    """Performers of any of the condition's procedures who have a specialty that manages it."""
    condition = catalogue.conditions[slug]
    return Target(procedures=list(condition.procedures), specialties=list(condition.specialties),
                  label=condition.name)


def named_target(intent: Intent, catalogue: Catalogue, *, procedure: str | None = None) -> Target | None:
    """The target when the caller (``procedure=``) or the query names it: a procedure, condition or specialty."""
    if procedure:
        return procedure_target(procedure, catalogue)
    if intent.slug is None:
        return None
    if intent.type == "procedure":
        return procedure_target(intent.slug, catalogue)
    if intent.type == "specialty":
        return Target(procedures=[], specialties=[intent.slug], label=intent.slug)
    if intent.type == "condition":
        return condition_target(intent.slug, catalogue)
    return None


def choose_target(intent: Intent, ranked: list[ProcedureScore], catalogue: Catalogue, *,
                  procedure: str | None = None) -> Target | None:
    """What the caller or the query names; otherwise the interpretation's first procedure; None when the
    interpretation found nothing."""
    named = named_target(intent, catalogue, procedure=procedure)
    if named is None and ranked:
        return Target(procedures=[ranked[0].slug], label=ranked[0].name)
    return named
