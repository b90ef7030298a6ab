"""Apply a signed-in agent's own interface language, time zone and digits to every request."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from mehvar.core import digits


class AgentPreferencesMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: the agent's saved language wins
    over the cookie and Accept-Language, and times render in the agent's zone. Requests
    without a session cookie (API clients with a token) skip the user lookup entirely."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if settings.SESSION_COOKIE_NAME in request.COOKIES else None
        digit_language = ""
        if user is not None and user.is_authenticated:
            language = getattr(user, "language", "")
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
            if getattr(user, "native_digits", False):
                digit_language = translation.get_language() or ""
            try:
                timezone.activate(zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        token = digits.activate(digit_language)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            digits.deactivate(token)
