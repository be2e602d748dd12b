"""The published layouts, read by header name: which columns a run needs and where they sit in this file.

Header names are compared after normalising case, spaces and punctuation, because the publishers' own
files disagree on spacing (``pl_pfile``'s "Address- Address Line 1" vs "Address -  Address Line 2").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TAXONOMY_SLOTS = 15


class LayoutError(ValueError):
    """A file's header is not the layout it was given as; nothing was written."""


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


@dataclass(frozen=True)
class Layout:
    """A published layout: the columns a run reads, each with the header spellings that name it."""

    label: str
    columns: Mapping[str, tuple[str, ...]]  # our key -> accepted header names, preferred first

    def resolve(self, header: Sequence[str], *, file: Path) -> dict[str, int]:
        """Column positions by our key; raise LayoutError naming every missing column."""
        positions = {normalise(name): i for i, name in enumerate(header)}
        found: dict[str, int] = {}
        missing: list[str] = []
        for key, names in self.columns.items():
            hit = next((positions[normalise(n)] for n in names if normalise(n) in positions), None)
            if hit is None:
                missing.append(" or ".join(repr(n) for n in names))
            else:
                found[key] = hit
        if missing:
            raise LayoutError(
                f"{file}: the header is not the {self.label} layout; missing columns: {', '.join(missing)} "
                f"(the header has {len(header)} columns, starting {list(header[:3])})"
            )
        return found


_PRACTICE = "Provider Business Practice Location Address"
NPPES = Layout(
    "NPPES data dissemination (npidata_pfile)",
    {
        "npi": ("NPI",),
        "entity": ("Entity Type Code",),
        "last": ("Provider Last Name (Legal Name)",),
        "first": ("Provider First Name",),
        "middle": ("Provider Middle Name",),
        "prefix": ("Provider Name Prefix Text",),
        "suffix": ("Provider Name Suffix Text",),
        "credential": ("Provider Credential Text",),
        "street1": ("Provider First Line Business Practice Location Address",),
        "street2": ("Provider Second Line Business Practice Location Address",),
        "city": (f"{_PRACTICE} City Name",),
        "state": (f"{_PRACTICE} State Name",),
        "postal": (f"{_PRACTICE} Postal Code",),
        "country": (f"{_PRACTICE} Country Code (If outside U.S.)",),
        "phone": (f"{_PRACTICE} Telephone Number",),
        "enumerated": ("Provider Enumeration Date",),
        "updated": ("Last Update Date",),
        "deactivated": ("NPI Deactivation Date",),
        "reactivated": ("NPI Reactivation Date",),
        "sex": ("Provider Sex Code", "Provider Gender Code"),
        **{f"tax{n}": (f"Healthcare Provider Taxonomy Code_{n}",) for n in range(1, TAXONOMY_SLOTS + 1)},
        **{f"primary{n}": (f"Healthcare Provider Primary Taxonomy Switch_{n}",)
           for n in range(1, TAXONOMY_SLOTS + 1)},
    },
)

_SECONDARY = "Provider Secondary Practice Location Address"
LOCATIONS = Layout(
    "NPPES secondary practice locations (pl_pfile)",
    {
        "npi": ("NPI",),
        "street1": (f"{_SECONDARY}- Address Line 1",),
        "street2": (f"{_SECONDARY}- Address Line 2",),
        "city": (f"{_SECONDARY} - City Name",),
        "state": (f"{_SECONDARY} - State Name",),
        "postal": (f"{_SECONDARY} - Postal Code",),
        "phone": (f"{_SECONDARY} - Telephone Number",),
    },
)

UTILIZATION = Layout(
    "Medicare Physician & Other Practitioners by Provider and Service",
    {
        "npi": ("Rndrng_NPI",),
        "code": ("HCPCS_Cd",),
        "place": ("Place_Of_Srvc",),
        "benes": ("Tot_Benes",),
        "services": ("Tot_Srvcs",),
    },
)

TAXONOMY = Layout(
    "NUCC Health Care Provider Taxonomy",
    {"code": ("Code",), "classification": ("Classification",), "specialization": ("Specialization",),
     "display": ("Display Name",)},
)


@cache
def nppes_v2_header() -> tuple[str, ...]:
    """The 330 column names of the V2 npidata_pfile, as published (kept beside this module)."""
    text = (Path(__file__).with_name("nppes_v2_header.txt")).read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


#: pl_pfile's header as CMS ships it, irregular spacing included.
LOCATIONS_HEADER: tuple[str, ...] = (
    "NPI",
    f"{_SECONDARY}- Address Line 1",
    f"{_SECONDARY}-  Address Line 2",
    f"{_SECONDARY} - City Name",
    f"{_SECONDARY} - State Name",
    f"{_SECONDARY} - Postal Code",
    f"{_SECONDARY} - Country Code (If outside U.S.)",
    f"{_SECONDARY} - Telephone Number",
    f"{_SECONDARY} - Telephone Extension",
    f"{_SECONDARY} - Fax Number",
)

#: The by-provider-and-service header for data year 2023.
UTILIZATION_HEADER: tuple[str, ...] = (
    "Rndrng_NPI", "Rndrng_Prvdr_Last_Org_Name", "Rndrng_Prvdr_First_Name", "Rndrng_Prvdr_MI",
    "Rndrng_Prvdr_Crdntls", "Rndrng_Prvdr_Ent_Cd", "Rndrng_Prvdr_St1", "Rndrng_Prvdr_St2", "Rndrng_Prvdr_City",
    "Rndrng_Prvdr_State_Abrvtn", "Rndrng_Prvdr_State_FIPS", "Rndrng_Prvdr_Zip5", "Rndrng_Prvdr_RUCA",
    "Rndrng_Prvdr_RUCA_Desc", "Rndrng_Prvdr_Cntry", "Rndrng_Prvdr_Type", "Rndrng_Prvdr_Mdcr_Prtcptg_Ind",
    "HCPCS_Cd", "HCPCS_Desc", "HCPCS_Drug_Ind", "Place_Of_Srvc", "Tot_Benes", "Tot_Srvcs", "Tot_Bene_Day_Srvcs",
    "Avg_Sbmtd_Chrg", "Avg_Mdcr_Alowd_Amt", "Avg_Mdcr_Pymt_Amt", "Avg_Mdcr_Stdzd_Amt",
)
