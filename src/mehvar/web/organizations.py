"""Organization pages: the list with search, one organization with its customers, create and
edit (customers.services checks the role; the pages hide what the role cannot do)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import DomainError
from mehvar.core.permissions import can
from mehvar.customers.models import Organization
from mehvar.customers.selectors import customer_list, organization_get, organization_list
from mehvar.customers.services import organization_create, organization_update
from mehvar.web.customer_forms import OrganizationForm, attach_error, page_status
from mehvar.web.customers import PAGE_SIZE, agent_of, error_page


def _next_url(request: HttpRequest, cursor: str | None) -> str:
    if not cursor:
        return ""
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"?{query.urlencode()}"


@login_required
def organization_list_page(request: HttpRequest) -> HttpResponse:
    """Newest first; search by name (any spelling variant) or domain."""
    actor = agent_of(request)
    context: dict[str, Any] = {"query": request.GET}
    try:
        page = organization_list(actor=actor, q=request.GET.get("q", "")[:200] or None,
                                 cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except DomainError as error:
        return render(request, "web/organizations/list.html",
                      {**context, "error": error.detail}, status=page_status(error))
    return render(request, "web/organizations/list.html", {
        **context, "page": page, "next_url": _next_url(request, page.next_cursor)})


@login_required
def organization_page(request: HttpRequest, organization_id: int) -> HttpResponse:
    """The organization and its customers, newest first."""
    actor = agent_of(request)
    try:
        organization = organization_get(actor=actor, organization_id=organization_id)
        page = customer_list(actor=actor, organization_id=organization.pk,
                             cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except DomainError as error:
        return error_page(request, error)
    return render(request, "web/organizations/detail.html", {
        "organization": organization, "page": page,
        "next_url": _next_url(request, page.next_cursor)})


def _form_page(request: HttpRequest, form: OrganizationForm,
               organization: Organization | None, status: int = 200) -> HttpResponse:
    return render(request, "web/organizations/form.html",
                  {"form": form, "organization": organization}, status=status)


def _refused(request: HttpRequest, action: str) -> HttpResponse | None:
    if can(agent_of(request), action):
        return None
    return render(request, "web/customers/error.html", {
        "error": _("Your role can view organizations but not change them.")}, status=403)


@login_required
def organization_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST" and (refused := _refused(request, "organization.create")):
        return refused
    if request.method != "POST":
        return _form_page(request, OrganizationForm(), None)
    form = OrganizationForm(request.POST)
    if form.is_valid():
        try:
            organization = organization_create(actor=agent_of(request), **form.cleaned_data)
        except DomainError as error:
            if error.field is None:
                return error_page(request, error)
            attach_error(form, error)
        else:
            return HttpResponseRedirect(reverse("organization", args=[organization.pk]))
    return _form_page(request, form, None, status=400)


@login_required
def organization_edit(request: HttpRequest, organization_id: int) -> HttpResponse:
    actor = agent_of(request)
    try:
        organization = organization_get(actor=actor, organization_id=organization_id)
    except DomainError as error:
        return error_page(request, error)
    if request.method != "POST" and (refused := _refused(request, "organization.update")):
        return refused
    if request.method != "POST":
        return _form_page(request, OrganizationForm(
            initial=OrganizationForm.initial_for(organization)), organization)
    form = OrganizationForm(request.POST)
    if form.is_valid():
        try:
            organization_update(actor=actor, organization=organization, **form.cleaned_data)
        except DomainError as error:
            if error.field is None:
                return error_page(request, error)
            attach_error(form, error)
        else:
            return HttpResponseRedirect(reverse("organization", args=[organization.pk]))
    return _form_page(request, form, organization, status=400)
