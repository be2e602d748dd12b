"""Cross-checks over the whole corpus: coverage, references, consistency. Each failure is a Problem."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from caremap.corpus.load import Corpus, CorpusError, Problem, iter_providers
from caremap.corpus.schemas import DIFFERS_SECTION, Provider

MIN_BODY_WORDS, MAX_BODY_WORDS = 250, 600


def article_problems(corpus: Corpus) -> Iterator[Problem]:
    catalog = {c.slug: c for c in corpus.catalog}
    names = {a.slug: a.name for a in corpus.articles}
    for entry in corpus.catalog:
        if entry.slug not in names:
            yield Problem("procedures/", entry.slug, "(file)", "missing", f"an article procedures/{entry.slug}.md")
    for article in corpus.articles:
        where = f"procedures/{article.slug}.md"
        listed = catalog.get(article.slug)
        if listed is None:
            yield Problem(where, "front matter", "slug", article.slug, "a slug from catalog.tsv")
            continue
        if set(article.specialties) != set(listed.specialties):
            yield Problem(where, "front matter", "specialties", str(list(article.specialties)),
                          f"the catalogue's specialties {list(listed.specialties)}")
        if not MIN_BODY_WORDS <= article.body_words <= MAX_BODY_WORDS:
            yield Problem(where, "body", "(words)", str(article.body_words),
                          f"between {MIN_BODY_WORDS} and {MAX_BODY_WORDS} words")
        for other in article.confused_with:
            if other not in catalog:
                yield Problem(where, "front matter", "confused_with", other, "a slug from catalog.tsv")
        if article.confused_with:
            differs = article.sections.get(DIFFERS_SECTION, "").lower()
            if not differs:
                yield Problem(where, "body", DIFFERS_SECTION, "missing",
                              "a section distinguishing the procedures listed in confused_with")


def alias_problems(corpus: Corpus) -> Iterator[Problem]:
    owners: dict[str, set[str]] = defaultdict(set)
    for article in corpus.articles:
        for term in (article.name, *article.aliases):
            owners[term.strip().lower()].add(article.slug)
    for term, slugs in sorted(owners.items()):
        if len(slugs) > 1 and term not in corpus.ambiguous_aliases:
            yield Problem("procedures/", ", ".join(sorted(slugs)), "aliases", term,
                          "an alias owned by one procedure, or listed in ambiguous_aliases.yaml")


def condition_problems(corpus: Corpus) -> Iterator[Problem]:
    slugs = {c.slug for c in corpus.catalog}
    specialties = {s.name for s in corpus.specialties}
    seen: set[str] = set()
    for condition in corpus.conditions:
        where = f"conditions/ ({condition.slug})"
        if condition.slug in seen:
            yield Problem(where, condition.slug, "slug", condition.slug, "a unique condition slug")
        seen.add(condition.slug)
        for slug in condition.procedures:
            if slug not in slugs:
                yield Problem(where, condition.slug, "procedures", slug, "a slug from catalog.tsv")
        for name in condition.specialties:
            if name not in specialties:
                yield Problem(where, condition.slug, "specialties", name, "a name from specialties.yaml")


def pattern_problems(corpus: Corpus) -> Iterator[Problem]:
    conditions = {c.slug for c in corpus.conditions}
    for pattern in corpus.symptom_patterns:
        for slug in pattern.conditions:
            if slug not in conditions:
                yield Problem("symptom_patterns.yaml", f"id={pattern.id}", "conditions", slug,
                              "a condition slug from conditions/")


def specialty_problems(corpus: Corpus) -> Iterator[Problem]:
    known = {s.name for s in corpus.specialties}
    for entry in corpus.catalog:
        for name in entry.specialties:
            if name not in known:
                yield Problem("specialties.yaml", entry.slug, "name", name, "an entry for every catalogue specialty")


def provider_problems(providers: Iterable[Provider], corpus: Corpus, *, file: str) -> Iterator[Problem]:
    """A provider may only perform procedures whose catalogue specialties include one of its own, unless it
    billed them (registry records); fictional records say so, real ones carry their provenance."""
    allowed = {c.slug: set(c.specialties) for c in corpus.catalog}
    known = {s.name for s in corpus.specialties}
    for provider in providers:
        where = f"id={provider.id}"
        for name in provider.specialties:
            # Registry records keep the NUCC taxonomies no catalogue specialty covers, under their own names.
            if name not in known and not provider.specialty_codes:
                yield Problem(file, where, "specialties", name, "a name from specialties.yaml")
        for slug in provider.procedures:
            billed = (evidence := provider.procedure_evidence.get(slug)) is not None and evidence.source == "billed"
            if slug not in allowed:
                yield Problem(file, where, "procedures", slug, "a slug from catalog.tsv")
            elif not billed and not allowed[slug] & set(provider.specialties):
                yield Problem(file, where, "procedures", slug,
                              f"a procedure its specialties {list(provider.specialties)} perform "
                              f"(this one needs one of {sorted(allowed[slug])})")
        for slug in provider.procedure_evidence:
            if slug not in provider.procedures:
                yield Problem(file, where, "procedure_evidence", slug, "a slug listed in its procedures")
        if provider.focus is not None and provider.focus not in provider.procedures:
            yield Problem(file, where, "focus", provider.focus, "one of the provider's own procedures")
        if not provider.fictional and provider.provenance is None:
            yield Problem(file, where, "provenance", "missing",
                          "the source file of a real record (fictional: false), or fictional: true")


def billing_code_problems(corpus: Corpus) -> Iterator[Problem]:
    """A CPT/HCPCS code names one procedure: a billed code must not count towards two catalogue entries."""
    owners: dict[str, list[str]] = defaultdict(list)
    for article in corpus.articles:
        for code in article.billing_codes:
            owners[code].append(article.slug)
    for code, slugs in sorted(owners.items()):
        if len(slugs) > 1:
            yield Problem("procedures/", ", ".join(slugs), "billing_codes", code, "a code listed by one procedure")


def nucc_problems(corpus: Corpus) -> Iterator[Problem]:
    """A specialisation code listed in nucc_also belongs to one specialty and is not another's main code."""
    main = {s.nucc_code for s in corpus.specialties}
    owners: dict[str, list[str]] = defaultdict(list)
    for specialty in corpus.specialties:
        for code in specialty.nucc_also:
            owners[code].append(specialty.name)
    for code, names in sorted(owners.items()):
        if len(names) > 1 or code in main:
            yield Problem("specialties.yaml", ", ".join(names), "nucc_also", code,
                          "a code no other specialty lists (in nucc_code or nucc_also)")


def corpus_problems(corpus: Corpus) -> list[Problem]:
    return [
        *article_problems(corpus), *alias_problems(corpus), *condition_problems(corpus),
        *specialty_problems(corpus), *pattern_problems(corpus), *billing_code_problems(corpus),
        *nucc_problems(corpus),
    ]


def check_corpus(root: Path, *, providers_path: Path | None) -> dict[str, int]:
    """Load and cross-check everything; raise CorpusError listing every problem, else return counts."""
    corpus = Corpus.load(root)
    problems = corpus_problems(corpus)
    count = 0
    if providers_path is not None:
        def counted() -> Iterator[Provider]:
            nonlocal count
            for provider in iter_providers(providers_path):
                count += 1
                yield provider

        problems.extend(provider_problems(counted(), corpus, file=str(providers_path)))
    if problems:
        raise CorpusError(problems)
    return {
        "procedures": len(corpus.articles), "conditions": len(corpus.conditions),
        "specialties": len(corpus.specialties), "red_flags": len(corpus.red_flags),
        "places": len(corpus.places), "providers": count,
    }
