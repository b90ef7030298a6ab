"""Interface numbers and times in the agent's digits (core.digits) and time zone.

`{{ value|digits }}`: a number or text with ASCII digits.
`{{ moment|when }}` / `{{ moment|when:"date" }}`: "2026-11-23 14:05" / "2026-11-23" in the
agent's time zone. Django's `date` filter goes through locale formats on every call; these
pages show fixed ISO-like forms, and strftime was a tenth of a page's rendering time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from mehvar.core.digits import localize

register = template.Library()
FORMATS = {"datetime": "%Y-%m-%d %H:%M", "date": "%Y-%m-%d"}


@register.filter(name="digits", is_safe=True)
def digits_filter(value: Any) -> SafeString:
    # Escaped first; swapping ASCII digits for other digits keeps escaped text safe.
    return mark_safe(localize(str(conditional_escape(value))))


@register.filter(name="when")
def when_filter(moment: datetime | None, form: str = "datetime") -> str:
    if not isinstance(moment, datetime):
        return ""
    return localize(localtime(moment).strftime(FORMATS.get(form, FORMATS["datetime"])))
