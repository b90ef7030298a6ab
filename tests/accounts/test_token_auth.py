"""Bearer tokens: stored only as a SHA-256 hash, and refused the moment they stop being valid."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from mehvar.accounts.models import ApiToken, AuditLogEntry
from mehvar.accounts.selectors import TOKEN_TOUCH_INTERVAL
from mehvar.accounts.services import agent_create, agent_update, token_create, token_revoke
from tests.conftest import ApiClient

REFUSED = {"error": "not_authenticated", "detail": "Send a valid API token or sign in."}


def bearer(secret: str) -> ApiClient:
    return ApiClient(secret)


def test_the_stored_row_holds_only_a_hash_of_the_secret(agent) -> None:
    # when
    issued = token_create(actor=agent, name="Εξαγωγή αναφορών")
    # then: nothing stored contains the secret, or the part after the prefix
    row = ApiToken.objects.filter(pk=issued.token.pk).values().get()
    stored = " ".join(str(value) for value in row.values())
    assert issued.secret not in stored
    assert issued.secret[12:] not in stored
    assert row["key_hash"] == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert row["prefix"] == issued.secret[:12]
    # nor does the audit entry that records the creation
    entry = AuditLogEntry.objects.get(action="token.create")
    assert issued.secret not in str(model_to_dict(entry))


def test_a_valid_token_authenticates_as_its_agent(agent) -> None:
    issued = token_create(actor=agent, name="ok")
    response = bearer(issued.secret).get("me")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"


def test_a_revoked_token_is_refused_at_once(agent) -> None:
    # given: a token that has just worked
    issued = token_create(actor=agent, name="revoke me")
    client = bearer(issued.secret)
    assert client.get("me").status_code == 200
    # when: it revokes itself
    assert client.delete(f"tokens/{issued.token.pk}").status_code == 204
    # then: the very next request is refused
    response = client.get("me")
    assert response.status_code == 401
    assert response.json() == REFUSED


def test_a_token_revoked_by_an_admin_is_refused(admin, agent) -> None:
    issued = token_create(actor=agent, name="x")
    token_revoke(actor=admin, token_id=issued.token.pk)
    response = bearer(issued.secret).get("agents")
    assert response.status_code == 401
    assert response.json() == REFUSED


def test_an_expired_token_is_refused(agent) -> None:
    # given: a token whose expiry time has passed (time cannot be moved through a service,
    # so the row's expiry is moved into the past)
    issued = token_create(actor=agent, name="short", expires_at=timezone.now() + timedelta(hours=1))
    client = bearer(issued.secret)
    assert client.get("me").status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    # when
    response = client.get("me")
    # then
    assert response.status_code == 401
    assert response.json() == REFUSED


def test_a_deactivated_agents_token_is_refused(admin, agent) -> None:
    issued = token_create(actor=agent, name="leaver")
    agent_update(actor=admin, agent_id=agent.pk, changes={"is_active": False})
    response = bearer(issued.secret).get("me")
    assert response.status_code == 401
    assert response.json() == REFUSED


@pytest.mark.parametrize(
    ("_case", "header"),
    [
        ("scheme_only", "Bearer"),
        ("scheme_and_space", "Bearer "),
        ("wrong_scheme", "Token mhv_abc"),
        ("basic_auth", "Basic YWdlbnQ6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5"),
        ("unknown_secret", "Bearer mhv_0000000000000000000000000000000000000000000"),
        ("secret_with_spaces", "Bearer mhv_abc def"),
        ("very_long", "Bearer " + "x" * 5000),
        ("lowercase_prefix_of_real", "bearer mhv_"),
    ],
)
def test_a_malformed_authorization_header_is_refused(agent, _case, header) -> None:
    client = ApiClient(None)
    client.headers = {"Authorization": header}
    response = client.get("me")
    assert response.status_code == 401
    assert response.json() == REFUSED


def test_the_real_secret_in_another_scheme_is_refused(agent) -> None:
    issued = token_create(actor=agent, name="x")
    client = ApiClient(None)
    client.headers = {"Authorization": f"Token {issued.secret}"}
    assert client.get("me").status_code == 401


def test_last_used_at_is_recorded_then_throttled(agent) -> None:
    # given
    issued = token_create(actor=agent, name="usage")
    assert issued.token.last_used_at is None
    before = timezone.now()
    client = bearer(issued.secret)
    # when
    client.get("me")
    issued.token.refresh_from_db()
    first_use = issued.token.last_used_at
    client.get("agents")
    issued.token.refresh_from_db()
    # then: set by the first request, not rewritten within the touch interval
    assert first_use is not None
    assert before <= first_use <= timezone.now()
    assert issued.token.last_used_at == first_use


def test_last_used_at_is_refreshed_after_the_interval(agent) -> None:
    issued = token_create(actor=agent, name="usage")
    stale = timezone.now() - TOKEN_TOUCH_INTERVAL - timedelta(seconds=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=stale)
    bearer(issued.secret).get("me")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at > stale + TOKEN_TOUCH_INTERVAL


def test_audit_log_records_token_create_and_revoke_and_agent_create(admin) -> None:
    # when
    reza = agent_create(actor=admin, username="reza", password=None, role="agent",
                        display_name="رضا کریمی", ip_address="10.0.0.7")
    issued = token_create(actor=admin, name="for reza", agent_id=reza.pk)
    token_revoke(actor=admin, token_id=issued.token.pk)
    # then
    entries = list(AuditLogEntry.objects.filter(actor=admin).order_by("id").values_list(
        "action", "target_type", "target_id", "ip_address", "data"))
    assert entries == [
        ("agent.create", "agent", str(reza.pk), "10.0.0.7", {"role": "agent"}),
        ("token.create", "api_token", str(issued.token.pk), None,
         {"agent_id": reza.pk, "name": "for reza"}),
        ("token.revoke", "api_token", str(issued.token.pk), None, {"agent_id": reza.pk}),
    ]
