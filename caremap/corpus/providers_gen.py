"""A deterministic, seeded generator of clearly fictional provider profiles, streamed one record at a time.

Every record says ``fictional: true``. Names and streets come from Faker (seeded), places and ZIP codes are
real, plan names are invented, phone numbers use the 555-01xx range reserved for fiction.

    python -m caremap.corpus.providers_gen sample                 # rewrite corpus/providers/sample.jsonl
    python -m caremap.corpus.providers_gen national --out /tmp/national.jsonl   # make run's default data
    python -m caremap.corpus.providers_gen generate --count 1000000 --out /tmp/gen.jsonl
"""


from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from caremap.corpus.directory.national import generate_providers, national_providers
from caremap.corpus.directory.sample import sample_providers
from caremap.corpus.load import _load_yaml_records, load_catalog
from caremap.corpus.schemas import Place, Provider, Specialty
from caremap.places import Gazetteer

__all__ = ["generate_providers", "main", "national_providers", "sample_providers", "write_jsonl"]


def write_jsonl(records: Iterable[Provider], path: Path) -> int:
    """Write one JSON object per line to a temporary file, then rename it over ``path``; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            for record in records:
                out.write(record.model_dump_json())
                out.write("\n")
                count += 1
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


# --- command line ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caremap.corpus.providers_gen", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "corpus")
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="rewrite the committed sample")
    sample.add_argument("--out", type=Path, default=None)
    national = commands.add_parser("national", help="write the national directory (make run's default data)")
    national.add_argument("--out", type=Path, required=True)
    generate = commands.add_parser("generate", help="stream COUNT records to OUT")
    generate.add_argument("--count", type=int, required=True)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--out", type=Path, required=True)
    generate.add_argument("--id-prefix", default="gen")
    args = parser.parse_args(argv)

    root: Path = args.corpus
    specialties = _load_yaml_records([root / "specialties.yaml"], Specialty, "name")
    catalog = load_catalog(root / "catalog.tsv")
    places = _load_yaml_records([root / "places.yaml"], Place, "slug")
    gazetteer = Gazetteer.load(places)
    if args.command == "national":
        out = args.out
        written = write_jsonl(
            national_providers(catalog=catalog, specialties=specialties, gazetteer=gazetteer, corpus_places=places),
            out,
        )
    elif args.command == "sample":
        out = args.out or root / "providers" / "sample.jsonl"
        written = write_jsonl(
            sample_providers(
                catalog=catalog, specialties=specialties, gazetteer=gazetteer, corpus_places=places
            ),
            out,
        )
    else:
        out = args.out
        written = write_jsonl(
            generate_providers(
                count=args.count,
                seed=args.seed,
                catalog=catalog,
                specialties=specialties,
                gazetteer=gazetteer,
                id_prefix=args.id_prefix,
            ),
            out,
        )
    print(f"wrote {written} providers to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
