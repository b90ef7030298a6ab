from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mehvar.accounts.models import Agent
from mehvar.accounts.services import agent_set_preferences
from mehvar.core.errors import Invalid
from mehvar.core.timezones import time_zone_names


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The agent's own settings: interface language, time zone, password."""
    return render(request, "web/account/settings.html", {
        "time_zones": time_zone_names(),
    })


@login_required
@require_POST
def account_preferences(request: HttpRequest) -> HttpResponse:
    """Save the language and/or time zone posted (from the header or the account page) and
    go back where the agent was."""
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    language = request.POST.get("language") or None
    time_zone = request.POST.get("time_zone") or None
    # Only the account page has the checkbox (an unchecked box posts nothing).
    native_digits = (request.POST.get("native_digits") == "1"
                     if request.POST.get("digits_choice") else None)
    try:
        agent_set_preferences(actor=request.user, language=language, time_zone=time_zone,
                              native_digits=native_digits)
    except Invalid as error:
        return render(request, "web/account/settings.html", {
            "time_zones": time_zone_names(), "error": error.detail,
        }, status=400)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language:  # the cookie keeps the language on the sign-in page after signing out
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                            max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax")
    return response
