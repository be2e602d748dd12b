"""Place names for lookups as people type them: exact names and aliases, near spellings, prefixes, and
prefixes one typo away (the gazetteer's name index)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from caremap.place_match import PlaceMatch, normalise
from caremap.text import typo_heads

#: Typo tolerance (one edit) starts at this prefix length; shorter prefixes match too much.
TYPO_MIN_CHARS = 4
#: Typo matching looks at the first this-many characters of a prefix (longer typed text is cut).
TYPO_MAX_CHARS = 24


def by_population(places: Iterable[PlaceMatch]) -> list[PlaceMatch]:
    return sorted(places, key=lambda p: (-p.population, p.region, p.id))


class PlaceNames:
    def __init__(self, places: Sequence[PlaceMatch], aliases: Mapping[str, Sequence[PlaceMatch]]) -> None:
        by_name: dict[str, list[PlaceMatch]] = {}
        for place in places:
            by_name.setdefault(normalise(place.name), []).append(place)
        self._by_name = {key: by_population(group) for key, group in by_name.items()}
        self._by_alias = {key: by_population(group) for key, group in aliases.items() if key not in by_name}
        self._sorted = sorted(self._by_name)
        self._typo_heads = typo_heads(self._sorted, range(TYPO_MIN_CHARS - 1, TYPO_MAX_CHARS + 2))

    def named(self, key: str) -> list[PlaceMatch]:
        """Places with this normalised name, or else this alias, most populous first."""
        return self._by_name.get(key) or self._by_alias.get(key) or []

    def known(self, key: str) -> bool:
        return key in self._by_name or key in self._by_alias

    def near_spellings(self, key: str) -> list[PlaceMatch]:
        if len(key) < TYPO_MIN_CHARS:
            return []
        max_edits = 1 if len(key) < 9 else 2
        hits = process.extract(key, self._sorted, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
        return by_population(p for name, _, _ in hits for p in self._by_name[name])

    def starting_with(self, key: str, region_ok: Callable[[str], bool] | None) -> Iterator[PlaceMatch]:
        names = self._sorted
        for i in range(bisect.bisect_left(names, key), len(names)):
            if not names[i].startswith(key):
                break
            for place in self._by_name[names[i]]:
                if region_ok is None or region_ok(place.region):
                    yield place

    def one_typo_from(
        self, key: str, region_ok: Callable[[str], bool] | None, *, exclude: set[str]
    ) -> Iterator[PlaceMatch]:
        """Places whose name has a prefix within one edit (OSA: transpositions count once) of ``key``."""
        key = key[:TYPO_MAX_CHARS]
        seen = set(exclude)
        for length in (len(key) - 1, len(key), len(key) + 1):
            # One edit keeps the first character, or moves the second one to the front, or the first to
            # second place: these buckets hold every prefix that could be one edit away.
            pool = [
                *self._typo_heads.get((length, 0, key[0]), ()),
                *self._typo_heads.get((length, 0, key[1]), ()),
                *self._typo_heads.get((length, 1, key[0]), ()),
                *self._typo_heads.get((length, 1, key[1]), ()),
            ]
            hits = process.extract(key, pool, scorer=OSA.distance, score_cutoff=1, limit=None)
            for head in dict.fromkeys(head for head, _, _ in hits):
                for place in self.starting_with(head, region_ok):
                    if place.id not in seen:
                        seen.add(place.id)
                        yield place
