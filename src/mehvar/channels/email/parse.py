"""Raw RFC 5322 bytes to one `Inbound`: sender, subject and its "[#123]" token, threading ids,
the text the customer newly wrote (quoted history apart), HTML, attachments and flags.

`parse_email` never raises. What it cannot read is flagged "malformed" and kept as well as it
can be read; the pipeline keeps the raw bytes, so nothing is lost.

The structure is parsed with `policy.compat32`, not `policy.default`: the modern policy parses
each part's Content-Type header again every time the feed parser asks for it (about twenty
times for a four-part mail), which made a 3 KB message cost 2 ms, while compat32 takes 0.1 ms
and never raises. Headers, parameters and charsets are then decoded by `decode`, leniently."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import errors
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from html import escape

from mehvar.channels.email.decode import (
    bracketed_ids,
    children,
    decode_bytes,
    decode_words,
    first_header,
    header_text,
    header_values,
    parse_address,
    part_bytes,
    part_text,
    raw_to_text,
)
from mehvar.channels.email.loops import classify
from mehvar.channels.email.quotes import split_quoted
from mehvar.channels.types import IgnoreReason, Inbound
from mehvar.conversations.html import clean_text, html_to_text, sanitize_html
from mehvar.conversations.services.messages import AttachmentUpload, safe_filename
from mehvar.conversations.services.validation import (
    HTML_TO_TEXT_RATIO,
    MAX_EXTERNAL_ID_LENGTH,
    MAX_SUBJECT_LENGTH,
)

logger = logging.getLogger(__name__)

# conversations.MessageFlag values, in the order they are listed on a message.
MALFORMED, AUTO_REPLY, HTML_ONLY, TRUNCATED = "malformed", "auto_reply", "html_only", "truncated"
FLAG_ORDER = (MALFORMED, AUTO_REPLY, HTML_ONLY, TRUNCATED)
MAX_ATTACHMENTS = 50
MAX_REFERENCES = 50
UNREADABLE = "(unreadable message)"
FORWARD_BANNER = "---------- Forwarded message ----------"
_MAX_DEPTH = 20
_MAX_PARTS = 500
_TOKEN = re.compile(r"\[#(\d{1,12})\]")
_PARSER = BytesParser(policy=compat32)
# Defects after which the parser may have misread the body (it keeps the text it found).
_STRUCTURAL_DEFECTS = (
    errors.StartBoundaryNotFoundDefect,
    errors.NoBoundaryInMultipartDefect,
    errors.MultipartInvariantViolationDefect,
    errors.FirstHeaderLineIsContinuationDefect,
    errors.MissingHeaderBodySeparatorDefect,
)
_EXTENSIONS = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "image/bmp": ".bmp", "image/tiff": ".tif", "image/svg+xml": ".svg", "image/heic": ".heic",
    "text/calendar": ".ics", "application/ics": ".ics", "text/plain": ".txt",
    "text/html": ".html", "application/pdf": ".pdf", "message/rfc822": ".eml",
    "text/rfc822-headers": ".txt", "audio/mpeg": ".mp3", "video/mp4": ".mp4",
}


def subject_token(subject: str) -> tuple[str, int | None]:
    """(subject without any "[#123]" token, whitespace collapsed; the first token's number)."""
    match = _TOKEN.search(subject)
    return " ".join(_TOKEN.sub(" ", subject).split()), int(match.group(1)) if match else None


def subject_with_token(subject: str, conversation_id: int) -> str:
    """`subject` naming the conversation once: its own tokens replaced by " [#id]"."""
    return f"{subject_token(subject)[0]} [#{conversation_id}]".lstrip()


@dataclass
class _Segment:
    """One run of body content in document order, as text, HTML or both (alternatives)."""

    plain: str | None
    html: str | None


@dataclass
class _State:
    max_attachment_bytes: int
    attachments: list[AttachmentUpload] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    parts_seen: int = 0


def parse_email(raw: bytes, *, max_attachment_bytes: int, max_text_chars: int) -> Inbound:
    """The `Inbound` for one raw e-mail; see the module docstring."""
    data = bytes(raw)
    try:
        return _parse(data, max_attachment_bytes=max_attachment_bytes,
                      max_text_chars=max_text_chars)
    except Exception:  # the contract: never raise; the raw bytes stay stored by the pipeline
        logger.exception("E-mail of %d bytes could not be parsed", len(data))
        return _unreadable(data, max_text_chars)


def _parse(raw: bytes, *, max_attachment_bytes: int, max_text_chars: int) -> Inbound:
    message = _PARSER.parsebytes(raw)
    state = _State(max_attachment_bytes=max_attachment_bytes)
    segments: list[_Segment] = []
    _walk(message, state, segments, 0)
    if not message.keys():
        state.flags.add(MALFORMED)
    text, html = _body(segments, state, max_text_chars)
    name, address = "", ""
    for header in ("from", "sender", "return-path"):
        name, address = parse_address(first_header(message, header))
        if address:
            break
    subject, token = subject_token(header_text(first_header(message, "subject")))
    verdict = classify(message)
    if verdict.ignore_reason == IgnoreReason.AUTO_REPLY:
        state.flags.add(AUTO_REPLY)
    quoted = ""
    if text:
        text, quoted = split_quoted(text)
    if state.dropped:
        text = f"{text}\n\n" + "\n".join(state.dropped)
        text = text.strip()[:max_text_chars]
    if not text and not html and not state.attachments and MALFORMED in state.flags:
        text = UNREADABLE
    return Inbound(
        external_id=_external_id(message, raw),
        identity_kind="email" if address else "",
        identity_value=address,
        sender_name=name,
        subject=subject[:MAX_SUBJECT_LENGTH].strip(),
        text=text,
        html=html,
        quoted_text=quoted,
        attachments=state.attachments,
        flags=[flag for flag in FLAG_ORDER if flag in state.flags],
        references=_references(message),
        conversation_token=token,
        reply_address=parse_address(first_header(message, "reply-to"))[1] or address,
        ignore_reason=verdict.ignore_reason or ("" if address else IgnoreReason.NO_SENDER),
        bounce_of=verdict.bounce_of,
        bounce_detail=verdict.bounce_detail,
    )


def _external_id(message: Message, raw: bytes) -> str:
    value = first_header(message, "message-id")
    ids = bracketed_ids(value)
    if not ids:
        bare = "".join(clean_text(raw_to_text(value)).split()).strip("<>")
        ids = [bare] if bare else []
    return ids[0][:MAX_EXTERNAL_ID_LENGTH] if ids else "sha256:" + hashlib.sha256(raw).hexdigest()


def _references(message: Message) -> list[str]:
    """In-Reply-To, then References newest first (the header lists them oldest first)."""
    found = [ref for value in header_values(message, "in-reply-to") for ref in bracketed_ids(value)]
    for value in header_values(message, "references"):
        found.extend(reversed(bracketed_ids(value)))
    return list(dict.fromkeys(found))[:MAX_REFERENCES]


def _walk(part: Message, state: _State, segments: list[_Segment], depth: int) -> None:
    state.parts_seen += 1
    if depth > _MAX_DEPTH or state.parts_seen > _MAX_PARTS:
        state.flags.add(MALFORMED)
        return
    if any(isinstance(defect, _STRUCTURAL_DEFECTS) for defect in part.defects):
        state.flags.add(MALFORMED)
    content_type = part.get_content_type()
    if part.is_multipart():
        if content_type == "multipart/alternative":
            _alternative(children(part), state, segments, depth)
        elif content_type == "message/delivery-status":
            return  # a bounce report, read by loops.classify
        elif part.get_content_maintype() == "message":
            for child in children(part):
                _forwarded(child, state, segments, depth)
        else:
            for child in children(part):
                _walk(child, state, segments, depth + 1)
    elif content_type == "text/rfc822-headers":
        return  # a bounced message's headers, read by loops.classify
    elif part.get_content_maintype() == "multipart":
        state.flags.add(MALFORMED)  # no usable boundary: the parts are one text
        segments.append(_Segment(_text_of(part, state), None))
    elif _is_body(part, content_type):
        body = _text_of(part, state)
        if content_type == "text/html":
            segments.append(_Segment(None, body))
        else:
            segments.append(_Segment(body, None))
    else:
        _attachment(part, content_type, state)


def _is_body(part: Message, content_type: str) -> bool:
    return (content_type in {"text/plain", "text/html"}
            and part.get_content_disposition() != "attachment" and not _filename(part))


def _text_of(part: Message, state: _State) -> str:
    text, readable = part_text(part)
    if not readable:
        state.flags.add(MALFORMED)
    flowed = str(part.get_param("format", "")).lower() == "flowed"
    if flowed and part.get_content_subtype() == "plain":
        return _unflow(text, delete_space=str(part.get_param("delsp", "")).lower() == "yes")
    return text


def _alternative(
    alternatives: list[Message], state: _State, segments: list[_Segment], depth: int
) -> None:
    """One segment from alternatives: the first plain text and the last (richest) HTML."""
    plain: str | None = None
    html: str | None = None
    for child in alternatives:
        content_type = child.get_content_type()
        if child.is_multipart():
            inner: list[_Segment] = []
            _walk(child, state, inner, depth + 1)
            inner_plain, inner_html = _join(inner)
            plain = plain if plain is not None else inner_plain
            html = inner_html if inner_html is not None else html
        elif content_type == "text/plain" and _is_body(child, content_type):
            plain = plain if plain is not None else _text_of(child, state)
        elif content_type == "text/html" and _is_body(child, content_type):
            html = _text_of(child, state)
        elif child.get_content_maintype() == "text" and content_type != "text/calendar":
            continue  # another rendering of the same content (text/enriched, watch-html)
        else:
            _walk(child, state, segments, depth + 1)
    if plain is not None or html is not None:
        segments.append(_Segment(plain, html))


def _join(segments: list[_Segment]) -> tuple[str | None, str | None]:
    """The segments as one text and one HTML, each None unless every segment has it."""
    if not segments:
        return None, None
    plains = [segment.plain for segment in segments if segment.plain is not None]
    htmls = [segment.html for segment in segments if segment.html is not None]
    return ("\n".join(plains) if len(plains) == len(segments) else None,
            "\n".join(htmls) if len(htmls) == len(segments) else None)


def _forwarded(inner: Message, state: _State, segments: list[_Segment], depth: int) -> None:
    """A message/rfc822 part: a banner with its headers, then its body and attachments."""
    lines = [FORWARD_BANNER]
    for label in ("From", "Date", "Subject", "To"):
        value = header_text(first_header(inner, label))
        if value:
            lines.append(f"{label}: {value}")
    html = "<p>" + "<br>".join(escape(line, quote=False) for line in lines) + "</p>"
    segments.append(_Segment("\n".join(lines) + "\n", html))
    _walk(inner, state, segments, depth + 1)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError, IndexError, errors.MessageError):
        return ""
    if not isinstance(name, str) or not name.strip():
        return ""
    return clean_text(decode_words(raw_to_text(name))).strip()


def _attachment(part: Message, content_type: str, state: _State) -> None:
    data, broken = part_bytes(part)
    filename = _filename(part)
    if not data and not filename:
        return
    if broken:
        state.flags.add(MALFORMED)
    if not filename:
        stem = {"image": "image", "text": "part"}.get(part.get_content_maintype(), "attachment")
        stem = "invite" if content_type in {"text/calendar", "application/ics"} else stem
        extension = _EXTENSIONS.get(content_type, ".bin")
        filename = f"{stem}-{len(state.attachments) + 1}{extension}"
    filename = safe_filename(filename)
    if len(data) > state.max_attachment_bytes or len(state.attachments) >= MAX_ATTACHMENTS:
        state.flags.add(TRUNCATED)
        state.dropped.append(f"[attachment dropped: {filename} ({len(data)} bytes)]")
        return
    state.attachments.append(AttachmentUpload(filename, content_type, data))


def _body(segments: list[_Segment], state: _State, max_text_chars: int) -> tuple[str, str]:
    """(full text, HTML). HTML is kept only when every segment has it, so it never shows
    less than the text; the text of HTML-only segments comes from their HTML."""
    html_limit = max_text_chars * HTML_TO_TEXT_RATIO
    texts: list[str] = []
    for segment in segments:
        if segment.plain is not None:
            texts.append(segment.plain)
        elif segment.html:
            texts.append(html_to_text(sanitize_html(segment.html[:html_limit]), sanitized=True))
            state.flags.add(HTML_ONLY)
    text = clean_text("\n\n".join(part.strip("\n") for part in texts if part.strip())).strip()
    _, html = _join(segments)
    html = clean_text(html or "").strip()
    if len(text) > max_text_chars:
        text = text[:max_text_chars]
        state.flags.add(TRUNCATED)
    if len(html) > html_limit:
        html = ""
        state.flags.add(TRUNCATED)
    return text, html


def _unflow(text: str, *, delete_space: bool) -> str:
    """RFC 3676 format=flowed: soft-broken lines (ending in a space) joined into paragraphs,
    within one quote depth; space-stuffing undone."""
    out: list[str] = []
    current: str | None = None
    current_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        if current is not None and depth == current_depth:
            current += content
        else:
            if current is not None:
                out.append(_quote_prefix(current_depth) + current)
            current, current_depth = content, depth
        if not flowed:
            out.append(_quote_prefix(current_depth) + current)
            current = None
    if current is not None:
        out.append(_quote_prefix(current_depth) + current)
    return "\n".join(out)


def _quote_prefix(depth: int) -> str:
    return ">" * depth + " " if depth else ""


def _unreadable(raw: bytes, max_text_chars: int) -> Inbound:
    text = clean_text(decode_bytes(raw[: max_text_chars * 4])[0]).strip()[:max_text_chars]
    return Inbound(
        external_id="sha256:" + hashlib.sha256(raw).hexdigest(),
        text=text or UNREADABLE,
        flags=[MALFORMED],
        ignore_reason=IgnoreReason.NO_SENDER,
    )
