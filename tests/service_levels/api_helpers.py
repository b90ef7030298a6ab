"""What the service-levels API tests share: roles, notes in three languages, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mehvar.accounts.models import Agent
from tests.conftest import ApiClient

ROLES = ("analyst", "agent", "supervisor", "admin")
ApiAs = Callable[[Agent | None], ApiClient]
UNKNOWN = 987_654_321
FA_NOTE = "مشتری فاکتور اسفند را دریافت نکرده؛ آدرس ایمیل را بررسی کردم و درست است."
AR_NOTE = "العميل ينتظر استرداد المبلغ منذ أسبوعين؛ تم التحقق من رقم الطلب ٤٥١٢."
EL_NOTE = "Ο πελάτης ζητά επιστροφή χρημάτων· ο αριθμός παραγγελίας επιβεβαιώθηκε."


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]
