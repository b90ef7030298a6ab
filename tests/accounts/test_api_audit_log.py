"""GET /audit-log: supervisors and admins read the security log, newest first, by keyset."""

from __future__ import annotations

import pytest

from mehvar.accounts.models import AuditLogEntry, Role
from mehvar.accounts.services import agent_create, token_create, token_revoke
from tests.accounts.conftest import iso


@pytest.mark.parametrize(
    ("caller", "status"),
    [(Role.ANALYST, 403), (Role.AGENT, 403), (Role.SUPERVISOR, 200), (Role.ADMIN, 200)],
    indirect=["caller"],
)
def test_only_supervisors_and_admins_read_the_audit_log(api_as, caller, status) -> None:
    response = api_as(caller).get("audit-log")
    assert response.status_code == status
    if status == 403:
        assert response.json() == {
            "error": "permission_denied",
            "detail": "Your role does not allow this action (audit.view).",
        }


def test_anonymous_callers_are_refused(api_as, db) -> None:
    response = api_as(None).get("audit-log")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_entries_are_newest_first_with_actor(api_as, admin) -> None:
    # given: admin fixture (agent.create, no actor); then three actions by the admin
    agent_create(actor=admin, username="mina", password=None, display_name="مینا رحیمی")
    issued = token_create(actor=admin, name="Αναφορές")
    token_revoke(actor=admin, token_id=issued.token.pk)
    client = api_as(admin)  # creates its own token: one more token.create
    # when
    body = client.get("audit-log").json()
    # then
    entries = list(AuditLogEntry.objects.order_by("-at", "-id"))
    assert [item["action"] for item in body["items"]] == [
        "token.create", "token.revoke", "token.create", "agent.create", "agent.create"]
    assert body["items"][1] == {
        "id": entries[1].pk, "at": iso(entries[1].at),
        "actor": {"id": admin.pk, "name": "admin"}, "action": "token.revoke",
        "target_type": "api_token", "target_id": str(issued.token.pk), "ip_address": None,
        "data": {"agent_id": admin.pk},
    }
    assert body["items"][-1]["actor"] is None  # bootstrap agent_create has no actor
    assert body["next_cursor"] is None


def test_pages_follow_the_cursor_without_gaps_or_repeats(api_as, supervisor) -> None:
    # given: seven entries (supervisor created, the client's token, five more tokens)
    client = api_as(supervisor)
    for n in range(5):
        token_create(actor=supervisor, name=f"t{n}")
    # when: pages of three
    first = client.get("audit-log", limit=3).json()
    second = client.get("audit-log", limit=3, cursor=first["next_cursor"]).json()
    third = client.get("audit-log", limit=3, cursor=second["next_cursor"]).json()
    # then
    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert seen == list(AuditLogEntry.objects.order_by("-at", "-id").values_list("id", flat=True))
    assert [len(first["items"]), len(second["items"]), len(third["items"])] == [3, 3, 1]
    assert third["next_cursor"] is None


@pytest.mark.parametrize(
    ("_case", "query", "error"),
    [
        ("limit_zero", {"limit": 0}, "validation_error"),
        ("limit_over_max", {"limit": 1000}, "validation_error"),
        ("cursor_garbage", {"cursor": "%%%"}, "invalid_cursor"),
        ("cursor_without_timezone", {"cursor": "MjAyNC0wMS0wMVQwMDowMDowMHwx"}, "invalid_cursor"),
    ],
)
def test_bad_parameters_are_422(api_as, supervisor, _case, query, error) -> None:
    response = api_as(supervisor).get("audit-log", **query)
    assert response.status_code == 422
    assert response.json()["error"] == error


@pytest.mark.parametrize("size", [2, 20])
def test_audit_log_query_count_is_constant(api_as, supervisor, make_agent,
                                           django_assert_num_queries, size) -> None:
    client = api_as(supervisor)
    client.get("me")  # the first request with a token records last_used_at
    for n in range(size):
        make_agent(Role.AGENT, username=f"hire-{n}")
    # token lookup, entries with their actors
    with django_assert_num_queries(2):
        response = client.get("audit-log", limit=100)
    assert len(response.json()["items"]) == size + 2
