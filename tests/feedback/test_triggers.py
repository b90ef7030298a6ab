"""More survey triggers and extra questions: a survey N days after solving (sent only if the
conversation is still solved), relationship NPS for a saved segment every K days (consent
and fatigue hold), extra questions answered on the survey page, and the survey inside the
web chat."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from mehvar.accounts.models import Agent
from mehvar.channels.models import Mailbox, OutboundMessage
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_set_status
from mehvar.core.errors import Invalid, PermissionDenied
from mehvar.customers.segment_services import segment_create
from mehvar.customers.services import customer_update
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import Invitation, Response, SurveyDue, SurveySchedule
from mehvar.feedback.services import response_record, survey_save
from mehvar.feedback.triggers import (
    survey_schedule_save,
    survey_schedules_run,
    surveys_due_send,
)
from tests.channels.test_email_flow import Recorder, customer_mail, receive
from tests.channels.test_webchat_api import Visitor

pytestmark = pytest.mark.django_db(transaction=True)
QUESTIONS = [
    {"key": "reason", "kind": "choice", "texts": {
        "fa": {"label": "مهم‌ترین دلیل؟", "options": ["سرعت", "قیمت", "کیفیت"]},
        "en": {"label": "The main reason?", "options": ["Speed", "Price", "Quality"]}}},
    {"key": "idea", "kind": "text", "texts": {"el": {"label": "Τι να βελτιώσουμε;"}}},
]


def solved(agent: Agent, mailbox: Mailbox, *, sender: str, number: int) -> Conversation:
    envelope = receive(customer_mail(sender=sender, subject=f"سفارش {number}",
                                     message_id=f"t{number}@x",
                                     body="سلام، سفارش من کجاست؟"), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    return conversation_set_status(actor=agent, conversation=conversation, status="solved")


@pytest.fixture
def later(admin: Agent, settings: Any) -> Any:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    return survey_save(actor=admin, name="CES", kind="ces", trigger="after_solved",
                       delay_days=3)


def test_a_survey_days_after_solving(later: Any, smtp: Recorder, mailbox: Mailbox,
                                     agent: Agent) -> None:
    still = solved(agent, mailbox, sender="leila@example.ir", number=1)
    reopened = solved(agent, mailbox, sender="noor@example.sa", number=2)
    assert not Invitation.objects.exists()  # nothing at solving time
    conversation_set_status(actor=agent, conversation=reopened, status="open")
    assert surveys_due_send(now=timezone.now() + timedelta(days=2)) == 0
    assert surveys_due_send(now=timezone.now() + timedelta(days=3, minutes=1)) == 1
    invitation = Invitation.objects.get()
    assert (invitation.conversation_id, invitation.kind) == (still.pk, "ces")
    assert smtp.messages[-1]["To"] == "leila@example.ir"
    assert not SurveyDue.objects.exists()  # each due row is handled once


@pytest.mark.parametrize(("trigger", "days"), [("after_solved", 0), ("after_solved", 400),
                                               ("solved", -1), ("hourly", 0)])
def test_bad_delays(trigger: str, days: int, admin: Agent) -> None:
    with pytest.raises(Invalid):
        survey_save(actor=admin, name="x", kind="nps", trigger=trigger, delay_days=days)


def test_relationship_nps_for_a_segment(admin: Agent, supervisor: Agent, agent: Agent,
                                        smtp: Recorder, mailbox: Mailbox,
                                        settings: Any) -> None:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    nps = survey_save(actor=admin, name="NPS رابطه", kind="nps", trigger="manual")
    persian = solved(agent, mailbox, sender="leila@example.ir", number=1).customer
    arabic = solved(agent, mailbox, sender="noor@example.sa", number=2).customer
    greek = solved(agent, mailbox, sender="eleni@example.gr", number=3).customer
    for customer, language in ((persian, "fa"), (arabic, "ar"), (greek, "el")):
        customer_update(actor=agent, customer=customer, language=language,
                        segment_tags=["vip"] if customer != greek else [])
    customer_update(actor=agent, customer=arabic, consent={"surveys": False})
    vip = segment_create(actor=supervisor, name="ویژه",
                         conditions=[{"field": "segment_tag", "op": "contains", "value": "vip"}])
    with pytest.raises(PermissionDenied):
        survey_schedule_save(actor=supervisor, survey_id=nps.pk, segment_id=vip.pk,
                             every_days=90)
    assert not SurveySchedule.objects.exists()
    with pytest.raises(Invalid):
        survey_schedule_save(actor=admin, survey_id=nps.pk, segment_id=vip.pk, every_days=0)
    survey_schedule_save(actor=admin, survey_id=nps.pk, segment_id=vip.pk, every_days=90)
    before = len(smtp.messages)
    # Only the VIP who allows surveys is asked, about no conversation, in Persian.
    assert survey_schedules_run() == 1
    invitation = Invitation.objects.get()
    assert (invitation.customer_id, invitation.conversation_id, invitation.kind,
            invitation.language) == (persian.pk, None, "nps", "fa")
    assert [message["To"] for message in smtp.messages[before:]] == ["leila@example.ir"]
    assert re.search(r"http://testserver/s/\S+", smtp.messages[-1].get_body(
        ("plain",)).get_content())
    assert survey_schedules_run() == 0  # not due again for 90 days
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert survey_schedules_run() == 1  # fatigue (30 days) has passed
    assert Invitation.objects.count() == 2


def test_extra_questions_on_the_page(admin: Agent, agent: Agent, smtp: Recorder,
                                     mailbox: Mailbox, settings: Any) -> None:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    survey_save(actor=admin, name="رضایت", kind="csat", questions=QUESTIONS)
    solved(agent, mailbox, sender="leila@example.ir", number=1)
    token = invitation_token(Invitation.objects.get().pk)
    page = Client().get(f"/s/{token}").content.decode()
    assert "مهم‌ترین دلیل؟" in page
    assert "کیفیت" in page
    assert "Τι να βελτιώσουμε;" in page
    answered = Client().post(f"/s/{token}", {"score": "4", "q_reason": "2",
                                             "q_idea": "پاسخ سریع‌تر"})
    assert answered.status_code == 200
    assert Response.objects.get().answers == {"reason": 2, "idea": "پاسخ سریع‌تر"}
    for bad in ({"reason": 3}, {"reason": "x"}, {"nope": 1}, {"idea": "x" * 1001}):
        with pytest.raises(Invalid):
            response_record(token=token, score=4, answers=bad)
    assert Response.objects.get().answers == {"reason": 2, "idea": "پاسخ سریع‌تر"}


@pytest.mark.parametrize("questions", [
    [{"key": "a", "kind": "choice", "texts": {"fa": {"label": "؟", "options": ["یک"]}}}],
    [{"key": "a", "kind": "rating", "texts": {"fa": {"label": "؟"}}}],
    [{"key": "a b", "kind": "text", "texts": {"fa": {"label": "؟"}}}],
    [{"key": "a", "kind": "text", "texts": {"de": {"label": "?"}}}],
    [{"key": "a", "kind": "choice", "texts": {"fa": {"label": "؟", "options": ["۱", "۲"]},
                                              "el": {"label": ";", "options": ["α"]}}}],
    [{"key": f"q{n}", "kind": "text", "texts": {"el": {"label": ";"}}} for n in range(6)]])
def test_bad_questions(questions: Any, admin: Agent, api_as: Any) -> None:
    with pytest.raises(Invalid) as caught:
        survey_save(actor=admin, name="x", kind="csat", questions=questions)
    assert caught.value.field == "questions"


def test_the_survey_inside_the_web_chat(admin: Agent, agent: Agent) -> None:
    survey_save(actor=admin, name="رضایت", kind="csat")
    visitor = Visitor()
    visitor.start(language="fa")
    assert visitor.get("survey").json() == {"survey": None}  # no conversation yet
    visitor.say("سلام، سفارشم نرسیده")
    visitor.poll()
    conversation = Conversation.objects.get()
    assert visitor.get("survey").json() == {"survey": None}  # not solved yet
    conversation_set_status(actor=agent, conversation=conversation, status="solved")
    invitation = Invitation.objects.get()
    assert invitation.channel == "webchat"
    assert not OutboundMessage.objects.filter(kind="survey").exists()
    offer = visitor.get("survey").json()["survey"]
    assert (offer["low"], offer["high"], offer["answered"], offer["language"]) == (
        1, 5, False, "fa")
    assert visitor.post("survey", {"score": 9}).status_code == 422
    answered = visitor.post("survey", {"score": 5, "comment": "خیلی ممنون"})
    assert (answered.status_code, answered.json()) == (200, {"score": 5})
    response = Response.objects.get()
    assert (response.score, response.comment, response.channel) == (5, "خیلی ممنون",
                                                                     "webchat")
    assert visitor.get("survey").json()["survey"] == {"id": invitation.pk,
                                                      "answered": True, "score": 5}
    assert Visitor().get("survey").status_code == 401
