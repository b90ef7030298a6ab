"""Internal request pages: the requests asked of a team (by default the agent's first team),
filtered by status and paged newest first, and one request with the forms to take it, assign
it and finish it (done with what was done, or cancelled).

Reads go through service_levels.selectors and writes through its requests service, which
checks the role: analysts read, and a change they try is the 403 page and changes nothing.
Bad input is a 400 with the message beside the field, a finished request a 409, an unknown id
the 404 page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.selectors import agent_choices, team_choices
from mehvar.core.errors import DomainError, Invalid
from mehvar.core.permissions import can, require
from mehvar.service_levels.models import InternalRequest, RequestStatus
from mehvar.service_levels.selectors import request_get, request_page
from mehvar.service_levels.services.requests import (
    MAX_DETAILS,
    internal_request_assign,
    internal_request_finish,
)
from mehvar.web.customer_forms import attach_error, page_status
from mehvar.web.customers import agent_of

PAGE_SIZE = 25
ALL = "all"
STATUSES: dict[str, Any] = {**dict(RequestStatus.choices), ALL: _("All")}
UPDATE = "internal_request.update"


class AssignForm(forms.Form):
    owner_id = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, agents: Sequence[Agent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Nobody")), *((str(agent.pk), agent.name) for agent in agents)]

    def owner(self) -> int | None:
        value = self.cleaned_data["owner_id"]
        return int(value) if value else None


class FinishForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=MAX_DETAILS,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 4,
                                     "aria-describedby": "id_outcome_helptext"}),
        help_text=_("What was done; the agent who asked reads it on the conversation."))
    result = forms.ChoiceField(choices=[("done", _("Done")), ("cancel", _("Cancelled"))])


# --- the list ------------------------------------------------------------------------------


def _filters(query: QueryDict, teams: Sequence[Team], my_team_ids: Sequence[int]
             ) -> tuple[int | None, str]:
    """The chosen team (None: all teams) and status; Invalid for a value not offered."""
    team = query.get("team", "")
    if not team:
        team_id = my_team_ids[0] if my_team_ids else None
    elif team == ALL:
        team_id = None
    elif team.isdigit() and len(team) < 19 and any(row.pk == int(team) for row in teams):
        team_id = int(team)
    else:
        raise Invalid("filter_invalid", _("That filter value is not one of the choices."),
                      field="team")
    status = query.get("status") or RequestStatus.OPEN
    if status not in STATUSES:
        raise Invalid("filter_invalid", _("That filter value is not one of the choices."),
                      field="status")
    return team_id, status


def _error_page(request: HttpRequest, error: DomainError, back: str = "") -> HttpResponse:
    return render(request, "web/requests/error.html", {"error": error.detail, "back": back},
                  status=page_status(error))


@login_required
@require_GET
def request_list_page(request: HttpRequest) -> HttpResponse:
    """Requests asked of one team, newest first: the agent's first team (by name) unless
    another team or all teams are chosen; open ones unless another status is chosen."""
    agent = agent_of(request)
    try:
        teams = team_choices(actor=agent)
        mine = set(agent.teams.values_list("pk", flat=True))
        team_id, status = _filters(request.GET, teams, [row.pk for row in teams
                                                        if row.pk in mine])
        page = request_page(actor=agent, cursor=request.GET.get("cursor") or None,
                            limit=PAGE_SIZE, team_id=team_id,
                            status=None if status == ALL else status)
    except DomainError as error:
        return _error_page(request, error)
    query = request.GET.copy()
    query["team"], query["status"] = str(team_id or ALL), status
    if page.next_cursor:
        query["cursor"] = page.next_cursor
    return render(request, "web/requests/list.html", {
        "teams": [(team, team.pk in mine) for team in teams], "team_id": team_id,
        "status": status, "statuses": STATUSES,
        "rows": [(item, STATUSES.get(item.status, item.status)) for item in page.items],
        "next_url": f"?{query.urlencode()}" if page.next_cursor else ""})


# --- one request ---------------------------------------------------------------------------


def _detail(request: HttpRequest, item: InternalRequest, *,
            assign_form: AssignForm | None = None, finish_form: FinishForm | None = None,
            status: int = 200) -> HttpResponse:
    agent = agent_of(request)
    may_update = item.status == RequestStatus.OPEN and can(agent, UPDATE)
    context: dict[str, Any] = {"item": item, "may_update": may_update,
                               "status_label": dict(RequestStatus.choices)[item.status]}
    if may_update:
        agents = agent_choices(actor=agent)
        context.update(
            assign_form=assign_form or AssignForm(
                initial={"owner_id": str(item.owner_id or "")}, agents=agents),
            finish_form=finish_form or FinishForm(),
            may_take=item.owner_id != agent.pk)
    return render(request, "web/requests/detail.html", context, status=status)


def _back(request_id: int) -> str:
    return reverse("internal-request", args=[request_id])


@login_required
@require_GET
def request_page_view(request: HttpRequest, request_id: int) -> HttpResponse:
    """The request, its outcome, and (while it is open, for agents and up) its forms."""
    try:
        item = request_get(actor=agent_of(request), request_id=request_id)
    except DomainError as error:
        return _error_page(request, error)
    return _detail(request, item)


@login_required
@require_POST
def request_assign(request: HttpRequest, request_id: int) -> HttpResponse:
    """Take the request (owner_id is the agent's own) or give it to someone, or to nobody."""
    agent = agent_of(request)
    try:
        require(agent, UPDATE)  # refused before the input is read: 403 whatever was sent
        item = request_get(actor=agent, request_id=request_id)
        form = AssignForm(request.POST, agents=agent_choices(actor=agent))
        if form.is_valid():
            internal_request_assign(actor=agent, request_id=item.pk, owner_id=form.owner())
            return HttpResponseRedirect(_back(item.pk))
    except Invalid as error:
        attach_error(form, error)
        return _detail(request, item, assign_form=form, status=400)
    except DomainError as error:
        return _error_page(request, error, _back(request_id))
    return _detail(request, item, assign_form=form, status=400)


@login_required
@require_POST
def request_finish(request: HttpRequest, request_id: int) -> HttpResponse:
    """Finish the request: done with its outcome, or cancelled."""
    agent = agent_of(request)
    form = FinishForm(request.POST)
    try:
        require(agent, UPDATE)
        item = request_get(actor=agent, request_id=request_id)
        if form.is_valid():
            internal_request_finish(actor=agent, request_id=item.pk,
                                    outcome=form.cleaned_data["outcome"],
                                    cancelled=form.cleaned_data["result"] == "cancel")
            return HttpResponseRedirect(_back(item.pk))
    except Invalid as error:
        attach_error(form, error)
        return _detail(request, item, finish_form=form, status=400)
    except DomainError as error:
        return _error_page(request, error, _back(request_id))
    return _detail(request, item, finish_form=form, status=400)
