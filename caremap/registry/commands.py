"""What the two CLI commands do, so that ``caremap/cli.py`` only declares their options."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from caremap.corpus.load import Corpus
from caremap.registry.generator import TAXONOMIES, GeneratedFiles, write_files
from caremap.registry.ingest import IngestFiles, IngestReport, ingest_nppes
from caremap.registry.records import code_slugs
from caremap.registry.taxonomy import TaxonomyMap
from caremap.registry.zips import ZipTable


def codes_by_taxonomy(corpus: Corpus, taxonomies: Iterable[tuple[str, float]]) -> dict[str, list[str]]:
    """For the generator: the billing codes of the catalogue procedures each taxonomy's specialties offer."""
    mapping = TaxonomyMap(corpus.specialties)
    by_slug: dict[str, list[str]] = {}
    for code, slug in code_slugs(corpus.articles).items():
        by_slug.setdefault(slug, []).append(code)
    out: dict[str, list[str]] = {}
    for taxonomy, _weight in taxonomies:
        names, mapped = mapping.specialties(taxonomy)
        if mapped:
            slugs = {e.slug for e in corpus.catalog if set(e.specialties) & set(names)}
            out[taxonomy] = sorted(c for s in slugs for c in by_slug.get(s, ()))
    return out


def run_ingest(files: IngestFiles, *, corpus_dir: Path, billed_only: bool, progress: bool) -> IngestReport:
    """Ingest and print the report (counts per reason and the first rejected rows) on stderr."""
    report = ingest_nppes(files, Corpus.load(corpus_dir), billed_only=billed_only, progress=progress)
    for r in report.examples:
        print(f"rejected: line {r.line}, NPI {r.npi!r}: {r.reason} ({r.column} = {r.value!r})", file=sys.stderr)
    if sum(report.rejected.values()) > len(report.examples):
        print(f"... all {sum(report.rejected.values())} rejected rows are in {report.rejections_file}", file=sys.stderr)
    print(json.dumps({"out": str(files.out), **report.summary()}, indent=2))
    return report


def run_generate(out: Path, *, count: int, seed: int, corpus_dir: Path, bad_every: int,
                 gender_header: bool) -> GeneratedFiles:
    corpus = Corpus.load(corpus_dir)
    generated = write_files(out, count=count, seed=seed, zips=ZipTable.load().codes(),
                            codes_by_taxonomy=codes_by_taxonomy(corpus, TAXONOMIES), bad_every=bad_every,
                            gender_header=gender_header)
    print(json.dumps({"npi": str(generated.npi), "locations": str(generated.locations),
                      "utilization": str(generated.utilization), "rows": generated.rows,
                      "utilization_rows": generated.utilization_rows}, indent=2))
    return generated
