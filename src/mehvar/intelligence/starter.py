"""The starter models shipped with Mehvar (trained by scripts/train_starter_models.py only on
CC BY 4.0 data and the team's own examples; see intelligence/starter/MODELS.md)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from mehvar.intelligence.textmodels import TextClassifier

TASKS = ("sentiment", "emotion")
LANGUAGES = ("en", "ar", "fa", "el")


@lru_cache(maxsize=16)
def starter_model(task: str, language: str) -> TextClassifier | None:
    """The shipped `task` ("sentiment" or "emotion") model for `language`, or None where
    there is none. Loaded once, then cached."""
    if task not in TASKS or language not in LANGUAGES:
        return None
    path = resources.files("mehvar.intelligence").joinpath(f"starter/{task}-{language}.npz")
    if not path.is_file():
        return None
    return TextClassifier.from_bytes(path.read_bytes())
