"""The inbound e-mail parser against a corpus of real-world-shaped mail (each .eml with the
.json of what it must give), and its parts: quote splitting, subject tokens, loop detection."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest

from mehvar.channels.email.decode import decode_bytes, decode_words, parse_address
from mehvar.channels.email.loops import Loop, classify
from mehvar.channels.email.parse import (
    FLAG_ORDER,
    UNREADABLE,
    parse_email,
    subject_token,
    subject_with_token,
)
from mehvar.channels.email.quotes import split_quoted
from mehvar.channels.types import Inbound
from mehvar.conversations.models import MessageFlag

CORPUS = Path(__file__).parent / "email_corpus"
CASES = sorted(path.stem for path in CORPUS.glob("*.eml"))
MAX_ATTACHMENT_BYTES = 100_000
MAX_TEXT_CHARS = 20_000
EXACT_FIELDS = (
    "external_id", "identity_value", "sender_name", "subject", "conversation_token", "flags",
    "references", "ignore_reason", "bounce_of", "reply_address",
)


def parse(raw: bytes, **limits: int) -> Inbound:
    return parse_email(raw, max_attachment_bytes=limits.get("attachment", MAX_ATTACHMENT_BYTES),
                       max_text_chars=limits.get("text", MAX_TEXT_CHARS))


def non_blank_lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 32
    assert sorted(path.stem for path in CORPUS.glob("*.json")) == CASES


@pytest.mark.parametrize("name", CASES)
def test_corpus_message(name: str) -> None:
    expected: dict[str, Any] = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    inbound = parse((CORPUS / f"{name}.eml").read_bytes())

    for field in EXACT_FIELDS:
        assert getattr(inbound, field) == expected[field], field
    assert inbound.identity_kind == ("email" if expected["identity_value"] else "")
    if "text" in expected:
        assert inbound.text == expected["text"]
    for fragment in expected.get("text_contains", []):
        assert fragment in inbound.text
    if "quoted_text" in expected:
        assert inbound.quoted_text == expected["quoted_text"]
    for fragment in expected.get("quoted_text_contains", []):
        assert fragment in inbound.quoted_text
    for fragment in expected.get("html_contains", []):
        assert fragment in inbound.html
    if "bounce_detail" in expected:
        assert inbound.bounce_detail == expected["bounce_detail"]
    assert [
        {"filename": upload.filename, "content_type": upload.content_type,
         "size": len(upload.data)}
        for upload in inbound.attachments
    ] == expected["attachments"]
    assert all(isinstance(upload.data, bytes) for upload in inbound.attachments)
    assert "\x00" not in inbound.text + inbound.quoted_text + inbound.subject


def test_flags_are_message_flags() -> None:
    assert set(FLAG_ORDER) <= set(MessageFlag.values)


# --- quoted history and signatures ------------------------------------------------------------

@pytest.mark.parametrize(("text", "shown", "quoted"), [
    ("Yes.\n\nOn Tue, 2 Jan 2024 at 10:00, Support <s@x.test> wrote:\n> Did it work?",
     "Yes.", "On Tue, 2 Jan 2024 at 10:00, Support <s@x.test> wrote:\n> Did it work?"),
    ("Done.\n\nفي الثلاثاء، 2 يناير 2024 تمت كتابة ما يلي بواسطة الدعم <s@x.test>:\n> هل نجح؟",
     "Done.", "في الثلاثاء، 2 يناير 2024 تمت كتابة ما يلي بواسطة الدعم <s@x.test>:\n> هل نجح؟"),
    ("باشه.\n\nدر تاریخ سه‌شنبه ۲ ژانویه ۲۰۲۴ ساعت ۱۰:۰۰ پشتیبانی <s@x.test> نوشت:\n> درست شد؟",
     "باشه.", "در تاریخ سه‌شنبه ۲ ژانویه ۲۰۲۴ ساعت ۱۰:۰۰ پشتیبانی <s@x.test> نوشت:\n> درست شد؟"),
    ("Ναι.\n\nΣτις Τρί 2 Ιαν 2024 στις 10:00, ο/η Support <s@x.test> έγραψε:\n> Λειτούργησε;",
     "Ναι.", "Στις Τρί 2 Ιαν 2024 στις 10:00, ο/η Support <s@x.test> έγραψε:\n> Λειτούργησε;"),
    ("نعم\n\nمن: الدعم <s@x.test>\nتاريخ الإرسال: الثلاثاء\nإلى: أنا\nالموضوع: سؤال\n\nنص قديم",
     "نعم", "من: الدعم <s@x.test>\nتاريخ الإرسال: الثلاثاء\nإلى: أنا\nالموضوع: سؤال\n\nنص قديم"),
    ("Εντάξει\n\nΑπό: Support <s@x.test>\nΑποστολή: Τρίτη\nΠρος: εμένα\n\nπαλιό",
     "Εντάξει", "Από: Support <s@x.test>\nΑποστολή: Τρίτη\nΠρος: εμένα\n\nπαλιό"),
    ("Thanks\n-- \nAnn\n+1 555 0100", "Thanks", "-- \nAnn\n+1 555 0100"),
    ("شكرا\n\nأرسلت من الـ iPhone", "شكرا", "أرسلت من الـ iPhone"),
    ("Ευχαριστώ\n\nΣτάλθηκε από το iPhone μου", "Ευχαριστώ", "Στάλθηκε από το iPhone μου"),
])
def test_split_quoted(text: str, shown: str, quoted: str) -> None:
    assert split_quoted(text) == (shown, quoted)
    assert non_blank_lines(f"{shown}\n{quoted}") == non_blank_lines(text)


def test_split_quoted_never_leaves_nothing() -> None:
    text = "On Tue, 2 Jan 2024 at 10:00, Support <s@x.test> wrote:\n> Did it work?"
    assert split_quoted(text) == (text, "")
    assert split_quoted("Sent from my iPhone") == ("Sent from my iPhone", "")


def test_split_quoted_keeps_inline_quotes_and_text_after_them() -> None:
    text = "> Which colour?\nBlue, please.\n\n> And the size?\nLarge."
    assert split_quoted(text) == (text, "")


def test_split_quoted_keeps_forwarded_content() -> None:
    text = ("See below.\n\n---------- Forwarded message ---------\nFrom: Shop <s@x.test>\n"
            "Date: Mon\nSubject: Order\nTo: me\n\nYour order shipped.\n-- \nShop team")
    assert split_quoted(text) == (text, "")


def test_split_quoted_mobile_signature_in_the_middle_stays() -> None:
    text = "I wrote this sent from my phone.\nSent from my iPhone\nbut then I kept writing."
    assert split_quoted(text) == (text, "")


# --- subject tokens ---------------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "expected"), [
    ("Re: Order late [#123]", ("Re: Order late", 123)),
    ("[#7] Re:  Order   late", ("Re: Order late", 7)),
    ("پاسخ: سفارش [#42] [#42]", ("پاسخ: سفارش", 42)),
    ("Order [#1234567890123]", ("Order [#1234567890123]", None)),
    ("Order [# 12] [12]", ("Order [# 12] [12]", None)),
    ("", ("", None)),
])
def test_subject_token(subject: str, expected: tuple[str, int | None]) -> None:
    assert subject_token(subject) == expected


def test_subject_with_token_adds_it_once() -> None:
    assert subject_with_token("Order late", 42) == "Order late [#42]"
    assert subject_with_token("Re: Order late [#42]", 42) == "Re: Order late [#42]"
    assert subject_with_token("Order [#9] late", 42) == "Order late [#42]"
    assert subject_with_token("", 42) == "[#42]"
    assert subject_token(subject_with_token("Παραγγελία", 42)) == ("Παραγγελία", 42)


# --- loops ----------------------------------------------------------------------------------

def message(headers: str, body: str = "Hello") -> Any:
    return message_from_bytes(f"{headers}\n\n{body}\n".encode(), policy=compat32)


PERSON = "From: Dana <dana@example.com>\nMessage-ID: <m@example.com>\n"


@pytest.mark.parametrize(("headers", "reason"), [
    ("Subject: Out of office", ""),
    ("Subject: Automatic reply: holiday", ""),
    ("Subject: Out of office\nReturn-Path: <dana@example.com>", ""),
    ("Subject: Out of office\nReturn-Path: <>", "auto_reply"),
    ("Subject: Réponse automatique\nX-Auto-Response-Suppress: DR, RN", "auto_reply"),
    ("Subject: رد تلقائي\nReturn-Path: <>", "auto_reply"),
    ("Subject: پاسخ خودکار\nPrecedence: junk", "auto_reply"),
    ("Subject: Εκτός γραφείου\nReturn-Path: <>", "auto_reply"),
    ("Subject: Hi\nAuto-Submitted: no", ""),
    ("Subject: Hi\nAuto-Submitted: auto-generated", "auto_reply"),
    ("Subject: Hi\nX-Autorespond: yes", "auto_reply"),
    ("Subject: Hi\nX-Auto-Response-Suppress: OOF", "auto_reply"),
    ("Subject: Hi\nX-Auto-Response-Suppress: DR, RN", ""),
    ("Subject: Hi\nPrecedence: auto_reply", "auto_reply"),
    ("Subject: Hi\nPrecedence: list", "mailing_list"),
    ("Subject: Hi\nList-Unsubscribe: <mailto:leave@example.com>", "mailing_list"),
    ("Subject: Hi\nReturn-Path: <>", ""),
])
def test_classify(headers: str, reason: str) -> None:
    assert classify(message(PERSON + headers)).ignore_reason == reason


def test_classify_human_out_of_office_subject_is_a_message() -> None:
    raw = (CORPUS / "36-human-out-of-office-subject.eml").read_bytes()
    assert classify(message_from_bytes(raw, policy=compat32)) == Loop()
    assert parse(raw).flags == []


def test_classify_postmaster_needs_an_empty_return_path() -> None:
    headers = "From: postmaster@example.net\nSubject: Question about your service"
    assert classify(message(headers)).ignore_reason == ""
    bounce = classify(message(headers + "\nReturn-Path: <>",
                              "Message-ID: <ours-1@mehvar.test>\n550 5.1.1 no such user"))
    assert bounce == Loop("bounce", "ours-1@mehvar.test", "550 5.1.1 no such user")


# --- parse_email edge cases -------------------------------------------------------------------

def test_text_over_the_limit_is_cut_and_flagged() -> None:
    raw = b"From: a@example.com\nMessage-ID: <long@x>\n\n" + b"word " * 1000
    inbound = parse(raw, text=100)
    assert len(inbound.text) == 99  # cut at 100, then the trailing space stripped
    assert inbound.flags == ["truncated"]


def test_html_over_five_times_the_limit_is_dropped() -> None:
    raw = (b"From: a@example.com\nMessage-ID: <h@x>\nContent-Type: multipart/alternative;"
           b" boundary=b\n\n--b\nContent-Type: text/plain\n\nShort.\n--b\n"
           b"Content-Type: text/html\n\n<p>" + b"x" * 600 + b"</p>\n--b--\n")
    inbound = parse(raw, text=100)
    assert (inbound.text, inbound.html, inbound.flags) == ("Short.", "", ["truncated"])


def test_more_than_fifty_attachments_are_dropped_with_a_note() -> None:
    parts = b"".join(
        b"--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=f%d.txt\n\n"
        b"x\n" % number for number in range(52))
    raw = (b"From: a@example.com\nMessage-ID: <many@x>\nContent-Type: multipart/mixed;"
           b" boundary=b\n\n--b\nContent-Type: text/plain\n\nFiles.\n" + parts + b"--b--\n")
    inbound = parse(raw)
    assert len(inbound.attachments) == 50
    assert inbound.text == ("Files.\n\n[attachment dropped: f50.txt (1 bytes)]\n"
                            "[attachment dropped: f51.txt (1 bytes)]")
    assert inbound.flags == ["truncated"]


def test_empty_input_is_unreadable_not_an_error() -> None:
    inbound = parse(b"")
    assert (inbound.text, inbound.flags) == (UNREADABLE, ["malformed"])
    assert inbound.ignore_reason == "no_sender"
    assert inbound.external_id == (
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def test_multipart_without_boundary_keeps_its_text() -> None:
    raw = (b"From: a@example.com\nMessage-ID: <nb@x>\nContent-Type: multipart/mixed\n\n"
           b"--x\n\nHello there\n--x--\n")
    inbound = parse(raw)
    assert "Hello there" in inbound.text
    assert inbound.flags == ["malformed"]


def test_deep_nesting_is_malformed_not_a_crash() -> None:
    raw = b"From: a@example.com\nMessage-ID: <deep@x>\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (level, level)
        for level in range(3000)) + b"\nhi\n"
    inbound = parse(raw)
    assert inbound.flags == ["malformed"]
    assert inbound.text
    assert inbound.external_id.startswith("sha256:")


def test_unreadable_placeholder_when_nothing_is_left() -> None:
    raw = b"\x00\x01\x02\x03"
    assert parse(raw).text == UNREADABLE


def test_message_id_is_bounded_and_bare_ids_are_kept() -> None:
    assert parse(b"Message-ID: <" + b"a" * 600 + b"@x>\n\nhi").external_id == "a" * 500
    assert parse(b"Message-ID: 12345-no-brackets\n\nhi").external_id == "12345-no-brackets"


def test_references_are_bounded_and_deduplicated() -> None:
    ids = " ".join(f"<r{number}@x>" for number in range(80))
    inbound = parse(f"In-Reply-To: <r79@x>\nReferences: {ids}\n\nhi".encode())
    assert inbound.references[:3] == ["r79@x", "r78@x", "r77@x"]
    assert len(inbound.references) == 50


# --- decoding helpers -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "charset"), [
    ("السلام عليكم، أين طلبي؟", "cp1256"),
    ("Καλημέρα σας, πού είναι η παραγγελία μου;", "cp1253"),
    ("Здравствуйте, где мой заказ?", "cp1251"),
    ("Bonjour, où est ma commande? Merci, à bientôt.", "cp1252"),
])
def test_decode_bytes_guesses_the_code_page_of_mislabelled_text(text: str, charset: str) -> None:
    assert decode_bytes(text.encode(charset), "utf-8") == (text, False)
    assert decode_bytes(text.encode(charset), "us-ascii") == (text, True)
    assert decode_bytes(text.encode(charset)) == (text, True)


def test_decode_bytes_prefers_valid_utf8_over_a_latin_label() -> None:
    assert decode_bytes("café".encode(), "iso-8859-1") == ("café", True)
    assert decode_bytes("café €5".encode("cp1252"), "iso-8859-1") == ("café €5", True)
    assert decode_bytes("Πότε".encode("iso-8859-7"), "iso-8859-7") == ("Πότε", True)


def test_decode_words_joins_split_characters_and_survives_junk() -> None:
    assert decode_words("=?utf-8?B?2LPZhNin?= =?utf-8?B?2YU=?=") == "سلام"
    assert decode_words("=?utf-8?Q?caf=C3=A9?= ok") == "café ok"
    assert decode_words("=?no-such-charset?B?2YU=?=") == "م"
    assert decode_words("=?utf-8?B?") == "=?utf-8?B?"


@pytest.mark.parametrize(("raw", "expected"), [
    ('"Doe, Jane" <Jane@Example.com>', ("Doe, Jane", "jane@example.com")),
    ("=?utf-8?B?2YXYrdmF2K8=?= <m@example.com>", ("محمد", "m@example.com")),
    ("jane@example.com (Jane Doe)", ("Jane Doe", "jane@example.com")),
    ("undisclosed-recipients:;", ("", "")),
    ("MAILER-DAEMON", ("", "")),
    ("Bob <bob@localhost>", ("", "")),
])
def test_parse_address(raw: str, expected: tuple[str, str]) -> None:
    assert parse_address(raw) == expected
