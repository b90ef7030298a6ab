"""The browser session authenticates API calls too, and unsafe methods need the CSRF token."""

from __future__ import annotations

import json

from django.test import Client

from mehvar.accounts.models import ApiToken
from mehvar.accounts.services import agent_update


def session_client(who) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(who)
    return client


def csrf_token(client: Client) -> str:
    client.get("/admin/login/")  # any page with a form sets the CSRF cookie
    return client.cookies["csrftoken"].value


def test_session_reads_need_no_csrf_token(agent) -> None:
    response = session_client(agent).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"


def test_session_post_without_csrf_token_is_refused(agent) -> None:
    # given
    client = session_client(agent)
    # when
    response = client.post("/api/v1/tokens", json.dumps({"name": "x"}),
                           content_type="application/json")
    # then
    assert response.status_code == 403
    assert response.json() == {"error": "csrf_failed", "detail": "CSRF check Failed"}
    assert ApiToken.objects.count() == 0


def test_write_without_session_or_valid_token_is_401_not_a_csrf_error(agent) -> None:
    for headers in ({}, {"Authorization": "Bearer mhv_not-a-real-token"}):
        response = Client(enforce_csrf_checks=True).post(
            "/api/v1/tokens", json.dumps({"name": "x"}), content_type="application/json",
            headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"
    assert ApiToken.objects.count() == 0


def test_session_post_with_a_wrong_csrf_token_is_refused(agent) -> None:
    client = session_client(agent)
    csrf_token(client)
    response = client.post("/api/v1/tokens", json.dumps({"name": "x"}),
                           content_type="application/json", headers={"X-CSRFToken": "x" * 32})
    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


def test_session_post_with_csrf_token_works(agent) -> None:
    client = session_client(agent)
    response = client.post("/api/v1/tokens", json.dumps({"name": "از مرورگر"}),
                           content_type="application/json",
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201
    assert ApiToken.objects.get().name == "از مرورگر"


def test_session_delete_needs_the_csrf_token_too(agent) -> None:
    client = session_client(agent)
    token = csrf_token(client)
    created = client.post("/api/v1/tokens", json.dumps({"name": "x"}),
                          content_type="application/json", headers={"X-CSRFToken": token})
    path = f"/api/v1/tokens/{created.json()['id']}"
    assert client.delete(path).status_code == 403
    assert client.delete(path, headers={"X-CSRFToken": token}).status_code == 204


def test_a_deactivated_agents_session_is_refused(admin, agent) -> None:
    client = session_client(agent)
    agent_update(actor=admin, agent_id=agent.pk, changes={"is_active": False})
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
