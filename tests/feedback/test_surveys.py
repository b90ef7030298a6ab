"""Surveys end to end: a solved e-mail conversation invites its customer (real SMTP server),
one-click score links in the customer's language, the signed link's tampering, expiry,
double submission and edit window, fatigue and consent, and the CSAT / NPS / CES figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from mehvar.accounts.models import Agent
from mehvar.channels.models import Mailbox
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_set_status
from mehvar.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.segment_services import segment_create
from mehvar.customers.selectors import segment_member_count, segments_for_customer
from mehvar.customers.services import customer_update
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import Invitation, Response
from mehvar.feedback.selectors import survey_figures
from mehvar.feedback.services import response_record, survey_save
from tests.channels.test_email_flow import Recorder, customer_mail, receive

pytestmark = pytest.mark.django_db(transaction=True)
LINK = re.compile(r"(?P<score>\d+): http://testserver(?P<path>/s/[^\s]+)")


@pytest.fixture
def csat(admin: Agent, settings: Any) -> Any:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    return survey_save(actor=admin, name="رضایت", kind="csat")


def solved_email_conversation(agent: Agent, mailbox: Mailbox, *, sender: str,
                              message_id: str, subject: str = "سفارش ۴۵۱۲") -> Conversation:
    envelope = receive(customer_mail(sender=sender, subject=subject, message_id=message_id,
                                     body="سلام، سفارش من کجاست؟"), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    conversation.assignee = agent  # the agent who solved it is the one the answer rates
    conversation.save(update_fields=["assignee"])
    conversation_set_status(actor=agent, conversation=conversation, status="solved")
    return conversation


def test_solving_an_email_conversation_invites_the_customer_in_their_language(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, csat: Any,
) -> None:
    conversation = solved_email_conversation(agent, mailbox, sender="Leila <leila@example.ir>",
                                             message_id="s1@example.ir")
    invitation = Invitation.objects.get()
    assert (invitation.conversation_id, invitation.agent_id, invitation.channel,
            invitation.language) == (conversation.pk, agent.pk, "email", "fa")
    mail = smtp.messages[-1]
    body = mail.get_body(("plain",)).get_content()
    assert body.startswith("چقدر از کمکی که گرفتید راضی هستید؟")
    assert "۱ کمترین و ۵ بیشترین است." in body or "1 کمترین و 5 بیشترین است." in body
    links = {int(match["score"]): match["path"] for match in LINK.finditer(body)}
    assert sorted(links) == [1, 2, 3, 4, 5]
    assert TimelineEvent.objects.filter(verb="survey.sent",
                                        conversation_id=conversation.pk).exists()

    # One click on "5": the page shows 5 chosen and sends it at once (scripts run).
    client = Client()
    page = client.get(links[5]).content.decode()
    assert 'dir="rtl"' in page
    assert 'lang="fa"' in page
    assert 'value="5" checked' in page
    assert "requestSubmit" in page
    token = links[5].split("/")[2]
    answered = client.post(f"/s/{token}", {"score": "5", "comment": "ممنون از پیگیری سریع"})
    assert answered.status_code == 200
    response = Response.objects.get()
    assert (response.score, response.agent_id, response.channel) == (5, agent.pk, "email")
    event = TimelineEvent.objects.get(verb="survey.answered")
    assert (event.customer_id, event.conversation_id, event.after["score"]) == (
        conversation.customer_id, conversation.pk, 5)


def test_a_tampered_or_unknown_link_is_not_found(csat: Any, smtp: Recorder,
                                                 mailbox: Mailbox, agent: Agent) -> None:
    solved_email_conversation(agent, mailbox, sender="a@example.gr", message_id="t1@x")
    token = invitation_token(Invitation.objects.get().pk)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, invitation_token(999_999), "x" * 300, "not-a-token"):
        with pytest.raises(NotFound):
            response_record(token=bad, score=5)
        assert Client().get(f"/s/{bad}").status_code == 404
    assert not Response.objects.exists()


def test_answer_once_then_edit_for_a_while_then_locked(csat: Any, smtp: Recorder,
                                                       mailbox: Mailbox, agent: Agent) -> None:
    solved_email_conversation(agent, mailbox, sender="b@example.sa", message_id="e1@x")
    token = invitation_token(Invitation.objects.get().pk)
    first = response_record(token=token, score=2, comment="لم يحل")
    changed = response_record(token=token, score=4, comment="تم الحل بعد الاتصال")
    assert (changed.pk, changed.score, Response.objects.count()) == (first.pk, 4, 1)
    with (time_machine.travel(first.editable_until + timedelta(minutes=1)),
          pytest.raises(Conflict) as caught):
        response_record(token=token, score=1)
    assert caught.value.code == "response_locked"
    assert Response.objects.get().score == 4
    for bad in (0, 6, "five", True, None):
        with pytest.raises(Invalid):
            response_record(token=token, score=bad)
    with pytest.raises(Invalid):
        response_record(token=token, score=3, comment="x" * 6000)


def test_an_expired_link_answers_nothing(csat: Any, smtp: Recorder, mailbox: Mailbox,
                                         agent: Agent) -> None:
    solved_email_conversation(agent, mailbox, sender="c@example.gr", message_id="x1@x")
    invitation = Invitation.objects.get()
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        with pytest.raises(Conflict) as caught:
            response_record(token=invitation_token(invitation.pk), score=5)
        page = Client().get(f"/s/{invitation_token(invitation.pk)}").content.decode()
    assert caught.value.code == "survey_link_expired"
    assert "مهلت این پیوند نظرسنجی به پایان رسیده است" in page
    assert not Response.objects.exists()


def test_fatigue_consent_and_channels_without_links(csat: Any, smtp: Recorder, agent: Agent,
                                                    mailbox: Mailbox, settings: Any) -> None:
    solved_email_conversation(agent, mailbox, sender="d@example.ir", message_id="f1@x")
    # The same customer again within 30 days: not asked twice.
    second = solved_email_conversation(agent, mailbox, sender="d@example.ir",
                                       message_id="f2@x", subject="سفارش دیگر")
    assert Invitation.objects.filter(customer_id=second.customer_id).count() == 1
    # A customer who said no to surveys is never asked.
    third = receive(customer_mail(sender="e@example.ir", subject="سلام", message_id="f3@x",
                                  body="سوال دارم"), mailbox)
    conversation = Conversation.objects.get(pk=third.conversation_id)
    customer_update(actor=agent, customer=conversation.customer, consent={"surveys": False})
    conversation_set_status(actor=agent, conversation=conversation, status="solved")
    assert not Invitation.objects.filter(customer_id=conversation.customer_id).exists()


def test_surveys_are_managed_by_admins(admin: Agent, supervisor: Agent) -> None:
    with pytest.raises(PermissionDenied):
        survey_save(actor=supervisor, name="NPS", kind="nps")
    for values in ({"name": " ", "kind": "nps"}, {"name": "x", "kind": "stars"},
                   {"name": "x", "kind": "nps", "trigger": "hourly"},
                   {"name": "x", "kind": "nps", "texts": {"de": {"question": "?"}}},
                   {"name": "x", "kind": "nps", "texts": {"fa": {"question": "x" * 501}}}):
        with pytest.raises(Invalid):
            survey_save(actor=admin, **values)
    survey = survey_save(actor=admin, name="NPS", kind="nps",
                         texts={"el": {"question": "Θα μας προτείνατε σε φίλους σας;"}})
    assert survey.texts["el"]["question"].startswith("Θα μας")


def test_figures_by_agent_and_overall(csat: Any, smtp: Recorder, mailbox: Mailbox,
                                      agent: Agent, analyst: Agent,
                                      make_agent: Any) -> None:
    other = make_agent(username="nikos")
    scores = [(agent, 5), (agent, 4), (agent, 1), (other, 2)]
    for number, (who, score) in enumerate(scores):
        conversation = solved_email_conversation(
            who, mailbox, sender=f"c{number}@example.gr", message_id=f"g{number}@x")
        invitation = Invitation.objects.get(conversation_id=conversation.pk)
        response_record(token=invitation_token(invitation.pk), score=score)
    overall = survey_figures(actor=analyst, kind="csat")
    assert [(figure.responses, figure.value) for figure in overall] == [(4, 50.0)]
    by_agent = {figure.group: (figure.responses, figure.value)
                for figure in survey_figures(actor=analyst, kind="csat", group_by="agent")}
    assert by_agent == {agent.pk: (3, 66.7), other.pk: (1, 0.0)}
    later = survey_figures(actor=analyst, kind="csat",
                           since=datetime(2100, 1, 1, tzinfo=UTC))
    assert later == []


def test_an_answer_sets_the_customers_satisfaction_for_segments(
    csat: Any, smtp: Recorder, mailbox: Mailbox, agent: Agent, supervisor: Agent,
) -> None:
    conversation = solved_email_conversation(agent, mailbox, sender="z@example.ir",
                                             message_id="sat1@x")
    response_record(token=invitation_token(Invitation.objects.get().pk), score=2)
    conversation.customer.refresh_from_db()
    assert conversation.customer.satisfaction == 25  # 2 on 1–5
    unhappy = segment_create(actor=supervisor, name="ناراضی", match="all",
                             conditions=[{"field": "satisfaction", "op": "lt", "value": 50}])
    assert segment_member_count(actor=supervisor, segment=unhappy) == 1
    assert unhappy.pk in segments_for_customer(conversation.customer)
