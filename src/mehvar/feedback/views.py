"""The customer's survey page, reached by a signed link (no sign-in): mobile-friendly, in the
customer's language and direction. A score link from an e-mail shows the page with that
score chosen and sends it at once when scripts run; link scanners, which run none, cannot
answer for the customer. The same link, under /c/, is where the customer tells what went
wrong (a complaint)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from mehvar.core.errors import DomainError
from mehvar.feedback.complaint_intake import complaint_submit
from mehvar.feedback.links import invitation_id_from
from mehvar.feedback.models import SCALES, ComplaintCategory, SurveyKind
from mehvar.feedback.selectors import invitation_for_page
from mehvar.feedback.services import response_record, survey_questions, survey_texts

RTL = {"ar", "fa"}


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str, score: int | None = None) -> HttpResponse:
    try:
        invitation = invitation_for_page(invitation_id=invitation_id_from(token))
    except DomainError as error:
        return _render(request, "en", {"error": error.detail}, status=error.status)
    language = invitation.language or "en"
    with translation.override(language):
        context: dict[str, Any] = {"invitation": invitation, "token": token}
        if request.method == "POST":
            try:
                response = response_record(token=token, score=request.POST.get("score", ""),
                                           comment=request.POST.get("comment", "")[:6000],
                                           answers=_answers(request, invitation))
            except DomainError as error:
                context.update(error=error.detail, chosen=request.POST.get("score", ""),
                               comment=request.POST.get("comment", "")[:6000])
                return _render(request, language, context, status=_status(error))
            context["response"] = response
            context["thanks"] = True
        else:
            existing = getattr(invitation, "response", None)
            context["response"] = existing
            context["chosen"] = str(score) if score is not None else (
                str(existing.score) if existing else "")
            context["auto_send"] = score is not None and existing is None
            if existing is None and timezone.now() > invitation.expires_at:
                context["expired"] = True
        return _render(request, language, context)


def _answers(request: HttpRequest, invitation: Any) -> dict[str, str]:
    """The extra questions' fields (q_<key>) that were filled in."""
    return {question["key"]: request.POST.get(f"q_{question['key']}", "")[:1200]
            for question in invitation.survey.questions or []
            if request.POST.get(f"q_{question['key']}", "").strip()}


def _render(request: HttpRequest, language: str, context: dict[str, Any],
            status: int = 200) -> HttpResponse:
    invitation = context.get("invitation")
    if invitation is not None:
        low, high = SCALES[SurveyKind(invitation.kind)]
        response = context.get("response")
        given = response.answers if response is not None else {}
        questions = [{**question, "answer": given.get(question["key"])}
                     for question in survey_questions(invitation.survey, language)]
        context.update(texts=survey_texts(invitation.survey, language), questions=questions,
                       scores=[str(value) for value in range(low, high + 1)])
    context.update(language=language, direction="rtl" if language in RTL else "ltr")
    with translation.override(language):
        return render(request, "feedback/survey.html", context, status=status)


def _status(error: DomainError) -> int:
    return 400 if error.status == 422 else error.status


@require_http_methods(["GET", "POST"])
def complaint_page(request: HttpRequest, token: str) -> HttpResponse:
    """"Something went wrong? Tell us": the customer's own complaint, through their link."""
    try:
        invitation = invitation_for_page(invitation_id=invitation_id_from(token))
    except DomainError as error:
        return _render_complaint(request, "en", {"error": error.detail}, status=error.status)
    language = invitation.language or "en"
    context: dict[str, Any] = {"invitation": invitation, "token": token,
                               "category": ComplaintCategory.SERVICE.value}
    if request.method == "POST":
        text, category = request.POST.get("text", "")[:6000], request.POST.get("category", "")
        try:
            complaint_submit(token=token, text=text, category=category[:32])
        except DomainError as error:
            context.update(error=error.detail, text=text, category=category)
            return _render_complaint(request, language, context, status=_status(error))
        context["thanks"] = True
    elif timezone.now() > invitation.expires_at:
        context["expired"] = True
    return _render_complaint(request, language, context)


def _render_complaint(request: HttpRequest, language: str, context: dict[str, Any],
                      status: int = 200) -> HttpResponse:
    context.update(language=language, direction="rtl" if language in RTL else "ltr")
    with translation.override(language):
        context["categories"] = [(value, str(label))
                                 for value, label in ComplaintCategory.choices]
        return render(request, "feedback/complaint.html", context, status=status)
