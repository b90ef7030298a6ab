"""Field validation for customers and organizations: each cleaner returns the canonical value
or raises Invalid with a stable code and the field name."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import timezone
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
MAX_EXTERNAL_ID_LENGTH = 200
MAX_AMOUNT_INPUT_LENGTH = 40
MAX_DATE_INPUT_LENGTH = 40
EARLIEST_ORDER_YEAR = 1900
ORDER_CLOCK_SKEW = timedelta(days=1)
# Arabic-Indic and Persian digits to ASCII, bidi marks dropped; for amounts also the Arabic
# decimal separator to a point and group separators (Arabic thousands separator, spaces of
# every width) dropped.
_DIGITS = {
    **{chr(0x0660 + digit): str(digit) for digit in range(10)},
    **{chr(0x06F0 + digit): str(digit) for digit in range(10)},
    **{chr(code): None for code in (0x200E, 0x200F, 0x061C)},
}
_DIGITS_MAP = str.maketrans(_DIGITS)
_NUMBER_MAP = str.maketrans({**_DIGITS, "\u066b": ".", "\u066c": None, " ": None,
                             "\u00a0": None, "\u2009": None, "\u202f": None})
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


def ascii_digits(text: str) -> str:
    """`text` with Persian and Arabic digits made ASCII and bidi marks removed."""
    return text.translate(_DIGITS_MAP)


def ascii_number(text: str) -> str:
    """ascii_digits, and also the Arabic decimal separator made a point and group separators
    (Arabic thousands separator, spaces) removed."""
    return text.translate(_NUMBER_MAP)


def parse_amount(text: str, *, field: str = "amount") -> Decimal:
    """An amount typed by a person or exported by a spreadsheet: Persian or Arabic digits,
    the Arabic decimal separator (٫) or a point; a comma is refused as ambiguous (a decimal
    comma in Greek, a thousands separator in English)."""
    if len(text) > MAX_AMOUNT_INPUT_LENGTH:
        raise _invalid(Code.MONEY_INVALID, _("The amount is too long."), field)
    plain = ascii_number(text.strip())
    if "," in plain or "\u060c" in plain:
        raise _invalid(Code.MONEY_INVALID, _("Write the amount without commas, with a point "
                                             "before the cents: 1250.50."), field)
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", plain):
        raise _invalid(Code.MONEY_INVALID, _("Write the amount as a number, such as 1250.50."),
                       field)
    return clean_money(plain, field=field)


def parse_ordered_at(text: str, *, field: str = "ordered_at") -> datetime:
    """An ISO date (2025-03-21) or date and time (2025-03-21T14:30, with or without an offset),
    with any digits; a value without an offset is read in the company's time zone."""
    plain = ascii_digits(text.strip()) if len(text) <= MAX_DATE_INPUT_LENGTH else ""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", plain):
            value = datetime.combine(date.fromisoformat(plain), time())
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}[0-9:.+\-Z]*", plain):
            value = datetime.fromisoformat(plain)
        else:
            raise ValueError(plain)
    except ValueError as error:
        raise _invalid(Code.ORDER_DATE_INVALID, _("Write the date as 2025-03-21 or "
                       "2025-03-21T14:30."), field) from error
    return clean_ordered_at(value, field=field)


def clean_ordered_at(value: object, *, field: str = "ordered_at") -> datetime:
    """An aware datetime (a naive one is read in the company's time zone), not before 1900
    and not in the future (a day of clock difference allowed)."""
    if not isinstance(value, datetime):
        raise _invalid(Code.ORDER_DATE_INVALID, _("Give the date and time of the order."), field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if value.year < EARLIEST_ORDER_YEAR or value > timezone.now() + ORDER_CLOCK_SKEW:
        raise _invalid(Code.ORDER_DATE_INVALID,
                       _("The order date must be after 1900 and not in the future."), field)
    return value.astimezone(UTC)


def clean_external_id(value: object, *, field: str = "external_id") -> str:
    if not isinstance(value, str) or _FORBIDDEN_IN_TEXT.search(value):
        raise _invalid(Code.ORDER_EXTERNAL_ID_INVALID, _("Enter the id without control "
                       "characters."), field)
    text = value.strip()
    if len(text) > MAX_EXTERNAL_ID_LENGTH:
        raise _invalid(Code.ORDER_EXTERNAL_ID_INVALID, _("Enter at most %(max)d characters.")
                       % {"max": MAX_EXTERNAL_ID_LENGTH}, field)
    return text


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
