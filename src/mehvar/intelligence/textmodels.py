"""Text classifiers that run on a CPU with no downloaded weights: hashed character and word
n-grams of `core.text.model_text` and a linear model.

Features: every text is normalised (`model_text`), cut into character n-grams inside word
boundaries (sklearn's `char_wb`: each word padded with a space) and into word n-grams, and the
n-grams are hashed into `n_features` columns (no vocabulary to fit or store). Columns seen in
fewer than `min_df` training texts are dropped; the rest get a sublinear term frequency
(1 + log tf), an inverse document frequency fitted on the training texts, and unit L2 norm.
Model: multinomial logistic regression (probabilities come with it). Option `nb` (two classes
only) also scales each column by its naive Bayes log-count ratio (NB-LR); `train_tuned`
chooses C, class weights and `nb` by cross-validation on the training texts.

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
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

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
    "nb": False,
}

# What `train_tuned` chooses by cross-validation.
TUNED_OPTIONS = ("c", "class_weight", "nb")

# Options newer than VERSION 1 and their value in a classifier stored before them.
ADDED_OPTIONS: dict[str, Any] = {"nb": False}

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


def _settings(texts: Sequence[str], labels: Sequence[str], options: dict[str, Any]
              ) -> dict[str, Any]:
    unknown = set(options) - set(DEFAULT_OPTIONS)
    if unknown:
        raise ValueError(f"Unknown option(s): {', '.join(sorted(unknown))}.")
    if len(texts) != len(labels):
        raise ValueError("Texts and labels differ in length.")
    if len(set(labels)) < 2:
        raise ValueError("Training needs at least two distinct labels.")
    return {**DEFAULT_OPTIONS, **options}


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
        settings = _settings(texts, labels, options)
        return cls._fit(_hash(settings, texts), list(labels), settings, unknown_below)

    @classmethod
    def _fit(
        cls,
        counts: sp.csr_matrix,
        labels: list[str],
        settings: dict[str, Any],
        unknown_below: float | None = None,
    ) -> TextClassifier:
        """`train` from the hashed counts of the texts (`_hash` with `settings`)."""
        classes = sorted(set(labels))
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        columns = np.flatnonzero(document_frequency >= int(settings["min_df"])).astype(np.int64)
        if settings["idf"]:
            documents = counts.shape[0]
            idf = (np.log((1 + documents) / (1 + document_frequency[columns])) + 1).astype(
                np.float32
            )
        else:
            idf = np.ones(len(columns), dtype=np.float32)
        model = cls(
            options=settings,
            classes=classes,
            columns=columns,
            idf=idf.astype(np.float16).astype(np.float32),  # as stored
            weights=np.zeros((len(columns), len(classes)), dtype=np.float32),
            intercept=np.zeros(len(classes), dtype=np.float32),
            unknown_below=unknown_below,
        )
        features = model._weigh(counts)
        if settings.get("nb") and len(classes) == 2:
            # NB-LR (Wang & Manning 2012): scale each column by the magnitude of its naive
            # Bayes log-count ratio (smoothed document counts per class); the sign is the
            # model's to learn. It lives in the per-column weight, so nothing new is stored.
            present = features.copy()
            present.data[:] = 1
            positive = np.asarray(labels) == classes[1]
            p = np.asarray(present[positive].sum(axis=0)).ravel() + 1
            q = np.asarray(present[~positive].sum(axis=0)).ravel() + 1
            ratio = np.abs(np.log((p / p.sum()) / (q / q.sum())))
            model.idf = (idf * ratio).astype(np.float16).astype(np.float32)
            features = model._weigh(counts)
        estimator = LogisticRegression(
            C=float(settings["c"]),
            class_weight=settings["class_weight"],
            max_iter=int(settings["max_iter"]),
        )
        estimator.fit(features, labels)
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

    @classmethod
    def train_tuned(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        metric: str = "accuracy",
        folds: int = 3,
        unknown_below: float | None = None,
        **options: Any,
    ) -> TextClassifier:
        """`train` with the C, class weight and NB weighting that `tune` chooses by `metric`
        ("accuracy", "macro_f1" or "weighted_f1") in `folds`-fold cross-validation on
        `texts` alone; `options` as given where a class has fewer than `folds` examples or
        no candidate beats them clearly. The choice is in the model's `options`."""
        settings = _settings(texts, labels, options)
        counts = _hash(settings, texts)
        chosen, _scores = tune(counts, list(labels), settings, metric=metric, folds=folds)
        return cls._fit(counts, list(labels), chosen, unknown_below)

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
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, zlib.error) as error:
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
        _check(isinstance(options, dict) and set(DEFAULT_OPTIONS) - set(ADDED_OPTIONS)
               <= set(options), "options")
        options = {**ADDED_OPTIONS, **options}
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


SCORERS: dict[str, Callable[[Sequence[str], Sequence[str]], float]] = {
    "accuracy": lambda gold, predicted: float(accuracy_score(gold, predicted)),
    "macro_f1": lambda gold, predicted: float(f1_score(gold, predicted, average="macro")),
    "weighted_f1": lambda gold, predicted: float(f1_score(gold, predicted, average="weighted")),
}


def tuning_grid(settings: dict[str, Any], n_classes: int) -> list[dict[str, Any]]:
    """The candidates `train_tuned` tries over `settings`: first `settings` as they are, then
    each other C, class weight and (two classes) NB weighting."""
    grid = [{"c": c, "class_weight": weight, "nb": nb}
            for nb in ((False, True) if n_classes == 2 else (False,))
            for c in (10.0, 3.0, 1.0) for weight in (None, "balanced")]
    return [{}, *(candidate for candidate in grid if {**settings, **candidate} != settings)]


def tune(
    counts: sp.csr_matrix, labels: list[str], settings: dict[str, Any], *,
    metric: str = "accuracy", folds: int = 3, grid: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], npt.NDArray[np.float64]]:
    """`settings` updated with the best candidate of `grid` (`tuning_grid` by default; the
    first is the baseline, `{}` for `settings` as they are), and the `metric` of each
    candidate (columns) in each of `folds` stratified folds (rows) of `counts` (hashed
    texts) and `labels`.

    The best mean replaces the first candidate only when its gain over it, fold by fold,
    exceeds the gain's standard error (a paired one-standard-error rule: a gain the folds
    cannot tell from noise keeps the defaults). `settings` as they are, with no scores,
    where a class has fewer than `folds` examples."""
    score = SCORERS[metric]
    per_class = Counter(labels)
    grid = tuning_grid(settings, len(per_class)) if grid is None else grid
    if len(per_class) < 2 or min(per_class.values()) < folds or len(grid) < 2:
        return dict(settings), np.zeros((0, len(grid)))
    gold = np.asarray(labels)
    scores = np.zeros((folds, len(grid)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
    for fold, (inside, outside) in enumerate(splitter.split(gold, gold)):
        for index, candidate in enumerate(grid):
            model = TextClassifier._fit(counts[inside], list(gold[inside]),
                                        {**settings, **candidate})
            top = model.probabilities_of_hashed(counts[outside]).argmax(axis=1)
            scores[fold, index] = score(gold[outside], [model.classes[i] for i in top])
    gains = scores - scores[:, :1]
    best = int(np.argmax(gains.mean(axis=0)))
    error = gains[:, best].std(ddof=1) / np.sqrt(folds)
    chosen = best if gains[:, best].mean() > error else 0
    return {**settings, **grid[chosen]}, scores
