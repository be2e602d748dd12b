"""Opaque page cursors: the index build, the last hit's sort values and the radius, bound to the query.

A cursor is base64url JSON. It names the concrete index (build) that served page one: builds are immutable
once published and the previous one is kept after a rebuild, so later pages read exactly the same data
without holding anything open in Elasticsearch. It carries a digest of the request's parameters so a cursor
cannot be replayed against a different query, place or filter set (that is a 400, not a silently mixed page),
and its index must be a build of the providers alias (a cursor cannot point a search at any other index).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from api.errors import bad_parameter
from caremap.index_contract import is_build_of


@dataclass(frozen=True)
class Cursor:
    index: str
    after: list[Any]
    radius_km: float
    binding: str

    def encode(self) -> str:
        raw = json.dumps({"i": self.index, "a": self.after, "r": self.radius_km, "b": self.binding},
                         separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, *, binding: str, index_of: str) -> Cursor:
        """The cursor in ``token``, checked against the request's ``binding`` and the alias ``index_of``."""
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            cursor = cls(index=str(data["i"]), after=list(data["a"]), radius_km=float(data["r"]),
                         binding=str(data["b"]))
        except (ValueError, KeyError, TypeError) as e:
            raise bad_parameter("cursor", token[:40], "a next_cursor value returned by this API") from e
        if cursor.binding != binding:
            raise bad_parameter("cursor", token[:40], "belongs to a different query; repeat the same parameters")
        if not is_build_of(index_of, cursor.index):
            raise bad_parameter("cursor", token[:40], "a next_cursor value returned by this API")
        return cursor


def binding_for(params: dict[str, Any]) -> str:
    """A short digest of the parameters a cursor is valid for."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]
