"""The corpus validates, covers the catalogue, and a broken corpus fails loudly with the place named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from caremap.corpus.checks import check_corpus, corpus_problems
from caremap.corpus.load import Corpus, CorpusError, load_judgments
from caremap.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"


def test_the_whole_corpus_passes_every_check() -> None:
    summary = check_corpus(CORPUS, providers_path=CORPUS / "providers" / "sample.jsonl")
    assert summary["procedures"] == 128
    assert summary["conditions"] >= 100
    assert summary["providers"] >= 2000


def test_every_catalogue_slug_has_an_article(corpus: Corpus) -> None:
    assert {a.slug for a in corpus.articles} == {c.slug for c in corpus.catalog}


def test_every_article_has_six_lay_phrases_and_its_sections(corpus: Corpus) -> None:
    for article in corpus.articles:
        assert len(article.lay_phrases) >= 6, article.slug
        assert 250 <= article.body_words <= 600, article.slug


def test_every_catalogue_procedure_treats_some_condition(corpus: Corpus) -> None:
    treated = {slug for c in corpus.conditions for slug in c.procedures}
    assert {c.slug for c in corpus.catalog} <= treated


def test_the_examples_conditions_exist(corpus: Corpus) -> None:
    slugs = {c.slug for c in corpus.conditions}
    assert {"post-dural-puncture-headache", "spontaneous-intracranial-hypotension", "psoriasis",
            "chronic-migraine", "carpal-tunnel-syndrome"} <= slugs


def test_specialties_have_nucc_codes_for_every_catalogue_specialty(corpus: Corpus) -> None:
    codes = {s.name: s.nucc_code for s in corpus.specialties}
    for entry in corpus.catalog:
        for name in entry.specialties:
            assert name in codes, name


def test_judgment_set_is_large_and_refers_to_catalogue_slugs(corpus: Corpus) -> None:
    judgments = load_judgments(CORPUS / "judgments" / "dev.yaml")
    slugs = {c.slug for c in corpus.catalog}
    assert len(judgments) >= 150
    for j in judgments:
        assert set(j.procedures) <= slugs, j.query


def test_missing_article_is_reported(corpus_copy: Path) -> None:
    (corpus_copy / "procedures" / "septoplasty.md").unlink()
    with pytest.raises(CorpusError, match=r"septoplasty.*an article procedures/septoplasty.md"):
        check_corpus(corpus_copy, providers_path=None)


def test_article_without_enough_lay_phrases_names_file_and_field(corpus_copy: Path) -> None:
    path = corpus_copy / "procedures" / "tonsillectomy.md"
    _, meta, body = path.read_text().split("---", 2)
    data = yaml.safe_load(meta)
    data["lay_phrases"] = data["lay_phrases"][:2]
    path.write_text(f"---\n{yaml.safe_dump(data)}---{body}")
    with pytest.raises(CorpusError) as failure:
        Corpus.load(corpus_copy)
    message = str(failure.value)
    assert "tonsillectomy.md" in message and "lay_phrases" in message and "at least 6" in message


def test_condition_pointing_at_unknown_procedure_is_reported(corpus_copy: Path) -> None:
    path = next((corpus_copy / "conditions").glob("*.yaml"))
    items = yaml.safe_load(path.read_text())
    items[0]["procedures"] = ["not-a-procedure"]
    path.write_text(yaml.safe_dump(items))
    problems = corpus_problems(Corpus.load(corpus_copy))
    assert any(p.value == "not-a-procedure" and p.field == "procedures" for p in problems)


def test_provider_performing_a_procedure_outside_its_specialty_is_reported(corpus: Corpus, tmp_path: Path) -> None:
    source = (CORPUS / "providers" / "sample.jsonl").read_text().splitlines()[0]
    import json

    record = json.loads(source)
    record["specialties"] = ["Dermatology"]
    record["procedures"] = ["epidural-blood-patch"]
    bad = tmp_path / "providers.jsonl"
    bad.write_text(json.dumps(record) + "\n")
    with pytest.raises(CorpusError, match="epidural-blood-patch"):
        check_corpus(CORPUS, providers_path=bad)


def test_shared_alias_without_ambiguity_mark_is_reported(corpus_copy: Path) -> None:
    for slug in ("septoplasty", "rhinoplasty"):
        path = corpus_copy / "procedures" / f"{slug}.md"
        _, meta, body = path.read_text().split("---", 2)
        data = yaml.safe_load(meta)
        data["aliases"] = [*data["aliases"], "nose job surgery"]
        path.write_text(f"---\n{yaml.safe_dump(data)}---{body}")
    problems = corpus_problems(Corpus.load(corpus_copy))
    assert any(p.field == "aliases" and p.value == "nose job surgery" for p in problems)
