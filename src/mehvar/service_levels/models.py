"""Service levels: business-hours calendars, SLA policies, routing rules, agents' availability
and skills, hand-offs, internal requests, and each conversation's clocks (ServiceState)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BusinessCalendar(models.Model):
    """Weekly opening hours in a time zone, plus holidays. `weekly_hours` is
    {"mon": ["09:00-17:00"], ...} (business_time.parse_weekly); a missing day is closed."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    weekly_hours = models.JSONField(_("weekly hours"), default=dict)
    is_default = models.BooleanField(_("default calendar"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE,
                                 related_name="holidays", verbose_name=_("calendar"),
                                 db_index=False)
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"],
                                               name="holiday_calendar_date_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class TeamServiceSettings(models.Model):
    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, primary_key=True,
                                related_name="service_settings", verbose_name=_("team"))
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("business hours"))
    assignment_mode = models.CharField(_("assignment"), max_length=16,
                                       choices=AssignmentMode.choices,
                                       default=AssignmentMode.MANUAL)
    # Round-robin's pointer: the next pick is the first eligible agent after this one.
    last_assigned = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+",
                                      verbose_name=_("last assigned agent"))

    class Meta:
        verbose_name = _("team service settings")
        verbose_name_plural = _("team service settings")

    def __str__(self) -> str:
        return f"{self.team_id}"


class Availability(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentProfile(models.Model):
    """What routing needs to know about an agent: availability, capacity and skills."""

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 primary_key=True, related_name="service_profile",
                                 verbose_name=_("agent"))
    availability = models.CharField(_("availability"), max_length=16,
                                    choices=Availability.choices, default=Availability.OFFLINE)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=10)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability_changed_at = models.DateTimeField(_("availability changed at"), null=True,
                                                   blank=True)

    class Meta:
        verbose_name = _("agent service profile")
        verbose_name_plural = _("agent service profiles")

    def __str__(self) -> str:
        return f"{self.agent_id} {self.availability}"


class BusinessHoursCondition(models.TextChoices):
    ANY = "any", _("At any time")
    OPEN = "open", _("During business hours")
    CLOSED = "closed", _("Outside business hours")


class RoutingRule(models.Model):
    """Conditions (every non-empty one must hold; a list matches any of its values) and
    actions. Active rules are tried by `position`; the first match routes."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    intents = models.JSONField(_("intents"), default=list, blank=True)
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    segment_ids = models.JSONField(_("customer segments"), default=list, blank=True)
    business_hours = models.CharField(_("business hours"), max_length=8,
                                      choices=BusinessHoursCondition.choices,
                                      default=BusinessHoursCondition.ANY)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("route to team"))
    priority = models.CharField(_("set priority"), max_length=16, blank=True)
    add_tags = models.JSONField(_("add tags"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets in business minutes for the conversations it applies to (first active policy by
    `position` whose every non-empty condition holds)."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    segment_ids = models.JSONField(_("customer segments"), default=list, blank=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"),
                                                         null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("next response (minutes)"),
                                                        null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"), null=True,
                                                     blank=True)
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    at_risk_percent = models.PositiveSmallIntegerField(_("at risk after (percent of the target)"),
                                                       default=75)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaState(models.TextChoices):
    NONE = "none", _("No SLA")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", pgettext_lazy("SLA state", "At risk")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Met")


class ServiceState(models.Model):
    """One conversation's service-level facts. The clocks keep their starts and pauses, so a
    policy or calendar change recomputes every due time from this row alone (sla.evaluate);
    `deadline` and `warn_at` are the next moments the periodic tick must look at."""

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE,
                                        primary_key=True, related_name="service_state",
                                        verbose_name=_("conversation"))
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("SLA policy"))
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("calendar"))
    routed_by = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("routed by"))
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # Clock facts (UTC).
    started_at = models.DateTimeField(_("started at"))
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    next_response_since = models.DateTimeField(_("awaiting next response since"), null=True,
                                               blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused business seconds"), default=0)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    # Derived by sla.evaluate.
    state = models.CharField(_("SLA state"), max_length=16, choices=SlaState.choices,
                             default=SlaState.NONE)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    deadline = models.DateTimeField(_("next deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    breached = models.JSONField(_("breached targets"), default=list, blank=True)
    warned = models.JSONField(_("warned targets"), default=list, blank=True)
    # The customer's waiting for us: finished waits summed, plus the current one.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    waited_seconds = models.PositiveBigIntegerField(_("waited seconds"), default=0)

    class Meta:
        verbose_name = _("service state")
        verbose_name_plural = _("service states")
        indexes = [
            models.Index(fields=["deadline"], name="service_state_deadline",
                         condition=models.Q(deadline__isnull=False)),
            models.Index(fields=["warn_at"], name="service_state_warn_at",
                         condition=models.Q(warn_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.state}"


class Handoff(models.Model):
    """An escalation or referral: from which team and agent to which team, with the note the
    next agent reads first."""

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="handoffs", verbose_name=_("conversation"),
                                     db_index=False)
    from_team = models.ForeignKey("accounts.Team", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("from team"))
    to_team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("to team"))
    by_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("handed off by"))
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    note = models.TextField(_("hand-off note"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        indexes = [models.Index(fields=["conversation", "-created_at"], name="handoff_conv")]

    def __str__(self) -> str:
        return f"{self.conversation_id} → {self.to_team_id}"


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class InternalRequest(models.Model):
    """One department asking another on a customer's behalf (the internal customer)."""

    conversation = models.ForeignKey("conversations.Conversation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("conversation"), db_index=False)
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("requested by"))
    from_team = models.ForeignKey("accounts.Team", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("requesting team"))
    to_team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("asked team"), db_index=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"), db_index=False)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices,
                              default=RequestStatus.OPEN)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("internal request")
        verbose_name_plural = _("internal requests")
        indexes = [
            models.Index(fields=["to_team", "status", "-created_at", "-id"],
                         name="request_to_team"),
            models.Index(fields=["owner", "status", "-created_at", "-id"],
                         name="request_owner"),
            models.Index(fields=["conversation", "-created_at"], name="request_conversation"),
            models.Index(fields=["status", "-created_at", "-id"], name="request_status"),
        ]

    def __str__(self) -> str:
        return self.title


class AlertKind(models.TextChoices):
    WARNING = "warning", pgettext_lazy("SLA state", "At risk")
    BREACH = "breach", _("Breached")


class SlaAlert(models.Model):
    """A warning before a breach, or the breach, for the assignee and the team lead."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("agent"), db_index=False)
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("conversation"),
                                     db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    target = models.CharField(_("target"), max_length=32)
    due = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        indexes = [models.Index(fields=["agent", "-created_at", "-id"], name="sla_alert_agent"),
                   models.Index(fields=["conversation"], name="sla_alert_conversation")]
        constraints = [models.UniqueConstraint(
            fields=["agent", "conversation", "kind", "target", "due"],
            name="sla_alert_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} {self.conversation_id}"


class ConfigVersion(models.Model):
    """A counter per kind of configuration (routing rules, SLA policies), raised in the same
    transaction as every change, so each process can keep the rules compiled in memory and
    reload them only when the counter it reads has moved."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("configuration version")
        verbose_name_plural = _("configuration versions")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
