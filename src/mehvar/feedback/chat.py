"""The survey inside the web chat: when a chat conversation is solved, its invitation has the
channel "webchat" and no message is sent; the widget asks for the offer while the visitor is
there and answers through the channels context's chat-survey seam (registered in
FeedbackConfig.ready), stored like any other response."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import NotFound
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import SCALES, Invitation, SurveyKind
from mehvar.feedback.services import IN_CHAT, response_record, survey_texts


def _latest(conversation_id: int) -> Invitation | None:
    return (Invitation.objects.select_related("survey", "response")
            .filter(conversation_id=conversation_id, channel=IN_CHAT)
            .order_by("-created_at", "-pk").first())


def chat_survey_offer(*, conversation_id: int) -> dict[str, Any] | None:
    """What the widget shows: the question and scale in the invitation's language while it
    is unanswered and unexpired, {"answered": true, "score"} once answered, else None."""
    invitation = _latest(conversation_id)
    if invitation is None:
        return None
    answered = getattr(invitation, "response", None)
    if answered is not None:
        return {"id": invitation.pk, "answered": True, "score": answered.score}
    if timezone.now() > invitation.expires_at:
        return None
    low, high = SCALES[SurveyKind(invitation.kind)]
    texts = survey_texts(invitation.survey, invitation.language)
    return {"id": invitation.pk, "answered": False, "kind": invitation.kind, "low": low,
            "high": high, "question": texts["question"], "comment": texts["comment"],
            "language": invitation.language}


def chat_survey_answer(*, conversation_id: int, score: object, comment: object = "") -> int:
    """The visitor's answer in the widget (their chat token is the permission); returns the
    score stored. Rules as on the survey page: once, then editable for a while."""
    invitation = _latest(conversation_id)
    if invitation is None:
        raise NotFound(Code.LINK_INVALID, _("This chat has no survey to answer."))
    response = response_record(token=invitation_token(invitation.pk), score=score,
                               comment=comment if isinstance(comment, str) else "")
    return response.score

