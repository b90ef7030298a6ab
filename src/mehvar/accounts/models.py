"""Agents (the people who use Mehvar), teams, API tokens and the security audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    ANALYST = "analyst", _("Analyst")


class AgentManager(UserManager["Agent"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None,
        **extra_fields: Any,
    ) -> Agent:
        """`mehvar createsuperuser` makes a Mehvar administrator, not only a Django superuser."""
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class Agent(AbstractUser):
    """A Mehvar user. `role` drives permissions (core.permissions); Django's is_superuser stays
    for the admin site only."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(
        _("interface language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # Persian (۱۲۳) or Arabic-Indic (١٢٣) digits for numbers and dates the interface shows,
    # when the interface language is fa or ar; what people wrote is shown as written.
    native_digits = models.BooleanField(_("native digits"), default=False)

    objects: ClassVar[AgentManager] = AgentManager()

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams",
        verbose_name=_("team lead"),
    )
    members = models.ManyToManyField(
        Agent, through="TeamMembership", related_name="teams", verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, verbose_name=_("team"))
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, verbose_name=_("agent"))
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["team", "agent"], name="team_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} in {self.team_id}"


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of the secret is stored; the secret is shown once.

    The secret has 256 bits of entropy, so a fast hash is safe and keeps each request cheap
    (a slow password hash per API call would cost tens of milliseconds)."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("agent"),
        db_index=False,  # token_agent_created serves it
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["agent", "-created_at"], name="token_agent_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditLogEntry(models.Model):
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        indexes = [models.Index(fields=["-at", "-id"], name="audit_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
