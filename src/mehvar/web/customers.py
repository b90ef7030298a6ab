"""Customer pages: the list with search and filters, the 360 page, edit, agent notes,
identities. Reads go through customers.selectors and writes through customers.services, which
check the role; a refused or failed call is shown on the page with its message (bad input is
a 400, an unknown id a 404, a refused role a 403) and changes nothing."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mehvar.accounts.models import Agent
from mehvar.core.errors import Conflict, DomainError, Invalid, NotFound
from mehvar.core.permissions import can
from mehvar.customers.models import Customer, JourneyStage, Organization, Tier
from mehvar.customers.selectors import (
    customer_360,
    customer_get,
    customer_list,
    identity_get,
    organization_get,
    organization_list,
)
from mehvar.customers.services import (
    customer_create,
    customer_update,
    identity_add,
    identity_remove,
)
from mehvar.intelligence.selectors import sentiment_trend
from mehvar.service_levels.selectors import customer_waiting
from mehvar.web.customer_forms import (
    CustomerForm,
    IdentityForm,
    NotesForm,
    attach_error,
    page_status,
)

PAGE_SIZE = 25
MAX_ORGANIZATION_CHOICES = 100


def agent_of(request: HttpRequest) -> Agent:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    return request.user


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A page that only says what went wrong (unknown id, refused role, bad input)."""
    return render(request, "web/customers/error.html", {"error": error.detail},
                  status=page_status(error))


def optional_id(query: QueryDict, name: str) -> int | None:
    """A positive integer id from the query string, None when absent; Invalid otherwise."""
    raw = query.get(name, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise Invalid("filter_invalid", _("That filter value is not one of the choices."),
                      field=name)
    return int(raw)


def _choice(query: QueryDict, name: str, choices: list[str]) -> str | None:
    value = query.get(name, "")
    if value and value not in choices:
        raise Invalid("filter_invalid", _("That filter value is not one of the choices."),
                      field=name)
    return value or None


@login_required
def customer_list_page(request: HttpRequest) -> HttpResponse:
    """Search by name or any identity (typed in any format), filter by tier, journey stage and
    organization, newest first with an "older" link (keyset)."""
    actor = agent_of(request)
    context: dict[str, Any] = {"query": request.GET, "tiers": Tier.choices,
                               "stages": JourneyStage.choices}
    try:
        tier = _choice(request.GET, "tier", list(Tier.values))
        stage = _choice(request.GET, "journey_stage", list(JourneyStage.values))
        organization_id = optional_id(request.GET, "organization")
        if organization_id is not None:
            context["organization"] = organization_get(actor=actor,
                                                       organization_id=organization_id)
        page = customer_list(
            actor=actor, q=request.GET.get("q", "")[:200] or None, tier=tier,
            journey_stage=stage, organization_id=organization_id,
            cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except DomainError as error:
        return render(request, "web/customers/list.html", {**context, "error": error.detail},
                      status=page_status(error))
    next_query = request.GET.copy()
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    return render(request, "web/customers/list.html", {
        **context, "page": page,
        "next_url": f"?{next_query.urlencode()}" if page.next_cursor else "",
    })


def _customer_page(request: HttpRequest, customer_id: int, *, notes_form: NotesForm | None = None,
                   status: int = 200) -> HttpResponse:
    actor = agent_of(request)
    try:
        c360 = customer_360(
            actor=actor, customer_id=customer_id,
            conversations_cursor=request.GET.get("conversations_cursor") or None,
            timeline_cursor=request.GET.get("timeline_cursor") or None, limit=PAGE_SIZE)
    except DomainError as error:
        return error_page(request, error)
    if c360.customer.merged_into_id is not None and status == 200:
        return HttpResponseRedirect(reverse("customer", args=[c360.customer.merged_into_id]))
    notes_form = notes_form or NotesForm(initial={"notes": c360.customer.notes})
    return render(request, "web/customers/detail.html", {
        "c360": c360, "customer": c360.customer, "notes_form": notes_form,
        "waiting": customer_waiting(actor=actor, customer_id=customer_id),
        "trend": (sentiment_trend(actor=actor, customer_id=customer_id)
                  if can(actor, "insight.view") else []),
    }, status=status)


@login_required
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer 360: profile, identities, every conversation, timeline, agent notes."""
    return _customer_page(request, customer_id)


@login_required
@require_POST
def customer_notes(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Save the agent notes from the 360 page."""
    actor = agent_of(request)
    form = NotesForm(request.POST)
    if form.is_valid():
        try:
            customer = customer_get(actor=actor, customer_id=customer_id)
            customer_update(actor=actor, customer=customer, notes=form.cleaned_data["notes"])
        except DomainError as error:
            if error.field is None:
                return error_page(request, error)
            attach_error(form, error)
        else:
            return HttpResponseRedirect(reverse("customer", args=[customer_id]))
    return _customer_page(request, customer_id, notes_form=form, status=400)


def _organizations(actor: Agent, customer: Customer | None, *, q: str = "",
                   posted: str = "") -> list[Organization]:
    """The organization choices: the newest ones (or those matching `q`), the customer's own,
    and the one posted (found with the search box, possibly older than the newest)."""
    rows = list(organization_list(actor=actor, q=q or None,
                                  limit=MAX_ORGANIZATION_CHOICES).items)
    extra = [customer.organization] if customer is not None and customer.organization else []
    # Not an organization: the form then says it is not one of the choices.
    if posted.isdigit() and len(posted) < 19:
        with suppress(NotFound):
            extra.append(organization_get(actor=actor, organization_id=int(posted)))
    for row in extra:
        if all(row.pk != listed.pk for listed in rows):
            rows.append(row)
    return rows


@login_required
def organization_options(request: HttpRequest) -> HttpResponse:
    """The organization <option>s matching `q` (the edit form's search box swaps them into
    its select), keeping the selected one."""
    actor = agent_of(request)
    try:
        rows = _organizations(actor, None, q=request.GET.get("q", "")[:200],
                              posted=request.GET.get("organization", ""))
    except DomainError as error:
        return error_page(request, error)
    return render(request, "web/customers/organization_options.html", {
        "rows": rows, "selected": request.GET.get("organization", "")})


def _edit_page(request: HttpRequest, customer: Customer, form: CustomerForm,
               identity_form: IdentityForm, status: int = 200) -> HttpResponse:
    return render(request, "web/customers/edit.html", {
        "customer": customer, "form": form, "identity_form": identity_form,
        "identities": list(customer.identities.all()),
    }, status=status)


@login_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Edit the profile and agent notes (customer_update); add and remove identities."""
    actor = agent_of(request)
    try:
        customer = customer_get(actor=actor, customer_id=customer_id)
        if customer.merged_into_id is not None:
            return HttpResponseRedirect(reverse("customer-edit",
                                                args=[customer.merged_into_id]))
        if request.method != "POST" and not can(actor, "customer.update"):
            return render(request, "web/customers/error.html", {
                "error": _("Your role can view customers but not edit them."),
                "back": reverse("customer", args=[customer.pk])}, status=403)
        organizations = _organizations(actor, customer,
                                       posted=request.POST.get("organization", ""))
    except DomainError as error:
        return error_page(request, error)
    if request.method != "POST":
        form = CustomerForm(initial=CustomerForm.initial_for(customer),
                            organizations=organizations)
        return _edit_page(request, customer, form, IdentityForm())
    form = CustomerForm(request.POST, organizations=organizations)
    if form.is_valid():
        try:
            customer_update(actor=actor, customer=customer, **form.changes())
        except DomainError as error:
            if error.field is None:
                return error_page(request, error)
            attach_error(form, error)
        else:
            return HttpResponseRedirect(reverse("customer", args=[customer.pk]))
    return _edit_page(request, customer, form, IdentityForm(), status=400)


@login_required
def customer_new(request: HttpRequest) -> HttpResponse:
    """Create a customer (customer_create); identities are added on its edit page."""
    actor = agent_of(request)
    if not can(actor, "customer.create"):
        return render(request, "web/customers/error.html", {
            "error": _("Your role can view customers but not create them.")}, status=403)
    try:
        organizations = _organizations(actor, None, posted=request.POST.get("organization", ""))
    except DomainError as error:
        return error_page(request, error)
    if request.method != "POST":
        form = CustomerForm(initial={"tier": Tier.STANDARD, "lifetime_value": "0",
                                     "journey_stage": JourneyStage.ACTIVE,
                                     "cost_to_serve": "0"}, organizations=organizations)
        return render(request, "web/customers/new.html", {"form": form})
    form = CustomerForm(request.POST, organizations=organizations)
    if form.is_valid():
        try:
            customer = customer_create(actor=actor, **form.changes())
        except DomainError as error:
            if error.field is None:
                return error_page(request, error)
            attach_error(form, error)
        else:
            return HttpResponseRedirect(reverse("customer-edit", args=[customer.pk]))
    return render(request, "web/customers/new.html", {"form": form}, status=400)


@login_required
@require_POST
def customer_identity_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = agent_of(request)
    try:
        customer = customer_get(actor=actor, customer_id=customer_id)
        organizations = _organizations(actor, customer)
    except DomainError as error:
        return error_page(request, error)
    identity_form = IdentityForm(request.POST)
    status = 400
    if identity_form.is_valid():
        data = identity_form.cleaned_data
        try:
            identity_add(actor=actor, customer=customer, kind=data["kind"], value=data["value"],
                         is_primary=data["is_primary"])
        except (Invalid, Conflict) as error:  # a bad value, or another customer's
            attach_error(identity_form, error)
            status = page_status(error)
        except DomainError as error:
            return error_page(request, error)
        else:
            return HttpResponseRedirect(reverse("customer-edit", args=[customer.pk]) +
                                        "#identities")
    form = CustomerForm(initial=CustomerForm.initial_for(customer), organizations=organizations)
    return _edit_page(request, customer, form, identity_form, status=status)


@login_required
@require_POST
def customer_identity_remove(request: HttpRequest, customer_id: int,
                             identity_id: int) -> HttpResponse:
    actor = agent_of(request)
    try:
        identity = identity_get(actor=actor, customer_id=customer_id, identity_id=identity_id)
        identity_remove(actor=actor, identity=identity)
    except DomainError as error:
        return error_page(request, error)
    return HttpResponseRedirect(reverse("customer-edit", args=[customer_id]) + "#identities")
