"""Language detection: the writing system first, lingua where one script serves several of the
allowed languages.

A text's letters are counted by script (URLs and e-mail addresses left out). Where the
dominant script is written by only one allowed language (Greek → el; Latin → en when English
is the only Latin-script language allowed) that language is the answer, with the script's share
of the letters as confidence. Otherwise lingua, restricted to the allowed languages of that
script, decides (Arabic script: ar vs fa), and its confidence value is returned. Measured on
the Arabic-script texts of XED and six Arabic and Persian data sets (docs/intelligence.md),
lingua in its high-accuracy mode told ar from fa best (99.2%; the letter rule of
`core.text.script_language` combined with lingua 98.9%, low-accuracy mode 97.5%). A text with
no letters is undecidable: ("", 0.0). Detectors are built once per language set and cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

DEFAULT_LANGUAGES = ("en", "ar", "fa", "el")
SAMPLE_CHARS = 1_000  # letters past this are not looked at

_MASK = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)

# Scripts by ISO 639-1 code; a code not listed is written in Latin letters.
_SCRIPT_OF = {
    "el": "greek",
    "ar": "arabic", "fa": "arabic", "ur": "arabic",
    "he": "hebrew",
    "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic", "mk": "cyrillic", "sr": "cyrillic",
    "be": "cyrillic", "kk": "cyrillic", "mn": "cyrillic",
    "hy": "armenian", "ka": "georgian", "hi": "devanagari", "mr": "devanagari",
    "th": "thai", "ja": "cjk", "zh": "cjk", "ko": "hangul", "bn": "bengali",
    "gu": "gujarati", "pa": "gurmukhi", "ta": "tamil", "te": "telugu",
}


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x0250:
        return "latin"
    if 0x0370 <= code <= 0x03FF or 0x1F00 <= code <= 0x1FFF:
        return "greek"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if 0x0590 <= code <= 0x05FF:
        return "hebrew"
    if 0x0530 <= code <= 0x058F:
        return "armenian"
    if 0x10A0 <= code <= 0x10FF:
        return "georgian"
    if 0x0900 <= code <= 0x097F:
        return "devanagari"
    if 0x0E00 <= code <= 0x0E7F:
        return "thai"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "hangul"
    if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF:
        return "cjk"
    return "other"


def _lingua_language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
    except (AttributeError, ValueError):
        return None


@lru_cache(maxsize=32)
def _plan(languages: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Supported allowed languages by script, in the order given."""
    by_script: dict[str, list[str]] = {}
    for code in dict.fromkeys(code.lower() for code in languages):
        if _lingua_language(code) is not None:
            by_script.setdefault(_SCRIPT_OF.get(code, "latin"), []).append(code)
    return {script: tuple(codes) for script, codes in by_script.items()}


@lru_cache(maxsize=32)
def detector(languages: tuple[str, ...]) -> LanguageDetector:
    """A lingua detector restricted to these (supported, at least two) languages; cached."""
    found = [language for code in languages if (language := _lingua_language(code))]
    return LanguageDetectorBuilder.from_languages(*found).with_preloaded_language_models().build()


def _letters_by_script(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text[:SAMPLE_CHARS]:
        if char.isalpha():
            script = _script(char)
            counts[script] = counts.get(script, 0) + 1
    return counts


def detect_languages(
    texts: Iterable[str], *, languages: Sequence[str] = DEFAULT_LANGUAGES
) -> list[tuple[str, float]]:
    """(ISO 639-1 code, confidence 0–1) for each text, chosen among `languages` (codes lingua
    does not know are ignored); ("", 0.0) where the text has no letters of an allowed
    language's script."""
    plan = _plan(tuple(languages))
    results: list[tuple[str, float]] = []
    pending: dict[tuple[str, ...], list[tuple[int, str]]] = {}
    for index, text in enumerate(texts):
        sample = _MASK.sub(" ", text[: SAMPLE_CHARS * 2]) if text else ""
        counts = _letters_by_script(sample)
        allowed = {script: count for script, count in counts.items() if script in plan}
        if not allowed:
            results.append(("", 0.0))
            continue
        script = max(allowed, key=lambda name: allowed[name])
        candidates = plan[script]
        if len(candidates) == 1:
            results.append((candidates[0], round(allowed[script] / sum(counts.values()), 4)))
        else:
            results.append(("", 0.0))
            pending.setdefault(candidates, []).append((index, sample))
    for candidates, items in pending.items():
        # One call per text: lingua's parallel API would spread a batch over every core, and
        # enrichment is measured and sized per core (about 6,000 Arabic-script texts/s).
        languages_detector = detector(candidates)
        for index, sample in items:
            values = languages_detector.compute_language_confidence_values(sample)
            if values and values[0].value > 0:
                code = values[0].language.iso_code_639_1.name.lower()
                results[index] = (code, round(float(values[0].value), 4))
    return results
