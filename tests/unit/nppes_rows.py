"""Small files in the exact published layouts (the full 330-column NPPES V2 header), written by the tests."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from caremap.registry.layouts import LOCATIONS_HEADER, UTILIZATION_HEADER, nppes_v2_header
from caremap.registry.npi import check_digit

PRACTICE = "Provider Business Practice Location Address"


def npi(n: int) -> str:
    nine = f"1{n:08d}"
    return nine + str(check_digit(nine))


def person(n: int, **overrides: str) -> dict[str, str]:
    """An active individual in Omaha (ZIP+4 without hyphen), one primary taxonomy (Anesthesiology)."""
    row = {
        "NPI": npi(n), "Entity Type Code": "1", "Provider Last Name (Legal Name)": "QUILLFEATHER",
        "Provider First Name": "MARA", "Provider Credential Text": "M.D.",
        "Provider First Line Business Mailing Address": "PO BOX 1",
        "Provider Business Mailing Address Postal Code": "100011234",
        "Provider First Line Business Practice Location Address": "1200 DOUGLAS ST",
        f"{PRACTICE} City Name": "OMAHA", f"{PRACTICE} State Name": "NE", f"{PRACTICE} Postal Code": "681021234",
        f"{PRACTICE} Telephone Number": "4025550134", "Provider Enumeration Date": "05/23/2007",
        "Last Update Date": "07/08/2025", "Provider Sex Code": "F",
        "Healthcare Provider Taxonomy Code_1": "207L00000X", "Healthcare Provider Primary Taxonomy Switch_1": "Y",
    }
    row.update(overrides)
    return row


def write_nppes(path: Path, rows: Sequence[Mapping[str, str]], *, header: Sequence[str] | None = None) -> Path:
    names = list(header or nppes_v2_header())
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, quoting=csv.QUOTE_ALL)
        out.writerow(names)
        for row in rows:
            unknown = set(row) - set(names)
            assert not unknown, f"not in the header: {unknown}"
            out.writerow([row.get(name, "") for name in names])
    return path


def write_utilization(path: Path, claims: Sequence[tuple[str, str, str, str]]) -> Path:
    """(NPI, HCPCS code, place of service, Tot_Srvcs) rows in the 2023 layout."""
    at = {name: i for i, name in enumerate(UTILIZATION_HEADER)}
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(UTILIZATION_HEADER)
        for number, code, place, services in claims:
            row = [""] * len(UTILIZATION_HEADER)
            row[at["Rndrng_NPI"]], row[at["HCPCS_Cd"]], row[at["Place_Of_Srvc"]] = number, code, place
            row[at["Tot_Benes"]], row[at["Tot_Srvcs"]] = "11", services
            out.writerow(row)
    return path


def write_locations(path: Path, rows: Sequence[tuple[str, str, str, str]]) -> Path:
    """(NPI, street, state, postal code) rows with pl_pfile's irregular header."""
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, quoting=csv.QUOTE_ALL)
        out.writerow(LOCATIONS_HEADER)
        for number, street, state, postal in rows:
            out.writerow([number, street, "", "", state, postal, "US", "4025550100", "", ""])
    return path
