"""The base of every API *output* schema.

django-ninja's `Schema` wraps each object it validates in a Python attribute getter, which
made response validation a quarter of a list request's CPU time. Output schemas are plain
pydantic models reading attributes in pydantic-core instead. The one thing the getter did
that pydantic does not, reading a related manager as a list, is what `Listed` does, for the
fields that are given model rows with prefetched relations."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from django.db.models import Manager
from pydantic import BaseModel, BeforeValidator, ConfigDict

Item = TypeVar("Item")


def _manager_as_list(value: Any) -> Any:
    return list(value.all()) if isinstance(value, Manager) else value


Listed = Annotated[list[Item], BeforeValidator(_manager_as_list)]


class OutSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)
