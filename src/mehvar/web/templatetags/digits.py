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
from django.utils.translation import gettext as _

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


@register.filter(name="duration")
def duration_filter(seconds: Any) -> str:
    """A length of time in days, hours and minutes (the largest two), in the agent's digits."""
    if not isinstance(seconds, int | float) or seconds < 0:
        return ""
    minutes = int(seconds) // 60
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        text = _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    elif hours:
        text = _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    else:
        text = _("%(minutes)d min") % {"minutes": minutes}
    return localize(text)
