"""Sign-in, sign-out and failed sign-in attempts go to the security audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from mehvar.accounts.services import audit_record
from mehvar.core.http import client_ip


@receiver(user_logged_in, dispatch_uid="mehvar.audit.signed_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(actor_id=user.pk, action="agent.signed_in", target_type="agent",
                 target_id=user.pk, ip_address=client_ip(request))


@receiver(user_logged_out, dispatch_uid="mehvar.audit.signed_out")
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor_id=user.pk, action="agent.signed_out", target_type="agent",
                     target_id=user.pk, ip_address=client_ip(request))


@receiver(user_login_failed, dispatch_uid="mehvar.audit.sign_in_failed")
def _sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    # Django has already masked the password in `credentials`; keep only the username.
    username = str(credentials.get("username", ""))[:150]
    audit_record(actor_id=None, action="agent.sign_in_failed", target_type="agent",
                 ip_address=client_ip(request), data={"username": username})
