"""Source records → the pieces of text that get indexed (vectors are added by the builder)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from caremap.corpus.load import Corpus
from caremap.corpus.schemas import ProcedureArticle, Provider
from caremap.index_contract import PassageKind

MAX_PASSAGE_WORDS = 70
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class ProcedurePiece:
    slug: str
    name: str
    kind: PassageKind
    text: str
    specialties: tuple[str, ...]
    area: str
    section: str | None = None
    condition: str | None = None


def split_passages(text: str, *, max_words: int = MAX_PASSAGE_WORDS) -> list[str]:
    """Group whole sentences into passages of at most ``max_words`` words (a longer sentence stands alone)."""
    text = re.sub(r"\s+", " ", re.sub(r"^[-*]\s+", "", text, flags=re.MULTILINE)).strip()
    passages: list[str] = []
    current: list[str] = []
    words = 0
    for sentence in _SENTENCE_END.split(text):
        n = len(sentence.split())
        if current and words + n > max_words:
            passages.append(" ".join(current))
            current, words = [], 0
        current.append(sentence)
        words += n
    if current:
        passages.append(" ".join(current))
    return passages


def procedure_pieces(corpus: Corpus) -> Iterator[ProcedurePiece]:
    """Every way a procedure can be found: its name, aliases, lay phrases, article passages, conditions."""
    areas = {c.slug: c.area for c in corpus.catalog}
    for article in corpus.articles:
        area = areas.get(article.slug, "")

        def piece(kind: PassageKind, text: str, *, section: str | None = None, condition: str | None = None,
                  article: ProcedureArticle = article, area: str = area) -> ProcedurePiece:
            return ProcedurePiece(slug=article.slug, name=article.name, kind=kind, text=text,
                                  specialties=article.specialties, area=area, section=section, condition=condition)

        yield piece("name", article.name)
        for alias in article.aliases:
            yield piece("alias", alias)
        for phrase in article.lay_phrases:
            yield piece("lay_phrase", phrase)
        for section, body in article.sections.items():
            for passage in split_passages(body):
                yield piece("passage", passage, section=section)
        for condition in corpus.conditions_for(article.slug):
            for name in (condition.name, *condition.aliases):
                yield piece("condition_name", name, condition=condition.slug)
            for phrase in condition.lay_phrases:
                yield piece("condition_phrase", phrase, condition=condition.slug)


#: At most this many conditions are named in a profile (the model reads 256 word pieces at most).
PROFILE_MAX_CONDITIONS = 10


@dataclass(frozen=True)
class ProfileVocabulary:
    """What a profile text names for a procedure slug: its display name and the conditions it treats."""

    procedure_names: dict[str, str]
    conditions: dict[str, tuple[str, ...]]

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> ProfileVocabulary:
        treats: dict[str, list[str]] = {}
        for condition in corpus.conditions:
            for slug in condition.procedures:
                treats.setdefault(slug, []).append(condition.name)
        return cls(procedure_names={a.slug: a.name for a in corpus.articles},
                   conditions={slug: tuple(names) for slug, names in treats.items()})


def provider_profile(provider: Provider, vocabulary: ProfileVocabulary) -> str:
    """The text a provider's vector is computed from: what the clinician does and treats.

    Specialties, the focus procedure, the procedures performed and the conditions those treat. Names, clinics
    and bios are matched lexically instead and stay out, so that clinicians with the same practice share one
    text: the indexer embeds each distinct text once, and a generated directory has a bounded number of them.
    """
    names = vocabulary.procedure_names
    performed = [names.get(s, s) for s in provider.procedures]
    treated = list(dict.fromkeys(c for s in provider.procedures for c in vocabulary.conditions.get(s, ())))
    parts = [", ".join(provider.specialties) + "."]
    if provider.focus is not None:
        parts.append(f"Focus: {names.get(provider.focus, provider.focus)}.")
    parts.append(f"Performs: {', '.join(performed) or 'consultations'}.")
    if treated:
        parts.append(f"Treats: {', '.join(treated[:PROFILE_MAX_CONDITIONS])}.")
    return " ".join(parts)
