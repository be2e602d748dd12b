"""Fictional files in the published layouts (NPPES npidata_pfile with the full V2 header, pl_pfile, Medicare
by provider and service) for tests and benchmarks.

People, streets and phone numbers are invented (Faker name pools, 555-01xx numbers); ZIP codes are real so
that rows can be placed. NPIs carry a valid check digit but start with 9, a leading digit CMS has not issued,
so a generated NPI is never a real clinician's.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from faker import Faker

from caremap.registry.layouts import LOCATIONS_HEADER, UTILIZATION_HEADER, nppes_v2_header
from caremap.registry.npi import check_digit

#: Taxonomies to draw from: codes the corpus maps (some via specialisations) and codes it does not.
TAXONOMIES: tuple[tuple[str, float], ...] = (
    ("207Q00000X", 12), ("207R00000X", 12), ("208000000X", 6), ("207L00000X", 4), ("207LP2900X", 1),
    ("208VP0000X", 0.6), ("208VP0014X", 0.4), ("2081P2900X", 0.3), ("207N00000X", 1.2), ("207X00000X", 2),
    ("207W00000X", 1.8), ("207RG0100X", 1.5), ("2084N0400X", 1.4), ("2085R0204X", 0.4), ("2085R0202X", 2.5),
    ("208600000X", 2.5), ("207V00000X", 4), ("208800000X", 1), ("207RC0000X", 2), ("207RG0300X", 0.5),
    ("363LF0000X", 8), ("363LA2200X", 2), ("367500000X", 3), ("163W00000X", 6), ("1041C0700X", 3),
    ("225100000X", 3), ("122300000X", 4), ("152W00000X", 1.5),
)
#: What a billed provider's utilisation rows hold besides catalogue codes (office visits and the like).
OTHER_CODES: tuple[str, ...] = ("99213", "99214", "99203", "99232", "G0439", "36415", "J1100", "20610")
CREDENTIALS: tuple[str, ...] = ("M.D.", "MD", "D.O.", "M.D., PH.D.", "MD PHD", "NP", "APRN, FNP-C", "CRNA", "")
BadKind = Literal["malformed NPI", "unknown ZIP", "missing taxonomy"]
BAD_KINDS: tuple[BadKind, ...] = ("malformed NPI", "unknown ZIP", "missing taxonomy")
_POOL = 2000


@dataclass(frozen=True)
class GeneratedFiles:
    npi: Path
    locations: Path
    utilization: Path
    rows: int
    utilization_rows: int


def _date(rng: random.Random, year: int) -> str:
    return f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{year}"


def fictional_npi(n: int) -> str:
    nine = f"9{n:08d}"
    return nine + str(check_digit(nine))


class _Pools:
    def __init__(self, seed: int, zips: Sequence[str], taxonomies: Sequence[tuple[str, float]]) -> None:
        fake = Faker("en_US")
        fake.seed_instance(seed)
        self.first_f = [fake.first_name_female().upper() for _ in range(_POOL)]
        self.first_m = [fake.first_name_male().upper() for _ in range(_POOL)]
        self.last = [fake.last_name().upper() for _ in range(_POOL)]
        self.streets = [fake.street_address().upper() for _ in range(_POOL)]
        self.companies = [fake.company().upper() for _ in range(_POOL)]
        self.zips = list(zips)
        codes, weights = zip(*taxonomies, strict=True)
        self.codes: tuple[str, ...] = codes
        self.weights: tuple[float, ...] = weights


class NppesGenerator:
    """Rows in the V2 layout (``gender_header`` writes the older "Provider Gender Code" name instead)."""

    def __init__(self, *, seed: int, zips: Sequence[str], codes_by_taxonomy: Mapping[str, Sequence[str]],
                 bad_every: int = 0, gender_header: bool = False,
                 taxonomies: Sequence[tuple[str, float]] = TAXONOMIES) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not security
        self.pools = _Pools(seed, zips, taxonomies)
        self.header = list(nppes_v2_header())
        if gender_header:
            self.header[self.header.index("Provider Sex Code")] = "Provider Gender Code"
        self.at = {name: i for i, name in enumerate(self.header)}
        self.sex_at = self.at.get("Provider Sex Code", self.at.get("Provider Gender Code", 0))
        self.codes_by_taxonomy = codes_by_taxonomy
        self.bad_every = bad_every

    def rows(self, count: int) -> Iterator[tuple[list[str], tuple[str, str] | None]]:
        """(row, (NPI, primary taxonomy) of an individual who may bill Medicare, or None)."""
        for n in range(1, count + 1):
            yield self._row(n)

    def _row(self, n: int) -> tuple[list[str], tuple[str, str] | None]:
        rng, p, at = self.rng, self.pools, self.at
        row = [""] * len(self.header)
        npi = fictional_npi(n)
        row[at["NPI"]] = npi
        roll = rng.random()
        if roll < 0.002:  # deactivated: CMS blanks the rest of the row
            row[at["NPI Deactivation Date"]] = f"{rng.randint(1, 12):02d}/15/20{rng.randint(10, 24)}"
            return row, None
        individual = roll >= 0.22
        row[at["Entity Type Code"]] = "1" if individual else "2"
        zip_code = rng.choice(p.zips) + f"{rng.randint(0, 9999):04d}"
        self._address(row, zip_code)
        row[at["Provider Enumeration Date"]] = _date(rng, rng.randint(2005, 2024))
        row[at["Last Update Date"]] = _date(rng, 2025)
        if roll < 0.004:  # deactivated and reactivated later: listed
            row[at["NPI Deactivation Date"]] = "03/01/2019"
            row[at["NPI Reactivation Date"]] = "06/01/2019"
        if individual:
            self._person(row)
        else:
            row[at["Provider Organization Name (Legal Business Name)"]] = rng.choice(p.companies)
        primary = self._taxonomies(row)
        if self.bad_every and n % self.bad_every == 0 and individual:
            self._spoil(row, BAD_KINDS[(n // self.bad_every) % len(BAD_KINDS)])
            return row, None
        return row, ((npi, primary) if individual else None)

    def _person(self, row: list[str]) -> None:
        rng, p, at = self.rng, self.pools, self.at
        sex = rng.choice("FFMMX")
        first = rng.choice(p.first_m if sex == "M" else p.first_f)
        row[at["Provider Last Name (Legal Name)"]] = rng.choice(p.last)
        row[at["Provider First Name"]] = first
        row[at["Provider Middle Name"]] = rng.choice(("", "", p.first_m[0][:1], rng.choice(p.first_f)))
        row[at["Provider Credential Text"]] = rng.choice(CREDENTIALS)
        row[at["Provider Name Suffix Text"]] = rng.choice(("",) * 30 + ("JR.", "III"))
        row[self.sex_at] = sex

    def _address(self, row: list[str], zip_code: str) -> None:
        rng, p, at = self.rng, self.pools, self.at
        street, phone = rng.choice(p.streets), f"{rng.randint(201, 989)}55501{rng.randint(0, 99):02d}"
        for kind in ("Mailing", "Practice Location"):
            row[at[f"Provider First Line Business {kind} Address"]] = street
            row[at[f"Provider Business {kind} Address City Name"]] = ""  # the reader falls back on the ZIP's
            row[at[f"Provider Business {kind} Address Postal Code"]] = zip_code
            row[at[f"Provider Business {kind} Address Country Code (If outside U.S.)"]] = "US"
            row[at[f"Provider Business {kind} Address Telephone Number"]] = phone

    def _taxonomies(self, row: list[str]) -> str:
        rng, p, at = self.rng, self.pools, self.at
        count = rng.choice((1, 1, 1, 2, 2, 3))
        codes = list(dict.fromkeys(rng.choices(p.codes, weights=p.weights, k=count)))
        primary = rng.randrange(len(codes))
        for slot, code in enumerate(codes, start=1):
            row[at[f"Healthcare Provider Taxonomy Code_{slot}"]] = code
            row[at[f"Healthcare Provider Primary Taxonomy Switch_{slot}"]] = "Y" if slot - 1 == primary else "N"
            row[at[f"Provider License Number_{slot}"]] = f"L{rng.randint(10000, 99999)}"
        return codes[primary]

    def _spoil(self, row: list[str], kind: BadKind) -> None:
        at = self.at
        if kind == "malformed NPI":
            npi = row[at["NPI"]]
            row[at["NPI"]] = npi[:9] + str((int(npi[9]) + 1) % 10)
        elif kind == "unknown ZIP":
            row[at["Provider Business Practice Location Address Postal Code"]] = "000000000"
        else:
            for slot in range(1, 16):
                row[at[f"Healthcare Provider Taxonomy Code_{slot}"]] = ""
                row[at[f"Healthcare Provider Primary Taxonomy Switch_{slot}"]] = ""

    def utilization_rows(self, npi: str, taxonomy: str) -> Iterator[list[str]]:
        """Claims of one provider (about one in five): office visits and up to two codes of catalogue procedures
        its specialty offers."""
        rng = self.rng
        if rng.random() > 0.2:
            return
        own = self.codes_by_taxonomy.get(taxonomy, ())
        codes = rng.sample(OTHER_CODES, 2) + rng.sample(list(own), min(len(own), rng.choice((1, 1, 2))))
        for code in codes:
            for place in ("O", "F") if rng.random() < 0.3 else (rng.choice("OF"),):
                benes = rng.randint(11, 400)
                services = round(benes * rng.uniform(1.0, 2.5), 1)
                row = [""] * len(UTILIZATION_HEADER)
                row[0], row[5], row[14], row[15] = npi, "I", "US", "Anesthesiology"
                row[17], row[18], row[19], row[20] = code, "Procedure", "N", place
                row[21], row[22], row[23] = str(benes), str(services), str(benes)
                row[24] = f"{rng.uniform(50, 900):.2f}"
                yield row


def write_files(out: Path, *, count: int, seed: int, zips: Sequence[str],
                codes_by_taxonomy: Mapping[str, Sequence[str]], bad_every: int = 0,
                gender_header: bool = False, taxonomies: Sequence[tuple[str, float]] = TAXONOMIES) -> GeneratedFiles:
    """npidata_pfile, pl_pfile (a secondary location for ~3% of individuals) and the utilisation file."""
    out.mkdir(parents=True, exist_ok=True)
    gen = NppesGenerator(seed=seed, zips=zips, codes_by_taxonomy=codes_by_taxonomy, bad_every=bad_every,
                         gender_header=gender_header, taxonomies=taxonomies)
    npi_path = out / "npidata_pfile_20050523-20260309.csv"
    loc_path = out / "pl_pfile_20050523-20260309.csv"
    util_path = out / "MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv"
    util_rows = 0
    with (npi_path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as npi_f,
          loc_path.open("w", encoding="utf-8", newline="") as loc_f,
          util_path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as util_f):
        npi_w = csv.writer(npi_f, quoting=csv.QUOTE_ALL)
        loc_w = csv.writer(loc_f, quoting=csv.QUOTE_ALL)
        util_w = csv.writer(util_f, quoting=csv.QUOTE_MINIMAL)
        npi_w.writerow(gen.header)
        loc_w.writerow(LOCATIONS_HEADER)
        util_w.writerow(UTILIZATION_HEADER)
        for row, billable in gen.rows(count):
            npi_w.writerow(row)
            if billable is None:
                continue
            npi, taxonomy = billable
            for claim in gen.utilization_rows(npi, taxonomy):
                util_w.writerow(claim)
                util_rows += 1
            if gen.rng.random() < 0.03:
                loc_w.writerow([npi, gen.rng.choice(gen.pools.streets), "SUITE 200", "", "",
                                gen.rng.choice(gen.pools.zips), "US", "3085550199", "", ""])
    return GeneratedFiles(npi_path, loc_path, util_path, count, util_rows)
