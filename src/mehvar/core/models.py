"""The append-only timeline: one row per state change, read by the customer 360 and audits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import retry

from mehvar.core.queue import task_succeeded


class TimelineEvent(models.Model):
    at = models.DateTimeField(_("at"), db_index=False)
    verb = models.CharField(_("verb"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("actor"),
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
        related_name="timeline_events", verbose_name=_("customer"), db_index=False,
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.CASCADE,
        related_name="timeline_events", verbose_name=_("conversation"), db_index=False,
    )
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        # Also the customer and conversation foreign keys' indexes.
        indexes = [
            models.Index(fields=["customer", "-at", "-id"], name="timeline_customer_at"),
            models.Index(fields=["conversation", "-at", "-id"], name="timeline_conv_at"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} @ {self.at:%Y-%m-%d %H:%M}"


class PeriodicRun(models.Model):
    """When each periodic job (core.periodic) was last enqueued; workers claim a due job by a
    conditional UPDATE of this row, so several workers never enqueue it twice."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run at"))

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")

    def __str__(self) -> str:
        return self.name


class ClaimedTask(DBTaskResult[Any, Any]):
    """A task-queue row (django_tasks_db's own table) as `mehvar worker` claimed it: the
    library's model, recording a success by one statement built once (core.worker)."""

    class Meta:
        proxy = True
        verbose_name = _("claimed task")
        verbose_name_plural = _("claimed tasks")

    @retry()
    def set_successful(self, return_value: Any) -> None:
        task_succeeded(self, return_value)
