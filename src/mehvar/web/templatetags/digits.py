"""`{{ value|digits }}`: an interface number or date in the agent's digits (core.digits)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from mehvar.core.digits import localize

register = template.Library()


@register.filter(name="digits", is_safe=True)
def digits_filter(value: Any) -> SafeString:
    # Escaped first; swapping ASCII digits for other digits keeps escaped text safe.
    return mark_safe(localize(str(conditional_escape(value))))
