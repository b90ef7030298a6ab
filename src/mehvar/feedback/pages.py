"""Pages for agents and product people: feedback items grouped by product area (sortable by
the customers asking or their value), one item with its comments and customers, filing a
survey comment or a conversation as a new item or under an existing one, and the CSAT / NPS /
CES figures by agent, team, channel and segment for a period with the answers behind them.

Reads go through the selectors and writes through the services, which check the role: a
refused change is the error page with 403 and changes nothing; bad input is a 400 with the
message, an unknown id the 404 page."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.core.errors import DomainError, Invalid
from mehvar.core.permissions import can, require
from mehvar.feedback import product, product_selectors, selectors
from mehvar.feedback.models import FeedbackStatus, SurveyKind

PAGE_SIZE = 50


def _status(error: DomainError) -> int:
    return 400 if isinstance(error, Invalid) else error.status


def _error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "feedback/pages/error.html", {"error": error.detail},
                  status=_status(error))


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 18 else None


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "customers")
    status = request.GET.get("status") or None
    if status not in (None, *FeedbackStatus.values):
        status = None
    try:
        groups = product_selectors.feedback_board(actor=request.user, sort=sort,  # type: ignore[arg-type]
                                                  status=status)
        unfiled = product_selectors.unfiled_comments(actor=request.user,  # type: ignore[arg-type]
                                                     cursor=None, limit=PAGE_SIZE)
        tagged = product_selectors.tagged_conversations(actor=request.user,  # type: ignore[arg-type]
                                                        cursor=None, limit=PAGE_SIZE)
    except DomainError as error:
        return _error(request, error)
    return render(request, "feedback/pages/board.html", {
        "groups": groups, "sort": sort if sort in product_selectors.SORTS else "customers",
        "status": status or "", "statuses": FeedbackStatus.choices, "unfiled": unfiled.items,
        "tagged": tagged.items, "feedback_tag": settings.MEHVAR_FEEDBACK_TAG,
        "may_file": can(request.user, "feedback_item.file")})  # type: ignore[arg-type]


@login_required
@require_GET
def item_page(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        item = product_selectors.feedback_item_get(actor=request.user,  # type: ignore[arg-type]
                                                   item_id=item_id)
    except DomainError as error:
        return _error(request, error)
    may_decide = can(request.user, "feedback_item.decide")  # type: ignore[arg-type]
    areas = (product_selectors.product_area_list(actor=request.user)  # type: ignore[arg-type]
             if may_decide else [])
    return render(request, "feedback/pages/item.html", {
        "item": item, "statuses": FeedbackStatus.choices, "may_decide": may_decide,
        "areas": areas})


@login_required
@require_POST
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    area = request.POST.get("area", "")
    try:
        product.feedback_item_update(
            actor=request.user,  # type: ignore[arg-type]
            item_id=item_id, title=request.POST.get("title", "")[:300],
            description=request.POST.get("description", "")[:6000],
            area_id=_int(area), clear_area=area == "")
    except DomainError as error:
        return _error(request, error)
    return HttpResponseRedirect(reverse("feedback-item", args=[item_id]))


@login_required
@require_POST
def item_status(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        product.feedback_item_set_status(actor=request.user,  # type: ignore[arg-type]
                                         item_id=item_id,
                                         status=request.POST.get("status", "")[:32])
    except DomainError as error:
        return _error(request, error)
    return HttpResponseRedirect(reverse("feedback-item", args=[item_id]))


@login_required
@require_http_methods(["GET", "POST"])
def file_page(request: HttpRequest) -> HttpResponse:
    """File a survey answer (?response=) or a conversation (?conversation=) as a new item,
    or under an existing one."""
    source = request.POST if request.method == "POST" else request.GET
    response_id, conversation_id = _int(source.get("response")), _int(source.get("conversation"))
    actor: Any = request.user
    try:
        require(actor, "feedback_item.file")
        context = {"areas": product_selectors.product_area_list(actor=actor),
                   "items": product_selectors.feedback_item_choices(actor=actor),
                   "response_id": response_id, "conversation_id": conversation_id,
                   "values": source}
    except DomainError as error:
        return _error(request, error)
    if request.method == "GET":
        return render(request, "feedback/pages/file.html", context)
    target = _int(request.POST.get("item"))
    text = request.POST.get("text", "")[:6000]
    try:
        if target is not None:
            product.feedback_item_attach(actor=actor, item_id=target, response_id=response_id,
                                         conversation_id=conversation_id, text=text)
            item_id = target
        else:
            item_id = product.feedback_item_create(
                actor=actor, title=request.POST.get("title", "")[:300],
                description=request.POST.get("description", "")[:6000],
                area_id=_int(request.POST.get("area")), response_id=response_id,
                conversation_id=conversation_id, text=text).pk
    except DomainError as error:
        context["error"] = error.detail
        return render(request, "feedback/pages/file.html", context, status=_status(error))
    return HttpResponseRedirect(reverse("feedback-item", args=[item_id]))


# --- figures -------------------------------------------------------------------------------

GROUPS = ("none", "agent", "team", "channel", "segment")


def _day(value: str | None, *, end: bool = False) -> datetime | None:
    day = parse_date(value or "") if value and len(value) <= 10 else None
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1) if end else day, time(0),
                            tzinfo=timezone.get_current_timezone())


@login_required
@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", SurveyKind.CSAT)
    kind = kind if kind in SurveyKind.values else SurveyKind.CSAT
    group_by = request.GET.get("group_by", "none")
    group_by = group_by if group_by in GROUPS else "none"
    since, until = _day(request.GET.get("since")), _day(request.GET.get("until"), end=True)
    actor: Any = request.user
    try:
        figures = selectors.survey_figures_named(actor=actor, kind=kind, group_by=group_by,
                                                 since=since, until=until)
        answers = selectors.response_page(actor=actor, cursor=request.GET.get("cursor"),
                                          limit=PAGE_SIZE, kind=kind, since=since,
                                          until=until)
    except DomainError as error:
        return _error(request, error)
    return render(request, "feedback/pages/figures.html", {
        "kind": kind, "kinds": SurveyKind.choices, "group_by": group_by,
        "groups": GROUPS, "figures": figures, "answers": answers.items,
        "next_cursor": answers.next_cursor, "since": request.GET.get("since", "")[:10],
        "until": request.GET.get("until", "")[:10],
        "may_file": can(actor, "feedback_item.file")})
