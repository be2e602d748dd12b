"""The registry's small pieces: the NPI check digit, display names, taxonomy mapping, the CSV blocks, the
generator."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pyarrow as pa
import pytest

from caremap.corpus.load import Corpus
from caremap.registry.csvblocks import Block, CsvBlocks, read_header
from caremap.registry.generator import write_files
from caremap.registry.layouts import nppes_v2_header
from caremap.registry.names import credentials, display_name, name_case, phone
from caremap.registry.npi import check_digit, is_valid_npi, valid_npis
from caremap.registry.taxonomy import TaxonomyMap
from caremap.registry.zips import ZipTable
from caremap.settings import PROJECT_ROOT


def luhn_ok(digits: str) -> bool:
    """The textbook Luhn test, written independently of caremap's."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(PROJECT_ROOT / "corpus")


# --- NPI ------------------------------------------------------------------------------------------------


def test_the_cms_example_npi_is_valid() -> None:
    assert is_valid_npi("1234567893")  # the worked example in CMS's NPI check-digit note


@pytest.mark.parametrize("value", ["1234567890", "1234567839", "123456789", "12345678931", "12345A7893",
                                   " 234567893", "１２３４５６７８９３", ""])
def test_malformed_npis_are_invalid(value: str) -> None:
    assert not is_valid_npi(value)


def test_a_column_of_npis_is_checked_like_one_npi_at_a_time() -> None:
    rng = random.Random(4)
    values = ["1234567893", "1234567890", "1234567839", "123456789", "12345678931", "12345A7893", " 234567893",
              "１２３４５６７８９３", "", "-123456789", "0000000000"]
    values += ["".join(rng.choice("0123456789") for _ in range(10)) for _ in range(3000)]
    assert valid_npis(pa.array(values)).tolist() == [is_valid_npi(v) for v in values]


def test_the_check_digit_is_luhn_over_the_80840_prefix() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        nine = "".join(rng.choice("0123456789") for _ in range(9))
        digit = check_digit(nine)
        assert luhn_ok(f"80840{nine}{digit}")
        assert not luhn_ok(f"80840{nine}{(digit + 1) % 10}")


# --- names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "middle", "last", "suffix", "credential", "shown"), [
    ("MARA", "", "QUILLFEATHER", "", "M.D.", "Mara Quillfeather, MD"),
    ("ANA", "LUISA", "DE LA CRUZ", "JR.", "M.D., PH.D.", "Ana L. De la Cruz Jr., MD, PhD"),
    ("SEAN", "", "O'NEIL-MCCOY", "III", "D.O.", "Sean O'Neil-McCoy III, DO"),
    ("LEE", "", "PARK", "", "", "Lee Park"),
    ("JO", "", "KIM", "", "APRN, FNP-C", "Jo Kim, APRN, FNP-C"),
])
def test_names_and_credentials_are_normalised_for_display(
    first: str, middle: str, last: str, suffix: str, credential: str, shown: str,
) -> None:
    assert display_name(first, middle, last, suffix, credentials(credential)) == shown


def test_credentials_are_split_deduplicated_and_dotless() -> None:
    assert credentials("MD PHD, M.D.") == ("MD", "PhD")
    assert credentials("M.D./PH.D.") == ("MD", "PhD")


def test_streets_keep_ordinals_and_unit_letters() -> None:
    assert name_case("200 W 2ND ST APT 12B") == "200 W 2nd St Apt 12B"


def test_phones_are_formatted_when_they_have_ten_digits() -> None:
    assert phone("4025550134") == "(402) 555-0134"
    assert phone("55501") == "55501"
    assert phone("") is None


# --- taxonomy -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "names"), [
    ("207L00000X", ("Anesthesiology",)),
    ("207LP2900X", ("Pain Medicine",)),  # a specialisation listed in nucc_also
    ("208VP0014X", ("Pain Medicine",)),
    ("2081P2900X", ("Pain Medicine",)),
    ("207LC0200X", ("Anesthesiology",)),  # Critical Care under Anesthesiology: its classification
    ("208600000X", ("General Surgery",)),  # shared with Bariatric/Endocrine Surgery, which are approximations
    ("2084N0400X", ("Neurology",)),
])
def test_codes_a_catalogue_specialty_covers_map_to_it(corpus: Corpus, code: str, names: tuple[str, ...]) -> None:
    assert TaxonomyMap(corpus.specialties).specialties(code) == (names, True)


def test_unmapped_codes_keep_their_nucc_name(corpus: Corpus) -> None:
    mapping = TaxonomyMap(corpus.specialties, display_names={"363LF0000X": "Family Nurse Practitioner"})
    assert mapping.specialties("363LF0000X") == (("Family Nurse Practitioner",), False)
    assert mapping.specialties("1041C0700X") == (("NUCC taxonomy 1041C0700X",), False)


# --- the CSV blocks (pyarrow, the csv module for blocks it cannot read line by line) -------------------


def blocks(text: bytes, *, wanted: tuple[int, ...] = (0, 1, 2), block_size: int = 1 << 20) -> list[Block]:
    handle = io.BytesIO(text)
    header = read_header(handle)
    return list(CsvBlocks(handle, header=header, wanted=wanted, block_size=block_size))


def read_back(found: list[Block]) -> list[tuple[int, list[str]]]:
    """(line, values of the wanted columns) per readable record."""
    out: list[tuple[int, list[str]]] = []
    for block in found:
        columns = [block.columns[i].to_pylist() for i in sorted(block.columns)]
        out += [(int(line), list(values)) for line, *values in zip(block.lines, *columns, strict=True)]
    return out


@pytest.mark.parametrize("text", [
    b'"a","b","c"\n"1","2","3"\n',
    b'"a","b","c"\r\n"1","2","3"\r\n',
    b'"a","b","c"\n"1","say ""hi""","3"\n"4","5","6"\n',
    b'"a","b","c"\n"1","x\ny","3"\n"4","5,5","6"\n',
    b'"a","b","c"\n1,2,3\n\n"4","","6"\n',
    b'"a","b","c"\n"1","2","3"',
])
def test_blocks_read_like_the_csv_module(text: bytes) -> None:
    expected = [row for row in csv.reader(io.StringIO(text.decode(), newline="")) if row][1:]
    assert [values for _, values in read_back(blocks(text))] == expected


def test_blocks_give_the_line_each_record_starts_on() -> None:
    text = b'"a","b"\n"1","x\ny"\n"2","z"\n\n"3","w"\n'
    assert [line for line, _ in read_back(blocks(text, wanted=(0, 1)))] == [2, 4, 6]


def test_small_blocks_are_cut_between_records_never_inside_quotes() -> None:
    rows = [f'"{n}","line one\nline ""two""\n",""' for n in range(200)]
    text = ('"a","b","c"\n' + "\n".join(rows) + "\n").encode()
    found = blocks(text, block_size=64)
    assert len(found) > 10
    assert [values[0] for _, values in read_back(found)] == [str(n) for n in range(200)]
    assert [line for line, _ in read_back(found)] == [2 + 3 * n for n in range(200)]


def test_records_that_cannot_be_read_are_reported_not_dropped() -> None:
    text = b'"a","b","c"\n"1","2","3"\n"2","3"\n"3","\xe9t\xe9","4"\n"4","5","6"\n'
    [block] = blocks(text)
    assert [values[0] for _, values in read_back([block])] == ["1", "4"]
    assert [(b.line, b.key, b.reason, b.column, b.value) for b in block.bad] == [
        (3, "2", "wrong column count", "(record)", "2 columns, expected 3"),
        (4, "3", "undecodable text", "b", "\\xe9t\\xe9"),
    ]
    assert block.rows == 4


def test_a_value_that_is_not_utf8_in_a_column_not_read_is_no_problem() -> None:
    text = b'"a","b","c"\n"1","\xe9","3"\n'
    [block] = blocks(text, wanted=(0, 2))
    assert read_back([block]) == [(2, ["1", "3"])] and block.bad == []


# --- the generator ------------------------------------------------------------------------------------


def test_generated_files_use_the_published_headers_and_valid_fictional_npis(tmp_path: Path) -> None:
    files = write_files(tmp_path, count=300, seed=5, zips=ZipTable.load().codes()[:500],
                        codes_by_taxonomy={"207L00000X": ["62273"]})
    with files.npi.open(newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == nppes_v2_header()
    assert all(len(r) == 330 for r in rows)
    npis = [r[0] for r in rows[1:]]
    assert all(is_valid_npi(n) and n.startswith("9") for n in npis)
    assert files.npi.read_text().startswith('"NPI","Entity Type Code"')


def test_the_generator_can_write_the_older_gender_header(tmp_path: Path) -> None:
    files = write_files(tmp_path, count=5, seed=5, zips=["68102"], codes_by_taxonomy={}, gender_header=True)
    header = files.npi.read_text().splitlines()[0]
    assert '"Provider Gender Code"' in header and "Provider Sex Code" not in header


def test_the_nucc_file_is_read_in_utf8_or_windows_1252(tmp_path: Path) -> None:
    from caremap.registry.taxonomy import load_display_names

    header = "Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\n"
    row = ("363LF0000X,Nursing,Nurse Practitioner,Family,A nurse\u2019s definition,,Family Nurse Practitioner,"
           "Individual\n")
    for encoding in ("utf-8", "cp1252"):
        path = tmp_path / f"nucc-{encoding}.csv"
        path.write_text(header + row, encoding=encoding)
        assert load_display_names(path) == {"363LF0000X": "Family Nurse Practitioner"}
