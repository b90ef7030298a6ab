"""Optional backends for models a company supplies from a local path (never downloaded):

- `onnx:<dir>`: a sequence-classification model exported to ONNX (`model.onnx`), its
  Hugging Face `tokenizer.json` and `config.json` (whose `id2label` names the classes). Used
  as it is for sentiment (labels mapped to negative / neutral / positive) or intent (labels
  are the company's intent codes). Needs `pip install mehvar[onnx]`.
- `sentence-transformers:<dir>`: a sentence-embedding model; Mehvar trains a linear head
  over its embeddings from the same data as the default models. Needs
  `pip install sentence-transformers`.

The default backend stays the CPU linear models (textmodels.py); the evaluation command
scores any backend on the same splits. Each backend answers like TextClassifier:
`classes`, `probabilities(texts)`, `predict(texts)`."""

from __future__ import annotations

import importlib
import io
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mehvar.intelligence.textmodels import UNKNOWN, Prediction

BATCH = 64
_STARS = re.compile(r"^([1-5])\s*stars?$")


class BackendUnavailable(RuntimeError):
    """The backend's package is not installed or its files are missing or unreadable."""


def _optional(module: str, extra: str) -> Any:
    # Optional heavy dependencies are imported only when a company configures them.
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise BackendUnavailable(
            f"The {module!r} package is needed for this backend: pip install {extra}") from error


def parse_spec(spec: str) -> tuple[str, Path]:
    """("onnx" | "sentence-transformers", path) from "kind:path"; BackendUnavailable when the
    kind is unknown or the path is not a directory."""
    kind, _, path = spec.partition(":")
    if kind not in {"onnx", "sentence-transformers"} or not path:
        raise BackendUnavailable(f"Unknown model backend {spec!r}: use onnx:<dir> or "
                                 "sentence-transformers:<dir>.")
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise BackendUnavailable(f"No model directory at {folder}.")
    return kind, folder


def sentiment_label(label: str) -> str:
    """A model's sentiment label in Mehvar's three: "NEG"/"negative"/"1 star" → negative…"""
    text = label.strip().lower()
    stars = _STARS.match(text)
    if stars:
        value = int(stars.group(1))
        return "negative" if value <= 2 else "neutral" if value == 3 else "positive"
    for key, name in (("neg", "negative"), ("pos", "positive"), ("neu", "neutral")):
        if text.startswith(key):
            return name
    return text


def _softmax(logits: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def _predict(classes: Sequence[str], probabilities: npt.NDArray[np.float32],
             unknown_below: float | None) -> list[Prediction]:
    predictions = []
    for row in probabilities:
        index = int(row.argmax())
        score = float(row[index])
        below = unknown_below is not None and score < unknown_below
        predictions.append(Prediction(UNKNOWN if below else classes[index], score))
    return predictions


class OnnxClassifier:
    """A fine-tuned transformer classifier exported to ONNX, run by onnxruntime on the CPU
    (or a GPU when onnxruntime-gpu is installed)."""

    def __init__(self, folder: Path, *, task: str = "sentiment",
                 unknown_below: float | None = None) -> None:
        runtime = _optional("onnxruntime", "mehvar[onnx]")
        tokenizers = _optional("tokenizers", "mehvar[onnx]")
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            id2label = {int(key): str(value) for key, value in config["id2label"].items()}
            self.tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
            providers = [name for name in ("CUDAExecutionProvider", "CPUExecutionProvider")
                         if name in runtime.get_available_providers()]
            self.session = runtime.InferenceSession(str(folder / "model.onnx"),
                                                    providers=providers)
        except (OSError, KeyError, ValueError, RuntimeError) as error:
            raise BackendUnavailable(f"Cannot load the ONNX model in {folder}: {error}") \
                from error
        labels = [id2label[index] for index in sorted(id2label)]
        self.classes = tuple(sentiment_label(label) if task == "sentiment" else label
                             for label in labels)
        self.unknown_below = unknown_below
        self.max_length = int(config.get("max_length", 256))
        self.inputs = {item.name for item in self.session.get_inputs()}
        self.name = f"onnx:{folder.name}"
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.enable_padding()

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rows: list[npt.NDArray[np.float32]] = []
        for start in range(0, len(texts), BATCH):
            encodings = self.tokenizer.encode_batch([text[:4000] for text in
                                                     texts[start:start + BATCH]])
            feed = {"input_ids": np.array([item.ids for item in encodings], dtype=np.int64),
                    "attention_mask": np.array([item.attention_mask for item in encodings],
                                               dtype=np.int64),
                    "token_type_ids": np.array([item.type_ids for item in encodings],
                                               dtype=np.int64)}
            logits = self.session.run(None, {key: value for key, value in feed.items()
                                             if key in self.inputs})[0]
            rows.append(_softmax(np.asarray(logits, dtype=np.float32)))
        if not rows:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return np.concatenate(rows)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return _predict(self.classes, self.probabilities(texts), self.unknown_below)


class SentenceEmbedder:
    """A sentence-transformers model from a local directory."""

    def __init__(self, folder: Path) -> None:
        library = _optional("sentence_transformers", "sentence-transformers")
        try:
            self.model = library.SentenceTransformer(str(folder), local_files_only=True)
        except (OSError, ValueError, RuntimeError) as error:
            raise BackendUnavailable(f"Cannot load the embedding model in {folder}: "
                                     f"{error}") from error
        self.folder = folder
        self.name = f"sentence-transformers:{folder.name}"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = self.model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True,
                                    show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class EmbeddingClassifier:
    """A linear head Mehvar trains over a supplied embedding model's vectors."""

    def __init__(self, embedder: SentenceEmbedder, classes: Sequence[str],
                 weights: npt.NDArray[np.float32], intercept: npt.NDArray[np.float32],
                 unknown_below: float | None = None) -> None:
        self.embedder = embedder
        self.classes = tuple(classes)
        self.weights = weights
        self.intercept = intercept
        self.unknown_below = unknown_below
        self.name = embedder.name

    @classmethod
    def train(cls, embedder: SentenceEmbedder, texts: Sequence[str],
              labels: Sequence[str]) -> EmbeddingClassifier:
        linear = importlib.import_module("sklearn.linear_model")
        head = linear.LogisticRegression(C=10.0, max_iter=1000)
        head.fit(embedder.embed(texts), list(labels))
        return cls(embedder, [str(name) for name in head.classes_],
                   head.coef_.T.astype(np.float32), head.intercept_.astype(np.float32))

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not len(texts):
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        scores = self.embedder.embed(texts) @ self.weights + self.intercept
        if scores.shape[1] == 1:  # two classes: one logit
            scores = np.hstack([-scores, scores])
        return _softmax(scores)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return _predict(self.classes, self.probabilities(texts), self.unknown_below)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        header = json.dumps({"format": "mehvar.embedding-head", "version": 1,
                             "classes": list(self.classes), "model": str(self.embedder.folder)})
        np.savez_compressed(buffer, header=np.array(header), weights=self.weights,
                            intercept=self.intercept)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> EmbeddingClassifier:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                header = json.loads(str(arrays["header"]))
                weights, intercept = arrays["weights"], arrays["intercept"]
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise ValueError(f"Not an embedding head: {error}") from error
        if header.get("format") != "mehvar.embedding-head":
            raise ValueError("Not an embedding head.")
        return cls(SentenceEmbedder(Path(header["model"])), header["classes"], weights,
                   intercept)


def load_backend(spec: str, *, task: str, unknown_below: float | None = None) -> Any:
    """The classifier a `MEHVAR_*_MODEL` setting names (onnx only: an embedding model needs
    a head trained by Mehvar, see EmbeddingClassifier)."""
    kind, folder = parse_spec(spec)
    if kind != "onnx":
        raise BackendUnavailable("An embedding model classifies through a head Mehvar "
                                 "trains: set MEHVAR_EMBEDDINGS_MODEL and train the intent "
                                 "model.")
    return OnnxClassifier(folder, task=task, unknown_below=unknown_below)
