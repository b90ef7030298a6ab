"""The one seam to the Tasks framework: django_tasks today, django.tasks on Django 6."""

from __future__ import annotations

from django_tasks import TaskResult, TaskResultStatus, default_task_backend, task

__all__ = ["TaskResult", "TaskResultStatus", "default_task_backend", "task"]
