"""The customer 360: organizations, customers and their identities on every channel."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
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
    # The latest survey answer on a 0–100 scale (written by the feedback context); empty until
    # the customer answers one. Segments filter on it.
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    # Written by the value recompute (customers.value_services) from the customer's orders.
    order_count = models.PositiveIntegerField(_("orders"), default=0)
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

    @property
    def profitability(self) -> Decimal:
        """Lifetime value less cost to serve (may be negative)."""
        return self.lifetime_value - self.cost_to_serve


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




class CustomerOrder(models.Model):
    """One purchase of a customer, in the company's single currency. Recorded by
    customers.value_services (one at a time, or from a CSV file); the sum of a customer's
    orders is their lifetime value."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="orders", verbose_name=_("customer"),
        db_index=False,  # order_customer serves it
    )
    # The order's id in the shop or billing system; recording it twice records it once.
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    ordered_at = models.DateTimeField(_("ordered at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["customer", "-ordered_at", "-id"], name="order_customer")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "external_id"], condition=~models.Q(external_id=""),
                name="order_customer_external_id_unique",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0),
                                   name="order_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} @ {self.ordered_at:%Y-%m-%d}"


class TierRule(models.Model):
    """An admin's rule for the customer tier: the first active rule (by position) whose every
    threshold that is set is met gives its tier; no rule met gives "standard"."""

    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    min_revenue = models.DecimalField(_("minimum revenue"), max_digits=14, decimal_places=2,
                                      null=True, blank=True)
    min_profitability = models.DecimalField(_("minimum profitability"), max_digits=14,
                                            decimal_places=2, null=True, blank=True)
    min_orders = models.PositiveIntegerField(_("minimum orders"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        indexes = [models.Index(fields=["position", "id"], name="tier_rule_position")]

    def __str__(self) -> str:
        return f"{self.position}: {self.tier}"


class SegmentMatch(models.TextChoices):
    ALL = "all", _("All conditions")
    ANY = "any", _("Any condition")


class Segment(models.Model):
    """A saved group of customers: conditions on profile and value fields (see
    customers.segments), all or any of which a customer meets. Membership is live: computed
    when asked, never stored."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    match = models.CharField(_("match"), max_length=8, choices=SegmentMatch.choices,
                             default=SegmentMatch.ALL)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        indexes = [models.Index(fields=["-created_at", "-id"], name="segment_created")]

    def __str__(self) -> str:
        return self.name
