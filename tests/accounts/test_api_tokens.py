"""POST/GET /tokens and DELETE /tokens/{id}: own tokens for everyone, others' for admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mehvar.accounts.models import ApiToken, AuditLogEntry, Role
from mehvar.accounts.services import agent_update, token_create
from tests.accounts.conftest import ROLES, iso

NOT_FOUND = {"error": "token_not_found", "detail": "No token has this id."}


def token_body(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk, "agent_id": token.agent_id, "name": token.name, "prefix": token.prefix,
        "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
        "expires_at": iso(token.expires_at), "revoked_at": iso(token.revoked_at),
    }


# -- create ----------------------------------------------------------------------------------

@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_every_role_creates_its_own_token_and_sees_the_secret_once(api_as, caller) -> None:
    # given
    expires_at = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    # when
    response = api_as(caller).post("tokens", {"name": "  گزارش شبانه  ",
                                              "expires_at": expires_at.isoformat()})
    # then
    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert body == {**token_body(token), "secret": body["secret"]}
    assert (token.agent_id, token.name, token.expires_at) == (caller.pk, "گزارش شبانه",
                                                               expires_at)
    assert body["secret"].startswith("mhv_")
    assert body["prefix"] == body["secret"][:12]
    # the secret works as a bearer token, and the list never shows it again
    listed = api_as(None)
    listed.headers = {"Authorization": f"Bearer {body['secret']}"}
    assert listed.get("me").json()["id"] == caller.pk
    assert body["secret"] not in listed.get("tokens").content.decode()


@pytest.mark.parametrize("caller", [Role.ANALYST, Role.AGENT, Role.SUPERVISOR], indirect=True)
def test_only_admins_create_tokens_for_others_and_denial_changes_nothing(
    api_as, caller, agent
) -> None:
    # given
    client = api_as(caller)
    tokens_before = ApiToken.objects.count()
    audit_before = AuditLogEntry.objects.count()
    # when
    response = client.post("tokens", {"name": "stolen", "agent_id": agent.pk})
    # then
    assert response.status_code == 403
    assert response.json() == {
        "error": "permission_denied",
        "detail": "Your role does not allow this action (token.manage_all).",
    }
    assert ApiToken.objects.count() == tokens_before
    assert AuditLogEntry.objects.count() == audit_before
    assert not ApiToken.objects.filter(agent=agent).exists()


def test_admin_creates_a_token_for_another_agent(api_as, admin, agent) -> None:
    response = api_as(admin).post("tokens", {"name": "CRM sync", "agent_id": agent.pk})
    assert response.status_code == 201
    assert response.json()["agent_id"] == agent.pk
    entry = AuditLogEntry.objects.get(action="token.create", target_id=str(response.json()["id"]))
    assert (entry.actor_id, entry.ip_address, entry.data) == (
        admin.pk, "127.0.0.1", {"agent_id": agent.pk, "name": "CRM sync"})


def test_anonymous_cannot_create_a_token(api_as, db) -> None:
    response = api_as(None).post("tokens", {"name": "x"})
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "body", "error", "field"),
    [
        ("name_missing", {}, "validation_error", None),
        ("name_empty", {"name": ""}, "validation_error", None),
        ("name_too_long", {"name": "ن" * 101}, "validation_error", None),
        ("name_blank", {"name": "   "}, "token_name_invalid", "name"),
        ("name_not_text", {"name": ["x"]}, "validation_error", None),
        ("expiry_without_offset", {"name": "x", "expires_at": "2031-01-01T00:00:00"},
         "validation_error", None),
        ("expiry_not_a_date", {"name": "x", "expires_at": "فردا"}, "validation_error", None),
        ("expiry_in_past", {"name": "x", "expires_at": "2001-01-01T00:00:00+03:30"},
         "token_expiry_in_past", "expires_at"),
        ("agent_id_not_a_number", {"name": "x", "agent_id": "reza"}, "validation_error", None),
    ],
)
def test_invalid_token_requests_are_422(api_as, admin, _case, body, error, field) -> None:
    client = api_as(admin)
    tokens_before = ApiToken.objects.count()
    response = client.post("tokens", body)
    assert response.status_code == 422
    assert response.json()["error"] == error
    assert response.json().get("field") == field
    assert ApiToken.objects.count() == tokens_before


@pytest.mark.parametrize("agent_id", [-1, 99999999999999999999])
def test_token_for_unknown_agent_is_404(api_as, admin, agent_id) -> None:
    response = api_as(admin).post("tokens", {"name": "x", "agent_id": agent_id})
    assert response.status_code == 404
    assert response.json() == {"error": "agent_not_found", "detail": "No agent has this id."}


def test_token_for_deactivated_agent_is_404(api_as, admin, agent) -> None:
    agent_update(actor=admin, agent_id=agent.pk, changes={"is_active": False})
    response = api_as(admin).post("tokens", {"name": "x", "agent_id": agent.pk})
    assert response.status_code == 404
    assert response.json()["error"] == "agent_not_found"


# -- list ------------------------------------------------------------------------------------

def test_list_shows_own_tokens_newest_first_and_never_secrets(api_as, agent, supervisor) -> None:
    # given: the client's own token ("tests"), two more of the agent's, one of someone else
    client = api_as(agent)
    older = token_create(actor=agent, name="Τηλεφωνικό κέντρο")
    newer = token_create(actor=agent, name="واتساپ")
    token_create(actor=supervisor, name="not mine")
    # when
    response = client.get("tokens")
    # then
    body = response.json()
    own = list(ApiToken.objects.filter(agent=agent).order_by("-created_at", "-id"))
    assert [item["name"] for item in body["items"]] == ["واتساپ", "Τηλεφωνικό κέντρο", "tests"]
    assert body == {"items": [token_body(token) for token in own], "next_cursor": None}
    for issued in (older, newer):
        assert issued.secret not in response.content.decode()
        assert issued.token.key_hash not in response.content.decode()


def test_list_pages_follow_the_cursor(api_as, agent) -> None:
    client = api_as(agent)
    for n in range(4):
        token_create(actor=agent, name=f"token {n}")
    first = client.get("tokens", limit=3).json()
    second = client.get("tokens", limit=3, cursor=first["next_cursor"]).json()
    assert [t["name"] for t in first["items"] + second["items"]] == [
        "token 3", "token 2", "token 1", "token 0", "tests"]
    assert second["next_cursor"] is None


def test_admin_lists_another_agents_tokens(api_as, admin, agent) -> None:
    token_create(actor=agent, name="Ψηφιακό κανάλι")
    body = api_as(admin).get("tokens", agent_id=agent.pk).json()
    assert [item["name"] for item in body["items"]] == ["Ψηφιακό κανάλι"]


@pytest.mark.parametrize("caller", [Role.ANALYST, Role.AGENT, Role.SUPERVISOR], indirect=True)
def test_non_admins_cannot_list_others_tokens(api_as, caller, agent) -> None:
    response = api_as(caller).get("tokens", agent_id=agent.pk)
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_own_agent_id_is_allowed_for_everyone(api_as, analyst) -> None:
    response = api_as(analyst).get("tokens", agent_id=analyst.pk)
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["items"]] == ["tests"]


def test_admin_listing_unknown_agent_is_404(api_as, admin) -> None:
    response = api_as(admin).get("tokens", agent_id=-1)
    assert response.status_code == 404
    assert response.json()["error"] == "agent_not_found"


def test_list_rejects_bad_parameters(api_as, agent) -> None:
    client = api_as(agent)
    assert client.get("tokens", agent_id="x").json()["error"] == "validation_error"
    assert client.get("tokens", limit=0).json()["error"] == "validation_error"
    assert client.get("tokens", cursor="not-a-cursor").json()["error"] == "invalid_cursor"


def test_anonymous_cannot_list_tokens(api_as, db) -> None:
    assert api_as(None).get("tokens").status_code == 401


@pytest.mark.parametrize("size", [1, 15])
def test_token_list_query_count_is_constant(api_as, agent, django_assert_num_queries,
                                            size) -> None:
    client = api_as(agent)
    client.get("me")  # the first request with a token records last_used_at
    for n in range(size):
        token_create(actor=agent, name=f"token {n}")
    # token lookup, tokens
    with django_assert_num_queries(2):
        response = client.get("tokens")
    assert len(response.json()["items"]) == size + 1


# -- revoke ----------------------------------------------------------------------------------

def test_owner_revokes_a_token(api_as, agent) -> None:
    # given
    issued = token_create(actor=agent, name="old laptop")
    # when
    response = api_as(agent).delete(f"tokens/{issued.token.pk}")
    # then
    assert response.status_code == 204
    assert response.content == b""
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    entry = AuditLogEntry.objects.get(action="token.revoke")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.ip_address, entry.data) == (
        agent.pk, "api_token", str(issued.token.pk), "127.0.0.1", {"agent_id": agent.pk})


def test_revoking_twice_is_a_no_op(api_as, agent) -> None:
    issued = token_create(actor=agent, name="twice")
    client = api_as(agent)
    assert client.delete(f"tokens/{issued.token.pk}").status_code == 204
    issued.token.refresh_from_db()
    first_revoked_at = issued.token.revoked_at
    assert client.delete(f"tokens/{issued.token.pk}").status_code == 204
    issued.token.refresh_from_db()
    assert issued.token.revoked_at == first_revoked_at
    assert AuditLogEntry.objects.filter(action="token.revoke").count() == 1


def test_admin_revokes_another_agents_token(api_as, admin, agent) -> None:
    issued = token_create(actor=agent, name="lost phone")
    assert api_as(admin).delete(f"tokens/{issued.token.pk}").status_code == 204
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None


@pytest.mark.parametrize("caller", [Role.ANALYST, Role.AGENT, Role.SUPERVISOR], indirect=True)
def test_others_tokens_are_not_found_for_non_admins(api_as, caller, admin) -> None:
    # given: an admin's token; a non-admin tries to revoke it
    issued = token_create(actor=admin, name="root")
    # when
    response = api_as(caller).delete(f"tokens/{issued.token.pk}")
    # then: reported as missing (ids cannot be probed) and still working
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
    assert not AuditLogEntry.objects.filter(action="token.revoke").exists()


@pytest.mark.parametrize("token_id", ["-1", "0", "99999999999999999999"])
def test_unknown_token_is_404(api_as, admin, token_id) -> None:
    response = api_as(admin).delete(f"tokens/{token_id}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_token_id_that_is_not_a_number_is_422(api_as, agent) -> None:
    response = api_as(agent).delete("tokens/abc")
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


def test_anonymous_cannot_revoke(api_as, agent) -> None:
    issued = token_create(actor=agent, name="keep")
    assert api_as(None).delete(f"tokens/{issued.token.pk}").status_code == 401
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
