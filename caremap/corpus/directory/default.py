"""The default data `caremap run` serves: the national directory, generated once (fixed seed) into the cache."""

from __future__ import annotations

from pathlib import Path

from caremap.corpus.directory.national import NATIONAL_SEED, national_providers
from caremap.settings import Settings

#: Bump when the generator's output changes, so that a cached file from an older generator is not reused.
DIRECTORY_VERSION = "v2"  # v2: every specialty in every metro area


def national_directory_file(settings: Settings) -> Path:
    """The national directory's path under CAREMAP_HOME, written first if it is not there yet (~10 s)."""
    from caremap.corpus.load import Corpus
    from caremap.corpus.providers_gen import write_jsonl
    from caremap.places import Gazetteer

    path = settings.home / "providers" / f"national-{DIRECTORY_VERSION}-seed{NATIONAL_SEED}.jsonl"
    if not path.is_file():
        corpus = Corpus.load(settings.corpus_dir)
        write_jsonl(national_providers(catalog=corpus.catalog, specialties=corpus.specialties,
                                       gazetteer=Gazetteer.load(corpus.places), corpus_places=corpus.places), path)
    return path
