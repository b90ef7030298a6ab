"""Field validation for customers and organizations: each cleaner returns the canonical value
or raises Invalid with a stable code and the field name."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import Invalid
from mehvar.core.timezones import is_time_zone
from mehvar.customers.errors import CustomerErrorCode as Code
from mehvar.customers.identities import normalize_domain
from mehvar.customers.models import JourneyStage, Tier

MAX_NAME_LENGTH = 200
MAX_NOTES_LENGTH = 10_000
MAX_TAGS = 50
MAX_TAG_LENGTH = 64
MAX_KEY_LENGTH = 64
MAX_ATTRIBUTE_KEYS = 100
MAX_ATTRIBUTES_CHARS = 16_000
MAX_CONSENT_KEYS = 20
MAX_IDENTITIES = 20
MAX_MONEY = Decimal("999999999999.99")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*", re.IGNORECASE)
# Control characters and bidi embeddings/overrides/isolates (display spoofing); ZWNJ stays,
# Persian spelling needs it.
_FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _invalid(code: str, detail: str | Promise, field: str) -> Invalid:
    return Invalid(code, detail, field=field)


def clean_text(value: object, *, field: str, max_length: int, required: bool) -> str:
    if not isinstance(value, str) or _FORBIDDEN_IN_TEXT.search(value):
        raise _invalid(Code.NAME_INVALID if field == "name" else Code.NOTES_INVALID,
                       _("Enter text without control characters."), field)
    text = value.strip()
    if (required and not text) or len(text) > max_length:
        raise _invalid(Code.NAME_INVALID if field == "name" else Code.NOTES_INVALID,
                       _("Enter %(min)d to %(max)d characters.")
                       % {"min": 1 if required else 0, "max": max_length}, field)
    return text


def clean_name(value: object) -> str:
    return " ".join(clean_text(value, field="name", max_length=MAX_NAME_LENGTH,
                                required=True).split())


def clean_notes(value: object) -> str:
    return clean_text(value, field="notes", max_length=MAX_NOTES_LENGTH, required=False)


def clean_domain(value: object) -> str:
    if not isinstance(value, str):
        raise _invalid(Code.DOMAIN_INVALID, _("The domain name is not valid."), "domain")
    return normalize_domain(value) if value.strip() else ""


def clean_language(value: object) -> str:
    """A short BCP 47 tag in canonical case ("fa", "ar-EG", "zh-Hant-TW"), or ""."""
    if not isinstance(value, str) or len(value.strip()) > 16:
        raise _invalid(Code.LANGUAGE_INVALID, _("Enter a language code such as fa or ar-EG."),
                       "language")
    text = value.strip().replace("_", "-")
    if not text:
        return ""
    if not _LANGUAGE_TAG.fullmatch(text):
        raise _invalid(Code.LANGUAGE_INVALID, _("Enter a language code such as fa or ar-EG."),
                       "language")
    primary, *subtags = text.split("-")
    canonical = [primary.lower()]
    for subtag in subtags:
        if len(subtag) == 4 and subtag.isalpha():
            canonical.append(subtag.title())
        elif (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit()):
            canonical.append(subtag.upper())
        else:
            canonical.append(subtag.lower())
    return "-".join(canonical)


def clean_time_zone(value: object) -> str:
    if not isinstance(value, str) or (value.strip() and not is_time_zone(value.strip())):
        raise _invalid(Code.TIME_ZONE_INVALID, _("Enter a time zone such as Asia/Tehran."),
                       "time_zone")
    return value.strip()


def _choice_cleaner(choices: type[models.TextChoices], field: str) -> Any:
    def clean(value: object) -> str:
        if value not in choices.values:
            raise _invalid(Code.CHOICE_INVALID, _("Choose one of: %(choices)s.")
                           % {"choices": ", ".join(choices.values)}, field)
        return str(value)
    return clean


def clean_segment_tags(value: object) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) > MAX_TAGS:
        raise _invalid(Code.SEGMENT_TAGS_INVALID,
                       _("Give a list of at most %(max)d tags.") % {"max": MAX_TAGS},
                       "segment_tags")
    tags = []
    for tag in value:
        if not isinstance(tag, str) or _FORBIDDEN_IN_TEXT.search(tag):
            raise _invalid(Code.SEGMENT_TAGS_INVALID, _("Each tag must be text."),
                           "segment_tags")
        text = " ".join(tag.split())
        if not text or len(text) > MAX_TAG_LENGTH:
            raise _invalid(Code.SEGMENT_TAGS_INVALID, _("Each tag must have 1 to %(max)d "
                           "characters.") % {"max": MAX_TAG_LENGTH}, "segment_tags")
        tags.append(text)
    return list(dict.fromkeys(tags))


def clean_custom_attributes(value: object) -> dict[str, Any]:
    problem = _("Give an object with at most %(keys)d keys and %(chars)d characters of JSON.") % {
        "keys": MAX_ATTRIBUTE_KEYS, "chars": MAX_ATTRIBUTES_CHARS}
    if (not isinstance(value, Mapping) or len(value) > MAX_ATTRIBUTE_KEYS
            or not all(isinstance(key, str) and 0 < len(key) <= MAX_KEY_LENGTH for key in value)):
        raise _invalid(Code.ATTRIBUTES_INVALID, problem, "custom_attributes")
    try:
        size = len(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError) as error:
        raise _invalid(Code.ATTRIBUTES_INVALID, problem, "custom_attributes") from error
    if size > MAX_ATTRIBUTES_CHARS:
        raise _invalid(Code.ATTRIBUTES_INVALID, problem, "custom_attributes")
    return dict(value)


def clean_consent(value: object) -> dict[str, bool]:
    if (not isinstance(value, Mapping) or len(value) > MAX_CONSENT_KEYS or not all(
            isinstance(key, str) and 0 < len(key) <= MAX_KEY_LENGTH and isinstance(flag, bool)
            for key, flag in value.items())):
        raise _invalid(Code.CONSENT_INVALID, _("Give consent as an object of yes/no flags, at "
                       "most %(max)d of them.") % {"max": MAX_CONSENT_KEYS}, "consent")
    return dict(value)


def clean_money(value: object, *, field: str) -> Decimal:
    """A non-negative amount with two decimal places (rounded half up)."""
    problem = _("Enter an amount between 0 and %(max)s.") % {"max": MAX_MONEY}
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal | float):
        raise _invalid(Code.MONEY_INVALID, problem, field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise _invalid(Code.MONEY_INVALID, problem, field) from error
    if not amount.is_finite() or not 0 <= amount <= MAX_MONEY:
        raise _invalid(Code.MONEY_INVALID, problem, field)
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


CUSTOMER_CLEANERS: dict[str, Any] = {
    "name": clean_name,
    "language": clean_language,
    "time_zone": clean_time_zone,
    "journey_stage": _choice_cleaner(JourneyStage, "journey_stage"),
    "tier": _choice_cleaner(Tier, "tier"),
    "segment_tags": clean_segment_tags,
    "custom_attributes": clean_custom_attributes,
    "consent": clean_consent,
    "notes": clean_notes,
}
