"""What kind of query this is, and where: a symptom, a condition, a procedure or a specialty, and a place
typed into the same box ("epidural blood patch in Serzhong", "knee surgeon near me").

Pure functions over vocabularies built once from the corpus; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from caremap.corpus.load import Corpus
from caremap.places import Gazetteer
from caremap.text import fold

IntentType = Literal["symptom", "condition", "procedure", "specialty"]

# Words that ask for a provider rather than describe a need: "best psoriasis doctors near me".
_FILLER = re.compile(
    r"\b(best|top|good|great|recommended|find|find a|find me|looking for|i need|need|a|an|the|my|"
    r"doctors?|drs?|physicians?|specialists?|clinics?|providers?|surgeons?|treatments?|"
    r"near me|nearby|close to me|around me|in my area)\b",
    re.IGNORECASE,
)
_PLACE_TAIL = re.compile(r"(?:\b(?:in|near|around|close to)\s+|,\s*)([^,]+?)\s*$", re.IGNORECASE)
_NEAR_ME = re.compile(r"\b(near me|nearby|close to me|around me|in my area)\b", re.IGNORECASE)
FUZZY_THRESHOLD = 90
SPELLING_THRESHOLD = 80
BARE_CITY_MIN_POPULATION = 100_000
_ZIP_END = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?[\s.?!]*$")
_JOINER_START = re.compile(r"(?:in|near|around|close)\b", re.IGNORECASE)
_JOINER_END = re.compile(r"(?:\b(?:in|near|around|close to))?[\s,]*$", re.IGNORECASE)
#: Words before a trailing ZIP that may name its town and state ("Salt Lake City UT 84101": four).
ZIP_TAIL_WORDS = 5
_LEAD_JOINERS = {"for", "in", "near", "to", "around", "at"}
ABBREVIATION_MAX = 4  # a procedure name this short ("echo", "LP", "TSA") is an abbreviation


@dataclass(frozen=True)
class Intent:
    type: IntentType
    slug: str | None = None  # the procedure or condition slug, or the specialty name
    matched: str | None = None  # the vocabulary term that matched


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # what the interpretation sees (the place removed)
    place: str | None  # a place named inside the query, resolved unambiguously
    near_me: bool


class Vocabulary:
    """Names and aliases of procedures, conditions and specialties, normalised, each with its owner."""

    def __init__(self, corpus: Corpus) -> None:
        self.terms: dict[str, tuple[IntentType, str]] = {}
        for spec in corpus.specialties:
            for term in (spec.name, *spec.lay_names):
                self.terms.setdefault(normalise(term), ("specialty", spec.name))
        for condition in corpus.conditions:
            for term in (condition.name, *condition.aliases):
                self.terms.setdefault(normalise(term), ("condition", condition.slug))
        for article in corpus.articles:  # procedures last so that they win exact ties
            for term in (article.name, *re.findall(r"\(([^)]*)\)", article.name), *article.aliases):
                self.terms[normalise(term)] = ("procedure", article.slug)
        self._choices = list(self.terms)
        self._procedure_words = {t: t.split() for t, (kind, _) in self.terms.items()
                                 if kind == "procedure" and len(t) >= 3}
        self._terms_with_word: dict[str, set[str]] = {}
        for term, term_words in self._procedure_words.items():
            if "for" not in term_words:
                for word in term_words:
                    self._terms_with_word.setdefault(word, set()).add(term)
        self.words = frozenset(w for term in self.terms for w in term.split()) | _corpus_words(corpus)
        self._long_words = sorted(w for w in self.words if len(w) >= 5)
        self._longest_name = max((len(w) for w in self._procedure_words.values()), default=0)

    def correct(self, text: str) -> str | None:
        """The text with unknown words of five letters or more replaced by their closest corpus word
        ("colonscopy" → "colonoscopy", "hemroids" → "hemorrhoids"); None when nothing changed."""
        changed = False
        out: list[str] = []
        for word in re.findall(r"[A-Za-z0-9']+", text):
            lower = word.lower()
            if len(lower) >= 5 and lower not in self.words:
                best = process.extractOne(lower, self._long_words, scorer=fuzz.ratio, score_cutoff=SPELLING_THRESHOLD)
                if best is not None:
                    out.append(best[0])
                    changed = True
                    continue
            out.append(lower)
        return " ".join(out) if changed else None

    def detect(self, text: str) -> Intent:
        """Exact name or alias (with or without the words that ask for a provider), then a close spelling,
        then a procedure named at the start ("rezum for enlarged prostate") or by a subset of its words
        ("knee replacement"); anything else is a description of symptoms."""
        plain = normalise(_NEAR_ME.sub(" ", text))
        core = normalise(_FILLER.sub(" ", text))
        for candidate in (plain, core):
            if candidate in self.terms:
                kind, slug = self.terms[candidate]
                return Intent(type=kind, slug=slug, matched=candidate)
        if len(core) >= 4:
            best = process.extractOne(core, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
            if best is not None:
                kind, slug = self.terms[best[0]]
                return Intent(type=kind, slug=slug, matched=best[0])
        return self._procedure_inside(plain, core) or Intent(type="symptom")

    def procedures_mentioned(self, text: str) -> list[str]:
        """Procedures the text names anywhere, by a name or alias of three letters or more as whole words
        ("where to get an SGB shot for ptsd", "accutane dermatologist"), first mention first."""
        folded = normalise(text).split()
        typed_in_capitals = {fold(w) for w in re.findall(r"\b[A-Z][A-Z0-9/&-]*[A-Z0-9]\b", text)}
        found: list[str] = []
        for start in range(len(folded)):
            for n in range(min(self._longest_name, len(folded) - start), 0, -1):
                key = " ".join(folded[start:start + n])
                # an abbreviation counts only typed in capitals ("SGB shot for ptsd"; "tsa" or "echo" is no name)
                if key in self._procedure_words and (len(key) > ABBREVIATION_MAX or key in typed_in_capitals):
                    found.append(self.terms[key][1])
                    break
        return list(dict.fromkeys(found))

    def _procedure_inside(self, plain: str, core: str) -> Intent | None:
        found = [*self._leading_procedures(plain.split()), *self._procedures_named_by(core.split())]
        if not found:
            return None
        term = max(found, key=len)
        return Intent(type="procedure", slug=self.terms[term][1], matched=term)

    def _leading_procedures(self, words: list[str]) -> list[str]:
        """Procedure names the query starts with, followed by "for", "in", "near"... ("rezum for …")."""
        return [term for n in range(1, len(words))
                if (term := " ".join(words[:n])) in self._procedure_words and words[n] in _LEAD_JOINERS]

    def _procedures_named_by(self, words: list[str]) -> list[str]:
        """Procedure names of which the query is most of the words: "knee replacement" names "total knee
        replacement". Descriptive aliases ("… for back pain") are not names, so they are left out."""
        if len(words) < 2:
            return []
        candidates = set.intersection(*(self._terms_with_word.get(w, set()) for w in set(words)))
        return [t for t in candidates if len(words) / len(self._procedure_words[t]) >= 0.6]


def _corpus_words(corpus: Corpus) -> frozenset[str]:
    texts: list[str] = []
    for article in corpus.articles:
        texts.extend([*article.lay_phrases, *article.sections.values()])
    for condition in corpus.conditions:
        texts.extend([*condition.lay_phrases, condition.summary])
    return frozenset(w for t in texts for w in re.findall(r"[a-z0-9']+", t.lower()))


def normalise(text: str) -> str:
    """A vocabulary key: folded, without parenthesised asides ("Upper endoscopy (EGD)" -> "upper endoscopy")."""
    return fold(re.sub(r"\([^)]*\)", " ", text))


def parse_query(q: str, gazetteer: Gazetteer) -> ParsedQuery:
    """Split a trailing place ("... in Serzhong", "..., Boston") off the query when it resolves."""
    near_me = bool(_NEAR_ME.search(q))
    zipped = _zip_tail(q, gazetteer)
    if zipped is not None:
        return ParsedQuery(text=zipped[0], place=zipped[1], near_me=near_me)
    match = _PLACE_TAIL.search(q)
    if match:
        candidate = match.group(1).strip(" .?!")
        resolution = (gazetteer.resolve(candidate, spelling=False)
                      if candidate and not _NEAR_ME.fullmatch(candidate) else None)
        if resolution is not None and resolution.best is not None and not resolution.ambiguous:
            text = q[: match.start()].strip(" ,")
            if text:
                return ParsedQuery(text=text, place=candidate, near_me=near_me)
    bare = _bare_city_tail(q, gazetteer)
    if bare is not None:
        return ParsedQuery(text=q[: -len(bare)].strip(" ,"), place=bare, near_me=near_me)
    return ParsedQuery(text=q, place=None, near_me=near_me)


def _zip_tail(q: str, gazetteer: Gazetteer) -> tuple[str, str] | None:
    """A known ZIP at the end ("colonoscopy Phoenix AZ 85004", "OB/GYN in Portland, OR 97205"): (the text
    before it, the place) where the place takes the ZIP and the longest run of words before it that names a
    town or a state (up to ZIP_TAIL_WORDS), so that the town leaves the query text. Whether town and ZIP
    agree is the gazetteer's to say when the place is resolved."""
    match = _ZIP_END.search(q)
    if match is None or gazetteer.lookup_zip(match.group(1)) is None:
        return None
    prefix = q[: match.start()]
    starts = [w.start() for w in re.finditer(r"[^\s,]+", prefix)]
    for n in range(min(ZIP_TAIL_WORDS, len(starts)), -1, -1):
        start = starts[len(starts) - n] if n else match.start()
        words = prefix[start:].strip(" ,")
        if n and (_JOINER_START.match(words) or not gazetteer.names_place(words)):  # "in" is also Indiana
            continue
        text = _JOINER_END.sub("", q[:start]).strip(" ,")
        if text:
            return text, q[start:].strip(" .?!")
    return None


def _bare_city_tail(q: str, gazetteer: Gazetteer) -> str | None:
    """A city named at the end without "in" ("urologist Denver"): only large, unambiguous cities count,
    so that ordinary words are never taken for a place."""
    words = q.strip(" .?!").split()
    for n in (2, 1):
        if len(words) <= n:
            continue
        tail = " ".join(words[-n:])
        resolution = gazetteer.resolve(tail, spelling=False)
        best = resolution.best
        if best is not None and not resolution.ambiguous and best.population >= BARE_CITY_MIN_POPULATION:
            return tail
    return None
