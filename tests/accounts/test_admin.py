"""The admin site works with the custom user model, writes through the services (so it is
audited), and never shows a token's hash."""

from __future__ import annotations

import pytest
from django.test import Client

from mehvar.accounts.models import Agent, AuditLogEntry, Team, TeamMembership
from mehvar.accounts.services import agent_update, token_create


@pytest.fixture
def admin_site(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["agent", "team", "apitoken", "auditlogentry"])
def test_changelists_load_for_an_admin(admin_site, agent, make_team, model) -> None:
    make_team("پشتیبانی", lead=agent, members=[agent])
    token_create(actor=agent, name="Τηλεφωνικό κέντρο")
    response = admin_site.get(f"/admin/accounts/{model}/")
    assert response.status_code == 200


def test_admin_index_lists_the_accounts_models(admin_site) -> None:
    content = admin_site.get("/admin/").content.decode()
    for path in ["agent", "team", "apitoken", "auditlogentry"]:
        assert f"/admin/accounts/{path}/" in content


def test_change_pages_load(admin_site, agent, make_team) -> None:
    team = make_team("خدمة العملاء", members=[agent])
    issued = token_create(actor=agent, name="x")
    entry = AuditLogEntry.objects.first()
    for path in [f"agent/{agent.pk}/change/", f"team/{team.pk}/change/",
                 f"apitoken/{issued.token.pk}/change/", f"auditlogentry/{entry.pk}/change/",
                 "agent/add/", "team/add/"]:
        assert admin_site.get(f"/admin/accounts/{path}").status_code == 200, path


def test_token_pages_show_the_prefix_never_the_hash(admin_site, agent) -> None:
    issued = token_create(actor=agent, name="Εξαγωγή")
    pages = [admin_site.get("/admin/accounts/apitoken/").content.decode(),
             admin_site.get(f"/admin/accounts/apitoken/{issued.token.pk}/change/").content.decode()]
    for content in pages:
        assert issued.token.prefix in content
        assert issued.token.key_hash not in content
        assert issued.secret not in content


def test_tokens_and_audit_entries_cannot_be_added_changed_or_deleted(admin_site, agent) -> None:
    issued = token_create(actor=agent, name="x")
    entry = AuditLogEntry.objects.first()
    assert admin_site.get("/admin/accounts/apitoken/add/").status_code == 403
    assert admin_site.get("/admin/accounts/auditlogentry/add/").status_code == 403
    assert admin_site.get(f"/admin/accounts/apitoken/{issued.token.pk}/delete/").status_code == 403
    assert admin_site.get(f"/admin/accounts/auditlogentry/{entry.pk}/delete/").status_code == 403
    response = admin_site.post(f"/admin/accounts/apitoken/{issued.token.pk}/change/",
                               {"name": "renamed"})
    assert response.status_code == 403
    issued.token.refresh_from_db()
    assert issued.token.name == "x"


def test_agents_cannot_be_deleted_only_deactivated(admin_site, agent) -> None:
    assert admin_site.get(f"/admin/accounts/agent/{agent.pk}/delete/").status_code == 403
    assert Agent.objects.filter(pk=agent.pk).exists()


def test_adding_an_agent_goes_through_the_service(admin_site, admin) -> None:
    # when
    response = admin_site.post("/admin/accounts/agent/add/", {
        "username": "fatemeh", "usable_password": "true",
        "password1": "Zard-Alu-1403-!", "password2": "Zard-Alu-1403-!",
        "role": "supervisor", "display_name": "فاطمه موسوی", "email": "fatemeh@example.ir",
        "language": "fa", "time_zone": "Asia/Tehran",
    })
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Agent.objects.get(username="fatemeh")
    assert (created.role, created.display_name, created.language, created.time_zone) == (
        "supervisor", "فاطمه موسوی", "fa", "Asia/Tehran")
    assert created.check_password("Zard-Alu-1403-!")
    entry = AuditLogEntry.objects.get(action="agent.create", target_id=str(created.pk))
    assert (entry.actor_id, entry.ip_address, entry.data) == (
        admin.pk, "127.0.0.1", {"role": "supervisor"})


def test_adding_an_agent_without_a_password(admin_site) -> None:
    response = admin_site.post("/admin/accounts/agent/add/", {
        "username": "sso-only", "usable_password": "false", "role": "agent",
        "language": "en", "time_zone": "UTC",
    })
    assert response.status_code == 302
    assert not Agent.objects.get(username="sso-only").has_usable_password()


def test_changing_an_agents_role_is_audited(admin_site, admin, agent) -> None:
    # when
    response = admin_site.post(f"/admin/accounts/agent/{agent.pk}/change/", {
        "username": "agent", "display_name": "Γιώργος", "first_name": "", "last_name": "",
        "email": "", "role": "supervisor", "language": "el", "time_zone": "Europe/Athens",
        "is_active": "on",
    })
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    assert (agent.role, agent.display_name, agent.language) == ("supervisor", "Γιώργος", "el")
    entry = AuditLogEntry.objects.get(action="agent.update")
    assert entry.actor_id == admin.pk
    assert entry.data == {
        "fields": ["display_name", "language", "role", "time_zone"],
        "role": {"before": "agent", "after": "supervisor"},
    }


def test_adding_a_team_with_members_is_audited(admin_site, admin, agent, supervisor) -> None:
    # when
    response = admin_site.post("/admin/accounts/team/add/", {
        "name": "پشتیبانی فنی", "description": "", "lead": supervisor.pk,
        "teammembership_set-TOTAL_FORMS": "2", "teammembership_set-INITIAL_FORMS": "0",
        "teammembership_set-0-agent": agent.pk, "teammembership_set-1-agent": supervisor.pk,
    })
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    team = Team.objects.get(name="پشتیبانی فنی")
    assert team.lead == supervisor
    assert set(team.members.values_list("username", flat=True)) == {"agent", "supervisor"}
    actions = list(AuditLogEntry.objects.filter(target_type="team").order_by("id")
                   .values_list("action", "data"))
    assert actions == [("team.create", {}),
                       ("team.member_add", {"agent_id": agent.pk}),
                       ("team.member_add", {"agent_id": supervisor.pk})]


def test_removing_a_member_in_the_admin_is_audited(admin_site, agent, supervisor,
                                                   make_team) -> None:
    # given
    team = make_team("Τιμολόγηση", members=[agent, supervisor])
    memberships = list(TeamMembership.objects.filter(team=team).order_by("agent__username"))
    # when: delete the agent's membership, keep the supervisor's
    response = admin_site.post(f"/admin/accounts/team/{team.pk}/change/", {
        "name": "Τιμολόγηση", "description": "", "lead": "",
        "teammembership_set-TOTAL_FORMS": "2", "teammembership_set-INITIAL_FORMS": "2",
        "teammembership_set-0-id": memberships[0].pk, "teammembership_set-0-team": team.pk,
        "teammembership_set-0-DELETE": "on",
        "teammembership_set-1-id": memberships[1].pk, "teammembership_set-1-team": team.pk,
    })
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(team.members.values_list("username", flat=True)) == ["supervisor"]
    entry = AuditLogEntry.objects.get(action="team.member_remove")
    assert entry.data == {"agent_id": agent.pk}


def test_revoke_action_revokes_through_the_service(admin_site, admin, agent) -> None:
    issued = token_create(actor=agent, name="lost laptop")
    response = admin_site.post("/admin/accounts/apitoken/", {
        "action": "revoke", "_selected_action": [issued.token.pk],
    })
    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert AuditLogEntry.objects.get(action="token.revoke").actor_id == admin.pk


def test_non_staff_agents_are_sent_to_the_login_page(supervisor) -> None:
    client = Client()
    client.force_login(supervisor)
    response = client.get("/admin/accounts/auditlogentry/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_admin_role_cannot_change_agents(admin, make_agent) -> None:
    # given: a superuser flag does not replace the admin role for writes
    helper = make_agent("supervisor", username="helpdesk-lead")
    agent_update(actor=admin, agent_id=helper.pk, changes={"is_staff": True,
                                                           "is_superuser": True})
    client = Client()
    client.force_login(helper)
    # when / then: pages are visible read-only, adding is refused
    assert client.get("/admin/accounts/agent/").status_code == 200
    assert client.get("/admin/accounts/agent/add/").status_code == 403
    assert client.post("/admin/accounts/agent/add/", {
        "username": "new", "usable_password": "false", "role": "admin", "language": "en",
        "time_zone": "UTC"}).status_code == 403
    assert client.get("/admin/accounts/auditlogentry/").status_code == 200
    assert not Agent.objects.filter(username="new").exists()
