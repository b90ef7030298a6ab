"""Checks shared by the service levels services: bounded lists of codes and choices."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from mehvar.conversations.html import normalize_tag
from mehvar.core.errors import Invalid
from mehvar.service_levels.errors import ServiceLevelErrorCode as Code

# Control characters (NUL breaks PostgreSQL text) and bidi overrides that can disguise text;
# tabs and newlines stay for longer texts.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_NAME = 100
MAX_LIST = 50
MAX_ITEM = 64


def clean_text(value: object, *, field: str, max_length: int, code: str) -> str:
    """Text as written (stripped), or Invalid when it is not text, too long or holds control
    characters."""
    if not isinstance(value, str) or len(value) > max_length or _FORBIDDEN.search(value):
        raise Invalid(code, _("Give text of at most %(max)d characters, without control "
                              "characters.") % {"max": max_length}, field=field)
    return value.strip()


def clean_name(name: object) -> str:
    value = " ".join(str(name).split()) if isinstance(name, str) else ""
    if not value or len(value) > MAX_NAME or _FORBIDDEN.search(value):
        raise Invalid(Code.NAME_INVALID,
                      _("Give a name of 1 to %(max)d characters.") % {"max": MAX_NAME},
                      field="name")
    return value


def clean_strings(values: object, *, field: str) -> list[str]:
    """Distinct non-empty strings of at most MAX_ITEM characters, at most MAX_LIST of them."""
    if not isinstance(values, list | tuple) or len(values) > MAX_LIST:
        raise Invalid(Code.LIST_INVALID,
                      _("Give a list of at most %(max)d values.") % {"max": MAX_LIST}, field=field)
    cleaned: list[str] = []
    for value in values:
        if (not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_ITEM
                or _FORBIDDEN.search(value)):
            raise Invalid(Code.LIST_INVALID,
                          _("Each value must be text of 1 to %(max)d characters.")
                          % {"max": MAX_ITEM}, field=field)
        if value.strip() not in cleaned:
            cleaned.append(value.strip())
    return cleaned


def clean_codes(values: object, *, field: str) -> list[str]:
    """Tags, skills and product areas, spelled as conversations store tags
    (conversations.html.normalize_tag), so a condition compares like with like."""
    return list(dict.fromkeys(normalize_tag(value) for value in clean_strings(values,
                                                                             field=field)))


def clean_languages(values: object, *, field: str) -> list[str]:
    languages = [value.lower() for value in clean_strings(values, field=field)]
    if any(len(value) > 16 for value in languages):
        raise Invalid(Code.LIST_INVALID, _("A language is a code such as ar, fa, el or en."),
                      field=field)
    return languages


def clean_choices(values: object, allowed: Iterable[str], *, field: str) -> list[str]:
    cleaned = clean_strings(values, field=field)
    allowed_set = set(allowed)
    unknown = [value for value in cleaned if value not in allowed_set]
    if unknown:
        raise Invalid(Code.CHOICES_INVALID,
                      _("Unknown values: %(values)s.") % {"values": ", ".join(unknown[:5])},
                      field=field)
    return cleaned


def clean_ids(values: object, *, field: str, max_items: int = MAX_LIST) -> list[int]:
    if (not isinstance(values, list | tuple) or len(values) > max_items
            or not all(isinstance(value, int) and not isinstance(value, bool) and value > 0
                       for value in values)):
        raise Invalid(Code.LIST_INVALID, _("Give a list of ids."), field=field)
    return list(dict.fromkeys(values))


def clean_whole(value: object, *, field: str, upper: int, code: str) -> int:
    """A whole number from 0 to `upper` (positions, percentages)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= upper:
        raise Invalid(code, _("Give a whole number from 0 to %(max)d.") % {"max": upper},
                      field=field)
    return value


def clean_minutes(value: object, *, field: str) -> int | None:
    if value is None:
        return None
    if (not isinstance(value, int) or isinstance(value, bool)
            or not 1 <= value <= 60 * 24 * 365):
        raise Invalid(Code.POLICY_INVALID,
                      _("A target is a number of minutes from 1 to 525600, or empty."),
                      field=field)
    return value
