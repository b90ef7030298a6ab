"""Complaints and service recovery through the services: a detractor's survey answer raises a
complaint for the team lead (a real SMTP server delivers the invitations), promoters and
edits raise none, agents raise, assign, act on, resolve and close complaints, resolving sends
a follow-up survey despite the fatigue rule and links its answer, overdue complaints escalate
to the team lead, and refused roles change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from mehvar.accounts.models import Agent, Role, Team
from mehvar.accounts.services import team_create
from mehvar.channels.models import Mailbox
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import (
    conversation_assign,
    conversation_create,
    conversation_set_status,
)
from mehvar.core.background import enqueue
from mehvar.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.core.periodic import periodic_jobs
from mehvar.customers.services import customer_merge
from mehvar.feedback.complaints import (
    complaint_add_action,
    complaint_assign,
    complaint_close,
    complaint_raise,
    complaint_resolve,
    complaints_escalate_overdue,
)
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import Complaint, Invitation, RecoveryAction
from mehvar.feedback.selectors import complaint_get, recovery_costs
from mehvar.feedback.services import response_record, survey_save
from tests.channels.test_email_flow import Recorder, customer_mail, receive

pytestmark = pytest.mark.django_db
email = pytest.mark.django_db(transaction=True)

FA_COMMENT = "سفارشم دو هفته دیر رسید و کسی جواب ایمیل‌هایم را نداد."
AR_TEXT = "وصل الجهاز مكسوراً ولم يرد أحد على اتصالاتي."
EL_TEXT = "Ο υπάλληλος ήταν αγενής στο τηλέφωνο."


@pytest.fixture
def lead(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent(Role.SUPERVISOR, username="lead")


@pytest.fixture
def support(admin: Agent, lead: Agent, agent: Agent) -> Team:
    return team_create(actor=admin, name="پشتیبانی", lead=lead, members=[agent])


@pytest.fixture
def survey(admin: Agent, settings: Any) -> Any:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    return survey_save(actor=admin, name="رضایت", kind="csat")


def solved(agent: Agent, mailbox: Mailbox, *, sender: str, team: Team | None = None,
           message_id: str = "m1@example.ir") -> Conversation:
    """An e-mail conversation, assigned and solved: its customer is invited to the survey."""
    envelope = receive(customer_mail(sender=sender, subject="سفارش ۴۵۱۲", message_id=message_id,
                                     body="سلام، سفارش من کجاست؟"), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    conversation = conversation_assign(actor=agent, conversation=conversation,
                                       assignee_id=agent.pk, team_id=team.pk if team else None)
    return conversation_set_status(actor=agent, conversation=conversation, status="solved")


def answer(conversation: Conversation, score: int, comment: str = "") -> Any:
    invitation = Invitation.objects.filter(conversation_id=conversation.pk).latest("pk")
    return response_record(token=invitation_token(invitation.pk), score=score,
                           comment=comment)


def chat(agent: Agent, **values: Any) -> Conversation:
    return conversation_create(actor=agent, subject="شكوى", channel="email", text=AR_TEXT,
                               language="ar", identity_kind="email",
                               identity_value=values.pop("address", "noor@example.sa"),
                               **values)


# --- raised by a survey answer -------------------------------------------------------------


@email
def test_a_detractor_answer_raises_a_complaint_for_the_team_lead(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, lead: Agent, support: Team, survey: Any,
) -> None:
    conversation = solved(agent, mailbox, sender="leila@example.ir", team=support)
    response = answer(conversation, 1, f"  {FA_COMMENT} ")
    complaint = Complaint.objects.get()
    assert (complaint.source, complaint.category, complaint.severity, complaint.status) == (
        "survey", "service", "high", "open")
    assert (complaint.owner_id, complaint.team_id, complaint.customer_id,
            complaint.conversation_id, complaint.response_id) == (
        lead.pk, support.pk, conversation.customer_id, conversation.pk, response.pk)
    assert (complaint.description, complaint.language) == (FA_COMMENT, "fa")
    assert complaint.due_at == response.answered_at + timedelta(hours=24)
    event = TimelineEvent.objects.get(verb="complaint.raised")
    assert (event.customer_id, event.conversation_id, event.actor_id) == (
        conversation.customer_id, conversation.pk, None)
    assert event.after["complaint_id"] == complaint.pk
    assert (event.after["score"], event.after["owner_id"]) == (1, lead.pk)

    # Changing the answer (even to another low score) raises no second complaint.
    answer(conversation, 2, "هنوز ناراضی هستم")
    assert Complaint.objects.count() == 1


@email
def test_a_comment_with_a_complaint_keyword_raises_a_complaint_whatever_the_score(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, admin: Agent, survey: Any,
) -> None:
    survey_save(actor=admin, survey_id=survey.pk, name=survey.name, kind="csat",
                complaint_keywords=["Απαράδεκτο", "دیگر خرید نمی‌کنم", "never again"])
    calm = solved(agent, mailbox, sender="calm@example.gr", message_id="k0@x")
    answer(calm, 4, "Όλα καλά, ευχαριστώ")
    assert not Complaint.objects.exists()

    conversation = solved(agent, mailbox, sender="nikos@example.gr", message_id="k1@x")
    response = answer(conversation, 5)  # the one-click score first …
    assert not Complaint.objects.exists()
    answer(conversation, 4, "Καλό προϊόν, αλλά ΑΠΑΡΆΔΕΚΤΟ το κούριερ!")  # … then the comment
    complaint = Complaint.objects.get()
    assert (complaint.severity, complaint.response_id) == ("medium", response.pk)
    event = TimelineEvent.objects.get(verb="complaint.raised")
    assert event.after["keyword"] == "Απαράδεκτο"
    answer(conversation, 4, "Απαράδεκτο, το ξαναλέω")
    assert Complaint.objects.count() == 1

    persian = solved(agent, mailbox, sender="reza@example.ir", message_id="k2@x")
    answer(persian, 3, "ديگر خريد نمي‌كنم از شما")  # Arabic yeh and kaf, no ZWNJ: same words
    assert Complaint.objects.count() == 2
    with pytest.raises(Invalid):
        survey_save(actor=admin, survey_id=survey.pk, name=survey.name, kind="csat",
                    complaint_keywords=["x" * 101])


@email
@pytest.mark.parametrize(("kind", "score", "severity"), [
    ("csat", 2, "medium"), ("nps", 3, "high"), ("nps", 6, "medium"), ("ces", 2, "medium"),
    ("csat", 3, None), ("nps", 7, None), ("ces", 3, None), ("csat", 5, None)])
def test_detractors_by_kind_and_their_severity_without_a_team(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, admin: Agent, settings: Any, kind: str,
    score: int, severity: str | None,
) -> None:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    survey_save(actor=admin, name="Έρευνα", kind=kind)
    conversation = solved(agent, mailbox, sender="eleni@example.gr")
    answer(conversation, score, EL_TEXT)
    found = [(complaint.severity, complaint.owner_id)
             for complaint in Complaint.objects.all()]
    assert found == ([(severity, agent.pk)] if severity else [])


@email
def test_a_detractor_answer_without_a_conversation_raises_a_complaint(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, lead: Agent, support: Team, survey: Any,
) -> None:
    conversation = solved(agent, mailbox, sender="reza@example.ir", team=support)
    invitation = Invitation.objects.get()
    # As when the conversation is deleted: the invitation keeps its customer only.
    Invitation.objects.filter(pk=invitation.pk).update(conversation=None)
    response_record(token=invitation_token(invitation.pk), score=1)
    complaint = Complaint.objects.get()
    assert (complaint.conversation_id, complaint.customer_id, complaint.owner_id,
            complaint.description) == (None, conversation.customer_id, lead.pk, "")
    # Resolved, it can send no follow-up: there is no conversation to answer on.
    resolved = complaint_resolve(actor=lead, complaint_id=complaint.pk, outcome="تماس گرفتیم")
    assert (resolved.status, resolved.follow_up_invitation_id) == ("resolved", None)
    assert TimelineEvent.objects.filter(verb="complaint.resolved", conversation_id=None,
                                        customer_id=conversation.customer_id).exists()


# --- recovery and the follow-up ------------------------------------------------------------


@email
def test_resolving_sends_a_follow_up_despite_fatigue_and_its_answer_shows(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, lead: Agent, support: Team, survey: Any,
    analyst: Agent,
) -> None:
    conversation = solved(agent, mailbox, sender="leila@example.ir", team=support)
    answer(conversation, 1, FA_COMMENT)
    complaint = Complaint.objects.get()
    sent_before = len(smtp.messages)

    action = complaint_add_action(actor=lead, complaint_id=complaint.pk, kind="refund",
                                  cost="120.50", note="بازپرداخت هزینه ارسال")
    assert (action.cost, action.created_by_id) == (Decimal("120.50"), lead.pk)
    assert Complaint.objects.get().status == "in_progress"
    resolved = complaint_resolve(actor=lead, complaint_id=complaint.pk,
                                 outcome="هزینه ارسال بازگردانده شد.",
                                 root_cause="انبار بسته را دیر تحویل داد.")

    # A second invitation within the fatigue period: the follow-up is not held back.
    follow_up = Invitation.objects.get(pk=resolved.follow_up_invitation_id)
    assert Invitation.objects.filter(customer_id=conversation.customer_id).count() == 2
    assert (follow_up.channel, follow_up.conversation_id) == ("email", conversation.pk)
    assert len(smtp.messages) == sent_before + 1
    body = smtp.messages[-1].get_body(("plain",)).get_content()
    assert "/s/" in body
    event = TimelineEvent.objects.get(verb="complaint.resolved")
    assert event.after["follow_up_invitation_id"] == follow_up.pk

    # The follow-up's answer raises no new complaint and shows on this one.
    response_record(token=invitation_token(follow_up.pk), score=2)
    response_record(token=invitation_token(follow_up.pk), score=5, comment="ممنون، حل شد")
    assert Complaint.objects.count() == 1
    shown = complaint_get(actor=analyst, complaint_id=complaint.pk)
    assert shown.follow_up_invitation is not None
    assert shown.follow_up_invitation.response.score == 5
    assert shown.recovery_cost == Decimal("120.50")
    assert [(item.kind, item.cost) for item in shown.actions.all()] == [
        ("refund", Decimal("120.50"))]


def test_an_agent_raises_a_complaint_owned_by_the_team_lead_or_the_assignee(
    agent: Agent, lead: Agent, support: Team, supervisor: Agent,
) -> None:
    with_team = chat(agent, team_id=support.pk, assignee_id=agent.pk)
    before = timezone.now()
    first = complaint_raise(actor=agent, conversation_id=with_team.pk, category="warranty",
                            severity="critical", description=f" {AR_TEXT} ")
    assert (first.owner_id, first.team_id, first.source, first.raised_by_id,
            first.description, first.language) == (
        lead.pk, support.pk, "agent", agent.pk, AR_TEXT, "ar")
    assert before + timedelta(hours=4) <= first.due_at <= timezone.now() + timedelta(hours=4)
    event = TimelineEvent.objects.get(verb="complaint.raised")
    assert (event.actor_id, event.customer_id, event.conversation_id) == (
        agent.pk, with_team.customer_id, with_team.pk)

    assigned_only = chat(agent, address="sara@example.sa", assignee_id=supervisor.pk)
    second = complaint_raise(actor=agent, conversation_id=assigned_only.pk, severity="low",
                             category="staff_behaviour", description=EL_TEXT)
    assert second.owner_id == supervisor.pk
    assert second.due_at - second.created_at == timedelta(hours=168)
    third = complaint_raise(actor=agent, customer_id=assigned_only.customer_id,
                            category="price_quality", severity="medium", description="گران")
    assert (third.owner_id, third.conversation_id, third.customer_id) == (
        agent.pk, None, assigned_only.customer_id)


def test_merged_customers_complaints_move_and_new_ones_go_to_the_survivor(
    agent: Agent, supervisor: Agent,
) -> None:
    source = chat(agent, address="old@example.gr")
    target = chat(agent, address="new@example.gr")
    earlier = complaint_raise(actor=agent, customer_id=source.customer_id, category="product",
                              severity="low", description=EL_TEXT)
    customer_merge(actor=supervisor, source=source.customer, target=target.customer)
    later = complaint_raise(actor=agent, customer_id=source.customer_id, category="product",
                            severity="low", description=EL_TEXT)
    earlier.refresh_from_db()
    assert (earlier.customer_id, later.customer_id) == (target.customer_id,
                                                        target.customer_id)


@pytest.mark.parametrize(("values", "error"), [
    ({"category": "weather"}, Invalid), ({"severity": "urgent"}, Invalid),
    ({"description": "   "}, Invalid), ({"description": "x" * 5001}, Invalid),
    ({"description": "a\x00b"}, Invalid), ({"conversation_id": None}, Invalid),
    ({"owner_id": -1}, Invalid), ({"team_id": -1}, Invalid),
    ({"conversation_id": 987_654_321}, NotFound),
    ({"conversation_id": None, "customer_id": 987_654_321}, NotFound)])
def test_bad_complaints_are_refused(agent: Agent, values: dict[str, Any],
                                    error: type[Exception]) -> None:
    conversation = chat(agent)
    arguments = {"conversation_id": conversation.pk, "category": "product",
                 "severity": "high", "description": AR_TEXT, **values}
    with pytest.raises(error):
        complaint_raise(actor=agent, **arguments)
    assert not Complaint.objects.exists()


def test_the_owner_must_handle_complaints_and_the_customer_must_match(
    agent: Agent, analyst: Agent,
) -> None:
    conversation = chat(agent)
    other = chat(agent, address="hamid@example.ir")
    with pytest.raises(Invalid) as caught:
        complaint_raise(actor=agent, conversation_id=conversation.pk, owner_id=analyst.pk,
                        category="product", severity="high", description=AR_TEXT)
    assert (caught.value.code, caught.value.field) == ("complaint_owner_invalid", "owner_id")
    with pytest.raises(Invalid) as caught:
        complaint_raise(actor=agent, conversation_id=conversation.pk,
                        customer_id=other.customer_id, category="product", severity="high",
                        description=AR_TEXT)
    assert caught.value.field == "customer_id"
    assert not Complaint.objects.exists()


def test_assign_act_resolve_and_close(agent: Agent, lead: Agent, supervisor: Agent,
                                      support: Team, analyst: Agent) -> None:
    complaint = complaint_raise(actor=agent, conversation_id=chat(agent).pk,
                                category="product", severity="high", description=AR_TEXT)
    assigned = complaint_assign(actor=agent, complaint_id=complaint.pk, owner_id=supervisor.pk,
                                team_id=support.pk)
    assert (assigned.owner_id, assigned.team_id) == (supervisor.pk, support.pk)
    event = TimelineEvent.objects.get(verb="complaint.assigned")
    assert (event.before["owner_id"], event.after["owner_id"]) == (agent.pk, supervisor.pk)
    complaint_assign(actor=agent, complaint_id=complaint.pk, owner_id=supervisor.pk)
    assert TimelineEvent.objects.filter(verb="complaint.assigned").count() == 1  # unchanged

    for cost in ("-1", "1.005", 1.5, "abc", "NaN", "1e20", True):
        with pytest.raises(Invalid) as caught:
            complaint_add_action(actor=agent, complaint_id=complaint.pk, kind="refund",
                                 cost=cost)
        assert caught.value.field == "cost"
    with pytest.raises(Invalid):
        complaint_add_action(actor=agent, complaint_id=complaint.pk, kind="flowers")
    assert not RecoveryAction.objects.exists()
    complaint_add_action(actor=agent, complaint_id=complaint.pk, kind="apology")
    complaint_add_action(actor=agent, complaint_id=complaint.pk, kind="replacement", cost=40)

    with pytest.raises(Invalid):
        complaint_resolve(actor=supervisor, complaint_id=complaint.pk, outcome=" ")
    complaint_resolve(actor=supervisor, complaint_id=complaint.pk, outcome=EL_TEXT)
    for late in (lambda: complaint_assign(actor=agent, complaint_id=complaint.pk,
                                          owner_id=agent.pk),
                 lambda: complaint_add_action(actor=agent, complaint_id=complaint.pk,
                                              kind="callback"),
                 lambda: complaint_resolve(actor=agent, complaint_id=complaint.pk,
                                           outcome="x")):
        with pytest.raises(Conflict) as conflict:
            late()
        assert conflict.value.code == "complaint_finished"
    closed = complaint_close(actor=agent, complaint_id=complaint.pk)
    assert (closed.status, closed.outcome) == ("closed", EL_TEXT)
    with pytest.raises(Conflict) as conflict:
        complaint_close(actor=agent, complaint_id=complaint.pk)
    assert conflict.value.code == "complaint_closed"
    with pytest.raises(NotFound):
        complaint_close(actor=agent, complaint_id=987_654_321)
    verbs = list(TimelineEvent.objects.filter(verb__startswith="complaint.")
                 .order_by("pk").values_list("verb", flat=True))
    assert verbs == ["complaint.raised", "complaint.assigned", "complaint.action_added",
                     "complaint.action_added", "complaint.resolved", "complaint.closed"]

    costs = recovery_costs(actor=analyst)
    assert [(row.category, row.actions, row.total) for row in costs] == [
        ("product", 2, Decimal("40.00"))]
    assert recovery_costs(actor=analyst, since=timezone.now() + timedelta(days=1)) == []


def test_an_unresolved_complaint_closes_only_with_a_reason(agent: Agent) -> None:
    complaint = complaint_raise(actor=agent, conversation_id=chat(agent).pk,
                                category="advertising", severity="low", description=AR_TEXT)
    with pytest.raises(Invalid) as caught:
        complaint_close(actor=agent, complaint_id=complaint.pk)
    assert caught.value.field == "outcome"
    closed = complaint_close(actor=agent, complaint_id=complaint.pk, outcome="تکراری بود")
    assert (closed.status, closed.outcome, closed.resolved_at) == ("closed", "تکراری بود", None)


def test_refused_roles_change_nothing(agent: Agent, analyst: Agent) -> None:
    complaint = complaint_raise(actor=agent, conversation_id=chat(agent).pk,
                                category="facilities", severity="medium", description=EL_TEXT)
    events = TimelineEvent.objects.count()
    attempts = [
        lambda: complaint_raise(actor=analyst, customer_id=complaint.customer_id,
                                category="product", severity="low", description="x"),
        lambda: complaint_assign(actor=analyst, complaint_id=complaint.pk, owner_id=agent.pk),
        lambda: complaint_add_action(actor=analyst, complaint_id=complaint.pk, kind="refund",
                                     cost="10"),
        lambda: complaint_resolve(actor=analyst, complaint_id=complaint.pk, outcome="x"),
        lambda: complaint_close(actor=analyst, complaint_id=complaint.pk, outcome="x"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().status == "open"
    assert not RecoveryAction.objects.exists()
    assert TimelineEvent.objects.count() == events


# --- overdue -------------------------------------------------------------------------------


def test_overdue_complaints_escalate_to_the_team_lead_once(
    agent: Agent, lead: Agent, support: Team, supervisor: Agent,
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        in_team = complaint_raise(actor=agent, conversation_id=chat(agent).pk,
                                  team_id=support.pk, owner_id=agent.pk, category="service",
                                  severity="critical", description=FA_COMMENT)
        no_team = complaint_raise(actor=agent, customer_id=in_team.customer_id,
                                  owner_id=supervisor.pk, category="product",
                                  severity="critical", description=EL_TEXT)
        done = complaint_raise(actor=agent, customer_id=in_team.customer_id,
                               category="product", severity="critical", description=AR_TEXT)
        complaint_resolve(actor=agent, complaint_id=done.pk, outcome="حل شد")
        later = complaint_raise(actor=agent, customer_id=in_team.customer_id,
                                category="product", severity="high", description=AR_TEXT)
    with time_machine.travel(start + timedelta(hours=3, minutes=59), tick=False):
        assert complaints_escalate_overdue() == 0
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        assert complaints_escalate_overdue() == 2
        assert complaints_escalate_overdue() == 0
    rows = {row.pk: row for row in Complaint.objects.all()}
    assert (rows[in_team.pk].owner_id, rows[in_team.pk].escalated_at) == (
        lead.pk, start + timedelta(hours=5))
    assert (rows[no_team.pk].owner_id, rows[no_team.pk].escalated_at) == (
        supervisor.pk, start + timedelta(hours=5))
    assert rows[done.pk].escalated_at is None
    assert rows[later.pk].escalated_at is None
    events = {event.after["complaint_id"]: event
              for event in TimelineEvent.objects.filter(verb="complaint.escalated")}
    assert set(events) == {in_team.pk, no_team.pk}
    assert (events[in_team.pk].before["owner_id"], events[in_team.pk].after["owner_id"],
            events[in_team.pk].customer_id, events[in_team.pk].conversation_id) == (
        agent.pk, lead.pk, in_team.customer_id, in_team.conversation_id)


def test_escalation_is_a_five_minute_periodic_job(agent: Agent, lead: Agent,
                                                  support: Team) -> None:
    jobs = {job.name: job for job in periodic_jobs()}
    job = jobs["feedback.complaints_escalate"]
    assert job.task_path == "mehvar.feedback.tasks.complaints_escalate_task"
    assert job.every == timedelta(minutes=5)
    complaint = complaint_raise(actor=agent, customer_id=chat(agent).customer_id,
                                team_id=support.pk, owner_id=agent.pk, category="warranty",
                                severity="high", description=EL_TEXT)
    with time_machine.travel(complaint.due_at + timedelta(minutes=1)):
        enqueue(job.task_path)  # tasks run at once under the tests
    complaint.refresh_from_db()
    assert complaint.owner_id == lead.pk
    assert complaint.escalated_at is not None
