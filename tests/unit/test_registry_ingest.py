"""The NPPES ingest rules, on small files in the exact published layouts (full 330-column V2 header)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from caremap.corpus.checks import provider_problems
from caremap.corpus.load import Corpus, iter_providers
from caremap.registry.ingest import IngestError, IngestFiles, IngestReport, ingest_nppes
from caremap.registry.layouts import LayoutError, nppes_v2_header
from caremap.settings import PROJECT_ROOT
from tests.unit.nppes_rows import PRACTICE, npi, person, write_locations, write_nppes, write_utilization

UTILIZATION_NAME = "MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(PROJECT_ROOT / "corpus")


def run(tmp_path: Path, corpus: Corpus, rows: list[dict[str, str]], **files: Path,
        ) -> tuple[IngestReport, list[dict[str, Any]]]:
    source = write_nppes(tmp_path / "npidata_pfile_20050523-20260309.csv", rows)
    out = tmp_path / "providers.jsonl"
    report = ingest_nppes(IngestFiles(npi=source, out=out, **files), corpus, progress=False)  # type: ignore[arg-type]
    return report, [json.loads(line) for line in out.read_text().splitlines()]


def test_the_packaged_header_is_the_full_v2_layout() -> None:
    header = nppes_v2_header()
    assert len(header) == 330
    assert header[0] == "NPI" and "Provider Sex Code" in header
    assert header[-1] == "Certification Date"


def test_an_individual_becomes_a_real_record_with_provenance(tmp_path: Path, corpus: Corpus) -> None:
    report, [record] = run(tmp_path, corpus, [person(1)])
    assert report.written == 1
    assert record["id"] == f"npi-{npi(1)}"
    assert record["fictional"] is False
    assert (record["name"], record["credentials"]) == ("Mara Quillfeather", ["MD"])  # shown "..., MD"
    assert record["gender"] == "female"
    assert record["specialties"] == ["Anesthesiology"]
    assert record["clinic"]["address"] == {"street": "1200 Douglas St", "city": "Omaha", "region": "NE",
                                           "postal_code": "68102", "country": "US"}
    assert record["clinic"]["phone"] == "(402) 555-0134"
    assert record["provenance"]["file"] == "npidata_pfile_20050523-20260309.csv"
    assert record["provenance"]["file_date"] == "2026-03-09"
    assert record["provenance"]["last_updated"] == "2025-07-08"


def test_the_practice_location_is_the_clinic_not_the_mailing_address(tmp_path: Path, corpus: Corpus) -> None:
    _, [record] = run(tmp_path, corpus, [person(1)])
    location = record["clinic"]["location"]
    assert 41.2 < location["lat"] < 41.3 and -96.0 < location["lon"] < -95.9  # Omaha 68102, not New York


def test_records_validate_and_pass_the_corpus_checks(tmp_path: Path, corpus: Corpus) -> None:
    rows = [person(1), person(2, **{"Healthcare Provider Taxonomy Code_1": "363LF0000X"})]
    run(tmp_path, corpus, rows)
    providers = list(iter_providers(tmp_path / "providers.jsonl"))
    assert [p.fictional for p in providers] == [False, False]
    assert list(provider_problems(providers, corpus, file="providers.jsonl")) == []


def test_organisations_are_left_out(tmp_path: Path, corpus: Corpus) -> None:
    report, records = run(tmp_path, corpus, [person(1), person(2, **{"Entity Type Code": "2"})])
    assert [r["id"] for r in records] == [f"npi-{npi(1)}"]
    assert report.left_out["organisation"] == 1


@pytest.mark.parametrize(("deactivated", "reactivated", "listed"), [
    ("03/01/2020", "", False),
    ("03/01/2020", "06/15/2021", True),
    ("06/15/2021", "03/01/2020", False),  # reactivated, then deactivated again
])
def test_deactivated_npis_are_left_out_unless_reactivated_later(
    tmp_path: Path, corpus: Corpus, deactivated: str, reactivated: str, listed: bool,
) -> None:
    row = person(2, **{"NPI Deactivation Date": deactivated, "NPI Reactivation Date": reactivated})
    report, records = run(tmp_path, corpus, [person(1), row])
    assert (f"npi-{npi(2)}" in {r["id"] for r in records}) is listed
    assert report.left_out["deactivated"] == (0 if listed else 1)


def test_a_deactivated_row_with_its_columns_blanked_is_not_counted_as_an_organisation(
    tmp_path: Path, corpus: Corpus,
) -> None:
    blank = {"NPI": npi(2), "NPI Deactivation Date": "03/01/2020"}
    report, _ = run(tmp_path, corpus, [person(1), blank])
    assert report.left_out == {"deactivated": 1}


def test_the_primary_taxonomy_is_the_slot_switched_y(tmp_path: Path, corpus: Corpus) -> None:
    row = person(1, **{
        "Healthcare Provider Taxonomy Code_1": "207N00000X", "Healthcare Provider Primary Taxonomy Switch_1": "N",
        "Healthcare Provider Taxonomy Code_2": "208VP0014X", "Healthcare Provider Primary Taxonomy Switch_2": "Y",
    })
    _, [record] = run(tmp_path, corpus, [row])
    assert record["specialties"] == ["Pain Medicine", "Dermatology"]
    assert record["specialty_codes"] == ["208VP0014X", "207N00000X"]


def test_without_a_y_switch_the_first_listed_taxonomy_is_primary(tmp_path: Path, corpus: Corpus) -> None:
    row = person(1, **{
        "Healthcare Provider Primary Taxonomy Switch_1": "X",
        "Healthcare Provider Taxonomy Code_2": "207N00000X", "Healthcare Provider Primary Taxonomy Switch_2": "X",
    })
    _, [record] = run(tmp_path, corpus, [row])
    assert record["specialty_codes"] == ["207L00000X", "207N00000X"]


def test_the_older_gender_header_is_read_like_the_sex_header(tmp_path: Path, corpus: Corpus) -> None:
    header = [("Provider Gender Code" if h == "Provider Sex Code" else h) for h in nppes_v2_header()]
    row = person(1)
    row["Provider Gender Code"] = row.pop("Provider Sex Code")
    source = write_nppes(tmp_path / "npidata_pfile_old.csv", [row], header=header)
    out = tmp_path / "providers.jsonl"
    ingest_nppes(IngestFiles(npi=source, out=out), corpus, progress=False)
    assert json.loads(out.read_text())["gender"] == "female"


@pytest.mark.parametrize(("sex", "gender"), [("M", "male"), ("F", "female"), ("X", "unknown"), ("", "unknown")])
def test_sex_codes_map_to_genders(tmp_path: Path, corpus: Corpus, sex: str, gender: str) -> None:
    _, [record] = run(tmp_path, corpus, [person(1, **{"Provider Sex Code": sex})])
    assert record["gender"] == gender


@pytest.mark.parametrize(("overrides", "reason", "column", "value"), [
    ({f"{PRACTICE} Postal Code": "000011234"}, "unknown ZIP", f"{PRACTICE} Postal Code", "000011234"),
    ({"NPI": "1234567890"}, "malformed NPI", "NPI", "1234567890"),
    ({"NPI": "12345A7893"}, "malformed NPI", "NPI", "12345A7893"),
    ({"Healthcare Provider Taxonomy Code_1": "", "Healthcare Provider Primary Taxonomy Switch_1": ""},
     "missing taxonomy", "Healthcare Provider Taxonomy Code_1", ""),
])
def test_a_bad_row_is_skipped_and_reported_with_line_npi_column_and_value(
    tmp_path: Path, corpus: Corpus, overrides: dict[str, str], reason: str, column: str, value: str,
) -> None:
    bad = person(2, **overrides)
    report, records = run(tmp_path, corpus, [person(1), bad, person(3)])
    assert [r["id"] for r in records] == [f"npi-{npi(1)}", f"npi-{npi(3)}"]
    assert report.rejected == {reason: 1}
    [example] = report.examples
    assert (example.line, example.npi, example.reason, example.column, example.value) == (
        3, bad["NPI"], reason, column, value)
    with (tmp_path / "providers.jsonl.rejections.csv").open() as f:
        header, row, *_ = list(csv.reader(f))
        assert header == ["line", "npi", "reason", "column", "value", "file"]
        assert row == ["3", bad["NPI"], reason, column, value, "npidata_pfile_20050523-20260309.csv"]


def test_line_numbers_stay_right_after_a_value_with_a_line_break_quotes_and_commas(
    tmp_path: Path, corpus: Corpus,
) -> None:
    odd = person(2, **{"Provider First Line Business Practice Location Address": 'SUITE "B", 2ND FLOOR\nREAR'})
    bad = person(3, **{f"{PRACTICE} Postal Code": "00001"})
    report, records = run(tmp_path, corpus, [person(1), odd, bad])
    assert records[1]["clinic"]["address"]["street"] == 'Suite "B", 2nd Floor Rear'
    assert report.examples[0].line == 5  # header 1, row 1 on 2, the odd row on 3-4, the bad row on 5


def test_rows_that_cannot_be_decoded_are_reported_rejections(tmp_path: Path, corpus: Corpus) -> None:
    source = write_nppes(tmp_path / "npidata_pfile_20050523-20260309.csv", [person(1)])
    good = source.read_bytes().splitlines(keepends=True)[1]
    not_utf8 = good.replace(b'"QUILLFEATHER"', b'"QUILLFEATH\xc9R"').replace(npi(1).encode(), npi(2).encode())
    short = f'"{npi(3)}","1","X"\n'.encode()
    with source.open("ab") as f:
        f.write(not_utf8 + short + good.replace(npi(1).encode(), npi(4).encode()))
    out = tmp_path / "providers.jsonl"
    report = ingest_nppes(IngestFiles(npi=source, out=out), corpus, progress=False)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [f"npi-{npi(1)}", f"npi-{npi(4)}"]
    assert report.rejected == {"undecodable text": 1, "wrong column count": 1}
    assert [(r.line, r.npi, r.column) for r in report.examples] == [
        (3, npi(2), "Provider Last Name (Legal Name)"), (4, npi(3), "(record)")]
    assert report.examples[0].value == "QUILLFEATH\\xc9R"


def test_unmapped_taxonomies_are_specialties_of_their_own_without_procedures(tmp_path: Path, corpus: Corpus) -> None:
    nucc = tmp_path / "nucc_taxonomy_250.csv"
    nucc.write_text("Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\n"
                    "363LF0000X,Physician Assistants & Advanced Practice Nursing Providers,Nurse Practitioner,"
                    'Family,"A nurse, family",,Family Nurse Practitioner,Individual\n')
    row = person(1, **{"Healthcare Provider Taxonomy Code_1": "363LF0000X"})
    _, [named] = run(tmp_path, corpus, [row], taxonomy=nucc)
    assert named["specialties"] == ["Family Nurse Practitioner"]
    assert named["procedures"] == [] and named["procedure_evidence"] == {}
    _, [unnamed] = run(tmp_path, corpus, [row])
    assert unnamed["specialties"] == ["NUCC taxonomy 363LF0000X"]


def test_without_utilization_procedures_are_inferred_from_the_specialty_and_say_so(
    tmp_path: Path, corpus: Corpus,
) -> None:
    _, [record] = run(tmp_path, corpus, [person(1)])
    anesthesiology = {e.slug for e in corpus.catalog if "Anesthesiology" in e.specialties}
    assert set(record["procedures"]) == anesthesiology
    assert {e["source"] for e in record["procedure_evidence"].values()} == {"inferred"}


def test_billed_codes_make_billed_procedures_with_volume_summed_over_places(tmp_path: Path, corpus: Corpus) -> None:
    claims = [(npi(1), "62273", "F", "20.5"), (npi(1), "62273", "O", "13"), (npi(1), "99213", "O", "400"),
              (npi(1), "64405", "O", "12"), (npi(2), "62273", "F", "99")]
    utilization = write_utilization(tmp_path / UTILIZATION_NAME, claims)
    _, [record] = run(tmp_path, corpus, [person(1)], utilization=utilization)
    evidence = record["procedure_evidence"]
    assert evidence["epidural-blood-patch"] == {
        "source": "billed", "volume": 33.5, "year": 2023, "codes": ["62273"],
        "dataset": "Medicare Physician & Other Practitioners by Provider and Service"}
    assert evidence["occipital-nerve-block"]["volume"] == 12
    assert record["procedures"][:2] == ["epidural-blood-patch", "occipital-nerve-block"]
    assert evidence["stellate-ganglion-block"] == {"source": "inferred"}
    assert record["provenance"]["utilization_file"] == UTILIZATION_NAME


def test_billed_only_keeps_just_the_billed_procedures(tmp_path: Path, corpus: Corpus) -> None:
    utilization = write_utilization(tmp_path / UTILIZATION_NAME, [(npi(1), "62273", "F", "20")])
    source = write_nppes(tmp_path / "npidata.csv", [person(1)])
    out = tmp_path / "providers.jsonl"
    ingest_nppes(IngestFiles(npi=source, out=out, utilization=utilization), corpus, billed_only=True,
                 progress=False)
    assert json.loads(out.read_text())["procedures"] == ["epidural-blood-patch"]


def test_a_billed_procedure_outside_the_specialty_passes_the_corpus_checks(tmp_path: Path, corpus: Corpus) -> None:
    utilization = write_utilization(tmp_path / UTILIZATION_NAME, [(npi(1), "27447", "F", "40")])
    run(tmp_path, corpus, [person(1)], utilization=utilization)  # an anesthesiologist billing knee replacements
    providers = list(iter_providers(tmp_path / "providers.jsonl"))
    assert "total-knee-replacement" in providers[0].procedures
    assert list(provider_problems(providers, corpus, file="x")) == []


def test_secondary_practice_locations_come_from_pl_pfile(tmp_path: Path, corpus: Corpus) -> None:
    locations = write_locations(tmp_path / "pl_pfile.csv", [(npi(1), "77 W DODGE RD", "NE", "681141234"),
                                                            (npi(1), "1 NOWHERE", "NE", "00001"),
                                                            (npi(2), "5 ELSEWHERE", "CO", "80202")])
    report, [record] = run(tmp_path, corpus, [person(1)], locations=locations)
    [other] = record["other_clinics"]
    assert other["address"]["postal_code"] == "68114" and other["address"]["street"] == "77 W Dodge Rd"
    assert report.skipped_locations == 1


def test_a_file_that_is_not_nppes_fails_at_once_naming_the_missing_columns(tmp_path: Path, corpus: Corpus) -> None:
    source = tmp_path / "other.csv"
    source.write_text('"NPI","Name"\n"1234567893","X"\n')
    out = tmp_path / "providers.jsonl"
    with pytest.raises(LayoutError) as caught:
        ingest_nppes(IngestFiles(npi=source, out=out), corpus, progress=False)
    assert "'Entity Type Code'" in str(caught.value)
    assert "'Provider Sex Code' or 'Provider Gender Code'" in str(caught.value)
    assert list(tmp_path.iterdir()) == [source]


def test_a_utilization_file_in_another_layout_fails_before_any_work(tmp_path: Path, corpus: Corpus) -> None:
    source = write_nppes(tmp_path / "npidata.csv", [person(1)])
    utilization = tmp_path / UTILIZATION_NAME
    utilization.write_text("Rndrng_NPI,HCPCS_Cd\n1234567893,62273\n")
    with pytest.raises(LayoutError, match=r"Place_Of_Srvc.*Tot_Srvcs"):
        ingest_nppes(IngestFiles(npi=source, out=tmp_path / "p.jsonl", utilization=utilization), corpus,
                     progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, utilization.name])


def test_a_failed_run_leaves_no_output_and_keeps_the_previous_file(tmp_path: Path, corpus: Corpus) -> None:
    source = write_nppes(tmp_path / "npidata.csv", [person(1, **{"NPI": "1234567890"})])  # nothing usable
    out = tmp_path / "providers.jsonl"
    out.write_text("previous run\n")
    with pytest.raises(IngestError, match="no provider records"):
        ingest_nppes(IngestFiles(npi=source, out=out), corpus, progress=False)
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["npidata.csv", "providers.jsonl"]


def test_the_data_year_must_be_known(tmp_path: Path, corpus: Corpus) -> None:
    utilization = write_utilization(tmp_path / "claims.csv", [(npi(1), "62273", "F", "20")])
    source = write_nppes(tmp_path / "npidata.csv", [person(1)])
    with pytest.raises(LayoutError, match="--utilization-year"):
        ingest_nppes(IngestFiles(npi=source, out=tmp_path / "p.jsonl", utilization=utilization), corpus,
                     progress=False)
    ingest_nppes(IngestFiles(npi=source, out=tmp_path / "p.jsonl", utilization=utilization, utilization_year=2022),
                 corpus, progress=False)
    assert json.loads((tmp_path / "p.jsonl").read_text())["procedure_evidence"]["epidural-blood-patch"]["year"] == 2022


def test_the_output_folder_is_created(tmp_path: Path, corpus: Corpus) -> None:
    source = write_nppes(tmp_path / "npidata.csv", [person(1)])
    out = tmp_path / "new" / "folder" / "providers.jsonl"
    ingest_nppes(IngestFiles(npi=source, out=out), corpus, progress=False)
    assert len(out.read_text().splitlines()) == 1
    assert sorted(p.name for p in out.parent.iterdir()) == ["providers.jsonl", "providers.jsonl.rejections.csv"]


# --- weekly increments ----------------------------------------------------------------------------------


def write_base(tmp_path: Path, corpus: Corpus, rows: list[dict[str, str]]) -> Path:
    """A providers file from a "monthly" NPPES file."""
    source = write_nppes(tmp_path / "npidata_pfile_20050523-20260208.csv", rows)
    base = tmp_path / "providers.jsonl"
    ingest_nppes(IngestFiles(npi=source, out=base), corpus, progress=False)
    return base


def apply(tmp_path: Path, corpus: Corpus, base: Path, *weeks: list[dict[str, str]], out: Path | None = None,
          ) -> tuple[IngestReport, dict[str, dict[str, Any]]]:
    paths = tuple(write_nppes(tmp_path / f"npidata_pfile_2026020{n + 2}-2026030{n + 1}.csv", week)
                  for n, week in enumerate(weeks))
    out = out or tmp_path / "updated.jsonl"
    report = ingest_nppes(IngestFiles(npi=paths, base=base, out=out), corpus, progress=False)
    return report, {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}


def test_an_increment_replaces_changed_npis_in_place_and_adds_new_ones(tmp_path: Path, corpus: Corpus) -> None:
    base = write_base(tmp_path, corpus, [person(1), person(2), person(3)])
    moved = person(2, **{f"{PRACTICE} Postal Code": "802021234", f"{PRACTICE} State Name": "CO"})
    report, records = apply(tmp_path, corpus, base, [moved, person(4)])
    assert list(records) == [f"npi-{npi(n)}" for n in (1, 2, 3, 4)]
    assert records[f"npi-{npi(2)}"]["clinic"]["address"]["postal_code"] == "80202"
    assert records[f"npi-{npi(2)}"]["provenance"]["file"] == "npidata_pfile_20260202-20260301.csv"
    assert records[f"npi-{npi(1)}"]["provenance"]["file"] == "npidata_pfile_20050523-20260208.csv"
    assert report.merge is not None
    assert (report.merge.replaced, report.merge.added, report.merge.kept, report.merge.removed) == (1, 1, 2, 0)
    assert report.written == 4


def test_npis_deactivated_in_an_increment_are_removed(tmp_path: Path, corpus: Corpus) -> None:
    base = write_base(tmp_path, corpus, [person(1), person(2)])
    gone = {"NPI": npi(2), "NPI Deactivation Date": "02/20/2026"}  # as CMS publishes it: the rest blanked
    report, records = apply(tmp_path, corpus, base, [gone])
    assert list(records) == [f"npi-{npi(1)}"]
    assert report.merge is not None and report.merge.removed == 1
    assert report.left_out == {"deactivated": 1}


def test_later_increments_win_over_earlier_ones(tmp_path: Path, corpus: Corpus) -> None:
    base = write_base(tmp_path, corpus, [person(1), person(2)])
    week1 = [{"NPI": npi(1), "NPI Deactivation Date": "02/10/2026"}, person(2, **{"Provider Sex Code": "M"})]
    week2 = [person(1, **{"NPI Deactivation Date": "02/10/2026", "NPI Reactivation Date": "02/20/2026"}),
             {"NPI": npi(2), "NPI Deactivation Date": "02/25/2026"}]
    _, records = apply(tmp_path, corpus, base, week1, week2)
    assert list(records) == [f"npi-{npi(1)}"]
    assert records[f"npi-{npi(1)}"]["provenance"]["file"] == "npidata_pfile_20260203-20260302.csv"


def test_a_rejected_increment_row_keeps_the_previous_record(tmp_path: Path, corpus: Corpus) -> None:
    base = write_base(tmp_path, corpus, [person(1)])
    report, records = apply(tmp_path, corpus, base, [person(1, **{f"{PRACTICE} Postal Code": "00001"})])
    assert records[f"npi-{npi(1)}"]["clinic"]["address"]["postal_code"] == "68102"
    assert report.rejected == {"unknown ZIP": 1}


def test_an_increment_can_update_its_base_file_in_place(tmp_path: Path, corpus: Corpus) -> None:
    base = write_base(tmp_path, corpus, [person(1), person(2)])
    _, records = apply(tmp_path, corpus, base, [{"NPI": npi(1), "NPI Deactivation Date": "02/20/2026"}], out=base)
    assert list(records) == [f"npi-{npi(2)}"]


def test_a_failed_increment_leaves_the_base_untouched_and_writes_nothing(tmp_path: Path, corpus: Corpus) -> None:
    base = write_base(tmp_path, corpus, [person(1)])
    with base.open("a") as f:
        f.write("not json\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    kept = base.read_bytes()
    week = write_nppes(tmp_path / "npidata_pfile_20260202-20260301.csv", [person(2)])
    with pytest.raises(IngestError, match="line 2: not a JSON provider record"):
        ingest_nppes(IngestFiles(npi=(week,), base=base, out=base), corpus, progress=False)
    assert base.read_bytes() == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, week.name])


def test_several_npi_files_need_a_base(tmp_path: Path, corpus: Corpus) -> None:
    week = write_nppes(tmp_path / "npidata.csv", [person(1)])
    with pytest.raises(IngestError, match="--base"):
        ingest_nppes(IngestFiles(npi=(week, week), out=tmp_path / "p.jsonl"), corpus, progress=False)
    assert not (tmp_path / "p.jsonl").exists()


def test_records_of_other_kinds_in_the_base_are_kept(tmp_path: Path, corpus: Corpus) -> None:
    base = write_base(tmp_path, corpus, [person(1)])
    sample = (PROJECT_ROOT / "corpus" / "providers" / "sample.jsonl").read_text().splitlines()[0]
    with base.open("a") as f:
        f.write(sample + "\n")
    _, records = apply(tmp_path, corpus, base, [person(2)])
    assert list(records) == [f"npi-{npi(1)}", json.loads(sample)["id"], f"npi-{npi(2)}"]
