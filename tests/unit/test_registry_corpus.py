"""The corpus facts the registry ingest relies on: billing codes per procedure, NUCC specialisation codes,
and what the provider checks accept from a real (non-fictional) record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caremap.corpus.checks import corpus_problems, provider_problems
from caremap.corpus.load import Corpus, CorpusError, iter_providers
from caremap.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"


@pytest.mark.parametrize(("slug", "codes"), [
    ("epidural-blood-patch", {"62273"}), ("occipital-nerve-block", {"64405"}),
    ("total-knee-replacement", {"27447"}), ("cataract-surgery", {"66984"}),
    ("colonoscopy", {"45378", "G0121", "G0105"}), ("lasik", {"S0800"}),
])
def test_catalogue_procedures_carry_their_billing_codes(corpus: Corpus, slug: str, codes: set[str]) -> None:
    article = next(a for a in corpus.articles if a.slug == slug)
    assert codes <= set(article.billing_codes)


def test_a_code_claimed_by_two_procedures_is_reported(corpus_copy: Path) -> None:
    path = corpus_copy / "procedures" / "occipital-nerve-block.md"
    path.write_text(path.read_text().replace('billing_codes: ["64405"]', 'billing_codes: ["64405", "62273"]'))
    problems = corpus_problems(Corpus.load(corpus_copy))
    assert [(p.field, p.value) for p in problems] == [("billing_codes", "62273")]
    assert "epidural-blood-patch" in problems[0].record and "occipital-nerve-block" in problems[0].record


def test_a_malformed_billing_code_names_file_and_field(corpus_copy: Path) -> None:
    path = corpus_copy / "procedures" / "epidural-blood-patch.md"
    path.write_text(path.read_text().replace('billing_codes: ["62273"]', 'billing_codes: ["6227"]'))
    with pytest.raises(CorpusError) as caught:
        Corpus.load(corpus_copy)
    assert "epidural-blood-patch.md" in str(caught.value) and "billing_codes" in str(caught.value)


def test_a_specialisation_code_listed_twice_is_reported(corpus_copy: Path) -> None:
    path = corpus_copy / "specialties.yaml"
    path.write_text(path.read_text().replace("nucc_also: [2082S0105X, 2086S0105X]",
                                             "nucc_also: [2082S0105X, 2086S0105X, 207LP2900X]"))
    problems = corpus_problems(Corpus.load(corpus_copy))
    assert [(p.field, p.value) for p in problems] == [("nucc_also", "207LP2900X")]


def _real_record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "npi-1234567893", "fictional": False, "name": "Mara Quillfeather, MD",
        "specialties": ["Anesthesiology"], "specialty_codes": ["207L00000X"],
        "procedures": ["epidural-blood-patch"],
        "procedure_evidence": {"epidural-blood-patch": {"source": "billed", "volume": 34, "year": 2023}},
        "clinic": {"name": "Practice location of Mara Quillfeather",
                   "address": {"street": "1 Main St", "city": "Omaha", "region": "NE", "postal_code": "68102"},
                   "location": {"lat": 41.26, "lon": -95.93}},
        "provenance": {"source": "NPPES", "file": "npidata_pfile.csv", "npi": "1234567893"},
    }
    record.update(changes)
    return record


def _problems(tmp_path: Path, corpus: Corpus, record: dict[str, object]) -> list[tuple[str, str]]:
    path = tmp_path / "providers.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return [(p.field, p.value) for p in provider_problems(iter_providers(path), corpus, file=str(path))]


def test_a_real_record_with_provenance_passes(tmp_path: Path, corpus: Corpus) -> None:
    assert _problems(tmp_path, corpus, _real_record()) == []


def test_a_real_record_without_provenance_is_reported(tmp_path: Path, corpus: Corpus) -> None:
    assert _problems(tmp_path, corpus, _real_record(provenance=None)) == [("provenance", "missing")]


def test_evidence_for_a_procedure_not_listed_is_reported(tmp_path: Path, corpus: Corpus) -> None:
    assert _problems(tmp_path, corpus, _real_record(procedures=[])) == [
        ("procedure_evidence", "epidural-blood-patch")]


def test_an_inferred_procedure_still_needs_the_specialty(tmp_path: Path, corpus: Corpus) -> None:
    record = _real_record(procedures=["total-knee-replacement"],
                          procedure_evidence={"total-knee-replacement": {"source": "inferred"}})
    assert _problems(tmp_path, corpus, record) == [("procedures", "total-knee-replacement")]


def test_unknown_specialty_names_pass_only_on_records_with_nucc_codes(tmp_path: Path, corpus: Corpus) -> None:
    record = _real_record(specialties=["Family Nurse Practitioner"], specialty_codes=["363LF0000X"],
                          procedures=[], procedure_evidence={})
    assert _problems(tmp_path, corpus, record) == []
    record["specialty_codes"] = []
    assert _problems(tmp_path, corpus, record) == [("specialties", "Family Nurse Practitioner")]
