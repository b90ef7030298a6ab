"""Reading an orders CSV file: the file's encoding, size and header, then each row into an
OrderRow or RowErrors. No database access; customers.value_services resolves the customer
references and stores the rows.

The header names the columns, in any order and case: `customer` (a customer id, an email
address or a phone number), `amount`, `ordered_at` (ISO date or date and time) and, optional,
`external_id`. Other columns are ignored. Digits may be Persian or Arabic."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import Invalid
from mehvar.customers import validation
from mehvar.customers.errors import CustomerErrorCode as Code
from mehvar.customers.identities import normalize_identity
from mehvar.customers.models import IdentityKind

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
MAX_FIELD_CHARS = 1_000
REQUIRED_COLUMNS = ("customer", "amount", "ordered_at")
OPTIONAL_COLUMNS = ("external_id",)
DELIMITERS = (",", ";", "\t")
DB_ID_MAX = 2**63 - 1
_CUSTOMER_ID = re.compile(r"#?([0-9]{1,19})")
T = TypeVar("T")


@dataclass(frozen=True)
class CustomerRef:
    """Who an order belongs to: `kind` "id" (value is the id as text), "email" or "phone"
    (value normalised as identities store it)."""

    kind: str
    value: str


@dataclass(frozen=True)
class OrderRow:
    line: int
    customer: CustomerRef
    amount: Decimal
    ordered_at: datetime
    external_id: str


@dataclass(frozen=True)
class RowError:
    """A row left out of an import: its line in the file (the header is line 1), the column at
    fault ("" for the whole row), a stable code and a translated reason."""

    line: int
    column: str
    code: str
    detail: str | Promise


@dataclass(frozen=True)
class ParsedOrders:
    rows: list[OrderRow]
    errors: list[RowError]
    row_count: int  # data rows, good and bad (blank lines are not counted)


def parse_orders_csv(data: bytes) -> ParsedOrders:
    """The good rows and the errors of the bad ones. Invalid for a problem with the whole
    file: too large, not UTF-8, not CSV, no usable header, too many rows."""
    text = _decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise Invalid(Code.IMPORT_HEADER_INVALID, _("The first line must name the columns: "
                      "customer, amount, ordered_at and, optionally, external_id."), field="file")
    delimiter = max(DELIMITERS, key=lines[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = _columns(next(reader))
        rows: list[OrderRow] = []
        errors: list[RowError] = []
        count = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_IMPORT_ROWS:
                raise Invalid(Code.IMPORT_TOO_MANY_ROWS, _("A file can hold at most %(max)d "
                              "orders; split it into smaller files.") % {"max": MAX_IMPORT_ROWS},
                              field="file")
            row, problems = _row(reader.line_num, header, cells)
            if row is not None:
                rows.append(row)
            errors.extend(problems)
    except csv.Error as error:
        raise Invalid(Code.IMPORT_FORMAT_INVALID, _("Line %(line)d is not valid CSV: %(reason)s")
                      % {"line": reader.line_num, "reason": error}, field="file") from error
    return ParsedOrders(rows=rows, errors=errors, row_count=count)


def file_too_large() -> Invalid:
    return Invalid(Code.IMPORT_FILE_TOO_LARGE, _("The file is larger than %(max)d MB; split "
                   "it into smaller files.") % {"max": MAX_IMPORT_BYTES // (1024 * 1024)},
                   field="file")


def _decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise file_too_large()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Invalid(Code.IMPORT_ENCODING_INVALID, _("The file is not UTF-8 text (line "
                      "%(line)d). Save it as \"CSV UTF-8\" and try again.") % {"line": line},
                      field="file") from error
    if "\x00" in text:
        raise Invalid(Code.IMPORT_FORMAT_INVALID, _("The file is not a CSV text file."),
                      field="file")
    return text


def _columns(cells: list[str]) -> dict[str, int]:
    """Column name -> position, for the columns this import reads."""
    names = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in cells]
    known = [name for name in names if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing or len(known) != len(set(known)):
        raise Invalid(Code.IMPORT_HEADER_INVALID, _("The first line must name each of the "
                      "columns customer, amount, ordered_at once (external_id is optional); "
                      "missing: %(missing)s.") % {"missing": ", ".join(missing) or "-"},
                      field="file")
    return {name: names.index(name) for name in known}


def _row(line: int, header: dict[str, int], cells: list[str]
         ) -> tuple[OrderRow | None, list[RowError]]:
    if len(cells) <= max(header[name] for name in REQUIRED_COLUMNS):
        return None, [RowError(line, "", Code.IMPORT_FORMAT_INVALID,
                               _("This line has fewer values than the header has columns."))]
    values = {name: cells[position] for name, position in header.items()
              if position < len(cells)}
    errors: list[RowError] = []
    customer = _attempt(line, "customer", values, _customer_ref, errors)
    amount = _attempt(line, "amount", values, validation.parse_amount, errors)
    ordered_at = _attempt(line, "ordered_at", values, validation.parse_ordered_at, errors)
    external_id = _attempt(line, "external_id", values, validation.clean_external_id, errors)
    if customer is None or amount is None or ordered_at is None or external_id is None:
        return None, errors
    return OrderRow(line=line, customer=customer, amount=amount, ordered_at=ordered_at,
                    external_id=external_id), []


def _attempt(line: int, column: str, values: dict[str, str], parse: Callable[[str], T],
             errors: list[RowError]) -> T | None:
    """`parse` of the column's value, or None with the reason added to `errors`."""
    raw = values.get(column, "")
    if len(raw) > MAX_FIELD_CHARS:
        errors.append(RowError(line, column, Code.ORDER_INVALID, _("The value is too long.")))
        return None
    try:
        return parse(raw)
    except Invalid as error:
        errors.append(RowError(line, column, error.code, error.detail))
        return None


def _customer_ref(raw: str) -> CustomerRef:
    """A customer id (digits, Latin, Persian or Arabic, optionally after #), an email address,
    or a phone number in international form (starting with + or 00)."""
    text = validation.ascii_digits(raw).strip()
    if not text:
        raise Invalid(Code.IMPORT_CUSTOMER_NOT_FOUND, _("Give the customer's id, email address "
                      "or phone number."), field="customer")
    match = _CUSTOMER_ID.fullmatch(text)
    if match and not text.startswith("00") and int(match.group(1)) <= DB_ID_MAX:
        return CustomerRef("id", str(int(match.group(1))))
    kind = IdentityKind.EMAIL if "@" in text else IdentityKind.PHONE
    return CustomerRef(kind, normalize_identity(kind, text))
