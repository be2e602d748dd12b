"""Opaque page cursors: the point in time, the last hit's sort values and the radius, bound to the query.

A cursor is base64url JSON. It carries a digest of the request's parameters so a cursor cannot be replayed
against a different query, place or filter set (that is a 400, not a silently mixed page).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from api.errors import bad_parameter


@dataclass(frozen=True)
class Cursor:
    pit: str
    after: list[Any]
    radius_km: float
    binding: str

    def encode(self) -> str:
        raw = json.dumps({"p": self.pit, "a": self.after, "r": self.radius_km, "b": self.binding},
                         separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, *, binding: str) -> Cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            cursor = cls(pit=str(data["p"]), after=list(data["a"]), radius_km=float(data["r"]), binding=str(data["b"]))
        except (ValueError, KeyError, TypeError) as e:
            raise bad_parameter("cursor", token[:40], "a next_cursor value returned by this API") from e
        if cursor.binding != binding:
            raise bad_parameter("cursor", token[:40], "belongs to a different query; repeat the same parameters")
        return cursor


def binding_for(params: dict[str, Any]) -> str:
    """A short digest of the parameters a cursor is valid for."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]
