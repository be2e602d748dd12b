"""What the safety classifiers see of a query: its words and character n-grams (TF-IDF, so that "sudden",
"worst" or "cant breathe" count even misspelt), its sentence embedding (the search's own vector), and how
close it comes to each class of the training texts (the mean cosine of its nearest few in each).

The last block is what lets a linear model separate "sudden worst headache" from "headache after screens":
both sit near the same direction of the embedding, but each lies among texts of its own kind. A training text
is never its own neighbour (texts equal to it are left out), so training sees what a new query will see.

Training builds the whole matrix (``of``); a search scores one query straight from its terms (``decision``):
the TF-IDF weights of the few terms a query has (the vectorizers' own analyzers, vocabularies and idf; the two
classifiers share one analysis of the text) times those columns of a fitted linear model's weights, plus its
vector and its neighbour block times the rest — the same numbers as the model's own ``decision_function``
without sparse matrices or per-call checks (a unit test compares the two)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

EMBEDDING_WEIGHT = 2.0  # the embedding's share against the TF-IDF blocks (each row of those has unit norm)
NEIGHBOURS = 5  # nearest training texts per class whose cosines are averaged
NEIGHBOUR_WEIGHT = 3.0  # the neighbour block's scale against the others
# Chosen on the dev sets (safety-heldout.yaml and -2.yaml, both read by then): with the block, 98% emergency
# recall came with 10% of near-misses flagged instead of 29%, and out-of-scope abstention at 2% false
# abstention rose from 0.81 to 0.99; k of 3, 5 or 10 and weights of 1 to 12 were within a query of each other.
# Finding them in the training vectors' 96 or 192 main directions (SVD) instead of all 384 was tried in session
# 21 (dev sets 1-4): half or a quarter of the product's time, but at 96 more near-misses flagged (0.035 against
# 0.021) and fewer out-of-scope abstentions (0.929 against 0.947); 192 came within a query of 384. Not kept.


@dataclass(frozen=True)
class Blocks:
    """One query's features: the columns and TF-IDF values of its terms, its (weighted) vector and its
    (weighted) closeness to each class."""

    columns: npt.NDArray[np.intp]
    values: npt.NDArray[np.float64]
    vector: npt.NDArray[np.float32]
    neighbours: npt.NDArray[np.float32]


def _terms(terms: Sequence[str], vocabulary: dict[str, int], idf: npt.NDArray[np.float64],
           offset: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Columns and values of ``vectorizer.transform([text])`` (sublinear tf, idf, l2 norm) from the text's
    analysed terms, shifted by offset."""
    counts: dict[int, int] = {}
    for term in terms:
        column = vocabulary.get(term)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[columns]
    norm = float(np.sqrt(values @ values))
    return columns + offset, values / norm if norm else values


WORDS = {"ngram_range": (1, 2), "sublinear_tf": True}
CHARACTERS = {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True, "min_df": 2}
_analyse_words = TfidfVectorizer(**WORDS).build_analyzer()
_analyse_characters = TfidfVectorizer(**CHARACTERS).build_analyzer()


@lru_cache(maxsize=64)
def _analysed(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The query's terms as both vectorizers see them (each classifier asks; the text is analysed once)."""
    return tuple(_analyse_words(text)), tuple(_analyse_characters(text))


class Features:
    def __init__(self) -> None:
        self._words = TfidfVectorizer(**WORDS)
        self._chars = TfidfVectorizer(**CHARACTERS)
        self._positions: dict[str, list[int]] = {}  # rows of each training text in the reference
        self._reference: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)  # training vectors by class
        self._classes: list[slice] = []  # each class's rows in the reference

    def fit(self, texts: Sequence[str], vectors: npt.NDArray[np.float32], labels: Iterable[object]) -> Features:
        """Learn the vocabularies from ``texts`` and keep their vectors, grouped by label, as the neighbours."""
        self._words.fit(list(texts))
        self._chars.fit(list(texts))
        keys = np.asarray([str(label) for label in labels])
        order = np.argsort(keys, kind="stable")
        self._reference = np.ascontiguousarray(vectors[order], dtype=np.float32)
        self._positions = {}
        for row, original in enumerate(order):
            self._positions.setdefault(texts[original], []).append(row)
        starts = [int(i) for i in np.searchsorted(keys[order], sorted(set(keys)))]
        self._classes = [slice(a, b) for a, b in zip(starts, [*starts[1:], len(keys)], strict=True)]
        return self

    def of(self, texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> csr_matrix:
        """The feature matrix of many texts; a text equal to a training text is not its own neighbour."""
        similarity = vectors @ self._reference.T
        for row, text in enumerate(texts):
            similarity[row, self._positions.get(text, [])] = -1.0
        return hstack([self._words.transform(list(texts)), self._chars.transform(list(texts)),
                       csr_matrix(vectors * EMBEDDING_WEIGHT), csr_matrix(self._closeness(similarity))]).tocsr()

    def blocks(self, text: str, vector: Sequence[float]) -> Blocks:
        (word_terms, char_terms), words, chars = _analysed(text), self._words, self._chars
        word_columns, word_values = _terms(word_terms, words.vocabulary_, words.idf_, 0)
        char_columns, char_values = _terms(char_terms, chars.vocabulary_, chars.idf_, len(words.vocabulary_))
        query = np.fromiter(vector, dtype=np.float32, count=self._reference.shape[1])
        return Blocks(columns=np.concatenate([word_columns, char_columns]),
                      values=np.concatenate([word_values, char_values]),
                      vector=query * EMBEDDING_WEIGHT,
                      neighbours=self._closeness((self._reference @ query)[None, :])[0])

    def decision(self, model: LogisticRegression, blocks: Blocks) -> npt.NDArray[np.float64]:
        """``model.decision_function`` of one query (one value per class; one value for a binary model)."""
        coef = model.coef_
        start = len(self._words.vocabulary_) + len(self._chars.vocabulary_)
        end = start + len(blocks.vector)
        total: npt.NDArray[np.float64] = (coef[:, blocks.columns] @ blocks.values + coef[:, start:end] @ blocks.vector
                                          + coef[:, end:] @ blocks.neighbours + model.intercept_)
        return total

    def _closeness(self, similarity: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
        """Per row, the mean of the NEIGHBOURS highest similarities within each class, weighted."""
        columns = []
        for rows in self._classes:
            within = similarity[:, rows]
            k = min(NEIGHBOURS, within.shape[1])
            columns.append(np.partition(within, within.shape[1] - k, axis=1)[:, -k:].mean(axis=1))
        return np.stack(columns, axis=1).astype(np.float32) * NEIGHBOUR_WEIGHT
