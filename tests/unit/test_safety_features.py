"""The per-query scoring of the safety classifiers gives the fitted models' own numbers."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax
from sklearn.linear_model import LogisticRegression

from api.safety.features import Features

TEXTS = ["sudden worst headache of my life", "mild headache after screens", "chest pain spreading to my arm",
         "sore chest after lifting boxes", "cheap flights to denver", "flu shot near me", "knee hurts on stairs",
         "baby has a fever and won't wake", "toddler fever but playing", "pizza delivery open now"]
LABELS = ["e", "n", "e", "n", "o", "p", "n", "e", "n", "o"]


def vectors(n: int, seed: int = 3) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, 8)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_one_query_scored_from_its_blocks_matches_the_models_own_probabilities() -> None:
    features = Features().fit(TEXTS, vectors(len(TEXTS)), LABELS)
    x = features.of(TEXTS, vectors(len(TEXTS)))
    binary = LogisticRegression(C=3.0, max_iter=2000).fit(x, [label == "e" for label in LABELS])
    multi = LogisticRegression(C=3.0, max_iter=2000).fit(x, LABELS)
    queries = ["worst headache ever suddenly", "flights to boston", "fever baby", "zzzz qqqq",
               "Headache HEADACHE headache, worst!"]
    query_vectors = vectors(len(queries), seed=9)
    for q, v in zip(queries, query_vectors, strict=True):
        blocks = features.blocks(q, v)
        expected = features.of([q], v[None, :])
        assert np.isclose(expit(features.decision(binary, blocks)[0]), binary.predict_proba(expected)[0, 1])
        assert np.allclose(softmax(features.decision(multi, blocks)), multi.predict_proba(expected)[0])


def test_a_training_text_is_not_its_own_neighbour_but_a_new_query_equal_to_it_is_close() -> None:
    rows = vectors(len(TEXTS))
    features = Features().fit(TEXTS, rows, LABELS)
    neighbour_columns = slice(-len(set(LABELS)), None)
    training = features.of(TEXTS[:1], rows[:1]).toarray()[0, neighbour_columns]
    as_a_query = features.blocks(TEXTS[0], rows[0]).neighbours
    # "e" (the text's own class) is the first group: as a query the text finds itself (cosine 1 among its
    # nearest), as a training row it does not, so its closeness to its own class is lower there.
    assert as_a_query[0] > training[0]
    assert np.allclose(as_a_query[1:], training[1:])
