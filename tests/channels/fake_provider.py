"""A local stand-in for Twilio, the WhatsApp Cloud API and the Telegram Bot API.

`FakeProvider` runs a real HTTP server on 127.0.0.1 (a random free port) in a thread, records
every request, and answers each provider's send endpoints the way the provider does. Tests
point the MEHVAR_*_BASE_URL settings at `provider.url` and make the next answers fail with
`provider.fail_next(500)` (or 429, 400…). Nothing in Mehvar is replaced: the senders make
real HTTP calls over the loopback interface.

The signature helpers at the end are written from the providers' documentation, apart from
Mehvar's own code, so a test that signs with them checks Mehvar against the specification."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

SID_PREFIX = "SMfa4e"


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def multipart(self) -> dict[str, tuple[str | None, str, bytes]]:
        """field name -> (file name or None, content type, data)."""
        content_type = self.headers["Content-Type"]
        boundary = content_type.split("boundary=", 1)[1].encode()
        parts: dict[str, tuple[str | None, str, bytes]] = {}
        for chunk in self.body.split(b"--" + boundary)[1:-1]:
            head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
            disposition = headers["Content-Disposition"]
            params = dict(item.strip().split("=", 1) for item in disposition.split(";")[1:])
            name = params["name"].strip('"')
            filename = params["filename"].strip('"') if "filename" in params else None
            parts[name] = (
                filename,
                headers.get("Content-Type", "text/plain"),
                data.removesuffix(b"\r\n"),
            )
        return parts


@dataclass
class FakeProvider:
    requests: list[Recorded] = field(default_factory=list)
    _failures: deque[tuple[int, bytes | None]] = field(default_factory=deque)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, times: int = 1, body: bytes | None = None) -> None:
        """Answer the next `times` requests with `status` and the provider's error body (or
        `body` as it is)."""
        with self._lock:
            self._failures.extend([(status, body)] * times)

    def __enter__(self) -> FakeProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    "POST", self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                status, answer = provider._answer(recorded)
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, request: Recorded) -> tuple[int, dict[str, Any] | bytes]:
        with self._lock:
            self.requests.append(request)
            failure = self._failures.popleft() if self._failures else None
            number = next(self._ids)
        path = request.path
        if failure is not None:
            status, body = failure
            return status, body if body is not None else _error_body(path, status)
        if path.startswith("/2010-04-01/Accounts/") and path.endswith("/Messages.json"):
            form = request.form()
            return 201, {
                "sid": f"{SID_PREFIX}{number:026x}",
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
            }
        if path.endswith("/media"):
            return 200, {"id": f"media-{number}"}
        if path.endswith("/messages"):
            to = request.json().get("to")
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.FAKE{number}"}],
            }
        if path.startswith("/bot") and path.endswith(("/sendMessage", "/sendDocument")):
            fields = (
                request.json()
                if path.endswith("/sendMessage")
                else {"chat_id": request.multipart()["chat_id"][2].decode()}
            )
            return 200, {
                "ok": True,
                "result": {
                    "message_id": number,
                    "date": 1_700_000_000,
                    "chat": {"id": int(fields["chat_id"]), "type": "private"},
                },
            }
        return 404, {"error": "not found"}


def _error_body(path: str, status: int) -> dict[str, Any]:
    """What each provider says when it refuses."""
    if path.startswith("/2010-04-01/"):
        return {
            "code": 21211 if status == 400 else 20000 + status,
            "message": "The 'To' number is not a valid phone number."
            if status == 400
            else "Service unavailable",
            "status": status,
        }
    if path.startswith("/bot"):
        return {
            "ok": False,
            "error_code": status,
            "description": "Bad Request: chat not found"
            if status == 400
            else "Too Many Requests: retry after 5"
            if status == 429
            else "Internal Server Error",
        }
    return {
        "error": {
            "message": "(#131030) Recipient phone number not in allowed list"
            if status == 400
            else "Service temporarily unavailable",
            "type": "OAuthException",
            "code": 131030 if status == 400 else 2,
        }
    }


# --- signing as the providers do ---------------------------------------------------------------


def twilio_signature(url: str, fields: dict[str, str], auth_token: str) -> str:
    """https://www.twilio.com/docs/usage/security#validating-requests"""
    data = url + "".join(name + fields[name] for name in sorted(fields))
    return base64.b64encode(
        hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    ).decode()


def meta_signature(body: bytes, app_secret: str) -> str:
    """X-Hub-Signature-256 of Meta's webhooks."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
