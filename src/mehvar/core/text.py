"""Text normalisation shared by indexing and querying (search, duplicate detection).

Folds what a native reader treats as the same letters: Arabic/Persian alef and hamza forms,
Arabic and Persian yeh and kaf, teh marbuta, diacritics (harakat), tatweel, zero-width
joiners, Persian and Arabic-Indic digits, and Greek accents and final sigma; then casefolds.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_CHAR_MAP = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
        "ى": "ی", "ي": "ی", "ئ": "ی", "ې": "ی", "ۍ": "ی",
        "ك": "ک", "ڪ": "ک",
        "ة": "ه", "ۀ": "ه", "ہ": "ه", "ە": "ه",
        "ؤ": "و",
        "ـ": None,   # tatweel
        "\u200c": None, "\u200d": None, "\u200b": None, "\u200e": None, "\u200f": None,
        "\ufeff": None, "\u00ad": None,
        "ς": "σ",
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
    }
)
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Fold letter variants, strip marks and controls, casefold, collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Combining marks: Arabic harakat, Greek tonos/dialytika, Latin accents.
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = unicodedata.normalize("NFC", stripped).translate(_CHAR_MAP).casefold()
    return _SPACE.sub(" ", folded).strip()


# --- highlighting ---------------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+")  # a word as search indexes it (core.fulltext)
# Bidi embeddings, overrides and isolates: dropped from highlighted output so that a message
# cannot reorder the text around it (LRM/RLM are dropped by normalize_text's map as well).
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
HIGHLIGHT_SCAN_CHARS = 20_000  # a match further into a long message is not looked for


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).translate(_CHAR_MAP).casefold()


_FOLDED: dict[str, str] = {}


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """normalize_text(text), folded character by character (whitespace kept one for one),
    and for each folded character the index of the original character it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = _FOLDED.get(char)
        if piece is None:
            piece = " " if char.isspace() else _fold_char(char)
            if len(_FOLDED) < 10_000:
                _FOLDED[char] = piece
        out.append(piece)
        origin.extend([index] * len(piece))
    return "".join(out), origin


def match_spans(text: str, query: str, *, anywhere: bool = False) -> list[tuple[int, int]]:
    """Spans (start, end) of `text`, in order and disjoint, holding the words that the
    query's words start (or, with `anywhere`, contain the query words at any position),
    compared in normalised form (normalize_text). Only the first HIGHLIGHT_SCAN_CHARS
    characters are searched."""
    terms = [term for term in dict.fromkeys(WORD.findall(normalize_text(query))) if term]
    if not terms or not text:
        return []
    scanned = text[:HIGHLIGHT_SCAN_CHARS]
    folded, origin = _folded_with_origin(scanned)
    spans: list[tuple[int, int]] = []
    for word in WORD.finditer(folded):
        value = word.group()
        hit = any((term in value) if anywhere else value.startswith(term) for term in terms)
        if hit:
            start = origin[word.start()]
            end = origin[word.end() - 1] + 1
            # Marks, tatweel and joiners after the last letter belong to the word.
            while end < len(scanned) and not scanned[end].isspace() and \
                    _FOLDED.get(scanned[end], _fold_char(scanned[end])) == "":
                end += 1
            spans.append((start, end))
    return spans


def highlight(
    text: str, query: str, *, max_chars: int | None = None, anywhere: bool = False
) -> SafeString:
    """`text` as HTML: every character escaped, the words the query matches (match_spans)
    wrapped in <mark>, bidi controls dropped. With `max_chars`, a longer text is cut to a
    snippet of about that length around the first match, with "…" where it was cut."""
    spans = match_spans(text, query, anywhere=anywhere)
    start, end = 0, len(text)
    if max_chars is not None and len(text) > max_chars:
        first = spans[0][0] if spans else 0
        start = max(0, first - max_chars // 3)
        if start:  # begin at a word
            space = text.rfind(" ", max(0, start - 20), start + 1)
            start = space + 1 if space >= 0 else start
        end = min(len(text), start + max_chars)
        if end < len(text):
            space = text.rfind(" ", end - 20, end)
            end = space if space > start else end
    parts: list[str] = ["…"] if start else []
    at = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(_clean(text[at:span_start])))
        parts.append(f"<mark>{escape(_clean(text[span_start:span_end]))}</mark>")
        at = span_end
    parts.append(escape(_clean(text[at:end])))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))


def _clean(text: str) -> str:
    return text.translate(_BIDI_CONTROLS)


# --- script-based language guess ------------------------------------------------------------

# Letters only Persian writes (Arabic has none of them) and letters only Arabic writes.
_PERSIAN_ONLY = frozenset("پچژگکیۀ") | frozenset(chr(0x06F0 + d) for d in range(10))
_ARABIC_ONLY = frozenset("ةيكىً") | frozenset(chr(0x0660 + d) for d in range(10))
SCRIPT_SAMPLE_CHARS = 2_000


def script_language(text: str) -> str:
    """'ar', 'fa' or 'el' when the text's letters are mostly in that script, else ''.

    A cheap first guess until the intelligence context detects languages properly: enough to
    lay out an e-mail right to left and to file a message under its language. Latin text is
    left unknown rather than called English."""
    arabic = greek = latin = persian_marks = arabic_marks = 0
    for char in text[:SCRIPT_SAMPLE_CHARS]:
        code = ord(char)
        if 0x0600 <= code <= 0x06FF or 0xFB50 <= code <= 0xFEFF:
            arabic += 1
            persian_marks += char in _PERSIAN_ONLY
            arabic_marks += char in _ARABIC_ONLY
        elif char == "\u200c":
            persian_marks += 1
        elif 0x0370 <= code <= 0x03FF or 0x1F00 <= code <= 0x1FFF:
            greek += 1
        elif char.isalpha():
            latin += 1
    if arabic > max(greek, latin):
        return "fa" if persian_marks > arabic_marks else "ar"
    if greek > latin:
        return "el"
    return ""


# --- text for the models --------------------------------------------------------------------

_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Emoji and pictographs (with their modifiers) stand apart as tokens of their own, so that
# "thanks🙏" and "thanks 🙏" give the models the same word and the same emoji.
_EMOJI_BASE = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF"
_EMOJI = re.compile(
    f"([{_EMOJI_BASE}][\U0001F3FB-\U0001F3FF\uFE0F]*"
    f"(?:\u200D[{_EMOJI_BASE}][\U0001F3FB-\U0001F3FF\uFE0F]*)*)"
)


def model_text(text: str) -> str:
    """The text the intelligence models see: URLs and e-mail addresses masked as the tokens
    "url" and "email" (before folding, so that their letters are not read as words), emoji set
    apart as tokens of their own, numbers kept, then `normalize_text` (the same folding as
    search: letter variants, marks, tatweel, joiners, digits, case)."""
    if "@" in text:
        text = _EMAIL.sub(" email ", text)
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL.sub(" url ", text)
    text = _EMOJI.sub(r" \1 ", text)
    return normalize_text(text)
