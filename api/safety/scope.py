"""Honest scope: does any catalogue procedure fit the query, is it a primary-care need, or nothing medical?

A logistic regression over the query's words and vector (``api.safety.features``), three classes.
Thresholds on the in-scope probability are chosen on out-of-fold predictions of the training texts (five
folds): below ``none_below`` nothing we cover matches; below ``low_below`` the procedures are offered only as
possibilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from api.safety.examples import IN_SCOPE, OUT_OF_SCOPE, PRIMARY_CARE
from api.safety.features import Features

NONE_FALSE_ABSTENTION = 0.01  # at most this share of in-scope training texts (out of fold) falls to "none"
LOW_SHARE = 0.10  # and at most this share below "high"
C = 3.0
FOLDS = 5

Fit = Literal["in_scope", "primary_care", "out_of_scope"]


@dataclass(frozen=True)
class ScopeReading:
    in_scope: float  # probability
    best_other: Fit  # primary_care or out_of_scope, whichever is likelier


@dataclass(frozen=True)
class ScopeDev:
    none_below: float
    low_below: float
    out_of_scope_abstained: float  # out of fold, at none_below
    primary_care_abstained: float
    in_scope_abstained: float


class ScopeClassifier:
    def __init__(self, features: Features, model: LogisticRegression, *, none_below: float, low_below: float,
                 dev: ScopeDev) -> None:
        self._features, self._model = features, model
        self.none_below, self.low_below, self.dev = none_below, low_below, dev
        self._classes = [str(c) for c in model.classes_]

    def read(self, text: str, vector: Sequence[float]) -> ScopeReading:
        decision = self._features.decision(self._model, self._features.blocks(text, vector))
        probabilities = dict(zip(self._classes, softmax(decision), strict=True))
        other: Fit = "primary_care" if probabilities[PRIMARY_CARE] >= probabilities[OUT_OF_SCOPE] else "out_of_scope"
        return ScopeReading(in_scope=float(probabilities[IN_SCOPE]), best_other=other)


def fit_scope(examples: Sequence[tuple[str, str]], vectors: dict[str, npt.NDArray[np.float32]]) -> ScopeClassifier:
    texts = [t for t, _ in examples]
    matrix = np.asarray([vectors[t] for t in texts], dtype=np.float32)
    labels = np.asarray([label for _, label in examples])
    p_in = np.zeros(len(texts))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(matrix, labels):
        features = Features().fit([texts[i] for i in train], matrix[train], labels[train])
        model = _model().fit(features.of([texts[i] for i in train], matrix[train]), labels[train])
        column = list(model.classes_).index(IN_SCOPE)
        p_in[test] = model.predict_proba(features.of([texts[i] for i in test], matrix[test]))[:, column]
    inside = np.sort(p_in[labels == IN_SCOPE])
    none_below = float(inside[int(np.floor(NONE_FALSE_ABSTENTION * len(inside)))])
    low_below = float(inside[int(np.floor(LOW_SHARE * len(inside)))])
    dev = ScopeDev(
        none_below=round(none_below, 4), low_below=round(low_below, 4),
        out_of_scope_abstained=float((p_in[labels == OUT_OF_SCOPE] < none_below).mean()),
        primary_care_abstained=float((p_in[labels == PRIMARY_CARE] < none_below).mean()),
        in_scope_abstained=float((inside < none_below).mean()),
    )
    features = Features().fit(texts, matrix, labels)
    return ScopeClassifier(features, _model().fit(features.of(texts, matrix), labels), none_below=none_below,
                           low_below=low_below, dev=dev)


def _model() -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
