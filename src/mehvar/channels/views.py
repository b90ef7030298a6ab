"""Channel pages for admins: inbound envelopes (what came in, what was parked and why, a
retry) and mailboxes (the support addresses and their IMAP settings).

The selectors and services require "channel.manage": another role gets the page that says
its role does not allow this (403), as every refused page of the web layer does. Bad input
is a 400 with the message beside the field; an unknown id a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.accounts.models import Agent
from mehvar.accounts.selectors import team_choices
from mehvar.channels.models import EnvelopeStatus, Mailbox, Security
from mehvar.channels.selectors import (
    envelope_get,
    envelope_list,
    envelope_raw_preview,
    mailbox_get,
    mailbox_list,
)
from mehvar.channels.services.envelopes import envelope_retry
from mehvar.channels.services.mailboxes import mailbox_create, mailbox_update
from mehvar.core.errors import DomainError, Invalid
from mehvar.core.http import client_ip
from mehvar.core.permissions import require

PAGE_SIZE = 50
DEFAULT_STATUS = EnvelopeStatus.PARKED
ALL = "all"
# Service field names that the form calls otherwise.
_FORM_FIELD = {"team_id": "team"}


def _agent(request: HttpRequest) -> Agent:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    return request.user


def _status(error: DomainError) -> int:
    # Bad input on a page is a 400 there, not the API's 422.
    return 400 if isinstance(error, Invalid) else error.status


def _error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "channels/error.html", {"error": error.detail},
                  status=_status(error))


# --- inbound envelopes ---------------------------------------------------------------------


def _status_choices() -> list[tuple[str, Any]]:
    return [*EnvelopeStatus.choices, (ALL, _("All"))]


@login_required
@require_GET
def envelope_list_page(request: HttpRequest) -> HttpResponse:
    """Envelopes of one status (parked by default), newest first, an "older" link (keyset)."""
    agent = _agent(request)
    status = request.GET.get("status", DEFAULT_STATUS)[:16]
    try:
        page = envelope_list(actor=agent, status=None if status == ALL else status,
                             cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except DomainError as error:
        return _error_page(request, error)
    next_query = QueryDict(mutable=True)
    next_query["status"] = status
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    return render(request, "channels/inbound.html", {
        "page": page, "status": status, "statuses": _status_choices(),
        "next_url": f"?{next_query.urlencode()}" if page.next_cursor else "",
        "here": request.get_full_path(),
    })


@login_required
@require_GET
def envelope_page(request: HttpRequest, envelope_id: int) -> HttpResponse:
    """One envelope: its facts, the error that parked it, the raw payload as text."""
    try:
        envelope = envelope_get(actor=_agent(request), envelope_id=envelope_id)
    except DomainError as error:
        return _error_page(request, error)
    raw_text, raw_truncated = envelope_raw_preview(envelope)
    return render(request, "channels/envelope.html", {
        "envelope": envelope, "raw_text": raw_text, "raw_truncated": raw_truncated,
        "raw_size": len(envelope.raw), "here": request.get_full_path(),
    })


@login_required
@require_POST
def envelope_retry_action(request: HttpRequest, envelope_id: int) -> HttpResponse:
    """Send a parked envelope through processing again, then back where the admin was."""
    try:
        envelope_retry(actor=_agent(request), envelope_id=envelope_id)
    except DomainError as error:
        return _error_page(request, error)
    back = request.POST.get("next", "")[:2000]
    if not back.startswith("/channels/") or not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}):
        back = reverse("channels-envelope", args=[envelope_id])
    return HttpResponseRedirect(back)


# --- mailboxes -----------------------------------------------------------------------------


@login_required
@require_GET
def mailbox_list_page(request: HttpRequest) -> HttpResponse:
    try:
        mailboxes = mailbox_list(actor=_agent(request))
    except DomainError as error:
        return _error_page(request, error)
    return render(request, "channels/mailboxes.html", {"mailboxes": mailboxes})


class MailboxForm(forms.Form):
    """Bounds and shapes the input; the mailbox services validate it."""

    name = forms.CharField(label=_("Name"), max_length=100,
                           widget=forms.TextInput(attrs={"dir": "auto"}))
    address = forms.CharField(label=_("Address"), max_length=254,
                              widget=forms.TextInput(attrs={"dir": "ltr"}))
    team = forms.ChoiceField(label=_("Team for new conversations"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    send_acknowledgement = forms.BooleanField(
        label=_("Acknowledge new conversations"), required=False,
        help_text=_("Answer each new conversation with an automatic receipt."))
    imap_host = forms.CharField(label=_("IMAP host"), max_length=255, required=False,
                                widget=forms.TextInput(attrs={"dir": "ltr"}),
                                help_text=_("Leave empty when mail is handed in by a mail "
                                            "server instead of read over IMAP."))
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535,
                                   initial=993)
    imap_security = forms.ChoiceField(label=_("IMAP security"), choices=Security.choices,
                                      initial=Security.SSL)
    imap_username = forms.CharField(label=_("IMAP user name"), max_length=255, required=False,
                                    widget=forms.TextInput(attrs={"dir": "ltr",
                                                                  "autocomplete": "off"}))
    imap_password = forms.CharField(
        label=_("IMAP password"), max_length=255, required=False, strip=False,
        widget=forms.PasswordInput(render_value=False,
                                   attrs={"dir": "ltr", "autocomplete": "new-password"}))
    imap_folder = forms.CharField(label=_("IMAP folder"), max_length=255, initial="INBOX",
                                  widget=forms.TextInput(attrs={"dir": "auto"}))

    def __init__(self, *args: Any, teams: list[Any], has_password: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", _("None")), *((str(row.pk), row.name) for row in teams)]
        if has_password:  # the stored value is never sent back to the browser
            self.fields["imap_password"].help_text = _(
                "A password is stored. Leave this empty to keep it.")

    @staticmethod
    def initial_for(mailbox: Mailbox) -> dict[str, Any]:
        return {
            "name": mailbox.name, "address": mailbox.address,
            "team": str(mailbox.team_id or ""), "is_active": mailbox.is_active,
            "send_acknowledgement": mailbox.send_acknowledgement,
            "imap_host": mailbox.imap_host, "imap_port": mailbox.imap_port,
            "imap_security": mailbox.imap_security, "imap_username": mailbox.imap_username,
            "imap_folder": mailbox.imap_folder,
        }

    def values(self) -> dict[str, Any]:
        """The services' keyword arguments; a blank password is left out (kept)."""
        data = self.cleaned_data
        values = {name: data[name] for name in (
            "name", "address", "is_active", "send_acknowledgement", "imap_host", "imap_port",
            "imap_security", "imap_username", "imap_folder")}
        values["team_id"] = int(data["team"]) if data["team"] else None
        if data["imap_password"]:
            values["imap_password"] = data["imap_password"]
        return values


def _attach_error(form: forms.Form, error: DomainError) -> None:
    field = _FORM_FIELD.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.detail))


def _mailbox_form_page(request: HttpRequest, form: MailboxForm, mailbox: Mailbox | None,
                       status: int = 200) -> HttpResponse:
    return render(request, "channels/mailbox_form.html", {"form": form, "mailbox": mailbox},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_new(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, "channel.manage")
        teams = team_choices(actor=agent)
    except DomainError as error:
        return _error_page(request, error)
    if request.method != "POST":
        return _mailbox_form_page(request, MailboxForm(teams=teams), None)
    form = MailboxForm(request.POST, teams=teams)
    if not form.is_valid():
        return _mailbox_form_page(request, form, None, status=400)
    try:
        mailbox_create(actor=agent, ip_address=client_ip(request), **form.values())
    except DomainError as error:
        _attach_error(form, error)
        return _mailbox_form_page(request, form, None, status=_status(error))
    return HttpResponseRedirect(reverse("channels-mailboxes"))


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        mailbox = mailbox_get(actor=agent, mailbox_id=mailbox_id)
        teams = team_choices(actor=agent)
    except DomainError as error:
        return _error_page(request, error)
    has_password = bool(mailbox.imap_password)
    if request.method != "POST":
        return _mailbox_form_page(request, MailboxForm(
            initial=MailboxForm.initial_for(mailbox), teams=teams, has_password=has_password),
            mailbox)
    form = MailboxForm(request.POST, teams=teams, has_password=has_password)
    if not form.is_valid():
        return _mailbox_form_page(request, form, mailbox, status=400)
    try:
        mailbox_update(actor=agent, mailbox_id=mailbox.pk, changes=form.values(),
                       ip_address=client_ip(request))
    except DomainError as error:
        _attach_error(form, error)
        return _mailbox_form_page(request, form, mailbox, status=_status(error))
    return HttpResponseRedirect(reverse("channels-mailboxes"))
