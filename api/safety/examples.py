"""The labelled texts the safety classifiers learn from, all from the corpus (never from judgment sets)."""

from __future__ import annotations

from dataclasses import dataclass

from caremap.corpus.load import Corpus

ScopeLabel = str  # "in_scope" | "primary_care" | "out_of_scope"
IN_SCOPE, PRIMARY_CARE, OUT_OF_SCOPE = "in_scope", "primary_care", "out_of_scope"


@dataclass(frozen=True)
class Examples:
    """``triage``: texts with the presentation they describe (None: alarming-sounding or unrelated, not an
    emergency); ``planned``: patients' phrases for planned care (not emergencies either, but some describe
    what an emergency looks like too, so the detector keeps only those far from every emergency phrasing);
    ``scope``: texts with whether a catalogue procedure fits them. A text may appear in several."""

    triage: list[tuple[str, str | None]]
    planned: list[str]
    scope: list[tuple[str, ScopeLabel]]

    @property
    def texts(self) -> list[str]:
        return list(dict.fromkeys([t for t, _ in self.triage] + self.planned + [t for t, _ in self.scope]))


def examples_from(corpus: Corpus) -> Examples:
    """Emergencies are the presentations' phrasings; the other side is the near-misses, the out-of-scope and
    primary-care queries, and the patients' phrases of the articles and conditions (planned care). In-scope
    texts for the scope classifier are those phrases (names need no classifier: the intent step recognises
    them, and short names look like noise to it)."""
    emergencies = [(text, p.id) for p in corpus.presentations for text in p.phrasings]
    planned = [*(t for a in corpus.articles for t in a.lay_phrases),
               *(t for c in corpus.conditions for t in c.lay_phrases)]
    out_of_scope = list(corpus.scope.out_of_scope) if corpus.scope else []
    primary_care = list(corpus.scope.primary_care) if corpus.scope else []
    not_emergencies = [n.text for n in corpus.near_misses] + out_of_scope + primary_care
    return Examples(
        triage=emergencies + [(t, None) for t in not_emergencies],
        planned=list(dict.fromkeys(planned)),
        scope=([(t, IN_SCOPE) for t in dict.fromkeys(planned)] + [(t, PRIMARY_CARE) for t in primary_care]
               + [(t, OUT_OF_SCOPE) for t in out_of_scope]),
    )
