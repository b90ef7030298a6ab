"""Native digits for what the interface shows: Persian ۰–۹ for fa, Arabic-Indic ٠–٩ for ar.

The web middleware switches them on per request for agents who asked for them; templates
pass interface numbers (counts, dates, ids) through the `digits` filter. Text people wrote
is never converted."""

from __future__ import annotations

from contextvars import ContextVar

_TABLES = {
    "fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    "ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
}
_active: ContextVar[dict[int, int] | None] = ContextVar("mehvar_digits", default=None)


def activate(language: str) -> object:
    """Use `language`'s digits in this context (no change for a language without its own);
    returns a token for `deactivate`."""
    return _active.set(_TABLES.get(language))


def deactivate(token: object) -> None:
    _active.reset(token)  # type: ignore[arg-type]


def localize(text: str) -> str:
    table = _active.get()
    return text.translate(table) if table else text
