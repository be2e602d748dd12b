"""What the safety classifiers see of a query: its words and character n-grams (TF-IDF, so that "sudden",
"worst" or "cant breathe" count even misspelt) next to its sentence embedding (the search's own vector).

Training builds the whole matrix (``of``); a search scores one query straight from its terms (``decision``):
the TF-IDF weights of the few terms a query has (the vectorizers' own analyzers, vocabularies and idf) times
those columns of a fitted linear model's weights, plus its vector times the rest — the same numbers as the
model's own ``decision_function``, in a tenth of the time (no sparse matrices, no per-call checks; a unit test
compares the two)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

EMBEDDING_WEIGHT = 2.0  # the embedding's share against the TF-IDF blocks (each row of those has unit norm)


@dataclass(frozen=True)
class Blocks:
    """One query's features: the columns and TF-IDF values of its terms, and its (weighted) vector."""

    columns: npt.NDArray[np.intp]
    values: npt.NDArray[np.float64]
    vector: npt.NDArray[np.float32]


def _terms(vectorizer: TfidfVectorizer, text: str, offset: int) -> tuple[list[int], list[float]]:
    """Columns and values of ``vectorizer.transform([text])`` (sublinear tf, idf, l2 norm), shifted by offset."""
    counts: dict[int, int] = {}
    vocabulary = vectorizer.vocabulary_
    for term in vectorizer.build_analyzer()(text):
        column = vocabulary.get(term)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    columns = list(counts)
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(columns)))) * vectorizer.idf_[
        columns]
    norm = float(np.sqrt(values @ values))
    return [c + offset for c in columns], list(values / norm) if norm else []


class Features:
    def __init__(self) -> None:
        self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)

    def fit(self, texts: Sequence[str]) -> Features:
        self._words.fit(list(texts))
        self._chars.fit(list(texts))
        return self

    def of(self, texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> csr_matrix:
        return hstack([self._words.transform(list(texts)), self._chars.transform(list(texts)),
                       csr_matrix(vectors * EMBEDDING_WEIGHT)]).tocsr()

    def blocks(self, text: str, vector: Sequence[float]) -> Blocks:
        word_columns, word_values = _terms(self._words, text, 0)
        char_columns, char_values = _terms(self._chars, text, len(self._words.vocabulary_))
        return Blocks(columns=np.asarray(word_columns + char_columns, dtype=np.intp),
                      values=np.asarray(word_values + char_values, dtype=np.float64),
                      vector=np.asarray(vector, dtype=np.float32) * EMBEDDING_WEIGHT)

    def decision(self, model: LogisticRegression, blocks: Blocks) -> npt.NDArray[np.float64]:
        """``model.decision_function`` of one query (one value per class; one value for a binary model)."""
        coef = model.coef_
        text_columns = len(self._words.vocabulary_) + len(self._chars.vocabulary_)
        total: npt.NDArray[np.float64] = (coef[:, blocks.columns] @ blocks.values
                                          + coef[:, text_columns:] @ blocks.vector + model.intercept_)
        return total
