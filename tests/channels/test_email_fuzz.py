"""Properties of the inbound e-mail parser under hostile and random input (hypothesis):
it never raises, always names the message, and reads back what a well-formed mail says."""

from __future__ import annotations

import base64
import quopri
from email.header import Header
from email.utils import encode_rfc2231, formataddr
from html import escape
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mehvar.channels.email.parse import FLAG_ORDER, parse_email
from mehvar.channels.email.quotes import split_quoted
from mehvar.channels.types import Inbound
from mehvar.conversations.services.messages import safe_filename

CORPUS = sorted((Path(__file__).parent / "email_corpus").glob("*.eml"))
# The huge-header message costs 100x the others; mutating it adds time, not coverage.
SMALL_CORPUS = [path.read_bytes() for path in CORPUS if path.stat().st_size < 50_000]
MAX_TEXT_CHARS = 5_000
MAX_ATTACHMENT_BYTES = 50_000
BOUNDED = settings(max_examples=200, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def parse(raw: bytes) -> Inbound:
    return parse_email(raw, max_attachment_bytes=MAX_ATTACHMENT_BYTES,
                       max_text_chars=MAX_TEXT_CHARS)


def assert_sane(inbound: Inbound) -> None:
    assert isinstance(inbound, Inbound)
    assert inbound.external_id
    assert len(inbound.external_id) <= 500
    assert set(inbound.flags) <= set(FLAG_ORDER)
    assert len(inbound.text) <= MAX_TEXT_CHARS
    assert len(inbound.html) <= MAX_TEXT_CHARS * 5
    assert len(inbound.subject) <= 300
    assert len(inbound.attachments) <= 50
    assert len(inbound.references) <= 50
    for text in (inbound.text, inbound.quoted_text, inbound.subject, inbound.sender_name):
        assert "\x00" not in text
    for upload in inbound.attachments:
        assert isinstance(upload.data, bytes)
        assert len(upload.data) <= MAX_ATTACHMENT_BYTES
        assert upload.filename


# (a) anything at all ---------------------------------------------------------------------

@BOUNDED
@given(st.binary(max_size=4_000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    assert_sane(parse(raw))


@BOUNDED
@given(st.lists(st.sampled_from([
    b"From: a@example.com\n", b"Content-Type: multipart/mixed; boundary=b\n",
    b"Content-Type: message/rfc822\n", b"Content-Transfer-Encoding: base64\n",
    b"Content-Type: text/plain; charset=x-bogus\n", b"Subject: =?utf-8?B?2Y?=\n", b"\n",
    b"--b\n", b"--b--\n", b"=?utf-8?Q?=FF?=\n", b"Content-Disposition: attachment; filename*=",
    b"2YXYrdmF2K8=\n", b"> quoted\n", b"-- \n", b"\xff\xfe\x00\n", b"Message-ID: <\n",
]), max_size=40))
def test_mime_shaped_junk_never_raises(pieces: list[bytes]) -> None:
    assert_sane(parse(b"".join(pieces)))


# (b) real messages, damaged -------------------------------------------------------------

@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SMALL_CORPUS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "duplicate", "insert", "delete"]))
        position = draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw[position] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del raw[position:]
        elif kind == "duplicate":
            lines = bytes(raw).split(b"\n")
            header_count = max(lines.index(b"") if b"" in lines else len(lines), 1)
            index = draw(st.integers(0, header_count - 1))
            copies = draw(st.integers(1, 50))
            raw = bytearray(b"\n".join(lines[:index] + [lines[index]] * copies + lines[index:]))
        elif kind == "insert":
            raw[position:position] = draw(st.binary(min_size=1, max_size=64))
        else:
            del raw[position:position + draw(st.integers(1, 256))]
    return bytes(raw)


@BOUNDED
@given(mutated())
def test_mutated_corpus_never_raises(raw: bytes) -> None:
    assert_sane(parse(raw))


# (c) well-formed messages in many charsets read back exactly ------------------------------

def _letters(*ranges: tuple[int, int]) -> str:
    return "".join(chr(code) for start, end in ranges for code in range(start, end + 1)
                   if chr(code).isalpha())


ASCII = _letters((0x41, 0x5A), (0x61, 0x7A))
ARABIC = _letters((0x0621, 0x064A)) + "پچژگکی"
GREEK = _letters((0x0386, 0x03CE))
CYRILLIC = _letters((0x0410, 0x044F))
LATIN = _letters((0xC0, 0xFF))


def _encodable(alphabet: str, charset: str) -> str:
    return "".join(char for char in alphabet if char.encode(charset, "ignore"))


CHARSETS = {
    "utf-8": ASCII + ARABIC + GREEK + CYRILLIC + LATIN + "\u200c",
    "windows-1256": _encodable(ASCII + ARABIC, "cp1256"),
    "iso-8859-6": _encodable(ASCII + ARABIC, "iso-8859-6"),
    "iso-8859-7": _encodable(ASCII + GREEK, "iso-8859-7"),
    "windows-1253": _encodable(ASCII + GREEK, "cp1253"),
    "koi8-r": _encodable(ASCII + CYRILLIC, "koi8-r"),
    "iso-8859-1": ASCII + LATIN,
}


@st.composite
def mail(draw: st.DrawFn) -> tuple[bytes, dict[str, object]]:
    charset = draw(st.sampled_from(sorted(CHARSETS)))
    word = st.text(alphabet=CHARSETS[charset], min_size=1, max_size=10)
    words = st.lists(word, min_size=1, max_size=6).map(" ".join)
    lines = draw(st.lists(words, min_size=1, max_size=6))
    subject, name = draw(words), draw(words)
    text = "\n".join(lines)
    encoding = draw(st.sampled_from(["base64", "quoted-printable", "8bit"]))
    shape = draw(st.sampled_from(["plain", "alternative", "mixed", "html"]))
    attachment_name = draw(words) + ".bin"
    attachment = draw(st.binary(max_size=300))

    def part(content_type: str, body: str) -> bytes:
        data = body.encode(charset)
        encoded = {"base64": base64.encodebytes, "quoted-printable": quopri.encodestring,
                   "8bit": bytes}[encoding](data)
        encoded += b"" if encoded.endswith(b"\n") else b"\n"  # the boundary's own line break
        return (f"Content-Type: {content_type}; charset={charset}\n"
                f"Content-Transfer-Encoding: {encoding}\n\n").encode() + encoded

    html = "<p>" + "<br>".join(escape(line) for line in lines) + "</p>"
    plain_part = part("text/plain", text)
    if shape == "plain":
        body = plain_part
    elif shape == "html":
        body = part("text/html", html)
    elif shape == "alternative":
        body = (b"Content-Type: multipart/alternative; boundary=\"alt-b\"\n\n--alt-b\n"
                + plain_part + b"--alt-b\n" + part("text/html", html) + b"--alt-b--\n")
    else:
        filename = encode_rfc2231(attachment_name, "utf-8")
        body = (b"Content-Type: multipart/mixed; boundary=\"mix-b\"\n\n--mix-b\n" + plain_part
                + b"--mix-b\nContent-Type: application/octet-stream\n"
                + f"Content-Disposition: attachment; filename*={filename}\n".encode()
                + b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(attachment)
                + b"--mix-b--\n")
    headers = (f"From: {formataddr((name, 'person@example.com'), charset)}\n"
               f"Subject: {Header(subject, charset).encode()}\n"
               "Message-ID: <fuzz@example.com>\nMIME-Version: 1.0\n")
    expected: dict[str, object] = {
        "text": text, "subject": " ".join(subject.split()), "sender_name": name,
        "attachments": [(safe_filename(attachment_name), attachment)] if shape == "mixed" else [],
        "flags": ["html_only"] if shape == "html" else [],
    }
    return headers.encode() + body, expected


@BOUNDED
@given(mail())
def test_well_formed_mail_round_trips(generated: tuple[bytes, dict[str, object]]) -> None:
    raw, expected = generated
    inbound = parse(raw)
    assert inbound.text == expected["text"]
    assert inbound.quoted_text == ""
    assert inbound.subject == expected["subject"]
    assert inbound.sender_name == expected["sender_name"]
    assert inbound.identity_value == "person@example.com"
    assert inbound.external_id == "fuzz@example.com"
    assert inbound.flags == expected["flags"]
    assert [(upload.filename, upload.data) for upload in inbound.attachments] == (
        expected["attachments"])


# split_quoted moves lines, never loses or changes them ---------------------------------------

QUOTE_LINES = [
    "", "Thanks!", "> quoted", ">", "-- ", "--", "Sent from my iPhone", "ارسال شده از آیفون من",
    "On Mon, 1 Jan 2024 at 10:00, Ann <a@example.com> wrote:", "-----Original Message-----",
    "From: Ann <a@example.com>", "Sent: Monday", "To: Bob", "Subject: hi", "_" * 32,
    "---------- Forwarded message ---------", "Στις Δευ 1 Ιαν 2024, ο/η Ann έγραψε:",
    "في الاثنين، 1 يناير 2024 كتب أحمد:", "در تاریخ ۱۴۰۲ علی نوشت:", "سلام", "Γεια",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(QUOTE_LINES), st.text(max_size=20)), max_size=30))
def test_split_quoted_keeps_every_line(lines: list[str]) -> None:
    source = "\n".join(lines)
    shown, quoted = split_quoted(source)

    def non_blank(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    assert non_blank(shown) + non_blank(quoted) == non_blank(source)
    assert shown.strip() or not source.strip()
