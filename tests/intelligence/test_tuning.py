"""TextClassifier.train_tuned: options chosen by cross-validation on the training texts alone,
the defaults kept on too little data or a gain the folds cannot tell from noise."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest

from mehvar.intelligence.textmodels import (
    DEFAULT_OPTIONS,
    TextClassifier,
    _hash,
    tune,
    tuning_grid,
)
from tests.intelligence.test_textmodels import LABELS, TEXTS
from tests.intelligence.test_textmodels import OPTIONS as TINY

OPTIONS: dict[str, Any] = dict(TINY)
SETTINGS = {**DEFAULT_OPTIONS, **OPTIONS}


def test_tune_scores_every_candidate_in_every_fold() -> None:
    chosen, scores = tune(_hash(SETTINGS, TEXTS), LABELS, SETTINGS, metric="macro_f1")
    grid = tuning_grid(SETTINGS, 2)
    assert grid[0] == {}
    assert len(grid) == 12  # 3 C × 2 class weights × NB or not
    assert scores.shape == (3, len(grid))
    assert ((scores >= 0) & (scores <= 1)).all()
    assert any(all(chosen[name] == value for name, value in candidate.items())
               for candidate in grid)


def test_a_tie_keeps_the_first_candidate() -> None:
    grid: list[dict[str, Any]] = [{}, {"c": SETTINGS["c"]}]
    chosen, scores = tune(_hash(SETTINGS, TEXTS), LABELS, SETTINGS, grid=grid)
    assert chosen == SETTINGS
    assert np.array_equal(scores[:, 0], scores[:, 1])


def test_train_tuned_predicts_and_round_trips() -> None:
    model = TextClassifier.train_tuned(TEXTS, LABELS, **OPTIONS)
    assert [prediction.label for prediction in model.predict(TEXTS)] == LABELS
    loaded = TextClassifier.from_bytes(model.to_bytes())
    assert loaded.options == model.options
    assert np.allclose(loaded.probabilities(TEXTS), model.probabilities(TEXTS), atol=1e-6)


def test_too_few_examples_for_the_folds_keep_the_options() -> None:
    texts, labels = TEXTS[:2] + TEXTS[-3:], LABELS[:2] + LABELS[-3:]  # 2 positive, 3 negative
    chosen, scores = tune(_hash(SETTINGS, texts), labels, SETTINGS)
    assert chosen == SETTINGS
    assert scores.size == 0
    model = TextClassifier.train_tuned(texts, labels, **OPTIONS)
    assert model.options == SETTINGS
    with pytest.raises(ValueError, match="Unknown option"):
        TextClassifier.train_tuned(TEXTS, LABELS, colour="red")


def test_nb_weighting_and_a_classifier_stored_before_it() -> None:
    model = TextClassifier.train(TEXTS, LABELS, nb=True, **OPTIONS)
    assert [prediction.label for prediction in model.predict(TEXTS)] == LABELS
    with np.load(io.BytesIO(model.to_bytes()), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["header"].tobytes())
    del header["options"]["nb"]
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    assert TextClassifier.from_bytes(buffer.getvalue()).options["nb"] is False
