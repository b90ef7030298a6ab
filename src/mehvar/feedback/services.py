"""Writes of the feedback context: surveys, invitations (sent on the customer's channel when
a conversation is solved, within the fatigue rule) and responses through signed links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.channels.services.outbound import outbound_queue_system, route_get
from mehvar.conversations.lifecycle import ConversationChange, Happening
from mehvar.conversations.selectors import conversation_get
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_record
from mehvar.customers.services import customer_record_satisfaction
from mehvar.feedback.complaint_intake import complaint_raise_for_response
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.links import invitation_id_from, survey_url
from mehvar.feedback.models import (
    SCALES,
    Invitation,
    Response,
    Survey,
    SurveyKind,
    SurveyTrigger,
)

MAX_COMMENT = 5000
LANGUAGES = {code for code, _name in settings.LANGUAGES}
TEXT_KEYS = ("question", "comment")
# Channels a survey link can travel on (phone has no way to send it later); web chat asks
# inside the chat widget instead (feedback.chat).
DELIVERABLE = {"email", "sms", "whatsapp", "telegram"}
IN_CHAT = "webchat"
MAX_QUESTIONS = 5
MAX_OPTIONS = 8
MAX_ANSWER = 1000
QUESTION_KINDS = ("choice", "text")


def default_question(kind: str) -> str:
    """The shipped question in the active language."""
    if kind == SurveyKind.NPS:
        return gettext("How likely are you to recommend us to a friend or colleague?")
    if kind == SurveyKind.CES:
        return gettext("How easy was it to get your issue resolved?")
    return gettext("How satisfied are you with the help you received?")


MAX_KEYWORDS = 50


def _clean_keywords(keywords: object) -> list[str]:
    if not isinstance(keywords, list | tuple) or len(keywords) > MAX_KEYWORDS or not all(
            isinstance(word, str) and 0 < len(word.strip()) <= 100 for word in keywords):
        raise Invalid(Code.SURVEY_INVALID,
                      _("Give at most 50 complaint keywords of 1 to 100 characters."),
                      field="complaint_keywords")
    return list(dict.fromkeys(" ".join(word.split()) for word in keywords))


def survey_texts(survey: Survey, language: str) -> dict[str, str]:
    """The question and comment prompt in `language`: the admin's wording, else shipped."""
    with translation.override(language or settings.LANGUAGE_CODE):
        texts = {"question": default_question(survey.kind),
                 "comment": gettext("Anything you would like to add?")}
    texts.update({key: value for key, value in (survey.texts.get(language) or {}).items()
                  if key in TEXT_KEYS and value})
    return texts


# --- surveys -------------------------------------------------------------------------------


def _clean_texts(texts: object) -> dict[str, dict[str, str]]:
    if not isinstance(texts, Mapping) or len(texts) > len(LANGUAGES):
        raise Invalid(Code.SURVEY_INVALID, _("Give texts per language (en, ar, fa, el)."),
                      field="texts")
    cleaned: dict[str, dict[str, str]] = {}
    for language, values in texts.items():
        if language not in LANGUAGES or not isinstance(values, Mapping):
            raise Invalid(Code.SURVEY_INVALID, _("Give texts per language (en, ar, fa, el)."),
                          field="texts")
        cleaned[language] = {}
        for key, value in values.items():
            if key not in TEXT_KEYS or not isinstance(value, str) or len(value) > 500:
                raise Invalid(Code.SURVEY_INVALID,
                              _("Each language has a question and a comment prompt of at "
                                "most 500 characters."), field="texts")
            cleaned[language][key] = value.strip()
    return cleaned


def _questions_invalid(detail: Any) -> Invalid:
    return Invalid(Code.SURVEY_INVALID, detail, field="questions")


def _clean_questions(questions: object) -> list[dict[str, Any]]:
    """At most five optional questions: {"key", "kind": "choice" | "text", "texts":
    {language: {"label", "options": [...]}}}; a choice has 2 to 8 options, the same number
    in every language."""
    if not isinstance(questions, list | tuple) or len(questions) > MAX_QUESTIONS:
        raise _questions_invalid(_("Give at most five extra questions."))
    cleaned, keys = [], set()
    for question in questions:
        if not isinstance(question, Mapping):
            raise _questions_invalid(_("Each extra question has a key, a kind and texts."))
        key, kind, texts = question.get("key"), question.get("kind"), question.get("texts")
        if (not isinstance(key, str) or not key.isascii() or not key.isidentifier()
                or len(key) > 40 or key in keys):
            raise _questions_invalid(_("Each extra question has its own key (letters, digits "
                                       "and _, at most 40)."))
        if kind not in QUESTION_KINDS:
            raise _questions_invalid(_("An extra question is a choice or a text."))
        if not isinstance(texts, Mapping) or not texts or any(
                language not in LANGUAGES for language in texts):
            raise _questions_invalid(_("Give texts per language (en, ar, fa, el)."))
        counts, clean_texts = set(), {}
        for language, values in texts.items():
            label = values.get("label") if isinstance(values, Mapping) else None
            options = values.get("options", []) if isinstance(values, Mapping) else None
            if (not isinstance(label, str) or not label.strip() or len(label) > 300
                    or not isinstance(options, list | tuple)
                    or any(not isinstance(option, str) or not option.strip()
                           or len(option) > 100 for option in options)):
                raise _questions_invalid(_("Each question has a label of at most 300 "
                                           "characters and options of at most 100."))
            counts.add(len(options))
            clean_texts[language] = {"label": label.strip(),
                                     "options": [option.strip() for option in options]}
        if kind == "choice" and (len(counts) != 1 or not 2 <= counts.pop() <= MAX_OPTIONS):
            raise _questions_invalid(_("A choice has 2 to 8 options, the same number in "
                                       "every language."))
        keys.add(key)
        cleaned.append({"key": key, "kind": kind, "texts": clean_texts})
    return cleaned


def survey_questions(survey: Survey, language: str) -> list[dict[str, Any]]:
    """The extra questions in `language` (else English, else the first given)."""
    shown = []
    for question in survey.questions or []:
        texts = question["texts"]
        text = texts.get(language) or texts.get("en") or next(iter(texts.values()))
        shown.append({"key": question["key"], "kind": question["kind"],
                      "label": text["label"],
                      "options": list(enumerate(text.get("options", [])))})
    return shown


def _clean_answers(survey: Survey, answers: object) -> dict[str, Any]:
    """Answers to the extra questions, all optional: an option's index or a text."""
    if answers is None:
        return {}
    if not isinstance(answers, Mapping) or len(answers) > MAX_QUESTIONS:
        raise Invalid(Code.ANSWERS_INVALID, _("Answer the extra questions of this survey."),
                      field="answers")
    questions = {question["key"]: question for question in survey.questions or []}
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            raise Invalid(Code.ANSWERS_INVALID, _("This survey has no such question."),
                          field="answers")
        if question["kind"] == "choice":
            options = len(next(iter(question["texts"].values()))["options"])
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            if value in ("", None):
                continue
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < options:
                raise Invalid(Code.ANSWERS_INVALID, _("Choose one of the options."),
                              field="answers")
            cleaned[key] = value
        else:
            if not isinstance(value, str) or len(value) > MAX_ANSWER or "\x00" in value:
                raise Invalid(Code.ANSWERS_INVALID,
                              _("Keep each answer under %(max)s characters.")
                              % {"max": MAX_ANSWER}, field="answers")
            if value.strip():
                cleaned[key] = value.strip()
    return cleaned


@transaction.atomic
def survey_save(*, actor: Actor, survey_id: int | None = None, name: str, kind: str,
                trigger: str = SurveyTrigger.SOLVED, is_active: bool = True,
                texts: Mapping[str, Any] | None = None, delay_days: int = 0,
                questions: Sequence[Mapping[str, Any]] | None = None,
                complaint_keywords: Sequence[str] | None = None) -> Survey:
    """Create (no id) or change a survey; admins only. `complaint_keywords`: words or
    phrases that make a comment a complaint whatever its score."""
    require(actor, "survey.manage")
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name or len(name) > 100:
        raise Invalid(Code.SURVEY_INVALID, _("Give a name of 1 to 100 characters."),
                      field="name")
    if kind not in SurveyKind.values:
        raise Invalid(Code.SURVEY_INVALID, _("The kind is csat, nps or ces."), field="kind")
    if trigger not in SurveyTrigger.values:
        raise Invalid(Code.SURVEY_INVALID,
                      _("The trigger is solved, after_solved or manual."), field="trigger")
    if (not isinstance(delay_days, int) or isinstance(delay_days, bool)
            or not 0 <= delay_days <= 365
            or (trigger == SurveyTrigger.AFTER_SOLVED and delay_days < 1)):
        raise Invalid(Code.SURVEY_INVALID,
                      _("Wait 1 to 365 days after solving (0 for other triggers)."),
                      field="delay_days")
    values = {"name": name, "kind": kind, "trigger": trigger, "is_active": bool(is_active),
              "texts": _clean_texts(texts or {}), "delay_days": delay_days,
              "questions": _clean_questions(questions or []),
              "complaint_keywords": _clean_keywords(complaint_keywords or [])}
    if survey_id is None:
        survey = Survey.objects.create(**values)
    else:
        found = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if found is None:
            raise NotFound(Code.SURVEY_NOT_FOUND, _("No survey has this id."))
        survey = found
        if survey.kind != kind and survey.invitations.exists():
            raise Conflict(Code.SURVEY_INVALID,
                           _("A survey that was sent cannot change its kind."), field="kind")
        for field, value in values.items():
            setattr(survey, field, value)
        survey.save(update_fields=[*values, "updated_at"])
    audit_record(actor_id=actor.pk, action="survey.saved", target_type="survey",
                 target_id=survey.pk, data={"name": name, "kind": kind, "trigger": trigger,
                                            "is_active": values["is_active"],
                                            "delay_days": delay_days})
    return survey


# --- invitations ---------------------------------------------------------------------------


def on_conversation_change(change: ConversationChange) -> None:
    """The lifecycle hook: a conversation just solved invites its customer to the active
    survey triggered by solving (the first by name), within the fatigue rule."""
    if change.happening != Happening.STATUS_CHANGED or change.conversation.status != "solved":
        return
    survey = (Survey.objects.filter(is_active=True, trigger=SurveyTrigger.SOLVED)
              .order_by("name", "id").first())
    if survey is not None:
        invitation_send(survey=survey, conversation=change.conversation, at=change.at)


def invitation_send(*, survey: Survey, conversation: Any, at: Any = None,
                    follow_up: bool = False) -> Invitation | None:
    """Invite the conversation's customer on the conversation's channel; None when they were
    invited within MEHVAR_SURVEY_FATIGUE_DAYS, refused surveys (consent "surveys": false) or
    the channel cannot carry a link. A `follow_up` (after a complaint is resolved: "are you
    satisfied now?") is not held back by the fatigue rule. Runs inside the caller's
    transaction."""
    now = at or timezone.now()
    customer = conversation.customer
    if customer.consent.get("surveys") is False:
        return None
    since = now - timedelta(days=settings.MEHVAR_SURVEY_FATIGUE_DAYS)
    if not follow_up and Invitation.objects.filter(customer_id=customer.pk,
                                                   created_at__gt=since).exists():
        return None
    route = route_get(conversation_id=conversation.pk)
    if route is None or route.channel not in {*DELIVERABLE, IN_CHAT}:
        return None
    language = conversation.language or customer.language or settings.LANGUAGE_CODE
    invitation = Invitation.objects.create(
        survey=survey, kind=survey.kind, customer_id=customer.pk,
        conversation_id=conversation.pk, agent_id=conversation.assignee_id,
        team_id=conversation.team_id, channel=route.channel, language=language,
        created_at=now, expires_at=now + timedelta(days=settings.MEHVAR_SURVEY_LINK_DAYS))
    if route.channel != IN_CHAT:  # the chat widget asks while the visitor is there
        text, subject = _invitation_text(survey, invitation, conversation,
                                         follow_up=follow_up)
        outbound_queue_system(conversation=conversation, kind="survey", channel=route.channel,
                              recipient=route.address, text=text, subject=subject)
    after = {"invitation_id": invitation.pk, "survey_id": survey.pk, "kind": survey.kind,
             "channel": route.channel}
    timeline_record(verb="survey.sent", actor_id=None, customer_id=customer.pk,
                    conversation_id=conversation.pk,
                    after={**after, "follow_up": True} if follow_up else after)
    return invitation


def _invitation_text(survey: Survey, invitation: Invitation, conversation: Any, *,
                     follow_up: bool = False) -> tuple[str, str]:
    """The message in the customer's language: the question, and on e-mail one link per
    score (one click answers); elsewhere one short link. A follow-up after a complaint says
    so first."""
    texts = survey_texts(survey, invitation.language)
    low, high = SCALES[SurveyKind(survey.kind)]
    with translation.override(invitation.language):
        subject = gettext("A question about your conversation #%(id)s") % {
            "id": conversation.pk}
        lead = ([gettext("We have worked on what went wrong. Are you satisfied now?"), ""]
                if follow_up else [])
        if invitation.channel == "email":
            lines = [*lead, texts["question"], ""]
            lines += [f"{score}: {survey_url(invitation.pk, score)}"
                      for score in range(low, high + 1)]
            lines += ["", gettext("%(low)s is the lowest and %(high)s the highest.")
                      % {"low": low, "high": high}]
        else:
            lines = [*lead, texts["question"], survey_url(invitation.pk)]
    return "\n".join(lines), subject


# --- responses -----------------------------------------------------------------------------


@transaction.atomic
def response_record(*, token: str, score: object, comment: object = "",
                    answers: object = None) -> Response:
    """The customer's answer through their link (no agent: the signed link is the
    permission). The first answer is stored; the same link may change it until
    MEHVAR_SURVEY_EDIT_HOURS after, then it is locked. A comment alone keeps the score."""
    invitation_id = invitation_id_from(token)
    invitation = (Invitation.objects.select_for_update().select_related("survey")
                  .filter(pk=invitation_id).first())
    if invitation is None:
        raise NotFound(Code.LINK_INVALID, _("This survey link is not valid."))
    now = timezone.now()
    low, high = SCALES[SurveyKind(invitation.kind)]
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if not isinstance(score, int) or isinstance(score, bool) or not low <= score <= high:
        raise Invalid(Code.SCORE_INVALID, _("Choose a score from %(low)s to %(high)s.")
                      % {"low": low, "high": high}, field="score")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT or "\x00" in comment:
        raise Invalid(Code.COMMENT_INVALID, _("Keep the comment under %(max)s characters.")
                      % {"max": MAX_COMMENT}, field="comment")
    cleaned_answers = _clean_answers(invitation.survey, answers)
    existing = Response.objects.filter(invitation=invitation).first()
    if existing is None and now > invitation.expires_at:
        raise Conflict(Code.LINK_EXPIRED, _("This survey link has expired."))
    if existing is not None:
        if now > existing.editable_until:
            raise Conflict(Code.RESPONSE_LOCKED,
                           _("This answer was given a while ago and can no longer change."))
        before = {"score": existing.score, "comment": existing.comment}
        existing.score, existing.comment = score, comment.strip()
        existing.answers = {**existing.answers, **cleaned_answers}
        existing.save(update_fields=["score", "comment", "answers"])
        _record(existing, "survey.answer_changed", before)
        # A comment written after the one-click score can still flag a complaint.
        complaint_raise_for_response(response=existing, language=invitation.language,
                                     keywords=invitation.survey.complaint_keywords)
        return existing
    try:
        with transaction.atomic():
            response = Response.objects.create(
                invitation=invitation, kind=invitation.kind, score=score,
                comment=comment.strip(), answers=cleaned_answers,
                customer_id=invitation.customer_id,
                conversation_id=invitation.conversation_id, agent_id=invitation.agent_id,
                team_id=invitation.team_id, channel=invitation.channel, answered_at=now,
                editable_until=now + timedelta(hours=settings.MEHVAR_SURVEY_EDIT_HOURS))
    except IntegrityError as error:  # a double click raced us: the first answer stands
        raise Conflict(Code.RESPONSE_LOCKED, _("This survey was just answered.")) from error
    _record(response, "survey.answered", {})
    complaint_raise_for_response(response=response, language=invitation.language,
                                 keywords=invitation.survey.complaint_keywords)
    return response


def satisfaction_percent(kind: str, score: int) -> int:
    """A score on its scale as 0–100 (CSAT 1–5, NPS 0–10, CES 1–7), so segments compare any
    survey's answers alike."""
    low, high = SCALES[SurveyKind(kind)]
    return round(100 * (score - low) / (high - low))


def _record(response: Response, verb: str, before: dict[str, Any]) -> None:
    customer_record_satisfaction(customer_id=response.customer_id,
                                 satisfaction=satisfaction_percent(response.kind,
                                                                   response.score))
    timeline_record(verb=verb, actor_id=None, customer_id=response.customer_id,
                    conversation_id=response.conversation_id, before=before,
                    after={"invitation_id": response.invitation_id, "kind": response.kind,
                           "score": response.score, "comment": response.comment,
                           "agent_id": response.agent_id})


@transaction.atomic
def survey_send(*, actor: Actor, survey_id: int, conversation_id: int) -> Invitation:
    """An agent invites a conversation's customer by hand (the fatigue rule still holds)."""
    require(actor, "survey.send")
    survey = Survey.objects.filter(pk=survey_id, is_active=True).first()
    if survey is None:
        raise NotFound(Code.SURVEY_NOT_FOUND, _("No active survey has this id."))
    conversation = conversation_get(actor=actor, conversation_id=conversation_id)
    invitation = invitation_send(survey=survey, conversation=conversation)
    if invitation is None:
        raise Conflict(Code.NOT_DELIVERABLE,
                       _("This customer cannot be asked now: they were asked recently, "
                         "declined surveys, or the conversation's channel cannot carry a "
                         "link."))
    return invitation
