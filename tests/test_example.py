"""A guided tour of how Mehvar tests are written. Read this before your first test.

Everything here runs for real: each test gets a fresh database (SQLite in memory by default,
PostgreSQL when MEHVAR_TEST_DATABASE_URL is set), data is created through the same services
the product uses, and the API is called over Django's test client with a real bearer token.
We never mock our own code: if a test needs a customer, it creates one with the service that
creates customers, so the test also proves that path works.

The helpers used below live in tests/conftest.py:

- `make_agent(role, username=..., **fields)` creates an agent through `agent_create`.
- `admin`, `supervisor`, `agent`, `analyst` are ready-made agents of each role.
- `api_as(who)` returns a client that sends `Authorization: Bearer <token>` for `who`
  (a token made by `token_create`), or no header at all for `api_as(None)`. Its methods
  take paths relative to /api/v1/: `.get("agents", limit=5)`, `.post("tokens", {...})`,
  `.patch(...)`, `.put(...)`, `.delete(...)`.
- pytest-django's `django_assert_num_queries(n)` fails when a block runs other than n
  queries.

See docs/development/testing.md for the rules these examples follow.
"""

from __future__ import annotations

import pytest

from mehvar.accounts.models import ApiToken, AuditLogEntry, Role
from mehvar.accounts.services import token_create


# 1. The simplest test: a fixture gives us an agent, we call an endpoint, we compare the
#    whole answer. Asserting the exact body (not just "status is 200") catches fields that
#    appear, vanish or change type. Use real Arabic, Persian and Greek text in test data:
#    that is what our users type.
def test_me_describes_the_caller(api_as, make_agent) -> None:
    # given
    niloufar = make_agent(Role.AGENT, username="niloufar", display_name="نیلوفر صالحی",
                          language="fa", time_zone="Asia/Tehran")
    # when
    response = api_as(niloufar).get("me")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": niloufar.pk, "username": "niloufar", "name": "نیلوفر صالحی", "email": "",
        "role": "agent", "language": "fa", "time_zone": "Asia/Tehran", "is_active": True,
        "teams": [],
    }


# 2. Errors are part of the API. Every error body is {"error": <code>, "detail": <text>};
#    tests assert the stable code (clients branch on it) and the status. Unknown ids are
#    404 with a code that names the thing, so a client can tell "no such agent" from a
#    wrong URL. Use -1 for an id that cannot exist.
def test_unknown_agent_is_a_specific_404(api_as, analyst) -> None:
    response = api_as(analyst).get("agents/-1")
    assert response.status_code == 404
    assert response.json() == {"error": "agent_not_found", "detail": "No agent has this id."}


# 3. A permission test checks both halves: the refusal, and that nothing changed. A 403 that
#    still wrote a row is worse than no check at all. Parametrize over roles with a leading
#    "_case"-style name when the cases need explaining; here the role says it.
@pytest.mark.parametrize("role", [Role.ANALYST, Role.AGENT, Role.SUPERVISOR])
def test_only_admins_issue_tokens_for_others(api_as, make_agent, agent, role) -> None:
    # given
    caller = make_agent(role, username="caller")
    client = api_as(caller)  # note: this creates the caller's own token first
    tokens_before = ApiToken.objects.count()
    # when
    response = client.post("tokens", {"name": "Διακομιστής CRM", "agent_id": agent.pk})
    # then
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert ApiToken.objects.count() == tokens_before
    assert not AuditLogEntry.objects.filter(action="token.create", actor=caller,
                                            data__agent_id=agent.pk).exists()


# 4. Input that breaks the schema (missing fields, wrong types, a string over its bound) is
#    a 422 with the code "validation_error". Input that is well-formed but breaks a
#    business rule gets the service's own code, still 422, and names the field.
def test_token_requests_are_validated(api_as, agent) -> None:
    client = api_as(agent)
    too_long = client.post("tokens", {"name": "ا" * 101})
    blank = client.post("tokens", {"name": "   "})
    assert (too_long.status_code, too_long.json()["error"]) == (422, "validation_error")
    assert (blank.status_code, blank.json()["error"], blank.json()["field"]) == (
        422, "token_name_invalid", "name")


# 5. Lists must not get slower per row. Measure the same request at two sizes with
#    django_assert_num_queries and pin the same number: if someone drops a
#    prefetch_related, the larger size fails. Warm up first: a token's first use writes
#    its last_used_at, which would otherwise count as one more query.
@pytest.mark.parametrize("size", [1, 10])
def test_token_list_queries_do_not_grow(api_as, agent, django_assert_num_queries,
                                        size) -> None:
    client = api_as(agent)
    client.get("me")
    for n in range(size):
        token_create(actor=agent, name=f"توکن {n}")
    with django_assert_num_queries(2):  # the bearer token lookup, then one page of tokens
        response = client.get("tokens")
    assert len(response.json()["items"]) == size + 1


# 6. Services can be tested without HTTP. Call them with the acting agent first, then check
#    the rows they wrote, including the audit trail that security reviews rely on.
def test_token_create_writes_an_audit_entry(admin) -> None:
    issued = token_create(actor=admin, name="گزارش‌ها", ip_address="192.0.2.10")
    entry = AuditLogEntry.objects.get(action="token.create")
    assert (entry.actor_id, entry.target_id, entry.ip_address, entry.data) == (
        admin.pk, str(issued.token.pk), "192.0.2.10", {"agent_id": admin.pk, "name": "گزارش‌ها"})
