"""Bytes and header text to `str` for hostile e-mail: charsets, RFC 2047 encoded words,
transfer encodings and addresses. Nothing here raises on bad input; each function returns its
best reading and, where it matters, whether the input was broken.

Charsets are tried in this order: the declared one, UTF-8, then the single-byte code page
whose reading looks most like real words (Arabic/Persian, Greek, Cyrillic or Latin text), with
Latin-1 as the last resort, which decodes anything. Valid UTF-8 wins over the labels that
mailers put on it by mistake (us-ascii, iso-8859-1, windows-1252)."""

from __future__ import annotations

import binascii
import codecs
import re
import unicodedata
from email.message import Message
from email.utils import getaddresses
from functools import lru_cache
from itertools import pairwise

from mehvar.conversations.html import clean_text

# Labels seen in mail that Python does not know, or knows under a narrower table than the
# mailers meant (WHATWG's encoding standard maps these the same way).
_ALIASES = {
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "windows-874": "cp874",
    "x-mac-arabic": "mac-arabic",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "default": "",
}
# Labels that mailers put on UTF-8 by mistake, so valid UTF-8 wins over them; 8-bit bytes
# labelled ASCII are read by guessing, as if unlabelled.
_LATIN_LABELS = frozenset({"ascii", "iso8859-1", "cp1252"})
# Codecs that read ASCII bytes as ASCII (the 16/32-bit and 7-bit ones do not).
_ASCII_SUPERSETS = ("ascii", "utf-8", "cp", "iso", "koi", "mac", "gb", "big5", "euc", "shift")
# Text codecs that are not character sets: never run mail bytes through them.
_NOT_CHARSETS = frozenset({
    "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "palmos",
    "mbcs", "oem",
})
# Single-byte readings tried when neither the declared charset nor UTF-8 fits.
_GUESSES = ("cp1252", "cp1256", "cp1251", "cp1253")
_GUESS_SAMPLE_BYTES = 4096
_ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,60})(?:\*[^?\s]{0,20})?\?([bBqQ])\?([^?]*)\?=")
_SURROGATES = re.compile("[\udc80-\udcff]")
_FOLDING = re.compile(r"\s+")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_ADDRESS = re.compile(r"[^\s<>\"(),;:@\[\]]{1,64}@[^\s<>\"(),;:@\[\]]{1,253}")
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset=[\"']?([A-Za-z0-9_.:-]{1,40})",
                           re.IGNORECASE)
_META_SNIFF_BYTES = 2048
_DOMAIN = re.compile(r"[^\s.@]+(?:\.[^\s.@]+)+")


@lru_cache(maxsize=128)
def codec_name(charset: str | None) -> str:
    """The Python codec for a declared charset label, or "" when it names no usable one."""
    label = (charset or "").strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    if not label or len(label) > 40:
        return ""
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return ""
    return "" if name in _NOT_CHARSETS else name


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, bool]:
    """(text, declared_ok): `data` read with the best charset; `declared_ok` is False when a
    charset was declared, could not read the bytes (unknown, or the bytes do not fit) and the
    text had to be guessed, so it may be garbled."""
    declared = codec_name(charset)
    if data.isascii() and (not declared or declared.startswith(_ASCII_SUPERSETS)):
        return data.decode("ascii"), True
    if declared and declared not in _LATIN_LABELS:
        try:
            return data.decode(declared), True
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        # Valid UTF-8 with non-ASCII bytes is almost never anything else.
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    if declared in _LATIN_LABELS and declared != "ascii":
        # As browsers do: iso-8859-1 means windows-1252, whose gaps Latin-1 fills.
        try:
            return data.decode("cp1252"), True
        except UnicodeDecodeError:
            return data.decode("latin-1"), True
    label = (charset or "").strip().strip("\"'").lower()
    claimed = bool(label) and _ALIASES.get(label) != ""  # "unknown-8bit" claims nothing
    return _guess(data), not claimed or declared == "ascii"


def _guess(data: bytes) -> str:
    sample = data[:_GUESS_SAMPLE_BYTES]
    best, best_score = "latin-1", -(10**9)
    for candidate in _GUESSES:
        try:
            score = _plausibility(sample.decode(candidate))
        except UnicodeDecodeError:
            continue
        if score > best_score:
            best, best_score = candidate, score
    return data.decode(best, errors="replace")


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    if char.isascii():
        return "latin"
    return unicodedata.name(char, "? ?").split(" ", 1)[0].lower()


def _plausibility(text: str) -> int:
    """How much `text` looks like words of a real language: a word in one script, without
    case flipping inside it, counts for its length; a wrong code page makes words that mix
    scripts ("mلs"), flip case ("ΗαΣγ") or pile up accented Latin letters ("ÇáÓáÇã")."""
    score = 0
    for word in re.findall(r"[^\W\d_]+", text):
        if word.isascii():
            continue
        scripts = {_script(char) for char in word}
        # Case flipping inside a word, or a Greek final sigma that is not final.
        flips = "ς" in word[:-1] or any(
            a.islower() and b.isupper() for a, b in pairwise(word))
        accented = sum(not char.isascii() for char in word)
        if len(scripts) > 1 or flips or (scripts == {"latin"} and accented * 2 > len(word)):
            score -= 2 * len(word)
        else:
            score += len(word)
    return score - 4 * sum(char in "\ufffd" or "\x80" <= char <= "\x9f" for char in text)


def unescape_bytes(text: str) -> bytes:
    """The raw bytes behind text the email package read as ASCII with surrogate escapes."""
    return text.encode("utf-8", "surrogateescape")


def raw_to_text(text: str) -> str:
    """Header or payload text with undecoded 8-bit bytes (surrogate escapes) read as text."""
    if _SURROGATES.search(text) is None:
        return text
    return decode_bytes(unescape_bytes(text))[0]


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded, leniently: bad base64 is padded or skipped, unknown
    charsets fall back, whitespace between adjacent encoded words is dropped, and bytes that
    a broken encoder split between two words of one charset are joined before decoding."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending_charset, pending = "", bytearray()
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        if between and not (pending_charset and between.isspace()):
            if pending_charset:
                out.append(decode_bytes(bytes(pending), pending_charset)[0])
                pending_charset, pending = "", bytearray()
            out.append(between)
        charset = match.group(1).lower()
        if pending_charset and charset != pending_charset:
            out.append(decode_bytes(bytes(pending), pending_charset)[0])
            pending = bytearray()
        pending_charset = charset
        pending += _word_bytes(match.group(2), match.group(3))
        position = match.end()
    if pending_charset:
        out.append(decode_bytes(bytes(pending), pending_charset)[0])
    out.append(value[position:])
    return "".join(out)


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("utf-8", "surrogateescape")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    return decode_base64(data)[0]


def decode_base64(data: bytes) -> tuple[bytes, bool]:
    """(bytes, broken): strict when the input is clean base64 (missing padding forgiven);
    otherwise line by line, skipping damaged lines, so that one bad line costs that line
    only. Input that is mostly not base64 at all is returned as it is (a mislabelled part)."""
    compact = data.translate(None, b" \t\r\n")
    body = compact.rstrip(b"=")
    if _B64_JUNK.search(body) is None and len(body) % 4 != 1:
        try:
            return binascii.a2b_base64(body + b"=" * (-len(body) % 4)), False
        except binascii.Error:
            pass
    out = bytearray()
    lines = [line for line in (raw.strip() for raw in data.splitlines()) if line]
    skipped = 0
    for line in lines:
        chunk = line.rstrip(b"=")
        if _B64_JUNK.search(chunk) is not None or len(chunk) % 4 == 1:
            skipped += 1
            continue
        out += binascii.a2b_base64(chunk + b"=" * (-len(chunk) % 4))
    if skipped * 2 > len(lines):
        return data, True
    return bytes(out), True


def children(part: Message) -> list[Message]:
    """The sub-parts of a multipart or message/* part (none for a leaf)."""
    if not part.is_multipart():
        return []
    return [child for child in part.get_payload() if isinstance(child, Message)]


def part_bytes(part: Message) -> tuple[bytes, bool]:
    """A leaf part's content with its transfer encoding undone: (bytes, broken). Base64 is
    decoded here, line by line when damaged; the email package undoes the others."""
    if part.is_multipart():
        return b"", True
    encoding = first_header(part, "content-transfer-encoding").replace(";", " ").split()
    if encoding and encoding[0].lower() == "base64":
        try:
            payload = part.get_payload()
        except (TypeError, LookupError):
            # CPython decodes an 8-bit payload with the charset parameter, which fails when
            # that is an RFC 2231 tuple: let it decode the base64 itself.
            data = part.get_payload(decode=True)
            return (data if isinstance(data, bytes) else b""), True
        return decode_base64(str(payload).encode("utf-8", "surrogateescape"))
    data = part.get_payload(decode=True)
    return (data, False) if isinstance(data, bytes) else (b"", True)


def part_text(part: Message) -> tuple[str, bool]:
    """A text part's content as text: (text, readable); `readable` is False when its base64
    was broken or its declared charset did not fit."""
    data, broken = part_bytes(part)
    charset = part.get_content_charset()
    if charset is None and part.get_content_subtype() == "html":
        found = _META_CHARSET.search(data[:_META_SNIFF_BYTES])
        charset = found.group(1).decode("ascii") if found else None
    text, declared_ok = decode_bytes(data, charset)
    return text, declared_ok and not broken


def header_text(raw: str) -> str:
    """One header's value for display: 8-bit read, encoded words decoded, unfolded, and
    control characters removed."""
    text = decode_words(raw_to_text(raw))
    return clean_text(_FOLDING.sub(" ", text)).strip()


def header_values(message: Message, name: str) -> list[str]:
    """The raw values of every `name` header (case-insensitive), in order."""
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def first_header(message: Message, name: str) -> str:
    values = header_values(message, name)
    return values[0] if values else ""


def is_address(value: str) -> bool:
    local, _, domain = value.rpartition("@")
    return (
        bool(local) and len(value) <= 254 and len(local) <= 64 and " " not in value
        and _DOMAIN.fullmatch(domain) is not None and "<" not in value and ">" not in value
    )


def parse_address(raw: str) -> tuple[str, str]:
    """(display name, lower-cased address) of the first usable mailbox in an address header
    such as From or Reply-To; ("", "") when none is usable."""
    text = _FOLDING.sub(" ", clean_text(raw_to_text(raw))).strip()
    if not text:
        return "", ""
    for name, address in getaddresses([text]):
        address = address.strip().strip(".").lower()
        if is_address(address):
            return _display_name(name, address), address
    match = _ADDRESS.search(text)
    if match is None or not is_address(match.group(0).lower()):
        return "", ""
    address = match.group(0).lower()
    name = text[: match.start()].strip(" <\"'")
    return _display_name(name, address), address


def _display_name(name: str, address: str) -> str:
    decoded = _FOLDING.sub(" ", decode_words(name)).strip().strip("\"'").strip()
    return "" if decoded.lower() == address else clean_text(decoded)[:200]


def bracketed_ids(raw: str) -> list[str]:
    """The message ids in a Message-ID, In-Reply-To or References value, without <>: the
    <...> tokens, or bare tokens that hold an @ when a mailer forgot the brackets."""
    text = clean_text(raw_to_text(raw))
    found = re.findall(r"<([^<>]{1,998})>", text)
    if not found:
        found = [token for token in text.split() if "@" in token]
    ids = (_FOLDING.sub("", token).strip() for token in found)
    return [token[:500] for token in ids if token]
