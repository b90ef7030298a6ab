"""The accounts services: authorize first, change nothing on denial, audit what they do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mehvar.accounts.errors import AccountErrorCode
from mehvar.accounts.models import Agent, ApiToken, AuditLogEntry, Role, TeamMembership
from mehvar.accounts.services import (
    agent_create,
    agent_update,
    team_create,
    team_member_add,
    team_member_remove,
    team_update,
    token_create,
    token_revoke,
)
from mehvar.core.errors import Invalid, NotFound, PermissionDenied

# -- agents ----------------------------------------------------------------------------------


def test_agent_create_by_an_admin_is_audited(admin) -> None:
    agent = agent_create(actor=admin, username="nasrin", password="Gol-e-Sorkh-99",
                         role=Role.ANALYST, display_name="نسرین", first_name="Nasrin",
                         last_name="Ahmadi", language="fa", time_zone="Asia/Tehran")
    assert (agent.role, agent.name, agent.get_full_name(), agent.is_staff) == (
        "analyst", "نسرین", "Nasrin Ahmadi", False)
    entry = AuditLogEntry.objects.get(action="agent.create", target_id=str(agent.pk))
    assert (entry.actor_id, entry.target_type, entry.data) == (admin.pk, "agent",
                                                               {"role": "analyst"})


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AGENT, Role.SUPERVISOR])
def test_agent_create_needs_the_admin_role(make_agent, role) -> None:
    actor = make_agent(role, username="actor")
    with pytest.raises(PermissionDenied) as caught:
        agent_create(actor=actor, username="intruder", password=None)
    assert caught.value.code == "permission_denied"
    assert not Agent.objects.filter(username="intruder").exists()


@pytest.mark.parametrize(
    ("_case", "kwargs", "code", "field"),
    [
        ("unknown_role", {"username": "x", "role": "owner"}, "agent_role_invalid", "role"),
        ("taken", {"username": "admin"}, "agent_username_taken", "username"),
    ],
)
def test_agent_create_rejects_bad_input(admin, _case, kwargs, code, field) -> None:
    with pytest.raises(Invalid) as caught:
        agent_create(actor=admin, password=None, **kwargs)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_agent_update_changes_only_what_differs_and_audits_role(admin, agent) -> None:
    # when
    updated = agent_update(actor=admin, agent_id=agent.pk,
                           changes={"role": Role.SUPERVISOR, "language": "en",
                                    "display_name": "أحمد"})
    # then: language was already "en", so it is not recorded
    assert (updated.role, updated.display_name) == ("supervisor", "أحمد")
    agent.refresh_from_db()
    assert (agent.role, agent.display_name) == ("supervisor", "أحمد")
    entry = AuditLogEntry.objects.get(action="agent.update")
    assert entry.data == {"fields": ["display_name", "role"],
                          "role": {"before": "agent", "after": "supervisor"}}


def test_agent_update_without_changes_writes_nothing(admin, agent) -> None:
    agent_update(actor=admin, agent_id=agent.pk, changes={"role": Role.AGENT})
    assert not AuditLogEntry.objects.filter(action="agent.update").exists()


def test_agent_update_records_deactivation(admin, agent) -> None:
    agent_update(actor=admin, agent_id=agent.pk, changes={"is_active": False})
    agent.refresh_from_db()
    assert agent.is_active is False
    assert AuditLogEntry.objects.get(action="agent.update").data == {
        "fields": ["is_active"], "is_active": {"before": True, "after": False}}


def test_agent_update_by_a_supervisor_changes_nothing(supervisor, agent) -> None:
    with pytest.raises(PermissionDenied):
        agent_update(actor=supervisor, agent_id=agent.pk, changes={"role": Role.ADMIN})
    agent.refresh_from_db()
    assert agent.role == "agent"
    assert not AuditLogEntry.objects.filter(action="agent.update").exists()


@pytest.mark.parametrize(
    ("_case", "changes", "code"),
    [
        ("unknown_role", {"role": "root"}, "agent_role_invalid"),
        ("username_taken", {"username": "admin"}, "agent_username_taken"),
    ],
)
def test_agent_update_rejects_bad_input(admin, agent, _case, changes, code) -> None:
    with pytest.raises(Invalid) as caught:
        agent_update(actor=admin, agent_id=agent.pk, changes=changes)
    assert caught.value.code == code
    agent.refresh_from_db()
    assert (agent.username, agent.role) == ("agent", "agent")


def test_agent_update_unknown_agent_and_unknown_field(admin) -> None:
    with pytest.raises(NotFound) as caught:
        agent_update(actor=admin, agent_id=-1, changes={"role": Role.AGENT})
    assert caught.value.code == AccountErrorCode.AGENT_NOT_FOUND
    with pytest.raises(ValueError, match="password"):
        agent_update(actor=admin, agent_id=admin.pk, changes={"password": "x"})


# -- teams -----------------------------------------------------------------------------------


def test_team_membership_add_is_idempotent_and_audited_once(admin, agent) -> None:
    team = team_create(actor=admin, name="خدمة العملاء")
    team_member_add(actor=admin, team=team, agent=agent)
    team_member_add(actor=admin, team=team, agent=agent)
    assert TeamMembership.objects.filter(team=team).count() == 1
    assert AuditLogEntry.objects.filter(action="team.member_add").count() == 1


def test_team_membership_remove_is_idempotent(admin, agent) -> None:
    team = team_create(actor=admin, name="Τιμολόγηση", members=[agent])
    team_member_remove(actor=admin, team=team, agent=agent)
    team_member_remove(actor=admin, team=team, agent=agent)
    assert not TeamMembership.objects.filter(team=team).exists()
    assert AuditLogEntry.objects.filter(action="team.member_remove").count() == 1


def test_a_deactivated_agent_cannot_join_a_team(admin, agent) -> None:
    team = team_create(actor=admin, name="فروش")
    agent_update(actor=admin, agent_id=agent.pk, changes={"is_active": False})
    with pytest.raises(Invalid) as caught:
        team_member_add(actor=admin, team=team, agent=agent)
    assert (caught.value.code, caught.value.field) == ("team_member_inactive", "agent")
    assert not TeamMembership.objects.exists()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AGENT, Role.SUPERVISOR])
def test_team_writes_need_the_admin_role(make_agent, admin, agent, role) -> None:
    actor = make_agent(role, username="actor")
    team = team_create(actor=admin, name="پشتیبانی")
    audit_before = AuditLogEntry.objects.count()
    with pytest.raises(PermissionDenied):
        team_create(actor=actor, name="shadow")
    with pytest.raises(PermissionDenied):
        team_update(actor=actor, team_id=team.pk, changes={"name": "renamed"})
    with pytest.raises(PermissionDenied):
        team_member_add(actor=actor, team=team, agent=agent)
    team.refresh_from_db()
    assert team.name == "پشتیبانی"
    assert not TeamMembership.objects.exists()
    assert AuditLogEntry.objects.count() == audit_before


def test_team_update_renames_and_sets_lead(admin, agent) -> None:
    team = team_create(actor=admin, name="Support")
    team_update(actor=admin, team_id=team.pk, changes={"name": "پشتیبانی", "lead": agent})
    team.refresh_from_db()
    assert (team.name, team.lead_id) == ("پشتیبانی", agent.pk)
    assert AuditLogEntry.objects.get(action="team.update").data == {"fields": ["lead", "name"]}


def test_team_update_unknown_team(admin) -> None:
    with pytest.raises(NotFound) as caught:
        team_update(actor=admin, team_id=-1, changes={"name": "x"})
    assert caught.value.code == "team_not_found"


# -- tokens ----------------------------------------------------------------------------------


def test_token_create_records_the_callers_address(agent) -> None:
    issued = token_create(actor=agent, name="x", ip_address="2001:db8::7")
    entry = AuditLogEntry.objects.get(action="token.create")
    assert (entry.target_id, entry.ip_address) == (str(issued.token.pk), "2001:db8::7")


def test_token_expiry_must_be_in_the_future(agent) -> None:
    with pytest.raises(Invalid) as caught:
        token_create(actor=agent, name="x", expires_at=timezone.now() - timedelta(seconds=1))
    assert (caught.value.code, caught.value.field) == ("token_expiry_in_past", "expires_at")
    assert not ApiToken.objects.exists()


def test_token_revoke_of_anothers_token_is_not_found_for_non_admins(supervisor, agent) -> None:
    issued = token_create(actor=agent, name="x")
    with pytest.raises(NotFound) as caught:
        token_revoke(actor=supervisor, token_id=issued.token.pk)
    assert caught.value.code == "token_not_found"
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_createsuperuser_makes_a_mehvar_administrator(db: None) -> None:
    from mehvar.accounts.models import Agent, Role

    created = Agent.objects.create_superuser("owner", "owner@example.com", "s3cret-Πάσσγουορντ")

    assert (created.role, created.is_superuser, created.is_staff) == (Role.ADMIN, True, True)
