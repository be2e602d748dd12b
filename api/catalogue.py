"""What the API knows from the corpus, indexed for lookups: names, conditions, links, specialties, vocabulary.

Built once at start-up (``api.resources``) and shared by the search stages and the catalogue routes.
"""

from __future__ import annotations

from functools import cached_property

from api.search.parse import Vocabulary
from caremap.corpus.load import Corpus
from caremap.corpus.schemas import Condition, ProcedureArticle, Specialty


class Catalogue:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.procedure_names = {a.slug: a.name for a in corpus.articles}
        self.conditions: dict[str, Condition] = {c.slug: c for c in corpus.conditions}
        self.condition_links = {c.slug: c.procedures for c in corpus.conditions}
        self.specialties: dict[str, Specialty] = {s.name: s for s in corpus.specialties}
        self.areas = {c.slug: c.area for c in corpus.catalog}
        self.presentations = {p.id: p for p in corpus.presentations}
        self._articles = {a.slug: a for a in corpus.articles}

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.corpus)

    def article(self, slug: str) -> ProcedureArticle | None:
        return self._articles.get(slug)

    def knows_procedure(self, slug: str) -> bool:
        return slug in self._articles
