"""The customer 360: organizations, customers and their identities on every channel."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class JourneyStage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    CHURNED = "churned", _("Churned")
    WON_BACK = "won_back", _("Won back")


class Tier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    PLATINUM = "platinum", _("Platinum")


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    TWITTER = "twitter", _("X / Twitter")
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    WEBCHAT = "webchat", _("Web chat visitor")
    EXTERNAL = "external", _("External id")


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(_("normalised name"), max_length=200, db_index=True)
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    custom_attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [models.Index(fields=["-created_at", "-id"], name="org_created")]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(_("normalised name"), max_length=200)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="customers", verbose_name=_("organization"), db_index=False,
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    journey_stage = models.CharField(
        _("journey stage"), max_length=16, choices=JourneyStage.choices,
        default=JourneyStage.ACTIVE,
    )
    segment_tags = models.JSONField(_("segment tags"), default=list, blank=True)
    lifetime_value = models.DecimalField(
        _("lifetime value"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    cost_to_serve = models.DecimalField(
        _("cost to serve"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    custom_attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    consent = models.JSONField(_("consent flags"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="customer_created"),
            models.Index(fields=["name_key"], name="customer_name_key"),
            models.Index(fields=["organization", "-created_at"], name="customer_org"),  # and FK
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class Identity(models.Model):
    """One way to reach a customer. `value` is normalised (lower-case email, E.164 phone,
    handle without @) and unique per kind; `match_key` groups values that probably belong to
    one person across kinds (phone and WhatsApp number; email without +tag)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="identities", verbose_name=_("customer"),
        db_index=False,  # identity_customer_kind serves it
    )
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=320)
    match_key = models.CharField(_("match key"), max_length=320, db_index=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    is_verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_kind_value_unique"),
        ]
        indexes = [models.Index(fields=["customer", "kind"], name="identity_customer_kind")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


