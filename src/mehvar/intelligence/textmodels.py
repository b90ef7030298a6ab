"""Text classifiers that run on a CPU with no downloaded weights: hashed character and word
n-grams of `core.text.model_text` and a linear model.

Features: every text is normalised (`model_text`), cut into character n-grams inside word
boundaries (sklearn's `char_wb`: each word padded with a space) and into word n-grams, and the
n-grams are hashed into `n_features` columns (no vocabulary to fit or store). Columns seen in
fewer than `min_df` training texts are dropped; the rest get a sublinear term frequency
(1 + log tf), an inverse document frequency fitted on the training texts, and unit L2 norm.
Model: multinomial logistic regression (probabilities come with it).

A trained classifier serialises to a compressed `.npz` (`to_bytes`) holding a JSON header
(format, version, options, classes) and numeric arrays only: the kept column numbers, the IDF
of each, and the weights (float16) — no pickle anywhere, so loading foreign bytes cannot run
code, and `from_bytes` checks everything it reads.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

from mehvar.core.text import model_text

FORMAT = "mehvar.textclassifier"
VERSION = 1
UNKNOWN = "unknown"
MAX_TEXT_CHARS = 2_000  # a longer message is read from its start only

DEFAULT_OPTIONS: dict[str, Any] = {
    "char_ngram": [1, 5],
    "word_ngram": [1, 2],
    "n_features": 2**21,
    "min_df": 2,
    "sublinear_tf": True,
    "idf": True,
    "c": 10.0,
    "class_weight": None,
    "max_iter": 300,
}

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float


def _analyzer(char_ngram: Sequence[int], word_ngram: Sequence[int]) -> Any:
    char_low, char_high = int(char_ngram[0]), int(char_ngram[1])
    word_low, word_high = int(word_ngram[0]), int(word_ngram[1])

    def analyze(text: str) -> list[str]:
        text = model_text(text[:MAX_TEXT_CHARS])
        grams: list[str] = []
        if char_high:
            # One comprehension per size over every padded word: the n-grams of each word
            # (a size longer than the word yields none), a fifth faster than a loop per word.
            words = [f" {word} " for word in text.split()]
            for size in range(char_low, char_high + 1):
                grams += [word[at : at + size] for word in words
                          for at in range(len(word) - size + 1)]
        if word_high:
            tokens = _TOKEN.findall(text)
            for size in range(word_low, word_high + 1):
                grams.extend(
                    "\x01" + " ".join(tokens[at : at + size])
                    for at in range(len(tokens) - size + 1)
                )
        return grams

    return analyze


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(f"Not a valid text classifier: {what}.")


class TextClassifier:
    """A trained text classifier; build one with `train` or `from_bytes`."""

    def __init__(
        self,
        *,
        options: dict[str, Any],
        classes: Sequence[str],
        columns: npt.NDArray[np.int64],
        idf: npt.NDArray[np.float32],
        weights: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
        unknown_below: float | None = None,
    ) -> None:
        self.options = dict(options)
        self.classes: tuple[str, ...] = tuple(classes)
        self.unknown_below = unknown_below
        self.columns = columns
        self.idf = idf
        self.weights = weights
        self.intercept = intercept
        self._vectorizer = HashingVectorizer(
            analyzer=_analyzer(options["char_ngram"], options["word_ngram"]),
            n_features=int(options["n_features"]),
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )
        self._position = np.full(int(options["n_features"]), -1, dtype=np.int32)
        self._position[columns] = np.arange(len(columns), dtype=np.int32)

    # ----------------------------------------------------------------------- training ---
    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        unknown_below: float | None = None,
        **options: Any,
    ) -> TextClassifier:
        """Fit a classifier on `texts` and their `labels` (at least two distinct ones).
        `options` override DEFAULT_OPTIONS; unknown names raise ValueError."""
        unknown = set(options) - set(DEFAULT_OPTIONS)
        if unknown:
            raise ValueError(f"Unknown option(s): {', '.join(sorted(unknown))}.")
        if len(texts) != len(labels):
            raise ValueError("Texts and labels differ in length.")
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise ValueError("Training needs at least two distinct labels.")
        settings = {**DEFAULT_OPTIONS, **options}
        counts = _hash(settings, texts)
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        columns = np.flatnonzero(document_frequency >= int(settings["min_df"])).astype(np.int64)
        if settings["idf"]:
            documents = counts.shape[0]
            idf = (np.log((1 + documents) / (1 + document_frequency[columns])) + 1).astype(
                np.float32
            )
        else:
            idf = np.ones(len(columns), dtype=np.float32)
        idf = idf.astype(np.float16).astype(np.float32)  # as stored
        model = cls(
            options=settings,
            classes=classes,
            columns=columns,
            idf=idf,
            weights=np.zeros((len(columns), len(classes)), dtype=np.float32),
            intercept=np.zeros(len(classes), dtype=np.float32),
            unknown_below=unknown_below,
        )
        features = model._weigh(counts)
        estimator = LogisticRegression(
            C=float(settings["c"]),
            class_weight=settings["class_weight"],
            max_iter=int(settings["max_iter"]),
        )
        estimator.fit(features, list(labels))
        assert list(estimator.classes_) == classes
        coefficients = estimator.coef_
        intercept = estimator.intercept_
        if len(classes) == 2:  # binary: one row for the second class; make it softmax-shaped
            coefficients = np.vstack([-coefficients / 2, coefficients / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        # float16 is what is stored; predict with exactly the stored weights.
        model.weights = coefficients.T.astype(np.float16).astype(np.float32)
        model.intercept = intercept.astype(np.float32)
        return model

    # ---------------------------------------------------------------------- predicting ---
    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Hashed counts → kept columns, sublinear tf × idf, unit L2 norm."""
        position = self._position[counts.indices]
        keep = position >= 0
        data = counts.data[keep]
        indices = position[keep]
        row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[keep]
        indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=counts.shape[0]), out=indptr[1:])
        if self.options["sublinear_tf"]:
            data = np.log(data) + 1
        data = data * self.idf[indices]
        squares = np.bincount(row_of, weights=data * data, minlength=counts.shape[0])
        norms = np.sqrt(squares).astype(np.float32)
        norms[norms == 0] = 1
        data = data / norms[row_of]
        return sp.csr_matrix(
            (data.astype(np.float32), indices, indptr), shape=(counts.shape[0], len(self.columns))
        )

    @property
    def hashing_key(self) -> tuple[int, ...]:
        """Classifiers with equal keys hash a text to the same counts (`hashed`), so a batch
        can be hashed once for all of them."""
        options = self.options
        return (*options["char_ngram"], *options["word_ngram"], int(options["n_features"]))

    def hashed(self, texts: Iterable[str]) -> sp.csr_matrix:
        """The hashed n-gram counts of `texts` (before column selection and weighting)."""
        counts = self._vectorizer.transform(texts)
        counts.sum_duplicates()
        return counts.tocsr()

    def features(self, texts: Iterable[str]) -> sp.csr_matrix:
        """The weighted feature matrix of `texts` (one row each, one column per kept n-gram)."""
        return self._weigh(self.hashed(texts))

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per text, one column per class (in `classes` order), summing to 1."""
        if not len(texts):
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return self.probabilities_of_hashed(self.hashed(texts))

    def probabilities_of_hashed(self, counts: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """`probabilities` from counts that `hashed` (of a classifier with the same
        `hashing_key`) gave."""
        scores = np.asarray(self._weigh(counts) @ self.weights) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores.astype(np.float32)

    def predictions_of(self, probabilities: npt.NDArray[np.float32]) -> list[Prediction]:
        """Predictions from rows of `probabilities`: the most probable label and its
        probability; "unknown" (with that probability) where it is under `unknown_below`."""
        best = probabilities.argmax(axis=1) if len(probabilities) else np.zeros(0, dtype=int)
        predictions = []
        for row, index in enumerate(best):
            score = float(probabilities[row, index])
            below = self.unknown_below is not None and score < self.unknown_below
            predictions.append(Prediction(UNKNOWN if below else self.classes[index], score))
        return predictions

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """The most probable label of each text and its probability; "unknown" (with that
        probability) where it is under `unknown_below`."""
        return self.predictions_of(self.probabilities(texts))

    # -------------------------------------------------------------------- serialising ---
    def to_bytes(self) -> bytes:
        header = {
            "format": FORMAT,
            "version": VERSION,
            "options": self.options,
            "classes": list(self.classes),
            "unknown_below": self.unknown_below,
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            columns=_delta_encode(self.columns),
            idf=self.idf.astype(np.float16),
            weights=self.weights.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TextClassifier:
        """A classifier from `to_bytes` output; ValueError for anything else."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
            raise ValueError(
                f"Not a valid text classifier: unreadable archive ({error})."
            ) from None
        names = {"header", "columns", "idf", "weights", "intercept"}
        _check(names <= set(arrays), "arrays missing")
        try:
            header = json.loads(arrays["header"].astype(np.uint8).tobytes().decode())
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError("Not a valid text classifier: unreadable header.") from None
        _check(isinstance(header, dict) and header.get("format") == FORMAT, "foreign format")
        _check(header.get("version") == VERSION, f"unsupported version {header.get('version')!r}")
        options = header.get("options")
        classes = header.get("classes")
        _check(isinstance(options, dict) and set(DEFAULT_OPTIONS) <= set(options), "options")
        _check(
            isinstance(classes, list) and len(classes) >= 2
            and all(isinstance(name, str) for name in classes),
            "classes",
        )
        n_features = options["n_features"]
        _check(isinstance(n_features, int) and 0 < n_features <= 2**24, "n_features")
        columns = np.cumsum(arrays["columns"].astype(np.int64))
        weights = arrays["weights"].astype(np.float32)
        idf = arrays["idf"].astype(np.float32)
        intercept = arrays["intercept"].astype(np.float32)
        _check(
            columns.ndim == 1 and (len(columns) == 0 or (columns[0] >= 0
            and columns[-1] < n_features and bool(np.all(np.diff(columns) > 0)))),
            "columns",
        )
        _check(weights.shape == (len(columns), len(classes)), "weights shape")
        _check(idf.shape == (len(columns),) and intercept.shape == (len(classes),), "shapes")
        _check(bool(np.isfinite(weights).all() and np.isfinite(idf).all()), "weights")
        unknown_below = header.get("unknown_below")
        _check(unknown_below is None or isinstance(unknown_below, int | float), "unknown_below")
        try:
            return cls(
                options=options, classes=classes, columns=columns, idf=idf, weights=weights,
                intercept=intercept, unknown_below=unknown_below,
            )
        except (TypeError, IndexError) as error:
            raise ValueError(f"Not a valid text classifier: {error}.") from None


def _hash(options: dict[str, Any], texts: Iterable[str]) -> sp.csr_matrix:
    vectorizer = HashingVectorizer(
        analyzer=_analyzer(options["char_ngram"], options["word_ngram"]),
        n_features=int(options["n_features"]),
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    matrix = vectorizer.transform(texts)
    matrix.sum_duplicates()
    return matrix.tocsr()


def _delta_encode(columns: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Sorted column numbers as differences (small numbers compress well)."""
    return np.diff(columns, prepend=0).astype(np.int32)
