"""What /readyz answers, from what it observed: a pure function, so each verdict is tested on its own.

- ``unavailable`` (503, Retry-After): Elasticsearch unreachable or red, or an alias serves no index.
- ``degraded`` (200: the API still answers every search): fewer nodes than the configuration expects
  (``CAREMAP_ES_EXPECTED_NODES``, default one per URL of ``CAREMAP_ES_URL``), health yellow (a shard copy is
  missing), or the shared rate-limit storage does not answer (requests then go unlimited).
- ``ok`` otherwise. ``nodes`` and ``expected_nodes`` are always reported when Elasticsearch answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from api.schemas import Health


def assess(health: Mapping[str, Any] | None, *, unreachable: str | None = None, aliases: Mapping[str, bool],
           expected_nodes: int, limits_reachable: bool | None = None) -> Health:
    """The readiness verdict for the cluster ``health`` (None with the ``unreachable`` reason) and aliases."""
    checks: dict[str, str] = {}
    if health is None:
        checks["elasticsearch"] = f"unreachable ({unreachable})" if unreachable else "unreachable"
        return Health(status="unavailable", checks=checks)
    colour, nodes = str(health.get("status")), int(health.get("number_of_nodes", 0))
    checks["elasticsearch"] = colour
    checks["nodes"] = f"{nodes} of {expected_nodes} expected"
    checks.update({alias: "present" if exists else "missing" for alias, exists in aliases.items()})
    if limits_reachable is not None:
        checks["rate_limit_storage"] = "reachable" if limits_reachable else "unreachable (requests not limited)"
    status: Literal["ok", "degraded", "unavailable"]
    if colour not in {"green", "yellow"} or not all(aliases.values()):
        status = "unavailable"
    elif nodes < expected_nodes or colour == "yellow" or limits_reachable is False:
        status = "degraded"
    else:
        status = "ok"
    return Health(status=status, checks=checks, nodes=nodes, expected_nodes=expected_nodes)
