"""The optional backends: a real (tiny) ONNX classifier built here with onnx and a real
tokenizer, run by onnxruntime; the sentiment setting puts it in front of the starter models;
bad paths and missing files are clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Channel
from mehvar.conversations.services.conversations import conversation_create
from mehvar.intelligence.backends import (
    BackendUnavailable,
    OnnxClassifier,
    load_backend,
    parse_spec,
    sentiment_label,
)
from mehvar.intelligence.enrichment import backfill
from mehvar.intelligence.models import MessageInsight
from mehvar.intelligence.store import forget_loaded

VOCAB = {"[PAD]": 0, "[UNK]": 1, "great": 2, "awful": 3, "ok": 4, "عالی": 5, "افتضاح": 6,
         "τέλειο": 7, "χάλια": 8}
# Each word's logits for (negative, neutral, positive).
WEIGHTS = {"great": (0, 0, 3), "awful": (3, 0, 0), "ok": (0, 2, 0), "عالی": (0, 0, 3),
           "افتضاح": (3, 0, 0), "τέλειο": (0, 0, 3), "χάλια": (3, 0, 0)}


def build_model(folder: Path) -> Path:
    """A bag-of-words sentiment classifier: logits = Σ embedding[token] over real tokens."""
    table = np.zeros((len(VOCAB), 3), dtype=np.float32)
    for word, row in WEIGHTS.items():
        table[VOCAB[word]] = row
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["vectors"]),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["vectors", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["logits"], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "tiny-sentiment",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                       ["batch", "length"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(table, "table"),
                     numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
                     numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(folder / "model.onnx"))
    tokenizer = Tokenizer(WordLevel(VOCAB, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "config.json").write_text(json.dumps(
        {"id2label": {"0": "NEGATIVE", "1": "NEUTRAL", "2": "POSITIVE"}, "max_length": 32}))
    return folder


def test_an_onnx_classifier_runs_on_real_onnxruntime(tmp_path: Path) -> None:
    classifier = OnnxClassifier(build_model(tmp_path / "tiny"))
    assert classifier.classes == ("negative", "neutral", "positive")
    assert classifier.name == "onnx:tiny"
    texts = ["great great", "awful", "ok", "خیلی عالی بود", "Ήταν χάλια", "τέλειο ok"]
    labels = [prediction.label for prediction in classifier.predict(texts)]
    assert labels == ["positive", "negative", "neutral", "positive", "negative", "positive"]
    probabilities = classifier.probabilities(texts)
    assert probabilities.shape == (6, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert classifier.probabilities([]).shape == (0, 3)


def test_bad_specs_and_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="Unknown model backend"):
        parse_spec("pickle:/tmp")
    with pytest.raises(BackendUnavailable, match="No model directory"):
        parse_spec(f"onnx:{tmp_path / 'missing'}")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    with pytest.raises(BackendUnavailable, match="Cannot load"):
        load_backend(f"onnx:{broken}", task="sentiment")
    with pytest.raises(BackendUnavailable, match="head Mehvar trains"):
        load_backend(f"sentence-transformers:{tmp_path}", task="intent")


@pytest.mark.parametrize(("label", "expected"), [
    ("NEGATIVE", "negative"), ("neg", "negative"), ("Positive", "positive"),
    ("LABEL_NEUTRAL", "label_neutral"), ("neutral", "neutral"), ("1 star", "negative"),
    ("3 stars", "neutral"), ("5 stars", "positive")])
def test_sentiment_labels_map_to_three(label: str, expected: str) -> None:
    assert sentiment_label(label) == expected


@pytest.mark.django_db
def test_the_sentiment_setting_puts_the_company_model_first(
    agent: Agent, settings: Any, tmp_path: Path,
) -> None:
    settings.MEHVAR_SENTIMENT_MODEL = f"onnx:{build_model(tmp_path / 'company-sentiment')}"
    forget_loaded()
    try:
        conversation = conversation_create(
            actor=agent, subject="سفارش", channel=Channel.SMS, text="خیلی عالی بود",
            identity_kind="phone", identity_value="+989121112233", customer_name="رضا")
        backfill()
    finally:
        forget_loaded()
    insight = MessageInsight.objects.get(conversation_id=conversation.pk)
    assert insight.sentiment == "positive"
    assert insight.model_versions["sentiment"] == "onnx:company-sentiment"
    assert insight.language == "fa"
