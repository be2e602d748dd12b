"""Fixtures of the unit tier: the corpus as loaded, and a scratch copy of it to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from caremap.corpus.load import Corpus
from caremap.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(CORPUS)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target, ignore=shutil.ignore_patterns("providers"))
    return target
