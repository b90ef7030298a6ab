"""The channel pages for admins: inbound envelopes (parked by default, retry, the raw payload
as escaped text) and mailboxes (list, create, edit; the password never shown, blank keeps
it). Other roles get the refusal page and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mehvar.accounts.models import AuditLogEntry
from mehvar.accounts.services import team_create
from mehvar.channels.email.receive import mail_receive
from mehvar.channels.models import EnvelopeStatus, InboundEnvelope, Mailbox
from mehvar.channels.services.envelopes import envelope_process
from mehvar.channels.services.mailboxes import mailbox_create
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def receive(number: int, body: str = "سلام، سفارشم نرسیده.") -> InboundEnvelope:
    raw = (f"From: customer{number}@example.com\r\nTo: support@example.com\r\n"
           f"Subject: {HOSTILE}\r\nMessage-ID: <p{number}@example.com>\r\n\r\n{body}\r\n"
           ).encode()
    envelope, _created = mail_receive(raw=raw)
    return envelope


def park(settings: Any, number: int = 1) -> InboundEnvelope:
    settings.MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR = 0
    envelope = envelope_process(envelope_id=receive(number).pk)
    assert envelope is not None
    assert envelope.status == EnvelopeStatus.PARKED
    return envelope


@pytest.mark.parametrize("role", ["analyst", "agent", "supervisor"])
def test_other_roles_are_refused_everywhere(make_agent, admin, settings, role) -> None:
    envelope = park(settings)
    mailbox = mailbox_create(actor=admin, name="پشتیبانی", address="support@example.com")
    client = browser(make_agent(role))
    home = client.get("/inbox").content.decode()
    assert 'href="/channels/inbound"' not in home  # no link in the header
    for url in ("/channels/inbound", f"/channels/inbound/{envelope.pk}", "/channels/mailboxes",
                "/channels/mailboxes/new", f"/channels/mailboxes/{mailbox.pk}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'role="alert"' in response.content.decode()
    assert client.post(f"/channels/inbound/{envelope.pk}/retry").status_code == 403
    assert client.post(f"/channels/mailboxes/{mailbox.pk}",
                       {"name": "x", "address": "x@example.com"}).status_code == 403
    assert client.post("/channels/mailboxes/new",
                       {"name": "x", "address": "y@example.com"}).status_code == 403
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.PARKED
    assert list(Mailbox.objects.values_list("name", flat=True)) == ["پشتیبانی"]


def test_signed_out_visitors_go_to_sign_in(db: None) -> None:
    assert Client().get("/channels/inbound").status_code == 302


def test_admins_see_parked_envelopes_and_retry_them(admin, settings) -> None:
    parked = park(settings)
    settings.MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR = 60
    processed = envelope_process(envelope_id=receive(2).pk)
    assert processed is not None
    assert processed.status == EnvelopeStatus.PROCESSED
    client = browser(admin)

    assert 'href="/channels/inbound"' in client.get("/inbox").content.decode()
    page = client.get("/channels/inbound")
    html = page.content.decode()
    assert page.status_code == 200
    assert [item.pk for item in page.context["page"].items] == [parked.pk]  # parked by default
    assert "rate_limited" in html
    assert "customer1@example.com" in html
    assert f'action="/channels/inbound/{parked.pk}/retry"' in html

    everything = client.get("/channels/inbound?status=processed")
    assert [item.pk for item in everything.context["page"].items] == [processed.pk]
    assert f'href="/conversations/{processed.conversation_id}"' in everything.content.decode()

    retry = client.post(f"/channels/inbound/{parked.pk}/retry",
                        {"next": "/channels/inbound?status=parked"})
    assert (retry.status_code, retry["Location"]) == (302, "/channels/inbound?status=parked")
    parked.refresh_from_db()
    assert parked.status == EnvelopeStatus.PENDING
    again = client.post(f"/channels/inbound/{parked.pk}/retry", {"next": "https://evil.test/"})
    assert again.status_code == 409


def test_the_raw_payload_is_escaped_text(admin, settings) -> None:
    envelope = park(settings)
    response = browser(admin).get(f"/channels/inbound/{envelope.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "سلام، سفارشم نرسیده." in html
    assert "More messages from this sender" in html  # the error that parked it


def test_a_retry_goes_back_to_a_safe_page_only(admin, settings) -> None:
    envelope = park(settings)
    response = browser(admin).post(f"/channels/inbound/{envelope.pk}/retry",
                                   {"next": "https://evil.test/channels/"})
    assert response["Location"] == f"/channels/inbound/{envelope.pk}"


def test_bad_filters_and_unknown_ids(admin) -> None:
    client = browser(admin)
    assert client.get("/channels/inbound?status=sideways").status_code == 400
    assert client.get("/channels/inbound?cursor=garbage").status_code == 400
    assert client.get("/channels/inbound/987654").status_code == 404
    assert client.post("/channels/inbound/987654/retry").status_code == 404
    assert client.get("/channels/mailboxes/987654").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_inbound_list_query_count_is_constant(admin, count, django_assert_max_num_queries
                                              ) -> None:
    for number in range(count):
        receive(number)
    client = browser(admin)
    client.get("/channels/inbound?status=pending")
    with django_assert_max_num_queries(3):  # session, agent, the page of envelopes
        response = client.get("/channels/inbound?status=pending")
    assert len(response.context["page"].items) == count


def test_admins_create_and_edit_mailboxes(admin) -> None:
    team = team_create(actor=admin, name="پشتیبانی فارسی")
    client = browser(admin)
    assert client.get("/channels/mailboxes/new").status_code == 200
    created = client.post("/channels/mailboxes/new", {
        "name": "Υποστήριξη", "address": "Help@Example.gr", "team": str(team.pk),
        "is_active": "on", "imap_host": "imap.example.gr", "imap_port": "۹۹۳",
        "imap_security": "ssl", "imap_username": "help", "imap_password": "p@ss-ωρδ",
        "imap_folder": "INBOX"})
    assert created.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.address, mailbox.team_id, mailbox.imap_port, mailbox.imap_password) == (
        "help@example.gr", team.pk, 993, "p@ss-ωρδ")

    listing = client.get("/channels/mailboxes").content.decode()
    assert "help@example.gr" in listing
    assert "imap.example.gr" in listing

    form = client.get(f"/channels/mailboxes/{mailbox.pk}").content.decode()
    assert "p@ss-ωρδ" not in form  # never sent back to the browser
    assert "A password is stored" in form

    edited = client.post(f"/channels/mailboxes/{mailbox.pk}", {
        "name": "Υποστήριξη πελατών", "address": "help@example.gr", "team": "",
        "imap_host": "imap.example.gr", "imap_port": "993", "imap_security": "starttls",
        "imap_username": "help", "imap_password": "", "imap_folder": "Εισερχόμενα"})
    assert edited.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.team_id, mailbox.is_active, mailbox.imap_security) == (
        "Υποστήριξη πελατών", None, False, "starttls")
    assert mailbox.imap_password == "p@ss-ωρδ"  # blank kept it
    assert mailbox.imap_folder == "Εισερχόμενα"
    assert AuditLogEntry.objects.filter(action__startswith="mailbox.").count() == 2


def test_mailbox_errors_are_shown_beside_the_field(admin) -> None:
    client = browser(admin)
    response = client.post("/channels/mailboxes/new", {
        "name": "x", "address": "not-an-address", "imap_port": "993", "imap_security": "ssl",
        "imap_folder": "INBOX"})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    plain = client.post("/channels/mailboxes/new", {
        "name": "x", "address": "x@example.com", "imap_host": "mail.example.com",
        "imap_port": "143", "imap_security": "none", "imap_username": "u",
        "imap_password": "p", "imap_folder": "INBOX"})
    assert plain.status_code == 400
    assert "Without TLS" in plain.content.decode()
    assert not Mailbox.objects.exists()


@pytest.mark.parametrize("model", ["inboundenvelope", "mailbox", "outboundmessage",
                                   "replyroute", "phonecall", "chatsession"])
def test_the_django_admin_shows_channel_rows_read_only(admin, settings, model) -> None:
    envelope = park(settings)
    mailbox = mailbox_create(actor=admin, name="پشتیبانی", address="support@example.com",
                             imap_host="imap.example.com", imap_username="support",
                             imap_password="hunter2-رمز")
    client = browser(admin)
    listing = client.get(f"/admin/channels/{model}/")
    assert listing.status_code == 200
    assert client.get(f"/admin/channels/{model}/add/").status_code == 403
    row = {"inboundenvelope": envelope, "mailbox": mailbox}.get(model)
    if row is not None:
        detail = client.get(f"/admin/channels/{model}/{row.pk}/change/")
        assert detail.status_code == 200
        assert "hunter2" not in detail.content.decode()
        assert HOSTILE not in detail.content.decode()
        deleted = client.post(f"/admin/channels/{model}/{row.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 403
    assert InboundEnvelope.objects.count() == 1
    assert Mailbox.objects.count() == 1
