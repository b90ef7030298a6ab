"""Input checks for the conversation services: each returns the canonical value or raises
Invalid with a stable code and the field name. Limits that operators may change come from
settings at call time (MEHVAR_MAX_MESSAGE_CHARS)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mehvar.conversations.errors import ConversationErrorCode as Code
from mehvar.conversations.html import clean_text, html_to_text, normalize_tag, sanitize_html
from mehvar.core.errors import Invalid

MAX_SUBJECT_LENGTH = 300
MAX_TAGS = 20
MAX_TAG_LENGTH = 64
MAX_EXTERNAL_ID_LENGTH = 500
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_FIELD_KEY_LENGTH = 64
MAX_CUSTOM_FIELD_TEXT_LENGTH = 2_000
MAX_CUSTOM_FIELD_LIST_ITEMS = 50
HTML_TO_TEXT_RATIO = 5  # raw HTML may be this many times longer than the text limit
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


def check_choice(value: object, allowed: Iterable[str], code: str, field: str) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise Invalid(code, _("This value is not one of the allowed choices."), field=field)


def clean_subject(subject: str) -> str:
    text = " ".join(clean_text(subject).split())
    if not 1 <= len(text) <= MAX_SUBJECT_LENGTH:
        raise Invalid(Code.SUBJECT_INVALID,
                      _("Enter a subject of 1 to %(max)d characters.")
                      % {"max": MAX_SUBJECT_LENGTH}, field="subject")
    return text


def clean_body(text: str, html: str) -> tuple[str, str]:
    """(text, sanitised HTML); the text comes from the HTML when only HTML was given."""
    limit = settings.MEHVAR_MAX_MESSAGE_CHARS
    if len(text) > limit or len(html) > limit * HTML_TO_TEXT_RATIO:
        raise Invalid(Code.MESSAGE_TOO_LONG,
                      _("The message is longer than %(max)d characters.") % {"max": limit},
                      field="text")
    safe_html = sanitize_html(html)
    body = clean_text(text).strip() or html_to_text(safe_html, sanitized=True)
    if not body and not safe_html:
        raise Invalid(Code.MESSAGE_EMPTY, _("Write a message (text or HTML)."), field="text")
    if len(body) > limit:
        raise Invalid(Code.MESSAGE_TOO_LONG,
                      _("The message is longer than %(max)d characters.") % {"max": limit},
                      field="html")
    return body, safe_html


def clean_language(language: str) -> str:
    value = language.strip().lower()
    if value and (len(value) > 16 or not _LANGUAGE_TAG.fullmatch(value)):
        raise Invalid(Code.LANGUAGE_INVALID, _("Enter a language code such as fa, ar or el."),
                      field="language")
    return value


def clean_external_id(external_id: str) -> str:
    value = clean_text(external_id).strip()
    if len(value) > MAX_EXTERNAL_ID_LENGTH:
        raise Invalid(Code.EXTERNAL_ID_INVALID,
                      _("The external id is longer than %(max)d characters.")
                      % {"max": MAX_EXTERNAL_ID_LENGTH}, field="external_id")
    return value


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Normalised (html.normalize_tag), de-duplicated in order; ≤ 20 of 1–64 characters."""
    names = list(dict.fromkeys(normalize_tag(tag) if isinstance(tag, str) else "" for tag in tags))
    if len(names) > MAX_TAGS or any(not 1 <= len(name) <= MAX_TAG_LENGTH for name in names):
        raise Invalid(Code.TAGS_INVALID,
                      _("Give at most %(count)d tags of 1 to %(max)d characters each.")
                      % {"count": MAX_TAGS, "max": MAX_TAG_LENGTH}, field="tags")
    return names


def clean_custom_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """At most 50 keys of 1–64 characters; values are text (≤ 2,000 characters), numbers,
    booleans, null, or lists of at most 50 of those."""
    invalid = Invalid(Code.CUSTOM_FIELDS_INVALID,
                      _("Custom fields must be at most %(count)d short keys with simple values.")
                      % {"count": MAX_CUSTOM_FIELDS}, field="custom_fields")
    if not isinstance(values, Mapping) or len(values) > MAX_CUSTOM_FIELDS:
        raise invalid
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        name = " ".join(clean_text(key).split()) if isinstance(key, str) else ""
        if not 1 <= len(name) <= MAX_CUSTOM_FIELD_KEY_LENGTH:
            raise invalid
        if isinstance(value, list):
            if len(value) > MAX_CUSTOM_FIELD_LIST_ITEMS:
                raise invalid
            cleaned[name] = [_clean_scalar(item, invalid) for item in value]
        else:
            cleaned[name] = _clean_scalar(value, invalid)
    return cleaned


def _clean_scalar(value: object, invalid: Invalid) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str) and len(value) <= MAX_CUSTOM_FIELD_TEXT_LENGTH:
        return clean_text(value)
    raise invalid
