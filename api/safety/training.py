"""Train the safety classifiers at start-up, from the corpus and with the search's own query model.

The training texts are embedded once per corpus and model (a few thousand short texts); the fitted
classifiers are kept in ``<CAREMAP_HOME>/cache`` under a digest of the model, its precision, every training
text and the code that fits them (this package's modules, so a changed constant or layout never loads a stale
fit), so a restart with the same corpus loads them in well under a second.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn

from api.query_vectors import QueryVectors
from api.safety.detector import TriageDetector, fit_detector
from api.safety.examples import examples_from
from api.safety.scope import ScopeClassifier, fit_scope
from caremap.corpus.load import Corpus

log = logging.getLogger("caremap.safety")
_fitted: dict[str, Safety] = {}  # per process: several apps (tests) share one fit
_FITTING_CODE = b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))  # this package


@dataclass(frozen=True)
class Safety:
    detector: TriageDetector
    scope: ScopeClassifier


async def train_safety(corpus: Corpus, vectors: QueryVectors, *, model_key: str, cache_dir: Path | None) -> Safety:
    examples = examples_from(corpus)
    texts = examples.texts
    digest = hashlib.sha256(_FITTING_CODE + "\n".join([model_key, sklearn.__version__, *texts]).encode()
                            ).hexdigest()[:20]
    if digest in _fitted:
        return _fitted[digest]
    cached = cache_dir / f"safety-{digest}.pickle" if cache_dir else None
    if cached is not None and cached.exists():
        safety: Safety = pickle.loads(cached.read_bytes())  # noqa: S301 - our own file, keyed by its inputs
    else:
        log.info("training the safety classifiers on %d texts", len(texts))
        embedded = dict(zip(texts, (np.asarray(v, dtype=np.float32) for v in await vectors.embed_many(texts)),
                            strict=True))
        safety = Safety(
            detector=fit_detector(examples.triage, examples.planned, embedded, corpus.presentations,
                                  [n.text for n in corpus.near_misses]),
            scope=fit_scope(examples.scope, embedded),
        )
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".tmp")
            partial.write_bytes(pickle.dumps(safety))
            partial.replace(cached)
    _fitted[digest] = safety
    return safety
