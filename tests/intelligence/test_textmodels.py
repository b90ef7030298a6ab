"""TextClassifier: training on tiny multilingual slices, predicting, serialising without pickle."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from mehvar.intelligence.textmodels import Prediction, TextClassifier

POSITIVE = [
    "Thank you so much, the delivery was quick!",
    "Great service, the agent solved it in minutes",
    "شكراً جزيلاً، الخدمة ممتازة",
    "وصل الطلب بسرعة، شكراً لكم",
    "خیلی ممنون، سفارش سریع رسید",
    "پشتیبانی عالی بود، مرسی",
    "Ευχαριστώ πολύ, εξαιρετική εξυπηρέτηση!",
    "Η παραγγελία ήρθε γρήγορα, τέλεια 👍",
]
NEGATIVE = [
    "My order is late again, this is terrible",
    "Nobody answers, worst support ever",
    "الطلب متأخر جداً وخدمة سيئة",
    "لم يصل المنتج حتى الآن، هذا سيء",
    "سفارشم هنوز نرسیده، خیلی بد است",
    "پشتیبانی افتضاح بود و کسی جواب نداد",
    "Απαράδεκτη εξυπηρέτηση, η παραγγελία άργησε",
    "Κανείς δεν απαντά, πολύ κακή εμπειρία 😡",
]
TEXTS = POSITIVE + NEGATIVE
LABELS = ["positive"] * len(POSITIVE) + ["negative"] * len(NEGATIVE)
OPTIONS = {"min_df": 1, "n_features": 2**16}


@pytest.fixture(scope="module")
def model() -> TextClassifier:
    return TextClassifier.train(TEXTS, LABELS, **OPTIONS)


def test_trains_and_predicts_training_texts(model: TextClassifier) -> None:
    assert model.classes == ("negative", "positive")
    predictions = model.predict(TEXTS)
    assert [prediction.label for prediction in predictions] == LABELS
    assert all(isinstance(prediction, Prediction) for prediction in predictions)
    assert all(0.5 < prediction.score <= 1.0 for prediction in predictions)


def test_probabilities_rows_sum_to_one(model: TextClassifier) -> None:
    probabilities = model.probabilities(["Merci", "خیلی ممنون", ""])
    assert probabilities.shape == (3, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert model.probabilities([]).shape == (0, 2)
    assert model.predict([]) == []


def test_generalises_to_unseen_wording(model: TextClassifier) -> None:
    labels = [p.label for p in model.predict(["ممنون، عالی بود", "πολύ κακή εξυπηρέτηση"])]
    assert labels == ["positive", "negative"]


def test_multiclass_intent() -> None:
    texts = [
        "Where is my parcel?", "أين طلبي؟", "بسته من کجاست؟", "Πού είναι το δέμα μου;",
        "I want a refund", "أريد استرداد المبلغ", "پولم را پس می‌خواهم", "Θέλω επιστροφή χρημάτων",
        "Change my mobile plan", "أريد تغيير باقة الجوال", "بسته موبایلم را عوض کنید",
        "Θέλω να αλλάξω πρόγραμμα κινητού",
    ]
    labels = ["track_order"] * 4 + ["refund"] * 4 + ["change_plan"] * 4
    model = TextClassifier.train(texts, labels, **OPTIONS)
    assert model.classes == ("change_plan", "refund", "track_order")
    assert [p.label for p in model.predict(texts)] == labels
    assert model.probabilities(texts).shape == (12, 3)


def test_unknown_below_threshold() -> None:
    model = TextClassifier.train(TEXTS, LABELS, unknown_below=0.99, **OPTIONS)
    prediction = model.predict(["The weather is mild today"])[0]
    assert prediction.label == "unknown"
    assert 0.0 < prediction.score < 0.99
    assert TextClassifier.from_bytes(model.to_bytes()).unknown_below == 0.99


def test_round_trip_gives_the_same_probabilities(model: TextClassifier) -> None:
    data = model.to_bytes()
    loaded = TextClassifier.from_bytes(data)
    assert loaded.classes == model.classes
    assert loaded.options == model.options
    probe = ["Ευχαριστώ!", "سيء جداً", "سفارش دیر رسید", "fine"]
    assert np.allclose(loaded.probabilities(probe), model.probabilities(probe), atol=1e-6)
    assert b"pickle" not in data


@pytest.mark.parametrize(
    "data",
    [b"", b"not a model at all", b"PK\x03\x04broken zip", b"\x93NUMPY garbage"],
)
def test_garbage_bytes_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="Not a valid text classifier"):
        TextClassifier.from_bytes(data)


def test_truncated_and_flipped_bytes_raise_value_error(model: TextClassifier) -> None:
    data = model.to_bytes()
    with pytest.raises(ValueError, match="Not a valid text classifier"):
        TextClassifier.from_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0xFF
    with pytest.raises(ValueError, match="Not a valid text classifier"):
        TextClassifier.from_bytes(bytes(flipped))


def _archive(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_foreign_or_inconsistent_archives_raise_value_error(model: TextClassifier) -> None:
    with np.load(io.BytesIO(model.to_bytes()), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["header"].tobytes())
    foreign = {**header, "format": "something.else"}
    cases = [
        {**arrays, "header": np.frombuffer(json.dumps(foreign).encode(), dtype=np.uint8)},
        {**arrays, "header": np.frombuffer(b"{not json", dtype=np.uint8)},
        {**arrays, "weights": arrays["weights"][:-1]},
        {name: value for name, value in arrays.items() if name != "idf"},
        {**arrays, "header": np.frombuffer(
            json.dumps({**header, "version": 99}).encode(), dtype=np.uint8)},
    ]
    for case in cases:
        with pytest.raises(ValueError, match="Not a valid text classifier"):
            TextClassifier.from_bytes(_archive(**case))
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="Not a valid text classifier"):
        TextClassifier.from_bytes(pickled.getvalue())


def test_training_input_is_checked() -> None:
    with pytest.raises(ValueError, match="two distinct labels"):
        TextClassifier.train(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="differ in length"):
        TextClassifier.train(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="Unknown option"):
        TextClassifier.train(TEXTS, LABELS, colour="blue")


def test_serialised_size_is_small(model: TextClassifier) -> None:
    assert len(model.to_bytes()) < 200_000
