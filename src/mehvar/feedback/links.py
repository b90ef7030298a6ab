"""Survey links: the invitation's id, signed, so a link cannot be guessed or altered. Expiry
and "answer once, then edit for a while" are kept on the rows, not in the signature."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import NotFound
from mehvar.feedback.errors import FeedbackErrorCode as Code

SALT = "mehvar.feedback.invitation"
MAX_TOKEN = 200


def invitation_token(invitation_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(invitation_id))


def invitation_id_from(token: str) -> int:
    """The id a token was signed for; NotFound for anything altered or malformed (a bad link
    tells nothing about which invitations exist)."""
    try:
        if not isinstance(token, str) or len(token) > MAX_TOKEN:
            raise signing.BadSignature
        return int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError) as error:
        raise NotFound(Code.LINK_INVALID, _("This survey link is not valid.")) from error


def survey_url(invitation_id: int, score: int | None = None) -> str:
    token = invitation_token(invitation_id)
    path = (reverse("survey", args=[token]) if score is None
            else reverse("survey-score", args=[token, score]))
    return f"{settings.MEHVAR_PUBLIC_URL}{path}"
