"""Typeahead for the search box: typed suggestions (procedure, condition, specialty, symptom, place) for a prefix.

Pure Python over keys built once at start-up from the corpus; places come from the gazetteer's own typeahead.
Every term is indexed at each of its word starts ("epidural blood patch", "blood patch", "patch"), so a prefix
matches the start of any word; the keys are sorted, so a lookup is a bisect plus a short scan.

Ranking, best first (``_Tier``): a name or alias that starts with the text; a large place (or a ZIP, or text
with a comma) that starts with it; a word inside a name; a name one or two typos away; a patient's phrase
that starts with the text, then one with a word that does; a name or phrase that has the typed words in
another order or with other words between them ("headache worse when st" finds "... headache that is worse
when I stand"); any other place.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from caremap.corpus.load import Corpus
from caremap.places import Gazetteer, PlaceMatch
from caremap.places import normalise as place_key
from caremap.text import fold as normalise
from caremap.text import typo_heads

SuggestionType = Literal["procedure", "condition", "specialty", "symptom", "place"]

#: Typo tolerance starts at this many characters: shorter prefixes are one edit away from too much.
TYPO_MIN_CHARS = 4
#: From this many characters two edits are tolerated ("colonscop" -> "colonoscop" is one, "colnscop" two).
TWO_TYPOS_MIN_CHARS = 8
#: Typo matching compares at most this many leading characters.
TYPO_MAX_CHARS = 24
#: A place this populous ranks with the names when its name starts with the text.
LARGE_PLACE_POPULATION = 100_000
#: How many keys one lookup scans at most (short prefixes such as "a" match thousands of keys).
SCAN_CAP = 400
MAX_LIMIT = 20
#: Place names have at most this many words ("La Canada Flintridge"); longer text is not looked up as a place.
MAX_PLACE_WORDS = 4
#: Words that say little about what hurts: left out when matching typed words anywhere in a phrase.
FILLER_WORDS = frozenset({
    "a", "an", "and", "are", "at", "be", "been", "but", "by", "can", "do", "does", "for", "from", "get", "gets",
    "had", "has", "have", "i", "i'm", "im", "in", "is", "it", "its", "me", "my", "of", "on", "or", "so", "that",
    "the", "them", "then", "there", "they", "this", "to", "was", "were", "what", "when", "where", "which", "while",
    "who", "why", "will", "with",
})

_TYPE_ORDER: dict[SuggestionType, int] = {"procedure": 0, "condition": 1, "specialty": 2, "symptom": 3, "place": 4}


class _Tier(IntEnum):
    NAME_START = 0
    STRONG_PLACE = 1
    NAME_WORD = 2
    NAME_TYPO = 3
    SYMPTOM_START = 4
    SYMPTOM_WORD = 5
    ALL_WORDS = 6
    OTHER_PLACE = 7


@dataclass(frozen=True, slots=True)
class Suggestion:
    type: SuggestionType
    label: str  # what the list shows
    value: str  # procedure/condition slug, specialty name, place id, or the phrase to put in the box
    slug: str | None = None
    id: str | None = None
    lat: float | None = None
    lon: float | None = None
    matched: str | None = None  # the alias or lay name that matched, when it is not the label


@dataclass(frozen=True, slots=True)
class _Entry:
    """Something that can be suggested, and the text of one of the terms it is found by."""

    suggestion: Suggestion
    term: str
    term_key: str
    is_label: bool  # the term is the suggestion's own label (not an alias or lay name)
    misspelt: bool  # the term has a word the corpus's prose never uses ("colonscopy", "epideral")


class _KeyIndex:
    """Sorted word-start keys, each pointing at an entry: prefix lookups are a bisect and a scan."""

    def __init__(self, keyed: Iterable[tuple[str, int]]) -> None:
        pairs = sorted(set(keyed))
        self.keys = [k for k, _ in pairs]
        self.entries = [e for _, e in pairs]

    def starting_with(self, prefix: str, *, cap: int = SCAN_CAP) -> Iterator[tuple[str, int]]:
        keys = self.keys
        start = bisect.bisect_left(keys, prefix)
        for i in range(start, min(start + cap, len(keys))):
            if not keys[i].startswith(prefix):
                return
            yield keys[i], self.entries[i]


class Suggester:
    """Built once from the corpus and the gazetteer; ``suggest`` is a pure, fast lookup afterwards."""

    def __init__(self, corpus: Corpus, gazetteer: Gazetteer) -> None:
        self._gazetteer = gazetteer
        self._entries: list[_Entry] = []
        self._prose_words = _prose_words(corpus)
        name_starts: list[tuple[str, int]] = []
        name_words: list[tuple[str, int]] = []
        symptom_starts: list[tuple[str, int]] = []
        symptom_words: list[tuple[str, int]] = []
        for suggestion, terms in _named_things(corpus):
            for term in terms:
                self._add(suggestion, term, starts=name_starts, words=name_words)
        seen_phrases: set[str] = set()
        for phrase in _lay_phrases(corpus):
            if normalise(phrase) not in seen_phrases:
                seen_phrases.add(normalise(phrase))
                symptom = Suggestion(type="symptom", label=phrase, value=phrase)
                self._add(symptom, phrase, starts=symptom_starts, words=symptom_words)
        self._name_starts, self._name_words = _KeyIndex(name_starts), _KeyIndex(name_words)
        self._symptom_starts, self._symptom_words = _KeyIndex(symptom_starts), _KeyIndex(symptom_words)
        self._typo_heads = typo_heads([*self._name_starts.keys, *self._name_words.keys],
                                      range(TYPO_MIN_CHARS, TYPO_MAX_CHARS + 3))
        self._with_word: dict[str, set[int]] = {}  # word -> entries that have it (names and phrases alike)
        for index, entry in enumerate(self._entries):
            for word in entry.term_key.split():
                self._with_word.setdefault(word, set()).add(index)
        self._words = _KeyIndex((word, 0) for word in self._with_word)

    def _add(self, suggestion: Suggestion, term: str, *, starts: list[tuple[str, int]],
             words: list[tuple[str, int]]) -> None:
        key = normalise(term)
        if not key:
            return
        index = len(self._entries)
        tokens = key.split()
        self._entries.append(_Entry(suggestion=suggestion, term=term, term_key=key,
                                    is_label=key == normalise(suggestion.label),
                                    misspelt=not self._prose_words.issuperset(tokens)))
        starts.append((key, index))
        words.extend((" ".join(tokens[i:]), index) for i in range(1, len(tokens)))

    # --- the lookup ------------------------------------------------------------------------------------

    def suggest(self, text: str, *, limit: int = 8) -> list[Suggestion]:
        limit = max(0, min(limit, MAX_LIMIT))
        raw = text.strip()
        if not raw or limit == 0:
            return []
        ranked: dict[str, tuple[tuple[int, ...], Suggestion]] = {}
        if raw.isdigit():  # ZIP codes: nothing else is named by digits
            self._places(raw, limit, ranked)
            return _best(ranked, limit)
        key = normalise(raw)
        if key:
            self._names(key, ranked)
            self._symptoms(key, ranked)
            if len(ranked) < limit:  # typos only fill: at four or five letters they reach too much
                self._typos(key, ranked)
            if len(ranked) < limit:
                self._all_words(key, ranked)
        self._places(raw, limit, ranked)
        return _best(ranked, limit)

    def _names(self, key: str, ranked: dict[str, tuple[tuple[int, ...], Suggestion]]) -> None:
        for tier, index in ((_Tier.NAME_START, self._name_starts), (_Tier.NAME_WORD, self._name_words)):
            for matched_key, entry in index.starting_with(key):
                self._offer(ranked, tier, entry, distance=0, exact=matched_key == key)

    def _typos(self, key: str, ranked: dict[str, tuple[tuple[int, ...], Suggestion]]) -> None:
        if len(key) < TYPO_MIN_CHARS:
            return
        key = key[:TYPO_MAX_CHARS]
        max_edits = 2 if len(key) >= TWO_TYPOS_MIN_CHARS else 1
        pool: list[str] = []
        # Heads shorter than TYPO_MIN_CHARS are left out: "bost" minus a letter reaches every "ost..." word.
        for length in range(max(len(key) - max_edits, TYPO_MIN_CHARS), len(key) + max_edits + 1):
            # A prefix within the allowed edits keeps its first character, or swaps the first two: these
            # buckets hold every candidate for one edit (and nearly every one for two).
            for position in (0, 1):
                for char in dict.fromkeys(key[:2]):
                    pool.extend(self._typo_heads.get((length, position, char), ()))
        hits = process.extract(key, list(dict.fromkeys(pool)), scorer=OSA.distance, score_cutoff=max_edits,
                               limit=None)
        for head, distance, _ in sorted(hits, key=lambda h: (h[1], h[0])):
            if distance == 0:
                continue
            for index in (self._name_starts, self._name_words):
                for _, entry in index.starting_with(head, cap=50):
                    self._offer(ranked, _Tier.NAME_TYPO, entry, distance=int(distance), exact=False)

    def _symptoms(self, key: str, ranked: dict[str, tuple[tuple[int, ...], Suggestion]]) -> None:
        if len(key) < 2:
            return
        for tier, index in ((_Tier.SYMPTOM_START, self._symptom_starts), (_Tier.SYMPTOM_WORD, self._symptom_words)):
            for matched_key, entry in index.starting_with(key):
                self._offer(ranked, tier, entry, distance=0, exact=matched_key == key)

    def _all_words(self, key: str, ranked: dict[str, tuple[tuple[int, ...], Suggestion]]) -> None:
        """Entries with every typed word (fillers aside), the last one as a prefix, in any order."""
        *whole, last = key.split()
        wanted = [w for w in whole if w not in FILLER_WORDS]
        if not wanted:
            return
        candidates = set.intersection(*(self._with_word.get(w, set()) for w in wanted))
        if last not in FILLER_WORDS and candidates:
            completing: set[int] = set()
            for word, _ in self._words.starting_with(last):
                completing |= self._with_word[word]
            candidates &= completing
        for entry in candidates:
            self._offer(ranked, _Tier.ALL_WORDS, entry, distance=0, exact=False)

    def _places(self, raw: str, limit: int, ranked: dict[str, tuple[tuple[int, ...], Suggestion]]) -> None:
        name_part, comma, _ = raw.partition(",")
        name_key = place_key(name_part)
        if (not name_key and not raw.isdigit()) or len(name_key.split()) > MAX_PLACE_WORDS:
            return  # longer text is a description, not a place: spare the gazetteer's typo search
        for order, place in enumerate(self._gazetteer.suggest(raw, limit=limit)):
            starts = place.kind == "zip" or place_key(place.name).startswith(name_key)
            strong = raw.isdigit() or (starts and (bool(comma) or _notable(place)) and len(name_key) >= 3)
            tier = _Tier.STRONG_PLACE if strong else _Tier.OTHER_PLACE
            rank = (int(tier), 0 if starts else 1, order)
            suggestion = _place_suggestion(place)
            _keep(ranked, suggestion, rank)

    def _offer(self, ranked: dict[str, tuple[tuple[int, ...], Suggestion]], tier: _Tier, entry_index: int, *,
               distance: int, exact: bool) -> None:
        entry = self._entries[entry_index]
        suggestion = entry.suggestion
        if not entry.is_label and not entry.misspelt:
            suggestion = replace(suggestion, matched=entry.term)
        rank = (int(tier), distance, 0 if exact else 1, 0 if entry.is_label else 1, int(entry.misspelt),
                len(entry.term_key), _TYPE_ORDER[suggestion.type])
        _keep(ranked, suggestion, rank)


# --- building ----------------------------------------------------------------------------------------------


def _named_things(corpus: Corpus) -> Iterator[tuple[Suggestion, tuple[str, ...]]]:
    for article in corpus.articles:
        abbreviations = tuple(re.findall(r"\(([^)]*)\)", article.name))
        yield (Suggestion(type="procedure", label=article.name, value=article.slug, slug=article.slug),
               (article.name, *abbreviations, *article.aliases))
    for condition in corpus.conditions:
        abbreviations = tuple(re.findall(r"\(([^)]*)\)", condition.name))
        yield (Suggestion(type="condition", label=condition.name, value=condition.slug, slug=condition.slug),
               (condition.name, *abbreviations, *condition.aliases))
    for specialty in corpus.specialties:
        yield (Suggestion(type="specialty", label=specialty.name, value=specialty.name),
               (specialty.name, *specialty.lay_names))


def _lay_phrases(corpus: Corpus) -> Iterator[str]:
    for article in corpus.articles:
        yield from article.lay_phrases
    for condition in corpus.conditions:
        yield from condition.lay_phrases


def _prose_words(corpus: Corpus) -> frozenset[str]:
    """Words of the articles' and conditions' prose and of the display names: correctly spelt by construction."""
    texts = [text for article in corpus.articles for text in (article.name, *article.sections.values())]
    texts += [text for condition in corpus.conditions for text in (condition.name, condition.summary)]
    texts += [specialty.name for specialty in corpus.specialties]
    return frozenset(word for text in texts for word in normalise(text).split())


# --- ranking -----------------------------------------------------------------------------------------------


def _keep(ranked: dict[str, tuple[tuple[int, ...], Suggestion]], suggestion: Suggestion,
          rank: tuple[int, ...]) -> None:
    """One suggestion per label: the best-ranked way of reaching it wins."""
    label = suggestion.label.casefold()
    current = ranked.get(label)
    if current is None or rank < current[0]:
        ranked[label] = (rank, suggestion)


def _best(ranked: dict[str, tuple[tuple[int, ...], Suggestion]], limit: int) -> list[Suggestion]:
    ordered = sorted(ranked.values(), key=lambda item: (item[0], item[1].label))
    return [suggestion for _, suggestion in ordered[:limit]]


def _notable(place: PlaceMatch) -> bool:
    return place.population >= LARGE_PLACE_POPULATION or place.kind == "locality"


def _place_suggestion(place: PlaceMatch) -> Suggestion:
    return Suggestion(type="place", label=place.label, value=place.id, id=place.id, lat=place.lat, lon=place.lon)

