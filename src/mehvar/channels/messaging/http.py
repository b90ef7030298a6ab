"""What the messaging channels share: one POST to a provider (stdlib, a 10-second timeout,
JSON, form or multipart body) with its failures mapped to DeliveryError, the splitting of long
text into parts a provider accepts, and the reading of a provider's JSON payload.

Failure mapping: a 4xx other than 429 is the provider refusing this message (a bad number, a
blocked bot), so retrying cannot help and the delivery fails at once; 429, 5xx, timeouts and
connection errors are the provider or the network having a bad moment and are retried."""

from __future__ import annotations

import base64
import http.client
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from mehvar.channels.errors import DeliveryError

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_ERROR_DETAIL_CHARS = 300
# Ignore reasons of our own (IgnoreReason has none for these); stored as the envelope outcome.
MALFORMED = "malformed"  # the payload could not be read (bad JSON, bad form encoding)
UNSUPPORTED = "unsupported"  # an update that carries no customer message (joins, reactions…)


@dataclass(frozen=True)
class FilePart:
    field: str
    filename: str
    content_type: str
    data: bytes


def basic_auth(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def post_json(
    url: str, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _post(url, body, "application/json; charset=utf-8", headers)


def post_form(
    url: str, fields: Mapping[str, str], *, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    body = urllib.parse.urlencode(fields).encode("ascii")
    return _post(url, body, "application/x-www-form-urlencoded; charset=utf-8", headers)


def post_multipart(
    url: str,
    fields: Mapping[str, str],
    files: Sequence[FilePart],
    *,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    body, content_type = _multipart(fields, files)
    return _post(url, body, content_type, headers)


def _post(
    url: str, body: bytes, content_type: str, headers: Mapping[str, str] | None
) -> dict[str, Any]:
    """POST and return the JSON object answered. The URL is never put in an error: Telegram's
    carries the bot token."""
    request_headers = {
        **(headers or {}),
        "Content-Type": content_type,
        "Accept": "application/json",
        "User-Agent": "Mehvar",
    }
    if not url.startswith(("https://", "http://")):
        raise DeliveryError(_("The provider's base URL must start with https://."), permanent=True)
    try:
        request = urllib.request.Request(url, data=body, headers=request_headers, method="POST")
        # The scheme is checked above: urlopen never sees file: or ftp: URLs.
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as error:
        detail = error_detail(_error_body(error))
        permanent = 400 <= error.code < 500 and error.code != 429
        raise DeliveryError(f"HTTP {error.code}: {detail}", permanent=permanent) from error
    except (OSError, http.client.HTTPException) as error:
        # URLError (refused, DNS), TimeoutError, a dropped connection, a cut-off answer.
        reason = getattr(error, "reason", None) or error
        raise DeliveryError(f"{type(error).__name__}: {reason}", permanent=False) from error
    except ValueError as error:
        # A setting that cannot go into a request (a line break or non-Latin-1 character in a
        # token, a malformed host): retrying the same values cannot help.
        detail = _("The provider settings cannot be used in a request (%(error)s).") % {
            "error": type(error).__name__
        }
        raise DeliveryError(detail, permanent=True) from error
    try:
        answer = json.loads(data)
    except (ValueError, RecursionError):
        answer = None
    if not isinstance(answer, dict):
        # A 2xx that is not the provider's JSON: the base URL points somewhere else. Not
        # retried, because the message may have been accepted and a retry would repeat it.
        raise DeliveryError(
            _(
                "The provider answered with something other than a JSON "
                "object; check the base URL setting."
            ),
            permanent=True,
        )
    return answer


def _error_body(error: urllib.error.HTTPError) -> bytes:
    try:
        with error:
            return error.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException, AttributeError):  # no body came with it
        return b""


def error_detail(body: bytes) -> str:
    """The provider's own words for a refusal: Twilio's `message`, the Graph API's
    `error.message`, Telegram's `description`; else the start of the body."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return body.decode("utf-8", "replace").strip()[:MAX_ERROR_DETAIL_CHARS]
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        data = data["error"]
    if isinstance(data, dict):
        for key in ("message", "description"):
            if isinstance(data.get(key), str):
                code = data.get("code", data.get("error_code"))
                prefix = f"[{code}] " if isinstance(code, int | str) and code != "" else ""
                return (prefix + data[key])[:MAX_ERROR_DETAIL_CHARS]
    return json.dumps(data, ensure_ascii=False)[:MAX_ERROR_DETAIL_CHARS]


def _multipart(fields: Mapping[str, str], files: Sequence[FilePart]) -> tuple[bytes, str]:
    boundary = f"mehvar-{secrets.token_hex(16)}"
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks += [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode(),
            value.encode(),
            b"\r\n",
        ]
    for file in files:
        chunks += [
            f"--{boundary}\r\n".encode(),
            (
                f'Content-Disposition: form-data; name="{_quote(file.field)}"; '
                f'filename="{_quote(file.filename)}"\r\n'
            ).encode(),
            f"Content-Type: {_quote(file.content_type)}\r\n\r\n".encode(),
            file.data,
            b"\r\n",
        ]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _quote(value: str) -> str:
    # HTML5 form encoding: UTF-8 as is; quotes and line breaks escaped so a file name cannot
    # end the header.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def split_text(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 code units (Telegram counts those; for the
    others it is at least as strict), cut at a line break, else a space, in the second half
    of a part; a long run without either is cut where the limit falls."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if _utf16_units(rest) <= limit:
            parts.append(rest)
            break
        end, units = 0, 0
        while end < len(rest):
            size = 2 if ord(rest[end]) > 0xFFFF else 1
            if units + size > limit:
                break
            units += size
            end += 1
        window = rest[:end]
        cut = window.rfind("\n")
        if cut <= end // 2:
            cut = max(window.rfind(" "), window.rfind("\t"))
        if cut <= end // 2:
            cut = end
        part, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if part:
            parts.append(part)
    return parts


def json_object(raw: bytes) -> dict[str, Any] | None:
    """The payload as a JSON object, or None when it is not one (never raises)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list, skipping anything else (a payload may not be what the
    provider documents)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text_of(value: object) -> str:
    """A JSON value that should be a string or a number, as text ("" otherwise)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, str | int):
        return str(value)
    return ""


def inbound_text(*pieces: str) -> tuple[str, list[str]]:
    """The non-empty pieces (text, caption, notes of media) joined by blank lines, shortened
    to MEHVAR_MAX_MESSAGE_CHARS with the "truncated" flag when longer: an overlong message
    would otherwise fail processing on every retry."""
    text = "\n\n".join(piece.strip() for piece in pieces if piece and piece.strip())
    limit = settings.MEHVAR_MAX_MESSAGE_CHARS
    if len(text) > limit:
        return text[:limit], ["truncated"]
    return text, []


def not_configured() -> DeliveryError:
    # Permanent: nothing changes until an operator fills in the settings, and then the
    # delivery can be sent again from the conversation.
    return DeliveryError(
        _("This channel is not configured: fill in its MEHVAR_* settings."), permanent=True
    )


def message_parts(text: str, limit: int) -> list[str]:
    """split_text, refusing an empty message (it would otherwise count as sent)."""
    parts = split_text(text, limit)
    if not parts:
        raise DeliveryError(_("The message has no text to send."), permanent=True)
    return parts
