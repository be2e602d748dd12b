"""Text keys shared by the gazetteer, the typeahead and the query vocabulary."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_DROPPED = re.compile(r"['‘’`ʻ]")
_DROPPED_WITH_PERIODS = re.compile(r"['‘’`ʻ.]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str, *, drop_periods: bool = False) -> str:
    """Case-, accent- and punctuation-insensitive form: "Children's ENT" -> "childrens ent"; with
    ``drop_periods`` abbreviations stay one word ("D.C." -> "dc")."""
    dropped = _DROPPED_WITH_PERIODS if drop_periods else _DROPPED
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_ALNUM.sub(" ", dropped.sub("", plain)).split())


def typo_heads(keys: Iterable[str], lengths: range) -> dict[tuple[int, int, str], list[str]]:
    """Distinct key prefixes of each length, bucketed by (length, position 0 or 1, character there): a typo
    in the first or second letter still finds the head through the other one."""
    heads: dict[tuple[int, int, str], list[str]] = {}
    distinct = sorted(set(keys))
    for length in lengths:
        for head in dict.fromkeys(k[:length] for k in distinct if len(k) >= length):
            heads.setdefault((length, 0, head[0]), []).append(head)
            if len(head) > 1 and head[1] != head[0]:
                heads.setdefault((length, 1, head[1]), []).append(head)
    return heads
