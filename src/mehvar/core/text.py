"""Text normalisation shared by indexing and querying (search, duplicate detection).

Folds what a native reader treats as the same letters: Arabic/Persian alef and hamza forms,
Arabic and Persian yeh and kaf, teh marbuta, diacritics (harakat), tatweel, zero-width
joiners, Persian and Arabic-Indic digits, and Greek accents and final sigma; then casefolds.
"""

from __future__ import annotations

import re
import unicodedata

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
